"""What people do with projects, as the handlers ask for it: the commands (/projects,
/project N, /project_new, /project_update, /project_milestone, /project_stage,
/project_shelve, /project_resume, /project_supervisor, /pledge) and the card buttons.
No Telegram library: each returns the answer's text (and bot.ui keyboard); refusals are
`ProjectError` (a `bot.errors.Refusal`), raised before anything is written.

`group` is the chat id of the group the command came from, None in a private chat:
in a group, a project must belong to that group's community."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import council, points
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.points import PLEDGE
from bot.db.models.projects import PLEDGE_KINDS, Project
from bot.delivery import outbox
from bot.org import service as org
from bot.projects import render as R
from bot.projects import service as svc
from bot.projects import texts as T
from bot.projects.buttons import ProjFollow, ProjJoin, ProjPledge
from bot.projects.parse import (
    ProjectError,
    parse_amount,
    parse_form,
    parse_milestone,
    parse_update,
    split_number,
)
from bot.ui import Keyboard


@dataclass(frozen=True)
class Member:
    """A Telegram user the organizer replied to (a supervisor to add)."""

    tg_id: int
    username: str | None
    name: str


async def _project(session: AsyncSession, args: str | None, group: int | None
                   ) -> tuple[Project, str]:
    """The project numbered first in `args`, and the rest of `args`."""
    number, rest = split_number(args)
    return await _find(session, number, group), rest


async def _find(session: AsyncSession, number: int, group: int | None) -> Project:
    community_id = None
    if group is not None:
        community = await svc.community_of_chat(session, group)
        community_id = community.id if community else None
    return await svc.find(session, number, community_id=community_id)


# --- reading --------------------------------------------------------------------------------

async def listing(session: AsyncSession, person: Person, group: int | None,
                  ctx: AppContext) -> list[str]:
    """/projects: the group's community's projects, or the organizer's / member's ones."""
    if group is not None:
        community = await svc.community_of_chat(session, group)
        if community is None:
            raise ProjectError(C.UNBOUND_GROUP)
        communities = [community]
    else:
        communities = (await org.organizer_communities(session, person, ctx.settings.admin_ids)
                       or await svc.communities_of_member(session, person))
    parts: list[str] = []
    for community in communities:
        rows = await svc.list_projects(session, community.id)
        parts += R.split(R.list_text(community.name, rows))
    return parts


async def card(session: AsyncSession, person: Person, args: str | None, group: int | None,
               ctx: AppContext) -> tuple[list[str], Keyboard]:
    """/project N: the card in parts (the keyboard goes under the last one)."""
    if not args:
        raise ProjectError(T.PROJECT_HOW)
    project, _ = await _project(session, args, group)
    text = R.card_text(
        project, totals=await svc.pledge_totals(session, project.id),
        followers=await svc.follower_count(session, project.id),
        case_number=await svc.case_number(session, project), tz=ctx.tz)
    following = await svc.is_following(session, project.id, person.id)
    return R.split(text), R.card_keyboard(project.id, following=following)


# --- organizers -----------------------------------------------------------------------------

async def new(session: AsyncSession, person: Person, args: str | None, *, private: bool,
              ctx: AppContext, now: datetime) -> str:
    """/project_new: the form's template without arguments, else the new project."""
    if not private:
        raise ProjectError(C.PRIVATE_ONLY)
    if not await org.organizer_communities(session, person, ctx.settings.admin_ids):
        raise ProjectError(T.NOT_ALLOWED_ORGANIZE)
    if not args:
        return T.NEW_TEMPLATE
    project = await svc.create_from_form(session, person, parse_form(args),
                                         admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
    groups = await svc.linked_groups(session, project.id)
    return T.NEW_DONE.format(id=project.id, title=escape(project.title), groups=len(groups))


async def update(session: AsyncSession, person: Person, args: str | None, group: int | None,
                 ctx: AppContext, now: datetime, *, photo: svc.PhotoIn | None = None,
                 media_group_id: str | None = None) -> str:
    """/project_update N text (a photo's caption too)."""
    if not args:
        raise ProjectError(T.UPDATE_HOW)
    project, rest = await _project(session, args, group)
    _, groups, followers = await svc.post_update(
        session, project, person, parse_update(rest), admin_ids=ctx.settings.admin_ids,
        now=now, photos=[photo] if photo else [], media_group_id=media_group_id)
    return T.UPDATE_DONE.format(groups=groups, followers=followers)


async def milestone(session: AsyncSession, person: Person, args: str | None, group: int | None,
                    ctx: AppContext, now: datetime) -> str:
    project, rest = await _project(session, args, group)
    if not rest:
        raise ProjectError(T.MILESTONE_HOW)
    added = await svc.add_milestone(session, project, person, parse_milestone(rest),
                                    admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
    return T.MILESTONE_ADDED.format(id=project.id, pos=added.position, title=escape(added.title))


async def stage(session: AsyncSession, person: Person, args: str | None, group: int | None,
                ctx: AppContext, now: datetime) -> str:
    """/project_stage N [确认]: the next stage, or a residents' decision poll."""
    if not args:
        raise ProjectError(T.STAGE_HOW)
    project, rest = await _project(session, args, group)
    result = await svc.advance(session, project, person, confirm="确认" in rest,
                               everyone=any(w in rest for w in ("全体", "投票", "表决")),
                               admin_ids=ctx.settings.admin_ids, now=now)
    if result.poll is not None:
        return T.STAGE_POLL_STARTED.format(
            closes=svc.local_time(result.poll.closes_at, ctx.tz),
            stage=T.STAGES[project.pending_stage or project.stage])
    if result.waiting:
        return T.STAGE_COUNCIL.format(id=project.id, topic=result.topic_id,
                                      stage=T.STAGES[project.pending_stage or project.stage])
    if result.topic_id is not None and project.stage == "deciding":
        return T.STAGE_TOPIC.format(id=project.id, topic=result.topic_id)
    return T.STAGE_DONE.format(id=project.id, stage=T.STAGES[project.stage])


async def shelve(session: AsyncSession, person: Person, args: str | None, group: int | None,
                 ctx: AppContext, now: datetime) -> str:
    project, reason = await _project(session, args, group)
    await svc.shelve(session, project, person, reason, admin_ids=ctx.settings.admin_ids, now=now)
    return T.SHELVED.format(id=project.id)


async def resume(session: AsyncSession, person: Person, args: str | None, group: int | None,
                 ctx: AppContext, now: datetime) -> str:
    project, _ = await _project(session, args, group)
    await svc.resume(session, project, person, admin_ids=ctx.settings.admin_ids, now=now)
    return T.STAGE_DONE.format(id=project.id, stage=T.STAGES[project.stage])


async def _supervisor(session: AsyncSession, who: str, replied: Member | None) -> Person:
    if replied is not None:
        return await org.upsert_person(session, tg_id=replied.tg_id, username=replied.username,
                                       name=replied.name)
    if not who.startswith("@"):
        raise ProjectError(T.SUPERVISOR_HOW)
    found = await org.person_by_username(session, who)
    if found is None:
        raise ProjectError(T.NEW_UNKNOWN_SUPERVISOR.format(who=who))
    return found


async def supervisor(session: AsyncSession, person: Person, args: str | None, group: int | None,
                     ctx: AppContext, now: datetime, *, replied: Member | None) -> str:
    """/project_supervisor N @who (or in reply to them); they hear of it privately."""
    project, who = await _project(session, args, group)
    target = await _supervisor(session, who, replied)
    await svc.add_supervisor(session, project, person, target, admin_ids=ctx.settings.admin_ids)
    if target.tg_id and target.started_bot and not target.blocked_bot:
        await outbox.enqueue(session, target.tg_id, now=now, ref=f"project:{project.id}",
                             parse_mode="HTML", text=T.SUPERVISOR_NOTIFY.format(id=project.id,
                                                             title=escape(project.title)))
    return T.SUPERVISOR_ADDED.format(name=escape(target.name or who), id=project.id)


# --- residents ------------------------------------------------------------------------------

async def pledge(session: AsyncSession, person: Person, args: str | None, group: int | None,
                 now: datetime) -> str:
    """/pledge N 出钱|出力|出点子 [amount] [note]."""
    number, rest = split_number(args)
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
    project = await _find(session, number, group)
    await svc.pledge(session, project, person, kind, now=now, amount=amount, note=rest.strip())
    return T.PLEDGED.format(kind=T.PLEDGE_KINDS[kind])


async def _pressed(session: AsyncSession, project_id: int) -> Project:
    project = await svc.get(session, project_id)
    if project is None:
        raise ProjectError(C.BUTTON_UNKNOWN)
    return project


async def follow_button(session: AsyncSession, person: Person, cb: ProjFollow
                        ) -> tuple[str, Keyboard]:
    """关注 / 取消关注: the alert, and the card's keyboard as it is now."""
    project = await _pressed(session, cb.project_id)
    on = bool(cb.on)
    await svc.follow(session, project, person, on)
    if not on:
        text = T.UNFOLLOWED.format(id=project.id)
    elif person.started_bot and not person.blocked_bot:
        text = T.FOLLOWED.format(id=project.id)
    else:
        text = T.FOLLOWED_START.format(id=project.id)
    return text, R.card_keyboard(project.id, following=on)


async def join_button(session: AsyncSession, cb: ProjJoin) -> tuple[str, Keyboard]:
    """我要参与: the choice of 出钱 / 出力 / 出点子."""
    project = await _pressed(session, cb.project_id)
    return (T.JOIN_CHOOSE.format(id=project.id, title=escape(project.title)),
            R.join_keyboard(project.id))


async def pledge_button(session: AsyncSession, person: Person, cb: ProjPledge,
                        now: datetime) -> str:
    project = await _pressed(session, cb.project_id)
    if not 0 <= cb.kind < len(PLEDGE_KINDS):
        raise ProjectError(C.BUTTON_UNKNOWN)
    kind = PLEDGE_KINDS[cb.kind]
    await svc.pledge(session, project, person, kind, now=now)
    return T.PLEDGED.format(kind=T.PLEDGE_KINDS[kind])  # an alert: short (usage: /pledge)


async def from_topic(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                     now: datetime) -> str:
    """/topic_project N: a council decision's tasks become a project, straight at 实施."""
    if not (args or "").strip():
        raise ProjectError(council.texts.TO_PROJECT_HOW)
    number, _ = split_number(args)
    topic = await council.get_topic(session, number)
    project = await svc.create_from_topic(session, person, topic,
                                          admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
    return council.texts.TO_PROJECT_DONE.format(id=topic.id, project=project.id)


async def pledge_done(session: AsyncSession, person: Person, args: str | None,
                      group: int | None, ctx: AppContext, now: datetime) -> str:
    """/pledge_done N @who: an organizer confirms a pledge of labour kept; points paid once."""
    project, who = await _project(session, args, group)
    await svc.require_organizer(session, person, project, ctx.settings.admin_ids)
    if not who:
        raise ProjectError(T.PLEDGE_DONE_HOW)
    target = await points.person_named(session, who.split()[0])
    kept = await svc.labour_pledge(session, project.id, target.id)
    if kept is None:
        raise ProjectError(T.PLEDGE_DONE_NONE.format(who=escape(who), id=project.id))
    entry = await points.grant(session, person=target, community_id=project.community_id,
                               kind=PLEDGE, note=f"项目 #{project.id}", ref=f"pledge:{kept.id}",
                               by=person, now=now)
    if entry is None:
        raise ProjectError(T.PLEDGE_DONE_AGAIN.format(who=escape(who)))
    return T.PLEDGE_DONE.format(who=escape(target.name or who), id=project.id,
                                amount=entry.amount)
