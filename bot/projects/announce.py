"""Fan-out of project posts through the outbox: every linked group, every follower
privately. Texts are split within 4096 chars (captions 1024); several photos go
as one album (sendMediaGroup) whose items are read from the database at send time,
so photos of the same Telegram album that arrive a moment later are included."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroupChat, Person
from bot.db.models.projects import (
    Project,
    ProjectFollower,
    ProjectGroup,
    ProjectPhoto,
    ProjectUpdate,
)
from bot.delivery import outbox
from bot.projects.render import CAPTION_LIMIT, card_keyboard, post_text, split
from bot.ui import markup

ALBUM_WAIT = timedelta(seconds=3)  # the rest of an album arrives as separate updates
ALBUM_MAX = 10


async def linked_chat_ids(session: AsyncSession, project_id: int) -> list[int]:
    return list(await session.scalars(
        select(GroupChat.chat_id)
        .join(ProjectGroup, ProjectGroup.group_chat_id == GroupChat.id)
        .where(ProjectGroup.project_id == project_id, GroupChat.active.is_(True))
        .order_by(GroupChat.id)
    ))


async def follower_chat_ids(session: AsyncSession, project_id: int,
                            exclude_person_id: int | None = None) -> list[int]:
    query = (
        select(Person.tg_id)
        .join(ProjectFollower, ProjectFollower.person_id == Person.id)
        .where(ProjectFollower.project_id == project_id, Person.tg_id.is_not(None),
               Person.started_bot.is_(True), Person.blocked_bot.is_(False))
        .order_by(ProjectFollower.id)
    )
    if exclude_person_id is not None:
        query = query.where(Person.id != exclude_person_id)
    return [tg for tg in await session.scalars(query) if tg is not None]


MEDIA = "project.media"  # the outbox resolver of albums


async def album(session: AsyncSession, arg: dict[str, Any]) -> list[dict[str, Any]]:
    """The outbox resolver MEDIA: the album's photos as they are at send time."""
    photos = list(await session.scalars(
        select(ProjectPhoto.file_id).where(ProjectPhoto.update_id == arg["update_id"])
        .order_by(ProjectPhoto.id).limit(ALBUM_MAX)
    ))
    media: list[dict[str, Any]] = [{"type": "photo", "media": file_id} for file_id in photos]
    if media and arg.get("caption"):
        media[0].update(caption=arg["caption"], parse_mode="HTML")
    return media


async def send_post(session: AsyncSession, chat_id: int, text: str, *, now: datetime,
                    key: str, ref: str, photos: list[str], album_pending: bool = False,
                    update_id: int | None = None, markup: dict[str, Any] | None = None,
                    not_before: datetime | None = None) -> int:
    """Queue one post to one chat; returns how many outbox rows it took."""
    common: dict[str, Any] = {"now": now, "ref": ref, "not_before": not_before,
                              "parse_mode": "HTML"}
    rows = 0

    async def texts(parts: list[str]) -> None:
        nonlocal rows
        for i, part in enumerate(parts):
            extra = {"reply_markup": markup} if markup and i == len(parts) - 1 else {}
            await outbox.enqueue(session, chat_id, text=part, dedupe_key=f"{key}:t{i}",
                                 **common, **extra)
            rows += 1

    fits = len(text) <= CAPTION_LIMIT
    if update_id is not None and (album_pending or len(photos) >= 2):
        if not fits:
            await texts(split(text))
        media = outbox.deferred(MEDIA,
                                {"update_id": update_id, "caption": text if fits else None})
        wait = now + ALBUM_WAIT if album_pending else not_before
        await outbox.enqueue(session, chat_id, "sendMediaGroup", media=media,
                             dedupe_key=f"{key}:a", now=now, ref=ref, not_before=wait)
        return rows + 1
    if photos:
        extra = {"caption": text, **({"reply_markup": markup} if markup else {})} if fits else {}
        if not fits:
            await texts(split(text))
        await outbox.enqueue(session, chat_id, "sendPhoto", photo=photos[0],
                             dedupe_key=f"{key}:p", **common, **extra)
        return rows + 1
    await texts(split(text))
    return rows


async def publish(session: AsyncSession, project: Project, entry: ProjectUpdate, *,
                  now: datetime, author: str | None = None, groups: bool = True,
                  followers: bool = True, not_before: datetime | None = None) -> tuple[int, int]:
    """Post a timeline entry to the linked groups and the followers; returns the counts."""
    await session.flush()  # ids for dedupe keys
    text = post_text(project, entry.text, author)
    photos = [p.file_id for p in entry.photos]
    shared: dict[str, Any] = {
        "now": now, "ref": f"project:{project.id}", "photos": photos,
        "album_pending": entry.media_group_id is not None, "update_id": entry.id,
        "not_before": not_before,
    }
    group_ids = await linked_chat_ids(session, project.id) if groups else []
    keyboard = markup(card_keyboard(project.id))
    for chat_id in group_ids:
        await send_post(session, chat_id, text, key=f"prj:{entry.id}:{chat_id}",
                        markup=keyboard, **shared)
    follower_ids = (await follower_chat_ids(session, project.id, entry.actor_id)
                    if followers else [])
    private = markup(card_keyboard(project.id, following=True))
    for chat_id in follower_ids:
        await send_post(session, chat_id, text, key=f"prj:{entry.id}:{chat_id}",
                        markup=private, **shared)
    return len(group_ids), len(follower_ids)


async def notify_groups(session: AsyncSession, project_id: int, text: str, *, now: datetime,
                        key: str, not_before: datetime | None = None) -> int:
    """A plain notice (milestone overdue) to every linked group."""
    chat_ids = await linked_chat_ids(session, project_id)
    for chat_id in chat_ids:
        await send_post(session, chat_id, text, now=now, key=f"{key}:{chat_id}",
                        ref=f"project:{project_id}", photos=[], not_before=not_before)
    return len(chat_ids)
