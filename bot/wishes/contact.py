"""Exchanging phone numbers for a claimed wish, only with consent: each party agrees with
the 「📞 同意交换电话」 button (their number on file) or /wish_phone N 手机号; the consent
is recorded (WishConsent: who, which number, when), the other party is asked, and the
numbers go across only when both have agreed — each to the other, never before."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import points
from bot.db.models import Person
from bot.db.models.people import Resident
from bot.db.models.wishes import CLAIMED, Wish, WishConsent
from bot.privacy.mask import mask
from bot.ui import Button, Keyboard
from bot.wishes import texts as T
from bot.wishes.buttons import Phone
from bot.wishes.service import WishError, get, tell

PHONE_RE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})|(0\d{9,11})")


def phone_keyboard(wish_id: int) -> Keyboard:
    return [[Button(T.PHONE_BUTTON, Phone(wish_id))]]


def clean_phone(text: str) -> str | None:
    """A mobile or landline number as digits, or None."""
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text or ""))
    m = PHONE_RE.fullmatch(digits)
    return (m.group(1) or m.group(2)) if m else None


async def phone_on_file(session: AsyncSession, person: Person) -> str | None:
    """The person's own number: the org file's, else the residents' register's."""
    if person.phone and (found := clean_phone(person.phone)):
        return found
    for phone in await session.scalars(select(Resident.phone).where(
            Resident.person_id == person.id, Resident.phone.is_not(None))):
        if found := clean_phone(phone or ""):
            return found
    return None


def hidden(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else mask(phone)


async def consent(session: AsyncSession, person: Person, wish_id: int, typed: str | None, *,
                  now: datetime, alert: bool) -> str:
    """Record that `person` agrees to give their number to the other party of the wish;
    exchange both numbers if the other already agreed. `typed` is a number written with
    /wish_phone (None for the button: the number on file)."""
    wish = await get(session, wish_id)
    if person.id not in (wish.author_id, wish.claimer_id):
        raise WishError(T.NOT_PARTY.format(id=wish.id), alert=alert)
    if wish.claimer_id is None:
        raise WishError(T.NOT_CLAIMED.format(id=wish.id), alert=alert)
    if wish.status != CLAIMED:
        raise WishError(T.PHONE_NOT_NOW.format(id=wish.id, state=T.STATES[wish.status]),
                        alert=alert)
    from_claimer = person.id == wish.claimer_id
    other = await session.get(Person, wish.author_id if from_claimer else wish.claimer_id)
    if not points.reachable(other):  # nobody to ask: record nothing
        raise WishError(T.UNREACHABLE.format(id=wish.id, who=T.ROLE[not from_claimer]),
                        alert=alert)
    mine = await _consent_of(session, wish.id, person.id)
    if mine is not None:
        return T.PHONE_AGAIN.format(id=wish.id)
    phone = clean_phone(typed) if typed else await phone_on_file(session, person)
    if phone is None:
        raise WishError((T.PHONE_BAD if typed else T.PHONE_ASK).format(id=wish.id), alert=alert)
    try:
        async with session.begin_nested():  # a double press: one consent row
            session.add(WishConsent(wish_id=wish.id, person_id=person.id, phone=phone, at=now))
    except IntegrityError:
        return T.PHONE_AGAIN.format(id=wish.id)
    assert other is not None
    theirs = await _consent_of(session, wish.id, other.id)
    if theirs is None:
        await tell(session, other, (T.PHONE_ASKED_BY_CLAIMER if from_claimer
                                    else T.PHONE_ASKED_BY_AUTHOR).format(id=wish.id), now=now,
                   keyboard=phone_keyboard(wish.id), key=f"wish:{wish.id}:phone-ask:{other.id}")
        return T.PHONE_RECORDED.format(id=wish.id, phone=hidden(phone))
    await _exchange(session, wish, person, phone, other, theirs, now=now)
    return T.PHONE_GIVEN.format(id=wish.id, who=T.ROLE[not from_claimer], phone=theirs.phone)


async def _consent_of(session: AsyncSession, wish_id: int, person_id: int) -> WishConsent | None:
    return await session.scalar(select(WishConsent).where(
        WishConsent.wish_id == wish_id, WishConsent.person_id == person_id))


async def _exchange(session: AsyncSession, wish: Wish, person: Person, phone: str,
                    other: Person, theirs: WishConsent, *, now: datetime) -> None:
    """Both agreed: `other` hears `person`'s number (the presser reads the other's in the
    answer); both consents are marked shared."""
    for row in (theirs, await _consent_of(session, wish.id, person.id)):
        if row is not None:
            row.shared_at = now
    from_claimer = person.id == wish.claimer_id
    await tell(session, other, T.PHONE_GIVEN.format(id=wish.id, who=T.ROLE[from_claimer],
                                                    phone=phone),
               now=now, key=f"wish:{wish.id}:phone:{other.id}")
