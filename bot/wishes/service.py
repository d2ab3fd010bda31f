"""微心愿: posted privately, reviewed by staff (the public text masks addresses, phones,
names), posted to the groups with 认领, claimed once by a registered volunteer or 双报到
party member, the two put in touch through the bot (relayed, numbers masked), confirmed
done by the resident or a worker with a photo, and the claimer paid points."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events, points
from bot.db.models import Community, Person, Role
from bot.db.models.points import WISH
from bot.db.models.wishes import CLAIMED, DONE, OPEN, PENDING, REJECTED, Wish
from bot.delivery import outbox
from bot.errors import Refusal
from bot.org import service as org
from bot.privacy.mask import mask
from bot.ui import Button, Keyboard, markup
from bot.wishes import settings as wish_settings
from bot.wishes import texts as T
from bot.wishes.buttons import Claim, Phone, Review

# An amount of money as people write it: 80元, 80 块, ¥80, ¥1,500, 两百元, 200多块, 3千元, 1.5万元.
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUMBER = rf"({_DIGITS}\s*[十百千万]*|[零一二两三四五六七八九十百千万]+)"
AMOUNT_RE = re.compile(rf"[¥￥]\s*({_DIGITS})|" + _NUMBER
                       + r"\s*[多余来]?\s*(元|圆|块钱|块)")


def _cn_number(text: str) -> int:
    """两百 → 200, 一千五百 → 1500, 三万 → 30000 (whole numbers, as prices are said)."""
    total = section = digit = 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        else:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + section + digit


def amount(text: str) -> int | None:
    """The largest amount of money (元) the text names, or None."""
    found = []
    # A Chinese comma separates clauses ("我今年80，200元左右"), never thousands.
    for m in AMOUNT_RE.finditer(unicodedata.normalize("NFKC", text.replace("，", "、"))):
        raw = m.group(1) or m.group(2)
        if raw[0].isdigit():
            digits = re.match(_DIGITS, raw)
            assert digits is not None
            value = float(digits.group().replace(",", ""))
            for unit in raw[digits.end():].strip():  # 3千 → 3000, 1.5万 → 15000
                value *= 10_000 if unit == "万" else _CN_UNITS[unit]
            found.append(int(value))
        elif m.group(3) != "块" or re.search("[十百千万]", raw):  # 一块蛋糕 is a piece, not 1 元
            found.append(_cn_number(raw))
    return max(found) if found else None


class WishError(Refusal):
    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


async def get(session: AsyncSession, wish_id: int) -> Wish:
    wish = await session.get(Wish, wish_id)
    if wish is None:
        raise WishError(T.NO_SUCH_WISH.format(id=wish_id))
    return wish


async def is_staff(session: AsyncSession, person: Person, community_id: int,
                   admin_ids: list[int]) -> bool:
    """Organizers, and the grid workers of the community."""
    if await org.can_organize(session, person, community_id, admin_ids):
        return True
    return any(r.role == "grid_worker" for r in await org.roles_of(session, person.id)
               if r.community_id in (None, community_id))


async def tell(session: AsyncSession, person: Person | None, text: str, *, now: datetime,
               key: str | None = None, keyboard: Keyboard | None = None) -> bool:
    if not points.reachable(person):
        return False
    assert person is not None and person.tg_id is not None
    extra = {"reply_markup": markup(keyboard)} if keyboard else {}
    await outbox.enqueue(session, person.tg_id, now=now, text=text, dedupe_key=key, **extra)
    return True


async def post(session: AsyncSession, person: Person, text: str, *, community_id: int,
               now: datetime) -> Wish:
    """A resident's wish, or a worker's for someone ("代 张奶奶 …"): staff review it."""
    text = text.strip()
    for_whom = None
    if m := re.match(r"^代\s*(\S{1,20})\s+(.+)$", text, re.S):
        for_whom, text = m.group(1), m.group(2).strip()
    if len(text) > 300:
        raise WishError(T.TOO_LONG, alert=False)
    limit = wish_settings.limit(await session.get(Community, community_id))
    value = amount(text)
    if limit and value is not None and value > limit:
        raise WishError(T.OVER_LIMIT.format(value=value, limit=limit), alert=False)
    wish = Wish(community_id=community_id, author_id=person.id, for_whom=for_whom, text=text,
                public_text=mask(text), value=value, status=PENDING, created_at=now)
    session.add(wish)
    await session.flush()
    worth = (T.REVIEW_VALUE.format(value=value) if value is not None
             else T.REVIEW_NO_VALUE.format(limit=limit) if limit else "")
    review = T.REVIEW.format(id=wish.id, who=person.name or "居民",
                             for_whom=f"（代{for_whom}）" if for_whom else "", text=text,
                             public=wish.public_text, worth=worth)
    keyboard = [[Button(T.APPROVE_BUTTON, Review(wish.id, 1)),
                 Button(T.REJECT_BUTTON, Review(wish.id, 0))]]
    for staff in await org.people_with_role(session, "organizer",
                                            Role.community_id == community_id):
        await tell(session, staff, review, now=now, keyboard=keyboard,
                   key=f"wish:{wish.id}:review:{staff.id}")
    return wish


def claim_keyboard(wish_id: int) -> Keyboard:
    return [[Button(T.CLAIM_BUTTON, Claim(wish_id))]]


async def review(session: AsyncSession, person: Person, wish_id: int, approve: bool, *,
                 admin_ids: list[int], now: datetime) -> str:
    wish = await get(session, wish_id)
    if not await org.can_organize(session, person, wish.community_id, admin_ids):
        raise WishError(points.texts.NOT_ORGANIZER)
    if wish.status != PENDING:
        raise WishError(T.ALREADY_REVIEWED.format(id=wish.id, state=T.STATES[wish.status]))
    wish.reviewed_by_id = person.id
    author = await session.get(Person, wish.author_id)
    if not approve:
        wish.status = REJECTED
        await tell(session, author, T.AUTHOR_REJECTED.format(id=wish.id), now=now)
        return T.REJECTED.format(id=wish.id)
    wish.status, wish.approved_at = OPEN, now
    groups = await _post_in_groups(session, wish, now, "post")
    await tell(session, author, T.AUTHOR_APPROVED.format(id=wish.id), now=now)
    return T.APPROVED.format(id=wish.id, groups=groups)


async def _post_in_groups(session: AsyncSession, wish: Wish, now: datetime, occasion: str) -> int:
    """The wish with its 认领 button in every group of its community; how many groups."""
    groups = await org.group_chats_of_community(session, wish.community_id)
    for g in groups:
        await outbox.enqueue(session, g.chat_id, now=now, ref=f"wish:{wish.id}",
                             text=T.POST.format(id=wish.id, text=wish.public_text),
                             reply_markup=markup(claim_keyboard(wish.id)),
                             dedupe_key=f"wish:{wish.id}:{occasion}:{g.chat_id}")
    return len(groups)


async def claim(session: AsyncSession, person: Person, wish_id: int, *,
                now: datetime) -> tuple[str, str | None]:
    """认领: the alert, and the group post's new text (None: leave it)."""
    wish = await get(session, wish_id)
    if wish.status != OPEN:
        raise WishError(T.TAKEN.format(id=wish.id, state=T.STATES[wish.status]))
    if wish.author_id == person.id:
        raise WishError(T.OWN_WISH)
    if not await points.is_volunteer(session, person, wish.community_id):
        raise WishError(T.NOT_VOLUNTEER)
    if not points.reachable(person):
        raise WishError(T.NOT_STARTED)
    won = await session.execute(
        update(Wish).where(Wish.id == wish.id, Wish.status == OPEN)
        .values(status=CLAIMED, claimer_id=person.id, claimed_at=now)
        .execution_options(synchronize_session=False))
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise WishError(T.TAKEN.format(id=wish.id, state=T.STATES[CLAIMED]))
    await session.refresh(wish)
    phone = [[Button(T.PHONE_BUTTON, Phone(wish.id))]]
    await tell(session, person, T.CLAIMER_NEXT.format(id=wish.id, text=wish.public_text),
               now=now, keyboard=phone)
    volunteer = await points.volunteer_row(session, person, wish.community_id)
    kind = points.texts.kind_of(volunteer.kind, volunteer.unit) if volunteer else "志愿者"
    await tell(session, await session.get(Person, wish.author_id),
               T.AUTHOR_CLAIMED.format(id=wish.id, kind=kind), now=now, keyboard=phone)
    return T.CLAIMED.format(id=wish.id), T.CLAIMED_POST.format(id=wish.id, text=wish.public_text)


async def say(session: AsyncSession, person: Person, wish_id: int, text: str, *,
              now: datetime) -> str:
    """The bot carries words between the claimer and the resident; numbers are masked."""
    wish = await get(session, wish_id)
    if person.id not in (wish.author_id, wish.claimer_id):
        raise WishError(T.NOT_PARTY.format(id=wish.id), alert=False)
    if wish.claimer_id is None:
        raise WishError(T.NOT_CLAIMED.format(id=wish.id), alert=False)
    from_claimer = person.id == wish.claimer_id
    other = await session.get(Person, wish.author_id if from_claimer else wish.claimer_id)
    words = (T.RELAY_FROM_CLAIMER if from_claimer else T.RELAY_FROM_AUTHOR).format(
        id=wish.id, text=mask(text.strip()[:1000]))
    if not await tell(session, other, words, now=now):
        raise WishError(T.UNREACHABLE.format(id=wish.id, who=T.ROLE[not from_claimer]),
                        alert=False)
    return T.RELAYED


async def done(session: AsyncSession, person: Person, wish_id: int, photo_file_id: str | None,
               *, admin_ids: list[int], now: datetime) -> str:
    """The resident (or a worker) confirms with a photo; the claimer earns the points."""
    wish = await get(session, wish_id)
    if person.id != wish.author_id and not await is_staff(session, person, wish.community_id,
                                                          admin_ids):
        raise WishError(T.DONE_NOT_YOURS.format(id=wish.id), alert=False)
    if wish.status != CLAIMED:
        raise WishError(T.TAKEN.format(id=wish.id, state=T.STATES[wish.status]), alert=False)
    if not photo_file_id:
        raise WishError(T.DONE_NEED_PHOTO.format(id=wish.id), alert=False)
    wish.status, wish.done_at, wish.photo_file_id = DONE, now, photo_file_id
    claimer = await session.get(Person, wish.claimer_id) if wish.claimer_id else None
    if claimer is not None:
        await points.grant(session, person=claimer, community_id=wish.community_id, kind=WISH,
                           note=f"心愿 #{wish.id}", ref=f"wish:{wish.id}", by=person, now=now)
        await tell(session, claimer, T.CLAIMER_DONE.format(id=wish.id), now=now)
    for g in await org.group_chats_of_community(session, wish.community_id):
        await outbox.enqueue(session, g.chat_id, "sendPhoto", now=now, ref=f"wish:{wish.id}",
                             photo=photo_file_id,
                             caption=T.DONE_POST.format(id=wish.id, text=wish.public_text),
                             dedupe_key=f"wish:{wish.id}:done:{g.chat_id}")
    return T.DONE.format(id=wish.id)


async def on_person_erasing(session: AsyncSession, _ctx: object,
                            event: events.PersonErasing) -> None:
    """Someone erased: a volunteer helping with their wish is told it is withdrawn (the
    wish goes with them); a wish they had claimed waits for another volunteer again."""
    for wish in await session.scalars(select(Wish).where(
            Wish.author_id == event.person_id, Wish.status == CLAIMED)):
        if wish.claimer_id is not None:
            await tell(session, await session.get(Person, wish.claimer_id),
                       T.WITHDRAWN.format(id=wish.id), now=event.at)
    for wish in await session.scalars(select(Wish).where(
            Wish.claimer_id == event.person_id, Wish.status == CLAIMED)):
        wish.status, wish.claimer_id, wish.claimed_at = OPEN, None, None
        await _post_in_groups(session, wish, event.at,
                              f"repost:{event.at.strftime('%Y%m%d%H%M%S')}")
        await tell(session, await session.get(Person, wish.author_id),
                   T.CLAIMER_LEFT.format(id=wish.id), now=event.at)


async def listing(session: AsyncSession, community_id: int) -> list[Wish]:
    return list(await session.scalars(
        select(Wish).where(Wish.community_id == community_id,
                           Wish.status.in_((OPEN, CLAIMED, DONE)))
        .order_by(Wish.id.desc()).limit(20)))


async def report_summary(session: AsyncSession, community_id: int | None, start: datetime,
                         end: datetime) -> str | None:
    """One line for the monthly and quarterly posts: wishes posted, claimed, fulfilled."""
    if community_id is None:
        return None

    async def count(column: object) -> int:
        return int(await session.scalar(select(func.count()).select_from(Wish).where(
            Wish.community_id == community_id, column >= start, column < end)) or 0)  # type: ignore[operator]

    posted, claimed, fulfilled = (await count(Wish.approved_at), await count(Wish.claimed_at),
                                  await count(Wish.done_at))
    if not (posted or claimed or fulfilled):
        return None
    return f"微心愿：发布 {posted} 个，认领 {claimed} 个，实现 {fulfilled} 个"
