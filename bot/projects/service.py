"""Community projects (共同缔造): creation, updates, stages and decisions (四议两公开),
followers, pledges, and the final evaluation. Every change is persisted with its
announcements in the same transaction (bot.projects.announce). Decision and evaluation
polls are started through bot.projects.polls; their results arrive as
bot.events.PollClosed (`on_poll_closed`, subscribed in `bot.projects.wire()`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import council, events
from bot.config import Settings
from bot.context import AppContext
from bot.db.models import Building, Case, CaseEvent, Community, Grid, GroupChat, Person
from bot.db.models.council import RESOLVE, Topic
from bot.db.models.polls import Poll
from bot.db.models.projects import (
    ACTIVE,
    BUILDING,
    CLOSED,
    COLLECTING,
    DECIDING,
    DONE,
    EVALUATING,
    PLEDGE_KINDS,
    SHELVED,
    Milestone,
    Pledge,
    Project,
    ProjectFollower,
    ProjectGroup,
    ProjectPhoto,
    ProjectSupervisor,
    ProjectUpdate,
)
from bot.delivery import outbox
from bot.org import service as org
from bot.projects import polls as project_polls
from bot.projects import schedule as project_schedule
from bot.projects import texts as T
from bot.projects.announce import linked_chat_ids, publish
from bot.projects.parse import MilestoneSpec, ProjectError, ProjectForm, UpdateArgs
from bot.projects.render import PledgeTotals, progress

DEFAULT_TZ = ZoneInfo(Settings.model_fields["timezone"].default)
NEXT_STAGE = {COLLECTING: DECIDING, DECIDING: BUILDING, BUILDING: DONE}
DECISIONS = {DECIDING, BUILDING}  # targets decided by residents (poll or meeting)
DECISION_POLL_DAYS = 3
EVALUATION_DAYS = 7
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's sendPhoto limit
MAX_PHOTO_SIDES = 10_000  # width + height


@dataclass
class PhotoIn:
    file_id: str
    file_unique_id: str
    file_size: int | None = None
    width: int = 0
    height: int = 0


def _options() -> list[Any]:
    return [selectinload(Project.milestones),
            selectinload(Project.entries).selectinload(ProjectUpdate.photos)]


async def get(session: AsyncSession, number: int) -> Project | None:
    return await session.scalar(select(Project).where(Project.id == number).options(*_options()))


async def find(session: AsyncSession, number: int, *, community_id: int | None = None) -> Project:
    """The project with this number; in a group, it must be that group's community's."""
    project = await get(session, number)
    if project is None:
        raise ProjectError(T.NO_SUCH_PROJECT.format(id=number))
    if community_id is not None and project.community_id != community_id:
        raise ProjectError(T.OTHER_COMMUNITY.format(id=number))
    return project


async def require_organizer(session: AsyncSession, person: Person, project: Project,
                            admin_ids: list[int]) -> None:
    if not await org.can_organize(session, person, project.community_id, admin_ids):
        raise ProjectError(T.NOT_YOUR_COMMUNITY.format(id=project.id))


async def is_supervisor(session: AsyncSession, person: Person, project_id: int) -> bool:
    return await session.scalar(select(ProjectSupervisor.id).where(
        ProjectSupervisor.project_id == project_id, ProjectSupervisor.person_id == person.id
    )) is not None


async def can_post(session: AsyncSession, person: Person, project: Project,
                   admin_ids: list[int]) -> bool:
    return (await org.can_organize(session, person, project.community_id, admin_ids)
            or await is_supervisor(session, person, project.id))


def check_photo(photo: PhotoIn) -> None:
    if (photo.file_size or 0) > MAX_PHOTO_BYTES or photo.width + photo.height > MAX_PHOTO_SIDES:
        size = (f"{(photo.file_size or 0) / 1024 / 1024:.1f} MB"
                if (photo.file_size or 0) > MAX_PHOTO_BYTES else f"{photo.width}×{photo.height}")
        raise ProjectError(T.PHOTO_TOO_LARGE.format(size=size))


def _check_milestone_dates(specs: list[MilestoneSpec], now: datetime, tz: tzinfo) -> None:
    today = now.astimezone(tz).date()
    for spec in specs:
        if spec.due_date is not None and spec.due_date < today:
            raise ProjectError(T.MILESTONE_PAST.format(title=spec.title, date=spec.due_date))


def _entry(project: Project, kind: str, text: str, *, now: datetime, actor: Person | None,
           **extra: Any) -> ProjectUpdate:
    entry = ProjectUpdate(at=now, actor_id=actor.id if actor else None, kind=kind, text=text,
                          stage=project.stage, photos=[], **extra)
    project.entries.append(entry)
    return entry


# --- creation -----------------------------------------------------------------------

async def create_project(
    session: AsyncSession, *, community_id: int, title: str, now: datetime,
    created_by: Person | None, description: str = "", budget: int | None = None,
    group_ids: list[int] | None = None, supervisors: list[Person] | None = None,
    milestones: list[MilestoneSpec] | None = None, case_id: int | None = None,
    tz: tzinfo = DEFAULT_TZ, needs_vote: bool = True, topic_id: int | None = None,
) -> Project:
    """Create, link groups (default: all of the community), schedule, announce."""
    specs = milestones or []
    _check_milestone_dates(specs, now, tz)
    if group_ids is None:
        group_ids = [g.id for g in await org.group_chats_of_community(session, community_id)]
    project = Project(
        community_id=community_id, title=title, description=description, budget=budget,
        case_id=case_id, created_by_id=created_by.id if created_by else None, created_at=now,
        last_activity_at=now, stage=BUILDING if topic_id else COLLECTING, entries=[],
        needs_vote=needs_vote,
        milestones=[Milestone(position=i, title=s.title, due_date=s.due_date, weight=s.weight)
                    for i, s in enumerate(specs, 1)],
    )
    session.add(project)
    await session.flush()
    session.add_all([ProjectGroup(project_id=project.id, group_chat_id=g) for g in group_ids])
    for person in supervisors or []:
        session.add(ProjectSupervisor(project_id=project.id, person_id=person.id))
    entry = _entry(project, "created", T.FROM_TOPIC_CHANGE.format(topic=topic_id) if topic_id
                   else T.CHANGE_CREATED, now=now, actor=created_by)
    await session.flush()
    await project_schedule.on_created(session, project, group_ids, now=now, tz=tz)
    await publish(session, project, entry, now=now)
    await _tell_supervisors(session, project, supervisors or [], group_ids, now=now)
    return project


async def _tell_supervisors(session: AsyncSession, project: Project, people: list[Person],
                            group_ids: list[int], *, now: datetime) -> None:
    """The 监督员 named in the form hear of it: privately if they started the bot, else
    named in the project's groups (where they can then /start)."""
    chats = list(await session.scalars(select(GroupChat.chat_id).where(
        GroupChat.id.in_(group_ids)))) if group_ids else []
    for person in people:
        title = escape(project.title)
        if person.tg_id and person.started_bot and not person.blocked_bot:
            await outbox.enqueue(session, person.tg_id, now=now, ref=f"project:{project.id}",
                                 parse_mode="HTML",
                                 text=T.SUPERVISOR_NOTIFY.format(id=project.id, title=title))
            continue
        who = f"@{person.username}" if person.username else escape(person.name or "")
        for chat_id in chats:
            await outbox.enqueue(
                session, chat_id, now=now, ref=f"project:{project.id}", parse_mode="HTML",
                dedupe_key=f"project-sup:{project.id}:{person.id}:{chat_id}",
                text=T.SUPERVISOR_NOTIFY_GROUP.format(who=who, id=project.id, title=title))


async def create_from_form(session: AsyncSession, person: Person, form: ProjectForm, *,
                           admin_ids: list[int], now: datetime, tz: tzinfo) -> Project:
    communities = await org.organizer_communities(session, person, admin_ids)
    if not communities:
        raise ProjectError(T.NOT_ALLOWED_ORGANIZE)
    community = _pick_community(communities, form.community)
    group_ids = None
    if form.groups is not None:
        groups = await org.group_chats_of_community(session, community.id)
        group_ids = []
        for name in form.groups:
            match = next((g for g in groups if name in g.title), None)
            if match is None:
                raise ProjectError(T.NEW_UNKNOWN_GROUP.format(name=name))
            group_ids.append(match.id)
    elif not await org.group_chats_of_community(session, community.id):
        raise ProjectError(T.NEW_NO_GROUPS)
    supervisors = []
    for who in form.supervisors:
        found = await org.person_by_username(session, who)
        if found is None:
            raise ProjectError(T.NEW_UNKNOWN_SUPERVISOR.format(who=who))
        supervisors.append(found)
    return await create_project(
        session, community_id=community.id, title=form.title, description=form.description,
        budget=form.budget, group_ids=group_ids, supervisors=supervisors,
        milestones=form.milestones, created_by=person, now=now, tz=tz,
        needs_vote=form.needs_vote,
    )


def _pick_community(communities: list[Community], name: str | None) -> Community:
    if name:
        match = next((c for c in communities if name in (c.name, c.code)), None)
        if match is None:
            raise ProjectError(T.NEW_UNKNOWN_COMMUNITY.format(name=name))
        return match
    if len(communities) > 1:
        raise ProjectError(T.NEW_CHOOSE_COMMUNITY.format(
            names="、".join(c.name for c in communities)))
    return communities[0]


async def create_from_case(session: AsyncSession, case: Case, *, title: str,
                           created_by: Person | None, now: datetime) -> Project:
    """"转为项目" on a suggestion case: the project links the case, the reporter follows it."""
    existing = await session.scalar(select(Project).where(Project.case_id == case.id))
    if existing is not None:
        return await find(session, existing.id)
    project = await create_project(
        session, community_id=case.community_id, title=title[:100], description=case.text,
        case_id=case.id, created_by=created_by, now=now,
    )
    session.add(CaseEvent(case_id=case.id, at=now, actor_id=created_by.id if created_by else None,
                          kind="project", text=T.FROM_CASE_EVENT.format(id=project.id),
                          data={"project_id": project.id}))
    if case.reporter_id is not None:
        reporter = await session.get(Person, case.reporter_id)
        if reporter is not None:
            await follow(session, project, reporter, True)
            if reporter.tg_id and reporter.started_bot and not reporter.blocked_bot:
                await outbox.enqueue(session, reporter.tg_id, now=now, ref=f"project:{project.id}",
                                     dedupe_key=f"prj:{project.id}:fromcase", parse_mode="HTML",
                                     text=T.FROM_CASE_NOTIFY.format(
                                         number=escape(case.number), id=project.id,
                                         title=escape(project.title)))
    return project


async def create_from_topic(session: AsyncSession, person: Person, topic: Topic, *,
                            admin_ids: list[int], now: datetime, tz: tzinfo) -> Project:
    """A passed council decision becomes a project at 实施; its end publishes the result."""
    if not await org.can_organize(session, person, topic.community_id, admin_ids):
        raise ProjectError(T.NOT_ALLOWED_ORGANIZE)
    if topic.project_id is not None:
        raise ProjectError(council.texts.TO_PROJECT_EXISTS.format(id=topic.id,
                                                                  project=topic.project_id))
    if topic.stage != RESOLVE:
        raise ProjectError(council.texts.TO_PROJECT_NOT_PASSED.format(id=topic.id))
    project = await create_project(session, community_id=topic.community_id, title=topic.title,
                                   description=topic.text, created_by=person, now=now, tz=tz,
                                   topic_id=topic.id)
    topic.project_id = project.id
    return project


# --- updates and milestones ---------------------------------------------------------

async def post_update(
    session: AsyncSession, project: Project, person: Person, args: UpdateArgs, *,
    admin_ids: list[int], now: datetime, photos: list[PhotoIn] | None = None,
    media_group_id: str | None = None,
) -> tuple[ProjectUpdate, int, int]:
    """An organizer's or supervisor's update; returns (entry, groups, followers) reached."""
    if not await can_post(session, person, project, admin_ids):
        raise ProjectError(T.NOT_ALLOWED_UPDATE)
    if project.stage not in ACTIVE:
        raise ProjectError(T.NOT_ACTIVE.format(id=project.id, stage=T.STAGES[project.stage]))
    photos = photos or []
    for photo in photos:
        check_photo(photo)
    milestone = None
    if args.milestone is not None:
        milestone = next((m for m in project.milestones if m.position == args.milestone), None)
        if milestone is None:
            raise ProjectError(T.UNKNOWN_MILESTONE.format(id=project.id, pos=args.milestone))
        if milestone.done_at is not None:
            raise ProjectError(T.MILESTONE_ALREADY.format(pos=milestone.position,
                                                          title=milestone.title))
    parts = []
    before = progress(project)
    if milestone is not None:
        milestone.done_at = now
        parts.append(T.CHANGE_MILESTONE_DONE.format(title=milestone.title))
        await project_schedule.cancel_milestone(session, milestone)
    if args.text:
        parts.append(args.text)
    # The last word on progress: a percent, or (milestone only) the milestones.
    project.percent = args.percent if args.percent is not None else (
        None if milestone is not None else project.percent)
    if args.percent is None and progress(project) < before:
        project.percent = before  # a milestone done never lowers the bar
    entry = _entry(project, "update", "\n".join(parts), now=now, actor=person,
                   percent=progress(project), milestone_id=milestone.id if milestone else None,
                   media_group_id=media_group_id)
    entry.photos.extend(ProjectPhoto(file_id=p.file_id, file_unique_id=p.file_unique_id)
                        for p in photos)
    await project_schedule.touch(session, project, now=now)
    groups, followers = await publish(session, project, entry, now=now, author=person.name)
    return entry, groups, followers


async def add_album_photo(session: AsyncSession, person: Person, media_group_id: str,
                          photo: PhotoIn) -> ProjectUpdate | None:
    """A later photo of the album whose captioned photo was an update; None if unrelated."""
    entry = await session.scalar(
        select(ProjectUpdate).where(ProjectUpdate.media_group_id == media_group_id,
                                    ProjectUpdate.actor_id == person.id)
        .options(selectinload(ProjectUpdate.photos))
    )
    if entry is None:
        return None
    check_photo(photo)
    if all(p.file_unique_id != photo.file_unique_id for p in entry.photos):
        entry.photos.append(ProjectPhoto(file_id=photo.file_id,
                                         file_unique_id=photo.file_unique_id))
    return entry


async def add_milestone(session: AsyncSession, project: Project, person: Person,
                        spec: MilestoneSpec, *, admin_ids: list[int], now: datetime,
                        tz: tzinfo) -> Milestone:
    await require_organizer(session, person, project, admin_ids)
    if project.stage in (CLOSED, SHELVED):
        raise ProjectError(T.NOT_ACTIVE.format(id=project.id, stage=T.STAGES[project.stage]))
    _check_milestone_dates([spec], now, tz)
    milestone = Milestone(position=max((m.position for m in project.milestones), default=0) + 1,
                          title=spec.title, due_date=spec.due_date, weight=spec.weight)
    project.milestones.append(milestone)
    await session.flush()
    await project_schedule.schedule_milestone(session, milestone, tz=tz)
    return milestone


async def add_supervisor(session: AsyncSession, project: Project, person: Person, who: Person,
                         *, admin_ids: list[int]) -> bool:
    """True when newly added."""
    await require_organizer(session, person, project, admin_ids)
    if await is_supervisor(session, who, project.id):
        return False
    session.add(ProjectSupervisor(project_id=project.id, person_id=who.id))
    return True


# --- stages and decisions (四议两公开) ---------------------------------------------------

@dataclass
class StageResult:
    stage: str
    poll: Poll | None = None  # an all-residents decision poll was started instead
    topic_id: int | None = None  # the council topic that decides (议事会议)
    waiting: bool = False  # the move waits for that topic's decision


def _days(community: Community | None, key: str, default: int) -> int:
    value = (community.settings or {}).get(key) if community else None
    return int(value) if isinstance(value, int) and value > 0 else default


async def advance(session: AsyncSession, project: Project, person: Person, *,
                  confirm: bool, admin_ids: list[int], now: datetime,
                  everyone: bool = False) -> StageResult:
    """Next stage. 征集意见→议事决议 opens the project's council topic; the decision
    议事决议→实施 is taken by a council meeting on it (bot.council), or by a poll of all
    residents (`everyone`), or confirmed by the organizer (a meeting held offline, or a
    project whose form said 需要表决：否) — every way on the council record.
    实施→完工 starts the evaluation."""
    await require_organizer(session, person, project, admin_ids)
    if project.pending_poll_id is not None:
        raise ProjectError(T.STAGE_POLL_PENDING.format(id=project.id))
    target = NEXT_STAGE.get(project.stage)
    if target is None and project.stage == DONE and project.evaluation_poll_id is None:
        target = CLOSED  # no evaluation poll could be held: the organizer closes by hand
    if target is None:
        raise ProjectError(T.STAGE_NO_NEXT.format(id=project.id, stage=T.STAGES[project.stage]))
    if target == BUILDING:
        return await _decide(session, project, person, confirm=confirm, everyone=everyone,
                             now=now)
    if target == DONE:
        await complete(session, project, person, now=now)
    elif target == CLOSED:
        await _close(session, project, person, T.CHANGE_CLOSED_MANUAL, now=now)
    else:
        await _move(session, project, person, target, "stage", T.CHANGE_TO_DELIBERATION,
                    now=now)
    topic = None
    if target == DECIDING:
        topic = await council.topic_for_project(session, community_id=project.community_id,
                                                project_id=project.id, title=project.title,
                                                actor=person, now=now)
    return StageResult(project.stage, topic_id=topic.id if topic else None)


async def _decide(session: AsyncSession, project: Project, person: Person, *, confirm: bool,
                  everyone: bool, now: datetime) -> StageResult:
    if confirm or not project.needs_vote:
        how = T.DECIDED_OFFLINE if project.needs_vote else T.DECIDED_NO_VOTE
        topic = await council.record_outside_decision(
            session, community_id=project.community_id, project_id=project.id,
            title=project.title, passed=True, how=how, actor=person, now=now)
        project.pending_stage = None
        await _move(session, project, person, BUILDING, "decision",
                    T.CHANGE_DECISION_MANUAL.format(stage=T.STAGES[BUILDING], how=how), now=now,
                    topic_id=topic.id)
        return StageResult(project.stage, topic_id=topic.id)
    if everyone:
        poll = await _decision_poll(session, project, person, BUILDING, now=now)
        if poll is None:
            raise ProjectError(T.STAGE_POLLS_MISSING.format(id=project.id))
        return StageResult(project.stage, poll)
    topic = await council.topic_for_project(session, community_id=project.community_id,
                                            project_id=project.id, title=project.title,
                                            actor=person, now=now)
    project.pending_stage = BUILDING
    return StageResult(project.stage, topic_id=topic.id, waiting=True)


async def _move(session: AsyncSession, project: Project, person: Person | None, target: str,
                kind: str, text: str, *, now: datetime, groups: bool = True,
                **data: Any) -> ProjectUpdate:
    project.stage = target
    entry = _entry(project, kind, text, now=now, actor=person, percent=progress(project),
                   data=data)
    await project_schedule.touch(session, project, now=now)
    await publish(session, project, entry, now=now, groups=groups)
    return entry


async def _decision_poll(session: AsyncSession, project: Project, person: Person, target: str,
                         *, now: datetime) -> Poll | None:
    community = await session.get(Community, project.community_id)
    closes = now + timedelta(days=_days(community, "project_decision_poll_days",
                                        DECISION_POLL_DAYS))
    poll = await project_polls.start_poll(
        session, community_id=project.community_id, chat_ids=await linked_chat_ids(
            session, project.id),
        question=T.POLL_QUESTION_DECIDE.format(id=project.id, title=project.title,
                                               stage=T.STAGES[target]),
        opens_at=now, closes_at=closes, preset="approval", project_id=project.id,
        created_by_id=person.id, now=now,
    )
    if poll is None:
        return None
    project.pending_stage, project.pending_poll_id = target, poll.id
    entry = _entry(project, "poll", T.CHANGE_POLL_STARTED.format(
        stage=T.STAGES[target], closes=local_time(closes)), now=now, actor=person,
        data={"poll_id": poll.id})
    project.last_activity_at = now
    # The groups see the poll itself; followers hear of it privately.
    await publish(session, project, entry, now=now, groups=False)
    return poll


def local_time(when: datetime, tz: tzinfo = DEFAULT_TZ) -> str:
    return when.astimezone(tz).strftime("%m月%d日 %H:%M")


async def complete(session: AsyncSession, project: Project, person: Person | None, *,
                   now: datetime) -> None:
    """完工: progress 100%, then the residents' satisfaction poll (群众评价) if possible."""
    project.stage, project.percent = DONE, 100
    community = await session.get(Community, project.community_id)
    closes = now + timedelta(days=_days(community, "project_evaluation_days", EVALUATION_DAYS))
    poll = await project_polls.start_poll(
        session, community_id=project.community_id,
        chat_ids=await linked_chat_ids(session, project.id),
        question=T.POLL_QUESTION_EVAL.format(id=project.id, title=project.title),
        opens_at=now, closes_at=closes, preset="satisfaction", project_id=project.id,
        created_by_id=person.id if person else None, now=now,
    )
    if poll is None:
        await _move(session, project, person, DONE, "stage", T.CHANGE_DONE_MANUAL, now=now)
        return
    project.evaluation_poll_id = poll.id
    _entry(project, "stage", T.CHANGE_STAGE.format(stage=T.STAGES[DONE]), now=now, actor=person,
           percent=100)
    await _move(session, project, person, EVALUATING, "stage",
                T.CHANGE_DONE_EVAL.format(closes=local_time(closes)), now=now,
                poll_id=poll.id)


async def _close(session: AsyncSession, project: Project, person: Person | None, text: str, *,
                 now: datetime, **data: Any) -> None:
    project.closed_at = now
    summary = data.get("summary")
    # 结果公开 once: a project decided by the council is published as its topic's result;
    # the project's own entry then goes to its followers only.
    published = await council.publish_result(session, project_id=project.id, now=now, result=(
        T.COUNCIL_RESULT_EVALUATED if summary else T.COUNCIL_RESULT).format(
            id=project.id, title=project.title, summary=summary))
    await _move(session, project, person, CLOSED, "evaluation", text, now=now,
                groups=not published, **data)
    await project_schedule.on_closed(session, project)


async def shelve(session: AsyncSession, project: Project, person: Person, reason: str, *,
                 admin_ids: list[int], now: datetime) -> None:
    await require_organizer(session, person, project, admin_ids)
    if not reason.strip():
        raise ProjectError(T.SHELVE_HOW)
    if project.stage in (CLOSED, SHELVED):
        raise ProjectError(T.STAGE_NO_NEXT.format(id=project.id, stage=T.STAGES[project.stage]))
    # A running decision poll or meeting is not forgotten (that left a second poll open
    # on the same question after resuming): its result, if it comes while shelved, is
    # recorded and not applied; after resuming it applies as usual.
    project.shelved_from, project.shelved_reason = project.stage, reason.strip()
    await _move(session, project, person, SHELVED, "stage",
                T.CHANGE_SHELVED.format(reason=reason.strip()), now=now)


async def resume(session: AsyncSession, project: Project, person: Person, *,
                 admin_ids: list[int], now: datetime) -> None:
    await require_organizer(session, person, project, admin_ids)
    if project.stage != SHELVED:
        raise ProjectError(T.RESUME_NOT_SHELVED.format(id=project.id))
    target = project.shelved_from or COLLECTING
    project.shelved_from = project.shelved_reason = None
    await _move(session, project, person, target, "stage",
                T.CHANGE_RESUMED.format(stage=T.STAGES[target]), now=now)


async def on_poll_closed(session: AsyncSession, ctx: AppContext | None,
                         event: events.PollClosed) -> None:
    """A poll closed: a project's decision poll moves it (or not), its evaluation poll
    closes it. Polls of no project, or of another purpose, change nothing."""
    project = await get(session, event.project_id) if event.project_id is not None else None
    if project is None:
        return
    when, pairs = event.closed_at, list(event.counts)
    text = project_polls.summary(pairs)
    data = {"poll_id": event.poll_id, "counts": [list(p) for p in pairs],
            "total": sum(n for _, n in pairs), "summary": text}
    if event.poll_id == project.evaluation_poll_id and project.stage in (DONE, EVALUATING):
        project.evaluation = data
        await _close(session, project, None, T.CHANGE_CLOSED.format(summary=text), now=when,
                     **data)
    elif event.poll_id == project.pending_poll_id and project.pending_stage is not None:
        target = project.pending_stage
        project.pending_stage, project.pending_poll_id = None, None
        passed = project_polls.approved(pairs)
        await council.record_outside_decision(
            session, community_id=project.community_id, project_id=project.id,
            title=project.title, passed=passed, how=T.DECIDED_BY_POLL.format(summary=text),
            actor=None, now=when)
        await _apply_decision(session, project, target, passed, now=when, **data, text=text)


async def _apply_decision(session: AsyncSession, project: Project, target: str, passed: bool,
                          *, now: datetime, text: str, council_topic: int | None = None,
                          **data: Any) -> None:
    if project.stage == SHELVED:
        _entry(project, "decision", T.CHANGE_DECISION_WHILE_SHELVED.format(summary=text),
               now=now, actor=None, data=data)
        return
    if council_topic is not None:
        words = (T.CHANGE_DECISION_COUNCIL if passed else T.CHANGE_DECISION_COUNCIL_REJECTED
                 ).format(topic=council_topic, summary=text, stage=T.STAGES[
                     target if passed else project.stage])
    else:
        words = (T.CHANGE_DECISION_POLL if passed else T.CHANGE_DECISION_REJECTED).format(
            summary=text, stage=T.STAGES[target if passed else project.stage])
    # A meeting's decision was already posted to the groups by the council (【决议公开】
    # with the minutes): the project's entry goes to its followers only, not a second time.
    await _move(session, project, None, target if passed else project.stage, "decision",
                words, now=now, groups=council_topic is None, approved=passed, **data)


async def on_council_decided(session: AsyncSession, ctx: AppContext | None,
                             event: council.CouncilDecided) -> None:
    """A council meeting decided a project's topic: the project moves (or stays)."""
    project = await get(session, event.project_id) if event.project_id is not None else None
    if project is None or project.pending_stage is None or project.pending_poll_id is not None:
        return
    target, project.pending_stage = project.pending_stage, None
    await _apply_decision(session, project, target, event.passed, now=event.at,
                          text=event.summary, council_topic=event.topic_id,
                          topic_id=event.topic_id)


# --- residents: followers and pledges ---------------------------------------------------

async def follow(session: AsyncSession, project: Project, person: Person, on: bool) -> bool:
    """Returns True when something changed."""
    row = await session.scalar(select(ProjectFollower).where(
        ProjectFollower.project_id == project.id, ProjectFollower.person_id == person.id))
    if on and row is None:
        session.add(ProjectFollower(project_id=project.id, person_id=person.id))
        await session.flush()
        return True
    if not on and row is not None:
        await session.delete(row)
        await session.flush()
        return True
    return False


async def is_following(session: AsyncSession, project_id: int, person_id: int) -> bool:
    return await session.scalar(select(ProjectFollower.id).where(
        ProjectFollower.project_id == project_id, ProjectFollower.person_id == person_id
    )) is not None


async def pledge(session: AsyncSession, project: Project, person: Person, kind: str, *,
                 now: datetime, amount: int | None = None, note: str = "") -> Pledge:
    if kind not in PLEDGE_KINDS:
        raise ProjectError(T.PLEDGE_HOW)
    if project.stage in (CLOSED, SHELVED, EVALUATING):
        raise ProjectError(T.PLEDGE_CLOSED.format(id=project.id, stage=T.STAGES[project.stage]))
    if amount is not None and not 1 <= amount <= 1_000_000:
        raise ProjectError(T.PLEDGE_BAD_AMOUNT)
    row = await session.scalar(select(Pledge).where(
        Pledge.project_id == project.id, Pledge.person_id == person.id, Pledge.kind == kind))
    if row is None:
        row = Pledge(project_id=project.id, person_id=person.id, kind=kind, at=now)
        session.add(row)
    row.at = now
    if amount is not None:
        row.amount = amount
    if note:
        row.note = note
    await follow(session, project, person, True)  # who pledges hears how it goes
    await session.flush()
    return row


async def labour_pledge(session: AsyncSession, project_id: int, person_id: int) -> Pledge | None:
    return await session.scalar(select(Pledge).where(
        Pledge.project_id == project_id, Pledge.person_id == person_id, Pledge.kind == "labour"))


async def pledge_totals(session: AsyncSession, project_id: int) -> PledgeTotals:
    rows = await session.execute(
        select(Pledge.kind, func.count(), func.coalesce(func.sum(Pledge.amount), 0))
        .where(Pledge.project_id == project_id).group_by(Pledge.kind)
    )
    counts, money = {}, 0
    for kind, count, amount in rows:
        counts[kind] = int(count)
        if kind == "money":
            money = int(amount)
    return PledgeTotals(counts, money)


async def follower_count(session: AsyncSession, project_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(ProjectFollower).where(
        ProjectFollower.project_id == project_id)) or 0)


async def case_number(session: AsyncSession, project: Project) -> str | None:
    if project.case_id is None:
        return None
    return await session.scalar(select(Case.number).where(Case.id == project.case_id))


async def list_projects(session: AsyncSession, community_id: int) -> list[Project]:
    return list(await session.scalars(
        select(Project).where(Project.community_id == community_id)
        .options(selectinload(Project.milestones)).order_by(Project.id.desc())
    ))


async def community_of_chat(session: AsyncSession, chat_id: int) -> Community | None:
    group = await org.group_by_chat(session, chat_id)
    return group.grid.community if group and group.grid else None


async def communities_of_member(session: AsyncSession, person: Person) -> list[Community]:
    """A resident's communities: any role's, else their building's, else all of them."""
    ids = {r.community_id for r in await org.roles_of(session, person.id) if r.community_id}
    if person.building_id is not None:
        building = await session.get(Building, person.building_id)
        grid = await session.get(Grid, building.grid_id) if building else None
        if grid is not None:
            ids.add(grid.community_id)
    query = select(Community).order_by(Community.id)
    if ids:
        query = query.where(Community.id.in_(ids))
    return list(await session.scalars(query))


async def linked_groups(session: AsyncSession, project_id: int) -> list[GroupChat]:
    return list(await session.scalars(
        select(GroupChat).join(ProjectGroup, ProjectGroup.group_chat_id == GroupChat.id)
        .where(ProjectGroup.project_id == project_id).order_by(GroupChat.id)))


async def report_summary(session: AsyncSession, community_id: int | None, start: datetime,
                         end: datetime) -> str | None:
    """One line for /stats and the 社情发布会: the community's projects open during the
    period, how many updates they had, and each one's stage and progress."""
    if community_id is None:
        return None
    projects = list(await session.scalars(
        select(Project)
        .where(Project.community_id == community_id, Project.created_at < end,
               or_(Project.closed_at.is_(None), Project.closed_at >= start))
        .options(selectinload(Project.milestones))
        .order_by(Project.id)
    ))
    if not projects:
        return None
    updates = await session.scalar(
        select(func.count()).select_from(ProjectUpdate)
        .where(ProjectUpdate.project_id.in_([p.id for p in projects]),
               ProjectUpdate.at >= start, ProjectUpdate.at < end)
    ) or 0
    items = "；".join(T.SUMMARY_ITEM.format(title=p.title, stage=T.STAGES[p.stage],
                                           percent=progress(p)) for p in projects[:5])
    return T.SUMMARY.format(count=len(projects), updates=updates, items=items)
