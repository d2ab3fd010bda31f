"""Votes of scheduled polls: who may vote, recording a ballot (one per person across
all target groups, one per household when the poll says so), and counting."""
from __future__ import annotations

import enum
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person, Role
from bot.db.models.polls import Poll, PollMember, PollVote
from bot.events import PersonErasing
from bot.people import counts as register_counts
from bot.polls import evaluation


class Outcome(enum.Enum):
    COUNTED = "counted"
    CHANGED = "changed"
    RETRACTED = "retracted"
    UNCHANGED = "unchanged"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NOT_RESIDENT = "not_resident"
    NO_HOUSEHOLD = "no_household"
    HOUSEHOLD_TAKEN = "household_taken"

    @property
    def refused(self) -> bool:
        return self in REFUSED


REFUSED = {Outcome.NOT_OPEN, Outcome.CLOSED, Outcome.NOT_RESIDENT, Outcome.NO_HOUSEHOLD,
           Outcome.HOUSEHOLD_TAKEN}
INELIGIBLE = {Outcome.NOT_RESIDENT, Outcome.NO_HOUSEHOLD, Outcome.HOUSEHOLD_TAKEN}


@dataclass(frozen=True)
class VoteResult:
    outcome: Outcome
    choices: tuple[int, ...] = ()
    household: str | None = None


SEEN_REFRESH = timedelta(days=1)


# Per database: (chat id, person id) -> the `seen_at` of a committed row read while
# fresh, so that a chatty member's next messages that day need no SELECT at all.
_FRESH: WeakKeyDictionary[Any, OrderedDict[tuple[int, int], datetime]] = WeakKeyDictionary()
_FRESH_MAX = 100_000


async def remember_member(session: AsyncSession, chat_id: int, person_id: int,
                          now: datetime) -> None:
    """A person seen in a group counts towards its eligible base. `seen_at` is only
    rewritten when a day old (the base counts members seen within weeks): a chatty
    resident costs one SELECT a day per group, not a write per message."""
    fresh = _FRESH.setdefault(session.get_bind(), OrderedDict())
    key = (chat_id, person_id)
    seen = fresh.get(key)
    if seen is not None and now - seen < SEEN_REFRESH:
        return
    row = await session.scalar(select(PollMember).where(
        PollMember.chat_id == chat_id, PollMember.person_id == person_id))
    if row is None:
        session.add(PollMember(chat_id=chat_id, person_id=person_id, seen_at=now))
    elif row.seen_at is None or now - row.seen_at >= SEEN_REFRESH:
        row.seen_at = now
    else:  # read, not written here: true whether this transaction commits or not
        fresh[key] = row.seen_at
        if len(fresh) > _FRESH_MAX:
            fresh.popitem(last=False)


async def forget_member(session: AsyncSession, _ctx: Any, event: PersonErasing) -> None:
    """An erased person's rows go; SQLite may give their id to the next person."""
    for fresh in _FRESH.values():
        for key in [k for k in fresh if k[1] == event.person_id]:
            del fresh[key]


async def is_resident(session: AsyncSession, person_id: int, community_id: int) -> bool:
    found = await session.scalar(select(Role.id).where(
        Role.person_id == person_id, Role.role == "resident",
        Role.community_id == community_id).limit(1))
    return found is not None


async def _eligibility(session: AsyncSession, poll: Poll, person: Person) -> Outcome | None:
    if poll.eligibility == "anyone":
        return None
    if not await is_resident(session, person.id, poll.community_id):
        return Outcome.NOT_RESIDENT
    if poll.eligibility == "household" and not person.household:
        return Outcome.NO_HOUSEHOLD
    return None


async def _vote_of(session: AsyncSession, poll_id: int, person_id: int) -> PollVote | None:
    return await session.scalar(select(PollVote).where(
        PollVote.poll_id == poll_id, PollVote.person_id == person_id))


async def record(session: AsyncSession, poll: Poll, person: Person, choices: list[int],
                 *, chat_id: int | None, now: datetime) -> VoteResult:
    """Store `choices` (option positions; empty = retract) as this person's ballot."""
    if poll.status == "scheduled":
        return VoteResult(Outcome.NOT_OPEN)
    if poll.status != "open":
        return VoteResult(Outcome.CLOSED)
    if chat_id is not None:
        await remember_member(session, chat_id, person.id, now)
    refused = await _eligibility(session, poll, person)
    if refused is not None:
        return VoteResult(refused)
    valid = sorted({i for i in choices if 0 <= i < len(poll.options)})
    if not poll.multiple:
        valid = valid[:1]
    existing = await _vote_of(session, poll.id, person.id)
    if not valid:
        # A retraction in one group does not undo a ballot cast from another group.
        if existing is None or (chat_id is not None and existing.chat_id not in (None, chat_id)):
            return VoteResult(Outcome.UNCHANGED)
        await session.delete(existing)
        return VoteResult(Outcome.RETRACTED)
    household = person.household if poll.eligibility == "household" else None
    if household is not None:
        other = await session.scalar(select(PollVote).where(
            PollVote.poll_id == poll.id, PollVote.household == household,
            PollVote.person_id != person.id))
        if other is not None:
            return VoteResult(Outcome.HOUSEHOLD_TAKEN, household=household)
    if existing is None:
        session.add(PollVote(poll_id=poll.id, person_id=person.id, household=household,
                                chat_id=chat_id, choices=valid, voted_at=now))
        await session.flush()
        return VoteResult(Outcome.COUNTED, tuple(valid), household)
    if list(existing.choices) == valid:
        return VoteResult(Outcome.UNCHANGED, tuple(valid), household)
    existing.choices, existing.chat_id, existing.voted_at = valid, chat_id, now
    return VoteResult(Outcome.CHANGED, tuple(valid), household)


async def toggle(session: AsyncSession, poll: Poll, person: Person, position: int,
                 *, chat_id: int | None, now: datetime) -> VoteResult:
    """An inline-button press: single choice sets (the same again retracts), multiple
    choice toggles the option."""
    existing = await _vote_of(session, poll.id, person.id)
    current = set(existing.choices) if existing is not None else set()
    if poll.multiple:
        chosen = current ^ {position}
    else:
        chosen = set() if current == {position} else {position}
    return await record(session, poll, person, sorted(chosen), chat_id=chat_id, now=now)


async def ballots(session: AsyncSession, poll_id: int) -> list[PollVote]:
    return list(await session.scalars(
        select(PollVote).where(PollVote.poll_id == poll_id).order_by(PollVote.id)))


def counted_by_telegram(poll: Poll) -> bool:
    """An anonymous native poll: Telegram tells the bot totals only, never who voted."""
    return poll.kind == "native" and poll.anonymous


def telegram_totals(poll: Poll) -> tuple[list[int], int]:
    """Votes per option and voters, summed over the groups the poll was posted in."""
    counts = [0] * len(poll.options)
    for d in poll.deliveries:
        for i, n in enumerate(d.counts or []):
            if i < len(counts):
                counts[i] += int(n)
    return counts, sum(d.voters or 0 for d in poll.deliveries)


async def voter_count(session: AsyncSession, poll_id: int) -> int:
    poll = await session.get(Poll, poll_id)
    if poll is not None and counted_by_telegram(poll):
        return telegram_totals(poll)[1]
    return int(await session.scalar(
        select(func.count()).select_from(PollVote).where(PollVote.poll_id == poll_id)) or 0)


async def eligible_count(session: AsyncSession, poll: Poll) -> int:
    """Members known in the target groups (anyone), registered residents of the
    community, or their households; never fewer than the people who voted."""
    if poll.eligibility == "anyone":
        people = select(PollMember.person_id).where(
            PollMember.chat_id.in_(poll.chat_ids))
        if counted_by_telegram(poll):
            members = select(func.count(func.distinct(PollMember.person_id))).where(
                PollMember.chat_id.in_(poll.chat_ids))
            return max(int(await session.scalar(members) or 0), telegram_totals(poll)[1])
        voters = select(PollVote.person_id).where(PollVote.poll_id == poll.id)
        union = people.union(voters).subquery()
        return int(await session.scalar(select(func.count()).select_from(union)) or 0)
    residents = (select(Person.id, Person.household).join(Role, Role.person_id == Person.id)
                 .where(Role.role == "resident", Role.community_id == poll.community_id))
    # The register (一楼一档) also counts residents and households without Telegram.
    registered, homes = await register_counts(session, poll.community_id)
    if poll.eligibility == "household":
        sub = residents.where(Person.household.is_not(None)).subquery()
        count = await session.scalar(select(func.count(func.distinct(sub.c.household))))
        count = max(int(count or 0), homes)
    else:
        sub = residents.subquery()
        count = await session.scalar(select(func.count(func.distinct(sub.c.id))))
        count = max(int(count or 0), registered)
    return max(int(count or 0), await voter_count(session, poll.id))


async def count(session: AsyncSession, poll: Poll) -> evaluation.Tally:
    if counted_by_telegram(poll):
        counts, voters = telegram_totals(poll)
        return evaluation.tally_counts(poll.texts, counts, voters,
                                       await eligible_count(session, poll),
                                       [o.slug for o in poll.options])
    rows = await ballots(session, poll.id)
    return evaluation.tally(poll.texts, [list(v.choices) for v in rows],
                            await eligible_count(session, poll),
                            [o.slug for o in poll.options])


async def voters_by_option(session: AsyncSession, poll: Poll) -> list[list[str]]:
    """Names per option (for polls with public results; nobody for an anonymous one)."""
    names: list[list[str]] = [[] for _ in poll.options]
    if poll.anonymous:
        return names
    rows = await session.execute(
        select(PollVote.choices, Person.name).join(Person, Person.id == PollVote.person_id)
        .where(PollVote.poll_id == poll.id).order_by(PollVote.id))
    for choices, name in rows:
        for i in choices:
            if 0 <= i < len(names):
                names[i].append(name or "?")
    return names


async def clear(session: AsyncSession, poll_id: int) -> None:
    await session.execute(delete(PollVote).where(PollVote.poll_id == poll_id))
