"""What people do with the council, as the handlers ask for it: /propose, /topics,
/topic N, /topic_next, /topic_from_case, /meeting, /meeting_attend, /meeting_vote,
/meeting_close and the 附议 / 签到 / ballot buttons. Each returns the answer's text
(and bot.ui keyboard); refusals are CouncilError (a bot.errors.Refusal).

`group` is the chat id of the group the command came from, None in a private chat."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers, points
from bot import texts as C
from bot.context import AppContext
from bot.council import service as svc
from bot.council import texts as T
from bot.council.buttons import Ballot, CheckIn, Support
from bot.db.models import Community, Person
from bot.db.models.council import Topic
from bot.org import service as org
from bot.privacy.mask import mask
from bot.ui import Keyboard


def split_number(args: str | None, example: str) -> tuple[int, str]:
    found = numbers.split_number(args)
    if found is None:
        raise svc.CouncilError(T.NUMBER_HOW.format(example=example), alert=False)
    return found


async def _topic(session: AsyncSession, number: int, group: int | None) -> Topic:
    community = await svc.community_of_chat(session, group) if group is not None else None
    return await svc.get_topic(session, number, community.id if community else None)


async def propose(session: AsyncSession, person: Person, args: str | None, group: int | None,
                  ctx: AppContext, now: datetime) -> tuple[str, Keyboard | None]:
    """In a group the answer is the topic's post with 附议; in private, a confirmation."""
    topic = await svc.propose(session, person, args or "", group=group,
                              admin_ids=ctx.settings.admin_ids, now=now)
    if group is not None:
        return svc.post_text(topic), svc.support_keyboard(topic.id)
    return T.PROPOSED_PRIVATE.format(id=topic.id), None


async def listing(session: AsyncSession, person: Person, group: int | None,
                  ctx: AppContext) -> str:
    if group is not None:
        community = await svc.community_of_chat(session, group)
        if community is None:
            raise svc.CouncilError(C.UNBOUND_GROUP, alert=False)
        communities = [community]
    else:
        communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
        if not communities:
            home = await points.home_community(session, person)
            if home is None:
                raise svc.CouncilError(T.PROPOSE_WHERE, alert=False)
            community = await session.get(Community, home)
            assert community is not None
            communities = [community]
    parts = []
    for community in communities:
        rows = await svc.list_topics(session, community.id)
        if not rows:
            parts.append(T.LIST_EMPTY.format(community=community.name))
            continue
        lines = [T.LIST_HEADER.format(community=community.name)]
        lines += [T.LIST_ITEM.format(id=t.id, title=t.title, stage=T.STAGES[t.stage], count=n)
                  for t, n in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


async def card(session: AsyncSession, person: Person, args: str | None, group: int | None,
               ctx: AppContext) -> tuple[str, Keyboard | None]:
    number, _ = split_number(args, "/topic 3")
    topic = await _topic(session, number, group)
    public = mask if group is not None else str
    lines = [T.CARD.format(id=topic.id, title=public(topic.title), source=T.SOURCES[topic.source],
                           stage=T.STAGES[topic.stage], text=public(topic.text),
                           count=await svc.supporters(session, topic.id))]
    for meeting in await svc.meetings_of(session, topic.id):
        lines.append(T.CARD_MEETING.format(id=meeting.id, when=svc.local(meeting.starts_at, ctx.tz),
                                           place=meeting.place,
                                           state=T.MEETING_STATES[meeting.status]))
    if topic.decision:
        lines.append(T.CARD_DECISION.format(decision=topic.decision))
    if topic.result:
        lines.append(T.CARD_RESULT.format(result=topic.result))
    lines.append(T.CARD_STEPS)
    for step in topic.steps:
        actor = await session.get(Person, step.actor_id) if step.actor_id else None
        who = f"（{actor.name}）" if actor and actor.name and group is None else ""
        lines.append(T.CARD_STEP.format(when=svc.local(step.at, ctx.tz), what=step.note, who=who))
    keyboard = None if topic.stage in svc.FINISHED else svc.support_keyboard(topic.id)
    return "\n".join(lines)[:4000], keyboard


async def next_stage(session: AsyncSession, person: Person, args: str | None, group: int | None,
                     ctx: AppContext, now: datetime) -> str:
    if not args:
        raise svc.CouncilError(T.NEXT_HOW, alert=False)
    number, note = split_number(args, "/topic_next 3")
    topic = await svc.next_stage(session, person, await _topic(session, number, group), note,
                                 admin_ids=ctx.settings.admin_ids, now=now)
    return T.NEXT_DONE.format(id=topic.id, stage=T.STAGES[topic.stage], who=person.name,
                              when=svc.local(now, ctx.tz))


async def from_case(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                    now: datetime) -> str:
    if not (args or "").strip():
        raise svc.CouncilError(T.TOPIC_FROM_CASE_HOW, alert=False)
    number = (args or "").split()[0]
    topic = await svc.from_case(session, person, number, admin_ids=ctx.settings.admin_ids,
                                now=now)
    return T.FROM_CASE_DONE.format(number=number, id=topic.id)


async def meeting(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                  now: datetime, *, private: bool) -> str:
    """/meeting N: the form for topic N; /meeting N + the form: call the meeting."""
    if not private:
        raise svc.CouncilError(C.PRIVATE_ONLY, alert=False)
    number, form = split_number(args, "/meeting 3")
    topic = await svc.get_topic(session, number)
    await svc.require_organizer(session, person, topic.community_id, ctx.settings.admin_ids)
    if not form:
        return T.MEETING_TEMPLATE.format(id=topic.id)
    called = await svc.call_meeting(session, person, topic,
                                    svc.parse_meeting(form, now=now, tz=ctx.tz),
                                    admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
    m = called.meeting
    return T.MEETING_CALLED.format(
        id=m.id, topic=topic.id, when=svc.local(m.starts_at, ctx.tz), place=m.place,
        seats=len(m.seats), quorum=m.quorum, rule=T.RULES[m.rule], secret=T.SECRET[m.anonymous],
        told=called.told,
        untold=T.MEETING_UNTOLD.format(names="、".join(called.untold)) if called.untold else "")


async def attend(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime) -> str:
    number, rest = split_number(args, "/meeting_attend 2 @wang")
    names = [w for w in re.split(r"[\s,，、]+", rest) if w]
    return await svc.mark_present(session, person, number, names,
                                  admin_ids=ctx.settings.admin_ids, now=now)


async def open_vote(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                    now: datetime) -> str:
    number, _ = split_number(args, "/meeting_vote 2")
    return await svc.open_vote(session, person, number, admin_ids=ctx.settings.admin_ids,
                               now=now, tz=ctx.tz)


async def close(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                now: datetime) -> str:
    number, minutes = split_number(args, "/meeting_close 2 会议纪要")
    closed = await svc.close_meeting(session, person, number, minutes,
                                     admin_ids=ctx.settings.admin_ids, now=now, tz=ctx.tz)
    if closed.meeting.passed:
        hint = T.TO_PROJECT_HINT.format(topic=closed.topic.id) if not closed.topic.project_id \
            else ""
        return T.CLOSED_PASSED.format(id=closed.meeting.id, groups=closed.groups) + hint
    return T.CLOSED_REJECTED.format(id=closed.meeting.id, groups=closed.groups)


async def support_button(session: AsyncSession, person: Person, cb: Support,
                         now: datetime) -> str:
    return await svc.support(session, person, cb.topic_id, now=now)


async def checkin_button(session: AsyncSession, person: Person, cb: CheckIn,
                         ctx: AppContext, now: datetime) -> str:
    return await svc.check_in(session, person, cb.meeting_id, now=now, tz=ctx.tz)


async def ballot_button(session: AsyncSession, person: Person, cb: Ballot,
                        now: datetime) -> str:
    return await svc.cast(session, person, cb.meeting_id, cb.choice, now=now)


async def cancel(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime) -> str:
    number, reason = split_number(args, "/meeting_cancel 2 场地临时有变")
    return await svc.cancel_meeting(session, person, number, reason,
                                    admin_ids=ctx.settings.admin_ids, now=now)


async def result(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime) -> str:
    """/topic_result N 结果: 结果公开 of a decision carried out without a project."""
    number, text = split_number(args, "/topic_result 3 雨棚已装好")
    groups = await svc.topic_result(session, person, await svc.get_topic(session, number), text,
                                    admin_ids=ctx.settings.admin_ids, now=now)
    return T.TOPIC_RESULT_DONE.format(id=number, groups=groups)


async def task_case(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                    now: datetime) -> svc.CaseWanted:
    """/topic_case N 任务: what the handler must open as a case (see svc.CaseWanted)."""
    number, text = split_number(args, "/topic_case 3 物业本月内安装雨棚")
    return await svc.task_case(session, person, await svc.get_topic(session, number), text,
                               admin_ids=ctx.settings.admin_ids, now=now)
