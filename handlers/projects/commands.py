"""Project commands: /projects, /project N, /project_new, /project_update (text or
photo caption, albums), /project_milestone, /project_stage, /project_shelve,
/project_resume, /project_supervisor, /pledge. Buttons are in handlers.projects.buttons."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.projects import Project
from bot.org import service as org
from bot.projects import render as project_render
from bot.projects import service as projects
from bot.projects.parse import (
    ProjectError,
    parse_amount,
    parse_form,
    parse_milestone,
    parse_update,
    split_number,
)
from bot import texts as C
from bot.projects import texts as T
from handlers.projects import buttons as project_buttons

Handler = Callable[..., Awaitable[Any]]


def refusals(func: Handler) -> Handler:
    """A ProjectError is a refusal: answer it in Chinese (nothing was changed)."""

    @wraps(func)
    async def wrapper(message: Message, *args: Any, **kwargs: Any) -> Any:
        try:
            return await func(message, *args, **kwargs)
        except ProjectError as exc:
            await message.reply(str(exc), parse_mode=None)
            return None

    return wrapper


def photo_of(message: Message) -> projects.PhotoIn | None:
    if not message.photo:
        return None
    p = message.photo[-1]
    return projects.PhotoIn(p.file_id, p.file_unique_id, p.file_size, p.width, p.height)


async def _project(session: AsyncSession, message: Message, number: int) -> Project:
    """In a group, the project must belong to that group's community."""
    community_id = None
    if message.chat.type != "private":
        community = await projects.community_of_chat(session, message.chat.id)
        community_id = community.id if community else None
    return await projects.find(session, number, community_id=community_id)


async def show_card(session: AsyncSession, message: Message, project: Project, person: Person,
                    ctx: AppContext) -> None:
    text = project_render.card_text(
        project, totals=await projects.pledge_totals(session, project.id),
        followers=await projects.follower_count(session, project.id),
        case_number=await projects.case_number(session, project), tz=ctx.tz)
    following = await projects.is_following(session, project.id, person.id)
    markup = project_render.card_keyboard(project.id, following=following)
    parts = project_render.split(text)
    for i, part in enumerate(parts):
        await message.answer(part, reply_markup=markup if i == len(parts) - 1 else None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.include_router(project_buttons.build_router())

    @router.message(Command("projects"))
    async def list_(message: Message, session: AsyncSession, person: Person,
                    ctx: AppContext) -> None:
        if message.chat.type != "private":
            community = await projects.community_of_chat(session, message.chat.id)
            if community is None:
                await message.reply(C.UNBOUND_GROUP)
                return
            communities = [community]
        else:
            communities = (await org.organizer_communities(session, person, ctx.settings.admin_ids)
                           or await projects.communities_of_member(session, person))
        for community in communities:
            rows = await projects.list_projects(session, community.id)
            for part in project_render.split(project_render.list_text(community.name, rows)):
                await message.answer(part)

    @router.message(Command("project"))
    @refusals
    async def show(message: Message, command: CommandObject, session: AsyncSession,
                   person: Person, ctx: AppContext) -> None:
        if not command.args:
            raise ProjectError(T.PROJECT_HOW)
        number, _ = split_number(command.args)
        await show_card(session, message, await _project(session, message, number), person, ctx)

    @router.message(Command("project_new"))
    @refusals
    async def new(message: Message, command: CommandObject, session: AsyncSession,
                  person: Person, ctx: AppContext, now: Any) -> None:
        if message.chat.type != "private":
            raise ProjectError(C.PRIVATE_ONLY)
        if not await org.organizer_communities(session, person, ctx.settings.admin_ids):
            raise ProjectError(T.NOT_ALLOWED_ORGANIZE)
        if not command.args:
            await message.answer(T.NEW_TEMPLATE)
            return
        form = parse_form(command.args)
        project = await projects.create_from_form(session, person, form,
                                                  admin_ids=ctx.settings.admin_ids, now=now,
                                                  tz=ctx.tz)
        groups = await projects.linked_groups(session, project.id)
        await message.answer(T.NEW_DONE.format(id=project.id, title=escape(project.title),
                                               groups=len(groups)))

    @router.message(Command("project_update"))
    @refusals
    async def update(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: Any) -> None:
        if not command.args:
            raise ProjectError(T.UPDATE_HOW)
        number, rest = split_number(command.args)
        project = await _project(session, message, number)
        photo = photo_of(message)
        _, groups, followers = await projects.post_update(
            session, project, person, parse_update(rest), admin_ids=ctx.settings.admin_ids,
            now=now, photos=[photo] if photo else [], media_group_id=message.media_group_id)
        await message.reply(T.UPDATE_DONE.format(groups=groups, followers=followers))

    @router.message(F.photo, F.media_group_id, ~F.caption)
    async def album_part(message: Message, session: AsyncSession, person: Person) -> None:
        photo = photo_of(message)
        assert photo is not None and message.media_group_id is not None
        try:
            entry = await projects.add_album_photo(session, person, message.media_group_id, photo)
        except ProjectError as exc:
            await message.reply(str(exc), parse_mode=None)
            return
        if entry is None:
            raise SkipHandler  # not a project album: let the other features see it

    @router.message(Command("project_milestone"))
    @refusals
    async def milestone(message: Message, command: CommandObject, session: AsyncSession,
                        person: Person, ctx: AppContext, now: Any) -> None:
        number, rest = split_number(command.args)
        if not rest:
            raise ProjectError(T.MILESTONE_HOW)
        project = await _project(session, message, number)
        added = await projects.add_milestone(session, project, person, parse_milestone(rest),
                                             admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
        await message.reply(T.MILESTONE_ADDED.format(id=project.id, pos=added.position,
                                                     title=escape(added.title)))

    @router.message(Command("project_stage"))
    @refusals
    async def stage(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext, now: Any) -> None:
        if not command.args:
            raise ProjectError(T.STAGE_HOW)
        number, rest = split_number(command.args)
        project = await _project(session, message, number)
        result = await projects.advance(session, project, person, confirm="确认" in rest,
                                        admin_ids=ctx.settings.admin_ids, now=now)
        if result.poll is not None:
            await message.reply(T.STAGE_POLL_STARTED.format(
                closes=projects.local_time(result.poll.closes_at, ctx.tz),
                stage=T.STAGES[project.pending_stage or project.stage]))
        else:
            await message.reply(T.STAGE_DONE.format(id=project.id,
                                                    stage=T.STAGES[project.stage]))

    @router.message(Command("project_shelve"))
    @refusals
    async def shelve(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: Any) -> None:
        number, reason = split_number(command.args)
        project = await _project(session, message, number)
        await projects.shelve(session, project, person, reason,
                              admin_ids=ctx.settings.admin_ids, now=now)
        await message.reply(T.SHELVED.format(id=project.id))

    @router.message(Command("project_resume"))
    @refusals
    async def resume(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: Any) -> None:
        number, _ = split_number(command.args)
        project = await _project(session, message, number)
        await projects.resume(session, project, person, admin_ids=ctx.settings.admin_ids, now=now)
        await message.reply(T.STAGE_DONE.format(id=project.id, stage=T.STAGES[project.stage]))

    @router.message(Command("project_supervisor"))
    @refusals
    async def supervisor(message: Message, command: CommandObject, session: AsyncSession,
                         person: Person, ctx: AppContext, now: Any) -> None:
        number, who = split_number(command.args)
        project = await _project(session, message, number)
        target = await _target(session, message, who)
        await projects.add_supervisor(session, project, person, target,
                                      admin_ids=ctx.settings.admin_ids)
        await message.reply(T.SUPERVISOR_ADDED.format(name=escape(target.name or who), id=project.id))
        if target.tg_id and target.started_bot and not target.blocked_bot:
            from bot.delivery import outbox

            await outbox.enqueue(session, target.tg_id, now=now, ref=f"project:{project.id}",
                                 text=T.SUPERVISOR_NOTIFY.format(id=project.id,
                                                                 title=escape(project.title)))

    @router.message(Command("pledge"))
    @refusals
    async def pledge(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, now: Any) -> None:
        number, rest = split_number(command.args)
        words = rest.split(maxsplit=1)
        kind = T.PLEDGE_ALIASES.get(words[0]) if words else None
        if kind is None:
            raise ProjectError(T.PLEDGE_HOW)
        rest = words[1] if len(words) > 1 else ""
        amount = None
        if kind != "idea" and rest:
            first, _, note = rest.partition(" ")
            if first[:1].isdigit() or first[:1] == "-":
                amount, rest = parse_amount(first, T.PLEDGE_BAD_AMOUNT), note
        project = await _project(session, message, number)
        await projects.pledge(session, project, person, kind, now=now, amount=amount,
                              note=rest.strip())
        await message.reply(T.PLEDGED.format(kind=T.PLEDGE_KINDS[kind]))

    return router


async def _target(session: AsyncSession, message: Message, who: str) -> Person:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        u = replied.from_user
        return await org.upsert_person(session, tg_id=u.id, username=u.username, name=u.full_name)
    if not who.startswith("@"):
        raise ProjectError(T.SUPERVISOR_HOW)
    found = await org.person_by_username(session, who)
    if found is None:
        raise ProjectError(T.NEW_UNKNOWN_SUPERVISOR.format(who=who))
    return found
