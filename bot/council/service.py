"""The council procedure (议事, 四议两公开): topics and 附议, the stage record, meetings
(notice, reminder, attendance, quorum, the vote), the decision and result publications.
Services take a session and plain values and never commit. Nothing here knows aiogram."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, numbers, points
from bot import texts as C
from bot.context import AppContext
from bot.council import texts as T
from bot.council.buttons import Ballot, CheckIn, Support
from bot.db.models import (
    Building,
    Case,
    CaseEvent,
    Community,
    Department,
    Grid,
    Person,
    Role,
    Timer,
)
from bot.db.models.council import (
    CALLED,
    CANCELLED,
    CHOICES,
    CONSULT,
    DECIDED,
    DROPPED,
    MAJORITY,
    NO_QUORUM,
    PROPOSE,
    RESOLVE,
    REVIEW,
    TWO_THIRDS,
    VOTING,
    Meeting,
    Seat,
    Topic,
    TopicStep,
    TopicSupport,
)
from bot.db.models.people import Resident, ResidentRole
from bot.delivery import outbox
from bot.errors import Refusal
from bot.org import service as org
from bot.privacy.mask import mask
from bot.ui import Button, Keyboard, markup
from scheduler import timers

REMIND = "council.remind"
REMIND_BEFORE = timedelta(hours=2)
CHECKIN_FROM = timedelta(hours=1)
NEXT = {PROPOSE: CONSULT, CONSULT: REVIEW}
FINISHED = (RESOLVE, DROPPED)
# Participant words: the residents' register role (bot.people) they stand for...
REGISTER_ROLES = {"居民代表": "representative", "楼栋长": "building_head",
                  "楼门管家": "building_head", "党员中心户": "party_household",
                  "监督员": "supervisor", "百姓监督员": "supervisor", "志愿者": "volunteer"}
# ... or an org role, or the members of the community's department of that name (物业).
ORG_ROLES = {"业委会": "owners_committee"}
DEPARTMENTS = ("物业",)
EVERYONE = ("全体居民", "全体", "所有居民")


class CouncilError(Refusal):
    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


@dataclass(frozen=True)
class CouncilDecided(events.Event):
    """A topic was decided (council → projects): passed or not, with the record's words."""

    topic_id: int
    project_id: int | None
    passed: bool
    summary: str
    at: datetime


def local(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%m月%d日 %H:%M")


def reachable(person: Person | None) -> bool:
    return bool(person and person.tg_id and person.started_bot and not person.blocked_bot)


# --- topics -------------------------------------------------------------------------------

async def get_topic(session: AsyncSession, topic_id: int, community_id: int | None = None
                    ) -> Topic:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise CouncilError(T.NO_SUCH_TOPIC.format(id=topic_id))
    if community_id is not None and topic.community_id != community_id:
        raise CouncilError(T.OTHER_COMMUNITY.format(id=topic_id))
    return topic


async def community_of_chat(session: AsyncSession, chat_id: int) -> Community | None:
    group = await org.group_by_chat(session, chat_id)
    return group.grid.community if group and group.grid else None


async def require_organizer(session: AsyncSession, person: Person, community_id: int,
                            admin_ids: list[int]) -> None:
    if not await org.can_organize(session, person, community_id, admin_ids):
        raise CouncilError(T.NOT_ORGANIZER)


def _step(topic: Topic, kind: str, note: str, *, actor: Person | None, now: datetime) -> None:
    topic.steps.append(TopicStep(at=now, actor_id=actor.id if actor else None,
                                 stage=topic.stage, kind=kind, note=note))


def support_keyboard(topic_id: int) -> Keyboard:
    return [[Button(T.SUPPORT_BUTTON, Support(topic_id))]]


def post_text(topic: Topic) -> str:
    """The group post: phones, rooms and names in what a resident wrote are masked."""
    return T.TOPIC_POST.format(id=topic.id, title=mask(topic.title),
                               source=T.SOURCES[topic.source], stage=T.STAGES[topic.stage],
                               text=mask(topic.text))


async def publish(session: AsyncSession, community_id: int, text: str, *, now: datetime,
                  key: str, keyboard: Keyboard | None = None,
                  skip_chat: int | None = None) -> int:
    """Post to every group of the community; returns how many groups."""
    chats = [g.chat_id for g in await org.group_chats_of_community(session, community_id)
             if g.chat_id != skip_chat]
    for chat_id in chats:
        extra = {"reply_markup": markup(keyboard)} if keyboard else {}
        await outbox.enqueue(session, chat_id, now=now, text=text, dedupe_key=f"{key}:{chat_id}",
                             ref=key.split(":", 2)[0] + ":" + key.split(":", 2)[1], **extra)
    return len(chats) + (1 if skip_chat is not None else 0)


async def create_topic(session: AsyncSession, *, community_id: int, title: str, text: str,
                       source: str, proposer: Person | None, now: datetime,
                       case_id: int | None = None, project_id: int | None = None) -> Topic:
    topic = Topic(community_id=community_id, title=mask(title)[:100], text=text, source=source,
                  proposer_id=proposer.id if proposer else None, case_id=case_id,
                  project_id=project_id, stage=PROPOSE, created_at=now, steps=[])
    session.add(topic)
    _step(topic, "stage", T.STEP_CREATED, actor=proposer, now=now)
    await session.flush()
    return topic


def short_title(text: str) -> str:
    first = re.split(r"[，。,.!！?？\n]", text.strip(), maxsplit=1)[0]
    return (first or text)[:30]


async def propose(session: AsyncSession, person: Person, text: str, *, group: int | None,
                  admin_ids: list[int], now: datetime) -> Topic:
    """A resident's (or organizer's) suggestion becomes a topic at 提议, posted to the
    community's groups with the 附议 button (in the group it came from, by the reply)."""
    text = (text or "").strip()
    if not text:
        raise CouncilError(T.PROPOSE_HOW, alert=False)
    if len(text) > 500:
        raise CouncilError(T.PROPOSE_TOO_LONG, alert=False)
    community = await community_of_chat(session, group) if group is not None else None
    if group is not None and community is None:
        raise CouncilError(C.UNBOUND_GROUP, alert=False)
    community_id = community.id if community else await points.home_community(session, person)
    if community_id is None:
        raise CouncilError(T.PROPOSE_WHERE, alert=False)
    source = ("organizer" if await org.can_organize(session, person, community_id, admin_ids)
              else "resident")
    topic = await create_topic(session, community_id=community_id, title=short_title(text),
                               text=text, source=source, proposer=person, now=now)
    await publish(session, community_id, post_text(topic), now=now, key=f"topic:{topic.id}:post",
                  keyboard=support_keyboard(topic.id), skip_chat=group)
    return topic


async def from_case(session: AsyncSession, person: Person, number: str, *,
                    admin_ids: list[int], now: datetime) -> Topic:
    case = await session.scalar(select(Case).where(Case.number == number.strip()))
    if case is None:
        raise CouncilError(T.NO_SUCH_CASE.format(number=number), alert=False)
    await require_organizer(session, person, case.community_id, admin_ids)
    existing = await session.scalar(select(Topic).where(Topic.case_id == case.id))
    if existing is not None:
        raise CouncilError(T.CASE_TOPIC_EXISTS.format(number=case.number, id=existing.id))
    topic = await create_topic(session, community_id=case.community_id, title=short_title(case.text),
                               text=case.text[:500], source="case", proposer=person, now=now,
                               case_id=case.id)
    session.add(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="topic",
                          text=T.FROM_CASE_DONE.format(number=case.number, id=topic.id),
                          data={"topic_id": topic.id}))
    reporter = await session.get(Person, case.reporter_id) if case.reporter_id else None
    if reporter is not None:
        session.add(TopicSupport(topic_id=topic.id, person_id=reporter.id, at=now))
        if reachable(reporter):
            assert reporter.tg_id is not None
            await outbox.enqueue(session, reporter.tg_id, now=now, ref=f"topic:{topic.id}",
                                 text=T.FROM_CASE_NOTIFY.format(number=case.number, id=topic.id))
    await publish(session, topic.community_id, post_text(topic), now=now,
                  key=f"topic:{topic.id}:post", keyboard=support_keyboard(topic.id))
    return topic


async def supporters(session: AsyncSession, topic_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(TopicSupport)
                                    .where(TopicSupport.topic_id == topic_id)) or 0)


async def support(session: AsyncSession, person: Person, topic_id: int, *,
                  now: datetime) -> str:
    """附议: once per person; refused on a finished topic."""
    topic = await get_topic(session, topic_id)
    if topic.stage in FINISHED:
        raise CouncilError(T.SUPPORT_CLOSED.format(id=topic.id, stage=T.STAGES[topic.stage]))
    mine = await session.scalar(select(TopicSupport.id).where(
        TopicSupport.topic_id == topic.id, TopicSupport.person_id == person.id))
    if mine is not None:
        return T.SUPPORT_AGAIN.format(id=topic.id, count=await supporters(session, topic.id))
    session.add(TopicSupport(topic_id=topic.id, person_id=person.id, at=now))
    await session.flush()
    return T.SUPPORTED.format(id=topic.id, count=await supporters(session, topic.id))


async def next_stage(session: AsyncSession, person: Person, topic: Topic, note: str, *,
                     admin_ids: list[int], now: datetime) -> Topic:
    """提议 → 商议 → 审议, recorded with who and when; 决议 only by a meeting's vote."""
    await require_organizer(session, person, topic.community_id, admin_ids)
    if topic.stage in FINISHED:
        raise CouncilError(T.NEXT_FINISHED.format(id=topic.id, stage=T.STAGES[topic.stage]))
    if topic.stage == REVIEW:
        raise CouncilError(T.NEXT_NEEDS_MEETING.format(id=topic.id))
    topic.stage = NEXT[topic.stage]
    words = T.STEP_STAGE.format(stage=T.STAGES[topic.stage])
    _step(topic, "stage", f"{words}：{note}" if note else words, actor=person, now=now)
    return topic


async def decide(session: AsyncSession, topic: Topic, *, passed: bool, summary: str,
                 actor: Person | None, now: datetime) -> None:
    """Record the decision on the topic and tell the subscribers (projects)."""
    topic.stage = RESOLVE if passed else DROPPED
    topic.decision, topic.decided_at = summary, now
    _step(topic, "decision", (T.STEP_PASSED if passed else T.STEP_REJECTED) + "：" + summary,
          actor=actor, now=now)
    await session.flush()
    await events.publish(session, None, CouncilDecided(topic.id, topic.project_id, passed,
                                                       summary, now))


async def record_outside_decision(session: AsyncSession, *, community_id: int, project_id: int,
                                  title: str, passed: bool, how: str, actor: Person | None,
                                  now: datetime) -> Topic:
    """A project's decision taken without a council meeting (an all-residents poll, a
    meeting held offline, or 需要表决：否) still goes on the council record."""
    topic = await topic_for_project(session, community_id=community_id, project_id=project_id,
                                    title=title, actor=actor, now=now)
    who = (actor.name if actor else "") or ""
    topic.stage = RESOLVE if passed else DROPPED
    topic.decision, topic.decided_at = T.OUTSIDE_DECISION.format(how=how, who=who), now
    _step(topic, "decision", topic.decision, actor=actor, now=now)
    return topic


async def topic_for_project(session: AsyncSession, *, community_id: int, project_id: int,
                            title: str, actor: Person | None, now: datetime) -> Topic:
    """The project's open topic (the latest one not decided), else a new one at 审议."""
    topic = await session.scalar(
        select(Topic).where(Topic.project_id == project_id, Topic.stage.not_in(FINISHED))
        .order_by(Topic.id.desc()).limit(1))
    if topic is None:
        topic = await create_topic(session, community_id=community_id, title=title, text="",
                                   source="project", proposer=actor, now=now,
                                   project_id=project_id)
        topic.stage = REVIEW
        _step(topic, "stage", T.STEP_STAGE.format(stage=T.STAGES[REVIEW]), actor=actor, now=now)
    return topic


async def publish_result(session: AsyncSession, *, project_id: int, result: str,
                         now: datetime) -> int:
    """结果公开: the decided topics of a finished project; returns how many."""
    topics = list(await session.scalars(select(Topic).where(
        Topic.project_id == project_id, Topic.stage == RESOLVE, Topic.result_at.is_(None))))
    for topic in topics:
        await _publish_result(session, topic, result, actor=None, now=now)
    return len(topics)


async def _publish_result(session: AsyncSession, topic: Topic, result: str, *,
                          actor: Person | None, now: datetime) -> int:
    topic.result, topic.result_at = result, now
    _step(topic, "result", T.STEP_RESULT + "：" + result, actor=actor, now=now)
    return await publish(session, topic.community_id,
                         T.RESULT_POST.format(topic=topic.id, title=topic.title, result=result),
                         now=now, key=f"topic:{topic.id}:result")


async def topic_result(session: AsyncSession, person: Person, topic: Topic, result: str, *,
                       admin_ids: list[int], now: datetime) -> int:
    """结果公开 by hand, for a decision carried out without a project (a rule agreed, a
    matter settled by the 三方): published to the groups, supporters told; returns groups."""
    await require_organizer(session, person, topic.community_id, admin_ids)
    result = result.strip()
    if not result:
        raise CouncilError(T.TOPIC_RESULT_HOW, alert=False)
    if topic.stage != RESOLVE:
        raise CouncilError(T.TOPIC_RESULT_NOT_PASSED.format(id=topic.id,
                                                            stage=T.STAGES[topic.stage]),
                           alert=False)
    if topic.project_id is not None:
        raise CouncilError(T.TOPIC_RESULT_BY_PROJECT.format(id=topic.id,
                                                            project=topic.project_id),
                           alert=False)
    if topic.result_at is not None:
        raise CouncilError(T.TOPIC_RESULT_AGAIN.format(id=topic.id), alert=False)
    groups = await _publish_result(session, topic, result[:1000], actor=person, now=now)
    await _tell_supporters(session, topic, T.SUPPORTER_RESULT.format(
        topic=topic.id, title=topic.title), now=now, key="result")
    return groups


async def list_topics(session: AsyncSession, community_id: int) -> list[tuple[Topic, int]]:
    rows = list(await session.scalars(select(Topic).where(Topic.community_id == community_id)
                                      .order_by(Topic.id.desc()).limit(30)))
    return [(t, await supporters(session, t.id)) for t in rows]


async def meetings_of(session: AsyncSession, topic_id: int) -> list[Meeting]:
    return list(await session.scalars(select(Meeting).where(Meeting.topic_id == topic_id)
                                      .order_by(Meeting.id)))


# --- tasks as cases ----------------------------------------------------------------------------

@dataclass
class CaseWanted:
    """Something the council turns into a case (a decision's task, a matter raised at the
    书记接待日). The council sits below bot.cases in the layers, so the handler opens it
    with bot.cases.report and hands the case back (`task_case_opened`,
    `reception.case_opened`). `ref`: the TopicStep or ReceptionBooking it belongs to."""

    ref: int
    reporter: Person
    grid_id: int
    text: str
    source_message_id: int  # the private intake's key: one case per ref


async def grid_for(session: AsyncSession, person: Person, community_id: int) -> int:
    """Where it becomes a case: the person's building's grid, else the community's first
    grid (the grid worker can transfer it)."""
    if person.building_id is not None:
        grid_id = await session.scalar(
            select(Building.grid_id).join(Grid, Grid.id == Building.grid_id)
            .where(Building.id == person.building_id, Grid.community_id == community_id))
        if grid_id is not None:
            return grid_id
    grid_id = await session.scalar(select(Grid.id).where(Grid.community_id == community_id)
                                   .order_by(Grid.id).limit(1))
    if grid_id is None:
        raise CouncilError(T.NO_GRID, alert=False)
    return grid_id


async def task_case(session: AsyncSession, person: Person, topic: Topic, text: str, *,
                    admin_ids: list[int], now: datetime) -> CaseWanted:
    """/topic_case N 任务: a task of a passed decision becomes a case with an owner (分解落实).
    The step is written first; its id keys the case."""
    await require_organizer(session, person, topic.community_id, admin_ids)
    text = text.strip()
    if not text:
        raise CouncilError(T.TASK_HOW, alert=False)
    if topic.stage != RESOLVE:
        raise CouncilError(T.TASK_NOT_PASSED.format(id=topic.id, stage=T.STAGES[topic.stage]),
                           alert=False)
    step = TopicStep(at=now, actor_id=person.id, stage=topic.stage, kind="task",
                     note=T.STEP_TASK.format(text=text[:200], number="…"))
    topic.steps.append(step)
    await session.flush()
    return CaseWanted(step.id, person, await grid_for(session, person, topic.community_id),
                      T.TASK_CASE_TEXT.format(text=text[:800], topic=topic.id, title=topic.title),
                      -(1_500_000_000 + step.id))


async def task_case_opened(session: AsyncSession, person: Person, wanted: CaseWanted,
                           case: Case, now: datetime) -> str:
    step = await session.get(TopicStep, wanted.ref)
    assert step is not None
    step.note = step.note.replace("…", case.number)
    session.add(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="topic",
                          text=T.TASK_CASE_EVENT.format(topic=step.topic_id),
                          data={"topic_id": step.topic_id}))
    return T.TASK_DONE.format(id=step.topic_id, number=case.number)


# --- meetings -------------------------------------------------------------------------------

@dataclass
class MeetingForm:
    starts_at: datetime
    place: str
    audience: str
    quorum: str  # 过半 | 三分之二 | a number
    rule: str
    anonymous: bool


FIELD_RE = re.compile(r"^\s*([^:：\s]{1,5})\s*[:：]\s*(.*)$")
FIELDS = {"时间": "time", "地点": "place", "参会": "audience", "参会人": "audience",
          "法定人数": "quorum", "表决": "rule", "记名": "named"}


def parse_meeting(text: str, *, now: datetime, tz: tzinfo) -> MeetingForm:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        match = FIELD_RE.match(raw)
        if match and match.group(1) in FIELDS:
            values[FIELDS[match.group(1)]] = match.group(2).strip()
    for key, name in (("time", "时间"), ("place", "地点"), ("audience", "参会")):
        if not values.get(key):
            raise CouncilError(T.MEETING_NEED.format(field=name), alert=False)
    starts = points.parse_time(values["time"], now=now, tz=tz)
    if starts is None:
        raise CouncilError(T.MEETING_BAD_TIME.format(value=values["time"]), alert=False)
    if starts <= now:
        raise CouncilError(T.MEETING_PAST.format(value=values["time"]), alert=False)
    rule = values.get("rule", "过半")
    if rule not in ("过半", "过半数", "三分之二", "2/3"):
        raise CouncilError(T.MEETING_BAD_RULE.format(value=rule), alert=False)
    return MeetingForm(starts, values["place"][:100], values["audience"][:100],
                       values.get("quorum", "过半"),
                       TWO_THIRDS if rule in ("三分之二", "2/3") else MAJORITY,
                       values.get("named", "否") not in ("是", "记名"))


async def participants(session: AsyncSession, community_id: int, audience: str) -> list[Person]:
    """@usernames, role words of the residents' register, or everyone (the residents)."""
    found: dict[int, Person] = {}
    unknown: list[str] = []
    for word in re.split(r"[\s,，、]+", audience):
        if not word:
            continue
        people: list[Person] = []
        if word in EVERYONE:
            people = await org.people_with_role(session, "resident",
                                                Role.community_id == community_id)
            people += await _registered(session, community_id, None)
        elif word in REGISTER_ROLES:
            people = await _registered(session, community_id, REGISTER_ROLES[word])
        elif word in ORG_ROLES:
            people = await org.people_with_role(session, ORG_ROLES[word],
                                                Role.community_id == community_id)
        elif word in DEPARTMENTS:
            people = list(await session.scalars(
                select(Person).join(Role, Role.person_id == Person.id)
                .join(Department, Department.id == Role.department_id)
                .where(Department.community_id == community_id, Department.name == word)))
        elif (person := await points.lookup(session, word)) is not None:
            people = [person]
        else:
            unknown.append(word)
        found.update((p.id, p) for p in people)
    if unknown:
        raise CouncilError(T.MEETING_UNKNOWN.format(names="、".join(unknown)), alert=False)
    if not found:
        raise CouncilError(T.MEETING_NOBODY, alert=False)
    return list(found.values())


async def _registered(session: AsyncSession, community_id: int, role: str | None
                      ) -> list[Person]:
    """People on Telegram in the residents' register (still living here), with `role`."""
    query = (select(Person).join(Resident, Resident.person_id == Person.id)
             .where(Resident.community_id == community_id, Resident.left_at.is_(None)))
    if role is not None:
        query = query.join(ResidentRole, ResidentRole.resident_id == Resident.id).where(
            ResidentRole.role == role)
    return list(await session.scalars(query.distinct()))


def quorum_of(spec: str, seats: int) -> int:
    spec = spec.strip()
    if spec in ("过半", "过半数", ""):
        return seats // 2 + 1
    if spec in ("三分之二", "2/3"):
        return math.ceil(seats * 2 / 3)
    count = numbers.number(spec.rstrip("人"), low=1, high=seats)
    if count is not None:
        return count
    raise CouncilError(T.MEETING_BAD_QUORUM.format(count=seats, value=spec), alert=False)


def passes(meeting: Meeting, present: int) -> bool:
    """Of the participants present: more than half, or at least two thirds, said yes."""
    if meeting.rule == TWO_THIRDS:
        return meeting.yes * 3 >= present * 2 and meeting.yes > 0
    return meeting.yes * 2 > present


async def get_meeting(session: AsyncSession, meeting_id: int) -> tuple[Meeting, Topic]:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise CouncilError(T.NO_SUCH_MEETING.format(id=meeting_id))
    return meeting, await get_topic(session, meeting.topic_id)


@dataclass
class Called:
    meeting: Meeting
    told: int
    untold: list[str]


async def call_meeting(session: AsyncSession, person: Person, topic: Topic, form: MeetingForm,
                       *, admin_ids: list[int], now: datetime, tz: tzinfo) -> Called:
    await require_organizer(session, person, topic.community_id, admin_ids)
    if topic.stage in FINISHED:
        raise CouncilError(T.MEETING_TOPIC_DONE.format(id=topic.id, stage=T.STAGES[topic.stage]))
    running = await session.scalar(select(Meeting.id).where(
        Meeting.topic_id == topic.id, Meeting.status.in_((CALLED, VOTING))))
    if running is not None:
        raise CouncilError(T.MEETING_OPEN.format(id=topic.id, meeting=running))
    people = await participants(session, topic.community_id, form.audience)
    meeting = Meeting(topic_id=topic.id, starts_at=form.starts_at, place=form.place,
                      audience=form.audience, quorum=quorum_of(form.quorum, len(people)),
                      rule=form.rule, anonymous=form.anonymous, status=CALLED,
                      called_by_id=person.id, created_at=now,
                      seats=[Seat(person_id=p.id) for p in people])
    session.add(meeting)
    await session.flush()
    if topic.stage != REVIEW:  # a meeting is the 审议 step, whatever came before
        topic.stage = REVIEW
    _step(topic, "meeting", T.STEP_MEETING.format(id=meeting.id), actor=person, now=now)
    notice = T.NOTICE.format(topic=topic.id, title=topic.title, when=local(form.starts_at, tz),
                             place=form.place, rule=T.RULES[form.rule],
                             secret=T.SECRET[form.anonymous])
    keyboard = markup([[Button(T.CHECKIN_BUTTON, CheckIn(meeting.id))]])
    told, untold = 0, []
    for p in people:
        if not reachable(p):
            untold.append(f"@{p.username}" if p.username else p.name or "?")
            continue
        assert p.tg_id is not None
        await outbox.enqueue(session, p.tg_id, now=now, text=notice, reply_markup=keyboard,
                             ref=f"meeting:{meeting.id}",
                             dedupe_key=f"meeting:{meeting.id}:notice:{p.id}")
        told += 1
    await timers.schedule(session, REMIND, f"meeting:{meeting.id}",
                          max(now, form.starts_at - REMIND_BEFORE))
    return Called(meeting, told, untold)


async def on_remind(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    """The reminder before a meeting, privately to every reachable participant."""
    meeting_id = int(timer.ref.rsplit(":", 1)[1])
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != CALLED:
        return
    topic = await get_topic(session, meeting.topic_id)
    now = ctx.clock.now()
    text = T.REMINDER.format(topic=topic.id, title=topic.title,
                             when=local(meeting.starts_at, ctx.tz), place=meeting.place)
    for seat in meeting.seats:
        p = await session.get(Person, seat.person_id)
        if reachable(p):
            assert p is not None and p.tg_id is not None
            await outbox.enqueue(session, p.tg_id, now=now, text=text, ref=f"meeting:{meeting.id}",
                                 dedupe_key=f"meeting:{meeting.id}:remind:{p.id}")


def _seat(meeting: Meeting, person: Person) -> Seat:
    seat = next((s for s in meeting.seats if s.person_id == person.id), None)
    if seat is None:
        raise CouncilError(T.NOT_A_SEAT.format(id=meeting.id))
    return seat


def _still_open(meeting: Meeting) -> None:
    if meeting.status not in (CALLED, VOTING):
        raise CouncilError(T.MEETING_OVER.format(id=meeting.id,
                                                 state=T.MEETING_STATES[meeting.status]))


async def check_in(session: AsyncSession, person: Person, meeting_id: int, *, now: datetime,
                   tz: tzinfo) -> str:
    meeting, _ = await get_meeting(session, meeting_id)
    seat = _seat(meeting, person)
    _still_open(meeting)
    if seat.present_at is not None:
        return T.CHECKIN_AGAIN.format(id=meeting.id)
    if now < meeting.starts_at - CHECKIN_FROM:
        raise CouncilError(T.CHECKIN_EARLY.format(id=meeting.id,
                                                  when=local(meeting.starts_at, tz)))
    seat.present_at = now
    return T.CHECKED_IN.format(id=meeting.id)


def present(meeting: Meeting) -> int:
    return sum(1 for s in meeting.seats if s.present_at is not None)


async def mark_present(session: AsyncSession, person: Person, meeting_id: int,
                       names: list[str], *, admin_ids: list[int], now: datetime) -> str:
    meeting, topic = await get_meeting(session, meeting_id)
    await require_organizer(session, person, topic.community_id, admin_ids)
    _still_open(meeting)
    if not names:
        raise CouncilError(T.ATTEND_HOW, alert=False)
    marked, strangers = [], []
    for name in names:
        who = await points.lookup(session, name)
        seat = next((s for s in meeting.seats if who and s.person_id == who.id), None)
        if seat is None:
            strangers.append(name)
            continue
        seat.present_at = seat.present_at or now
        marked.append(name)
    if strangers:
        raise CouncilError(T.ATTEND_NOT_SEATS.format(names="、".join(strangers), id=meeting.id),
                           alert=False)
    return T.ATTENDED.format(id=meeting.id, names="、".join(marked), present=present(meeting),
                             seats=len(meeting.seats), quorum=meeting.quorum)


async def cancel_meeting(session: AsyncSession, person: Person, meeting_id: int, reason: str,
                         *, admin_ids: list[int], now: datetime) -> str:
    """A meeting that will not take place (or whose vote is abandoned): the participants
    are told, the record keeps it, and the topic may be put to a new meeting."""
    meeting, topic = await get_meeting(session, meeting_id)
    await require_organizer(session, person, topic.community_id, admin_ids)
    if not reason.strip():
        raise CouncilError(T.CANCEL_HOW, alert=False)
    _still_open(meeting)
    meeting.status, meeting.closed_at = CANCELLED, now
    await timers.cancel(session, REMIND, f"meeting:{meeting.id}")
    _step(topic, "meeting", T.STEP_CANCELLED.format(id=meeting.id, reason=reason.strip()),
          actor=person, now=now)
    text = T.CANCELLED_NOTE.format(id=meeting.id, topic=topic.id, title=topic.title,
                                   reason=reason.strip())
    for seat in meeting.seats:
        p = await session.get(Person, seat.person_id)
        if reachable(p):
            assert p is not None and p.tg_id is not None
            await outbox.enqueue(session, p.tg_id, now=now, text=text, ref=f"meeting:{meeting.id}",
                                 dedupe_key=f"meeting:{meeting.id}:cancel:{p.id}")
    return T.CANCELLED.format(id=meeting.id, topic=topic.id)


def ballot_keyboard(meeting_id: int) -> Keyboard:
    return [[Button(T.CHOICES[c], Ballot(meeting_id, i)) for i, c in enumerate(CHOICES)]]


async def open_vote(session: AsyncSession, person: Person, meeting_id: int, *,
                    admin_ids: list[int], now: datetime, tz: tzinfo) -> str:
    """Quorum first: below it the meeting is recorded as failed and nothing is decided;
    else each participant present gets a ballot privately."""
    meeting, topic = await get_meeting(session, meeting_id)
    await require_organizer(session, person, topic.community_id, admin_ids)
    if meeting.status != CALLED:
        raise CouncilError(T.VOTE_NOT_CALLED.format(id=meeting.id,
                                                    state=T.MEETING_STATES[meeting.status]))
    here = present(meeting)
    await timers.cancel(session, REMIND, f"meeting:{meeting.id}")
    if here < meeting.quorum:
        meeting.status, meeting.closed_at = NO_QUORUM, now
        _step(topic, "no_quorum", T.STEP_NO_QUORUM.format(id=meeting.id), actor=person, now=now)
        await publish(session, topic.community_id, T.NO_QUORUM_POST.format(
            topic=topic.id, title=topic.title, when=local(meeting.starts_at, tz), present=here,
            quorum=meeting.quorum), now=now, key=f"meeting:{meeting.id}:noquorum")
        return T.VOTE_NO_QUORUM.format(id=meeting.id, present=here, quorum=meeting.quorum,
                                       topic=topic.id)
    meeting.status = VOTING
    text = T.BALLOT.format(id=meeting.id, topic=topic.id, title=topic.title,
                           secret=T.SECRET[meeting.anonymous])
    told = 0
    for seat in meeting.seats:
        p = await session.get(Person, seat.person_id)
        if seat.present_at is None or not reachable(p):
            continue
        assert p is not None and p.tg_id is not None
        await outbox.enqueue(session, p.tg_id, now=now, text=text,
                             reply_markup=markup(ballot_keyboard(meeting.id)),
                             ref=f"meeting:{meeting.id}",
                             dedupe_key=f"meeting:{meeting.id}:ballot:{p.id}")
        told += 1
    return T.VOTE_OPENED.format(id=meeting.id, told=told)


async def cast(session: AsyncSession, person: Person, meeting_id: int, choice: int, *,
               now: datetime) -> str:
    """One ballot per present participant, counted by the bot; an anonymous ballot adds
    to the totals only (the seat records that they voted, never what)."""
    if not 0 <= choice < len(CHOICES):
        raise CouncilError(C.BUTTON_UNKNOWN)
    meeting, _ = await get_meeting(session, meeting_id)
    seat = _seat(meeting, person)
    _still_open(meeting)
    if meeting.status != VOTING:
        raise CouncilError(T.VOTE_NOT_OPEN.format(id=meeting.id))
    if seat.present_at is None:
        raise CouncilError(T.VOTE_NOT_PRESENT.format(id=meeting.id))
    claimed = await session.execute(update(Seat).where(Seat.id == seat.id,
                                                       Seat.voted_at.is_(None))
                                    .values(voted_at=now).execution_options(
                                        synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise CouncilError(T.VOTE_AGAIN)
    column = getattr(Meeting, CHOICES[choice])
    await session.execute(update(Meeting).where(Meeting.id == meeting.id)
                          .values({column: column + 1}).execution_options(
                              synchronize_session=False))
    seat.voted_at = now
    if not meeting.anonymous:
        seat.choice = CHOICES[choice]
    if meeting.anonymous:
        return T.VOTED_ANON
    return T.VOTED.format(choice=T.CHOICES[CHOICES[choice]])


@dataclass
class Closed:
    meeting: Meeting
    topic: Topic
    groups: int


async def close_meeting(session: AsyncSession, person: Person, meeting_id: int, minutes: str, *,
                        admin_ids: list[int], now: datetime, tz: tzinfo) -> Closed:
    """Count, decide by the rule chosen at the call, publish decision and minutes."""
    meeting, topic = await get_meeting(session, meeting_id)
    await require_organizer(session, person, topic.community_id, admin_ids)
    if not minutes.strip():
        raise CouncilError(T.CLOSE_HOW, alert=False)
    if meeting.status != VOTING:
        raise CouncilError(T.CLOSE_NOT_VOTING.format(id=meeting.id,
                                                     state=T.MEETING_STATES[meeting.status]))
    await session.refresh(meeting)
    here = present(meeting)
    passed = passes(meeting, here)
    meeting.status, meeting.closed_at = DECIDED, now
    meeting.passed, meeting.minutes = passed, minutes.strip()[:3000]
    voted = meeting.yes + meeting.no + meeting.abstain
    summary = T.DECISION_TEXT.format(id=meeting.id, verdict=T.VERDICT[passed], yes=meeting.yes,
                                     no=meeting.no, abstain=meeting.abstain, present=here,
                                     seats=len(meeting.seats))
    await decide(session, topic, passed=passed, summary=summary, actor=person, now=now)
    post = T.DECISION_POST.format(
        topic=topic.id, title=topic.title, when=local(meeting.starts_at, tz), place=meeting.place,
        seats=len(meeting.seats), present=here, quorum=meeting.quorum, yes=meeting.yes,
        no=meeting.no, abstain=meeting.abstain, blank=here - voted,
        verdict=T.VERDICT[passed], rule=T.RULES[meeting.rule], minutes=meeting.minutes)
    if topic.project_id is not None:  # the one 决议公开: the project does not post it again
        post += T.DECISION_PROJECT[passed].format(project=topic.project_id)
    groups = await publish(session, topic.community_id, post, now=now,
                           key=f"meeting:{meeting.id}:decision")
    await _tell_supporters(session, topic, T.SUPPORTER_NOTE.format(
        topic=topic.id, title=topic.title, verdict=T.VERDICT[passed]), now=now)
    return Closed(meeting, topic, groups)


async def _tell_supporters(session: AsyncSession, topic: Topic, text: str, *,
                           now: datetime, key: str | None = None) -> None:
    ids = set(await session.scalars(select(TopicSupport.person_id).where(
        TopicSupport.topic_id == topic.id)))
    if topic.proposer_id:
        ids.add(topic.proposer_id)
    for person_id in sorted(ids):
        p = await session.get(Person, person_id)
        if reachable(p):
            assert p is not None and p.tg_id is not None
            await outbox.enqueue(session, p.tg_id, now=now, text=text, ref=f"topic:{topic.id}",
                                 dedupe_key=f"topic:{topic.id}:{key or topic.stage}:{p.id}")


async def report_summary(session: AsyncSession, community_id: int | None, start: datetime,
                         end: datetime) -> str | None:
    """One line for the 社情发布会: topics raised, meetings held, decisions taken."""
    if community_id is None:
        return None
    raised = await session.scalar(select(func.count()).select_from(Topic).where(
        Topic.community_id == community_id, Topic.created_at >= start, Topic.created_at < end))
    decided = await session.scalar(select(func.count()).select_from(Topic).where(
        Topic.community_id == community_id, Topic.decided_at >= start, Topic.decided_at < end))
    if not raised and not decided:
        return None
    return f"居民议事：新议题 {raised or 0} 个，作出决议 {decided or 0} 项"
