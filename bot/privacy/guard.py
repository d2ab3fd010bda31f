"""The original message (issue 18, item 3): a group message that carries a phone, ID or
bank-card number does not stay in the group as written.

- The bot is an admin of the group: the message is removed and reposted masked in the
  speaker's name ("王阿姨 说：…"), and the speaker is told privately why.
- It is not: the speaker is told privately how to delete it (in the group, with no
  content, when they never started the bot and cannot be written to).

An organizer turns it off per group (`GroupChat.repost_masked`, `/guard 关`). A case the
message opens is unaffected: it keeps the text for the worker, and replies to the removed
message are sent without the reply link."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import GroupChat, Person
from bot.delivery import outbox
from bot.errors import Refusal
from bot.org import service as org
from bot.privacy import texts as T
from bot.privacy.mask import find, mask

SENSITIVE = frozenset({"phone", "id", "card"})


def carries_number(text: str | None) -> bool:
    """Cheap enough for every group message: the full scan only when a long digit run
    could be there."""
    if not text or sum(ch.isdigit() for ch in text) < 7:
        return False
    return any(f.kind in SENSITIVE for f in find(text))


@dataclass(frozen=True)
class Said:
    chat_id: int
    message_id: int
    text: str  # the text or the caption
    name: str  # the speaker's name as the group sees it
    photo: str | None = None  # file_id of the largest size, for a photo with a caption


async def review(session: AsyncSession, said: Said, speaker: Person | None,
                 now: datetime) -> bool:
    """Queue the repost or the advice; False when the group has it turned off or the
    message carries no such number. `speaker` is None for someone the bot keeps nothing
    about (they never started it: no private word is possible)."""
    if not carries_number(said.text):
        return False
    group = await org.group_by_chat(session, said.chat_id)
    if group is None or not group.repost_masked:
        return False
    if group.bot_is_admin:
        await _repost(session, said, now)
        advice = T.GUARD_REPOSTED
    else:
        advice = T.GUARD_PLEASE_DELETE
    if (speaker is not None and speaker.tg_id is not None and speaker.started_bot
            and not speaker.blocked_bot):
        await outbox.enqueue(session, speaker.tg_id, text=advice.format(title=group.title),
                             now=now)
    elif not group.bot_is_admin:
        await outbox.enqueue(
            session, said.chat_id, text=T.GUARD_PLEASE_DELETE_GROUP, now=now,
            reply_parameters={"message_id": said.message_id,
                              "allow_sending_without_reply": True})
    return True


async def _repost(session: AsyncSession, said: Said, now: datetime) -> None:
    masked = T.GUARD_REPOST.format(name=said.name or T.GUARD_SOMEONE, text=mask(said.text))
    await outbox.enqueue(session, said.chat_id, "deleteMessage", now=now,
                         message_id=said.message_id, priority=1)
    if said.photo:
        await outbox.enqueue(session, said.chat_id, "sendPhoto", now=now, photo=said.photo,
                             caption=masked[:1024])
    else:
        await outbox.enqueue(session, said.chat_id, text=masked, now=now)


async def set_guard(session: AsyncSession, ctx: AppContext, person: Person, chat_id: int,
                      arg: str) -> str:
    """`/guard 开|关` in a group, by one of its community's organizers."""
    group = await org.group_by_chat(session, chat_id)
    if group is None or group.grid is None:
        raise Refusal(T.GUARD_UNBOUND)
    if not await org.can_organize(session, person, group.grid.community_id,
                                  ctx.settings.admin_ids):
        raise Refusal(T.GUARD_NOT_ORGANIZER)
    choice = arg.strip()
    if choice in T.GUARD_ON_WORDS:
        group.repost_masked = True
    elif choice in T.GUARD_OFF_WORDS:
        group.repost_masked = False
    elif choice:
        raise Refusal(T.GUARD_USAGE)
    return _state(group)


def _state(group: GroupChat) -> str:
    if not group.repost_masked:
        return T.GUARD_IS_OFF
    return T.GUARD_IS_ON if group.bot_is_admin else T.GUARD_IS_ON_NOT_ADMIN
