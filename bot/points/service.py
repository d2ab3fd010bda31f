"""Volunteers and 双报到 registration, activities (sign-up, check-in), the append-only
points ledger with the community's rules, the monthly leaderboard (with opt-out) and
爱心超市 exchanges. Services take a session and plain values and never commit."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot.db.models import Building, Community, Grid, Person
from bot.db.models.points import (
    EXCHANGE,
    HOUR,
    PARTY,
    PLEDGE,
    REPORT,
    VOLUNTEER,
    WISH,
    Activity,
    PointEntry,
    ShopItem,
    Signup,
    Volunteer,
)
from bot.delivery import outbox
from bot.errors import Refusal
from bot.org import service as org
from bot.points import texts as T

# Points per deed; a community may override any in settings["points_rules"].
RULES = {WISH: 10, HOUR: 5, REPORT: 2, PLEDGE: 5}
BOARD_SIZE = 10


class PointsError(Refusal):
    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


def reachable(person: Person | None) -> bool:
    return bool(person and person.tg_id and person.started_bot and not person.blocked_bot)


# --- which community ------------------------------------------------------------------

async def home_community(session: AsyncSession, person: Person) -> int | None:
    """A person's community in a private chat: a role's, else their building's, else
    the only community there is."""
    ids = {r.community_id for r in await org.roles_of(session, person.id) if r.community_id}
    if not ids:
        ids = set(await session.scalars(select(Volunteer.community_id).where(
            Volunteer.person_id == person.id)))
    if not ids and person.building_id is not None:
        found = await session.scalar(
            select(Grid.community_id).join(Building, Building.grid_id == Grid.id)
            .where(Building.id == person.building_id))
        ids = {found} if found else set()
    if not ids:
        ids = set(await org.all_community_ids(session))
    return ids.pop() if len(ids) == 1 else None


async def community_for(session: AsyncSession, person: Person, group: int | None,
                        admin_ids: list[int]) -> Community:
    """The group's community; in private the organizer's first, else the person's own."""
    if group is not None:
        found = await org.group_by_chat(session, group)
        if found is None or found.grid is None:
            raise PointsError(T.WHERE, alert=False)
        return found.grid.community
    mine = await org.organizer_communities(session, person, admin_ids)
    if mine:
        return mine[0]
    home = await home_community(session, person)
    community = await session.get(Community, home) if home else None
    if community is None:
        raise PointsError(T.WHERE, alert=False)
    return community


async def require_organizer(session: AsyncSession, person: Person, community_id: int,
                            admin_ids: list[int]) -> None:
    if not await org.can_organize(session, person, community_id, admin_ids):
        raise PointsError(T.NOT_ORGANIZER, alert=False)


async def lookup(session: AsyncSession, who: str) -> Person | None:
    """@username, or a display name that only one person has."""
    if who.startswith("@"):
        return await org.person_by_username(session, who)
    named = list(await session.scalars(select(Person).where(Person.name == who).limit(2)))
    return named[0] if len(named) == 1 else None


async def person_named(session: AsyncSession, who: str) -> Person:
    found = await lookup(session, who)
    if found is None:
        raise PointsError(T.UNKNOWN_PERSON.format(who=who), alert=False)
    return found


# --- volunteers -------------------------------------------------------------------------

NOT_REGISTERED = "resident"  # a Volunteer row kept only for the leaderboard opt-out


async def volunteer_row(session: AsyncSession, person: Person, community_id: int
                        ) -> Volunteer | None:
    return await session.scalar(select(Volunteer).where(
        Volunteer.person_id == person.id, Volunteer.community_id == community_id))


async def register(session: AsyncSession, person: Person, community_id: int, *, kind: str,
                   unit: str | None, now: datetime) -> Volunteer:
    row = await volunteer_row(session, person, community_id)
    if row is None:
        row = Volunteer(person_id=person.id, community_id=community_id, at=now)
        session.add(row)
    row.kind, row.unit = kind, (unit or None) if kind == PARTY else None
    await session.flush()
    return row


async def ensure_volunteer(session: AsyncSession, person: Person, community_id: int, *,
                           now: datetime) -> Volunteer:
    row = await volunteer_row(session, person, community_id)
    if row is not None and row.kind != NOT_REGISTERED:
        return row
    return await register(session, person, community_id, kind=VOLUNTEER, unit=None, now=now)


async def is_volunteer(session: AsyncSession, person: Person, community_id: int) -> bool:
    row = await volunteer_row(session, person, community_id)
    return row is not None and row.kind != NOT_REGISTERED


async def set_hidden(session: AsyncSession, person: Person, community_id: int, hidden: bool, *,
                     now: datetime) -> None:
    """/leaderboard_off and _on: a resident who never registered is not made a volunteer."""
    row = await volunteer_row(session, person, community_id)
    if row is None:
        row = Volunteer(person_id=person.id, community_id=community_id, kind=NOT_REGISTERED,
                        at=now)
        session.add(row)
    row.hidden = hidden


# --- the ledger -------------------------------------------------------------------------

async def rule(session: AsyncSession, community_id: int, kind: str) -> int:
    community = await session.get(Community, community_id)
    custom = ((community.settings or {}).get("points_rules") or {}) if community else {}
    value = custom.get(kind) if isinstance(custom, dict) else None
    return value if isinstance(value, int) and value >= 0 else RULES.get(kind, 0)


async def balance(session: AsyncSession, person_id: int, community_id: int) -> int:
    return int(await session.scalar(select(func.coalesce(func.sum(PointEntry.amount), 0)).where(
        PointEntry.person_id == person_id, PointEntry.community_id == community_id)) or 0)


async def grant(session: AsyncSession, *, person: Person, community_id: int, kind: str,
                now: datetime, units: int = 1, amount: int | None = None, note: str = "",
                ref: str | None = None, by: Person | None = None) -> PointEntry | None:
    """Append a ledger line by the community's rule (or `amount`) and tell the person.
    None when this `ref` was already paid to them (a second press, a retried update)."""
    if ref is not None and await session.scalar(select(PointEntry.id).where(
            PointEntry.person_id == person.id, PointEntry.ref == ref)) is not None:
        return None
    value = amount if amount is not None else await rule(session, community_id, kind) * units
    entry = PointEntry(person_id=person.id, community_id=community_id, amount=value, kind=kind,
                       note=note[:200], ref=ref, granted_by_id=by.id if by else None, at=now)
    session.add(entry)
    await session.flush()
    if reachable(person) and value:
        assert person.tg_id is not None
        await outbox.enqueue(session, person.tg_id, now=now, ref=f"points:{person.id}",
                             text=T.GRANTED_NOTE.format(
                                 amount=value, reason=T.REASONS[kind],
                                 note=f"：{note}" if note else "",
                                 balance=await balance(session, person.id, community_id)))
    return entry


async def ledger(session: AsyncSession, person_id: int, community_id: int,
                 limit: int = 15) -> list[tuple[PointEntry, str | None]]:
    rows = await session.execute(
        select(PointEntry, Person.name).outerjoin(Person, Person.id == PointEntry.granted_by_id)
        .where(PointEntry.person_id == person_id, PointEntry.community_id == community_id)
        .order_by(PointEntry.id.desc()).limit(limit))
    return [(e, name) for e, name in rows]


def month_bounds(now: datetime, tz: tzinfo) -> tuple[datetime, datetime, str]:
    local = now.astimezone(tz)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end, f"{local.year}年{local.month}月"


async def leaderboard(session: AsyncSession, community_id: int, start: datetime,
                      end: datetime) -> list[tuple[str, int]]:
    """Points earned in the period (exchanges are not earnings), those who opted out left
    out, highest first."""
    hidden = select(Volunteer.person_id).where(Volunteer.community_id == community_id,
                                               Volunteer.hidden.is_(True))
    total = func.sum(PointEntry.amount)
    rows = await session.execute(
        select(Person.name, total).join(Person, Person.id == PointEntry.person_id)
        .where(PointEntry.community_id == community_id, PointEntry.kind != EXCHANGE,
               PointEntry.at >= start, PointEntry.at < end,
               PointEntry.person_id.not_in(hidden))
        .group_by(Person.id, Person.name).having(total > 0)
        .order_by(total.desc(), Person.name).limit(BOARD_SIZE))
    return [(name or "?", int(points)) for name, points in rows]


# --- activities -----------------------------------------------------------------------

@dataclass
class ActivityForm:
    title: str
    starts_at: datetime
    place: str
    slots: int
    hours: int


FIELD_RE = re.compile(r"^\s*([^:：\s]{1,4})\s*[:：]\s*(.*)$")
TIME_RE = re.compile(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?\s*(\d{1,2})[:：点时](\d{2})?")
FIELDS = {"标题": "title", "时间": "time", "地点": "place", "名额": "slots", "时长": "hours"}


def parse_time(value: str, *, now: datetime, tz: tzinfo) -> datetime | None:
    m = TIME_RE.search(value)
    if m is None:
        return None
    try:
        year = int(m.group(1)) if m.group(1) else now.astimezone(tz).year
        return datetime(year, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                        int(m.group(5) or 0), tzinfo=tz)
    except ValueError:
        return None


def parse_activity(text: str, *, now: datetime, tz: tzinfo) -> ActivityForm:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        m = FIELD_RE.match(raw)
        if m and m.group(1) in FIELDS:
            values[FIELDS[m.group(1)]] = m.group(2).strip()
    for key, name in (("title", "标题"), ("time", "时间"), ("place", "地点"), ("slots", "名额")):
        if not values.get(key):
            raise PointsError(T.ACTIVITY_NEED.format(field=name), alert=False)
    starts = parse_time(values["time"], now=now, tz=tz)
    if starts is None or starts <= now:
        raise PointsError(T.ACTIVITY_BAD.format(field="时间", value=values["time"]), alert=False)
    counts = {}
    for key, name, top in (("slots", "名额", 1000), ("hours", "时长", 24)):
        value = numbers.number(values.get(key, "1").rstrip("人小时个"), low=1, high=top)
        if value is None:
            raise PointsError(T.ACTIVITY_BAD.format(field=name, value=values.get(key)),
                              alert=False)
        counts[key] = value
    return ActivityForm(values["title"][:100], starts, values["place"][:100], counts["slots"],
                        counts["hours"])


async def create_activity(session: AsyncSession, person: Person, community_id: int,
                          form: ActivityForm, *, now: datetime) -> Activity:
    activity = Activity(community_id=community_id, title=form.title, starts_at=form.starts_at,
                        place=form.place, slots=form.slots, hours=form.hours,
                        code=f"{secrets.randbelow(10_000):04d}", created_by_id=person.id, at=now)
    session.add(activity)
    await session.flush()
    return activity


async def get_activity(session: AsyncSession, activity_id: int) -> Activity:
    activity = await session.get(Activity, activity_id)
    if activity is None:
        raise PointsError(T.NO_SUCH_ACTIVITY.format(id=activity_id))
    return activity


async def taken(session: AsyncSession, activity_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity_id)) or 0)


async def sign_up(session: AsyncSession, person: Person, activity_id: int, *,
                  now: datetime) -> str:
    activity = await get_activity(session, activity_id)
    mine = await session.scalar(select(Signup.id).where(Signup.activity_id == activity.id,
                                                        Signup.person_id == person.id))
    if mine is not None:
        return T.SIGNUP_AGAIN.format(id=activity.id)
    count = await taken(session, activity.id)
    if count >= activity.slots:
        raise PointsError(T.SIGNUP_FULL.format(id=activity.id))
    await ensure_volunteer(session, person, activity.community_id, now=now)
    session.add(Signup(activity_id=activity.id, person_id=person.id, at=now))
    text = T.SIGNED_UP.format(id=activity.id, taken=count + 1, slots=activity.slots)
    return text if reachable(person) else text + "\n" + T.SIGNUP_START


async def _attend(session: AsyncSession, signup: Signup, activity: Activity, person: Person, *,
                  by: Person | None, now: datetime) -> int:
    signup.checked_in_at = signup.checked_in_at or now
    entry = await grant(session, person=person, community_id=activity.community_id, kind=HOUR,
                        units=activity.hours, note=activity.title, ref=f"activity:{activity.id}",
                        by=by, now=now)
    return entry.amount if entry else 0


async def check_in_code(session: AsyncSession, person: Person, code: str, *,
                        now: datetime) -> str:
    """/checkin CODE: the person's sign-up for an activity of today with this code."""
    rows = await session.execute(
        select(Signup, Activity).join(Activity, Activity.id == Signup.activity_id)
        .where(Signup.person_id == person.id, Activity.code == code.strip(),
               Activity.starts_at <= now + timedelta(hours=2),
               Activity.starts_at >= now - timedelta(hours=12)))
    found = rows.first()
    if found is None:
        raise PointsError(T.CHECKIN_BAD, alert=False)
    signup, activity = found
    if signup.checked_in_at is not None:
        return T.CHECKIN_AGAIN.format(id=activity.id)
    points = await _attend(session, signup, activity, person, by=None, now=now)
    return T.CHECKED_IN.format(id=activity.id, title=activity.title, points=points,
                               balance=await balance(session, person.id, activity.community_id))


async def check_in_marked(session: AsyncSession, organizer: Person, activity_id: int,
                          names: list[str], *, admin_ids: list[int], now: datetime) -> str:
    activity = await get_activity(session, activity_id)
    await require_organizer(session, organizer, activity.community_id, admin_ids)
    if not names:
        raise PointsError(T.ACTIVITY_CHECKIN_HOW, alert=False)
    pairs, strangers = [], []
    for name in names:
        who = await lookup(session, name)
        signup = await session.scalar(select(Signup).where(
            Signup.activity_id == activity.id, Signup.person_id == who.id)) if who else None
        if signup is None or who is None:
            strangers.append(name)
        else:
            pairs.append((signup, who))
    if strangers:
        raise PointsError(T.NOT_SIGNED.format(names="、".join(strangers), id=activity.id),
                          alert=False)
    for signup, who in pairs:
        await _attend(session, signup, activity, who, by=organizer, now=now)
    return T.ACTIVITY_CHECKED.format(id=activity.id, names="、".join(names),
                                     points=await rule(session, activity.community_id, HOUR)
                                     * activity.hours)


# --- 爱心超市 -----------------------------------------------------------------------------

async def items(session: AsyncSession, community_id: int) -> list[ShopItem]:
    return list(await session.scalars(select(ShopItem).where(
        ShopItem.community_id == community_id).order_by(ShopItem.cost, ShopItem.id)))


async def add_item(session: AsyncSession, community_id: int, name: str, cost: int,
                   stock: int | None) -> ShopItem:
    item = await session.scalar(select(ShopItem).where(ShopItem.community_id == community_id,
                                                       ShopItem.name == name))
    if item is None:
        item = ShopItem(community_id=community_id, name=name)
        session.add(item)
    item.cost, item.stock = cost, stock
    await session.flush()
    return item


async def exchange(session: AsyncSession, organizer: Person, community_id: int, who: Person,
                   name: str, count: int, *, now: datetime) -> tuple[ShopItem, int, int]:
    """An organizer records an exchange: stock and balance checked, the ledger debited.
    Returns (item, cost, balance after)."""
    item = await session.scalar(select(ShopItem).where(ShopItem.community_id == community_id,
                                                       ShopItem.name == name))
    if item is None:
        raise PointsError(T.NO_SUCH_ITEM.format(name=name), alert=False)
    if item.stock is not None and item.stock < count:
        raise PointsError(T.OUT_OF_STOCK.format(name=name, stock=item.stock), alert=False)
    cost = item.cost * count
    # Two exchanges at once must not both spend the same points (PostgreSQL row lock).
    await session.execute(select(Person.id).where(Person.id == who.id).with_for_update())
    have = await balance(session, who.id, community_id)
    if have < cost:
        raise PointsError(T.NOT_ENOUGH.format(who=who.name or who.username, cost=cost,
                                              balance=have), alert=False)
    if item.stock is not None:
        item.stock -= count
    session.add(PointEntry(person_id=who.id, community_id=community_id, amount=-cost,
                           kind=EXCHANGE, note=f"{name}×{count}", granted_by_id=organizer.id,
                           at=now))
    await session.flush()
    return item, cost, have - cost


async def report_summary(session: AsyncSession, community_id: int | None, start: datetime,
                         end: datetime) -> str | None:
    """One line for the 社情发布会: points earned and volunteer hours in the period."""
    if community_id is None:
        return None
    earned = await session.scalar(select(func.coalesce(func.sum(PointEntry.amount), 0)).where(
        PointEntry.community_id == community_id, PointEntry.kind != EXCHANGE,
        PointEntry.at >= start, PointEntry.at < end))
    people = await session.scalar(select(func.count(func.distinct(PointEntry.person_id))).where(
        PointEntry.community_id == community_id, PointEntry.kind != EXCHANGE,
        PointEntry.at >= start, PointEntry.at < end))
    if not earned:
        return None
    return f"志愿积分：{people} 人获得 {earned} 分"
