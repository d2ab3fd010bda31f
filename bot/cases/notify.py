"""Who hears what about a case, always through the outbox (same transaction).

Reporters: privately if they have started the bot, otherwise as a reply in the group
thread, coalesced by a `case.digest` timer so a busy case does not flood the group.
Group posts wait out quiet hours unless the case is urgent."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import render as R
from bot.cases import sla
from bot.cases import texts as T
from bot.context import AppContext
from bot.db.models import Case, CaseEvent, CaseVoice, Community, OutboxMessage, Person
from bot.db.models.cases import PATROL
from bot.delivery import outbox
from bot.delivery.outbox import after_quiet_hours, parse_quiet_hours
from bot.ui import Keyboard, markup
from scheduler import timers

URGENT_PRIORITY = 10
CARD_SENT = "case.card_sent"
DEEP_LINK = "case_"  # /start case_<id>  # outbox hook: remember the group card's message id


async def bot_username(ctx: AppContext) -> str | None:
    """The bot's @username from getMe (the Bot object caches it after the first call);
    None when there is no bot (a CLI command) or Telegram cannot say now."""
    if ctx.bot is None:
        return None
    try:
        return (await ctx.bot.me()).username
    except Exception:  # a missing link button is better than a lost card
        return None


def case_link(username: str | None, case: Case) -> str | None:
    """https://t.me/<bot>?start=case_<id>: opens the case in a private chat."""
    return f"https://t.me/{username}?start={DEEP_LINK}{case.id}" if username else None


async def card_keyboard(ctx: AppContext, case: Case) -> Keyboard:
    """A group card's buttons: 我也遇到 (+N) and the 查看进度 link."""
    return R.plus_keyboard(case, case_link(await bot_username(ctx), case))


def _markup(kb: Keyboard | None) -> dict[str, Any]:
    reply_markup = markup(kb)
    return {"reply_markup": reply_markup} if reply_markup else {}


async def to_person(
    session: AsyncSession, person: Person | None, text: str, now: datetime, *,
    case: Case | None = None, kb: Keyboard | None = None, priority: int = 0,
    dedupe_key: str | None = None, only_started: bool = False,
) -> OutboxMessage | None:
    """A private message. Staff get it whenever we know their Telegram id (Telegram
    refuses if they never started the bot; the sender marks that row dead)."""
    if person is None or person.tg_id is None or person.blocked_bot:
        return None
    if only_started and not person.started_bot:
        return None
    return await outbox.enqueue(
        session, person.tg_id, now=now, priority=priority, dedupe_key=dedupe_key,
        ref=f"case:{case.id}" if case else None, text=text, parse_mode=None, **_markup(kb),
    )


async def to_people(session: AsyncSession, people: Iterable[Person], text: str, now: datetime,
                    **kw: Any) -> int:
    sent, seen = 0, set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        if await to_person(session, person, text, now, **kw) is not None:
            sent += 1
    return sent


async def say(session: AsyncSession, person: Person, text: str, now: datetime,
              kb: Keyboard | None = None) -> None:
    """A private answer to someone who just wrote or pressed (a prompt, a choice)."""
    if person.tg_id is None:
        return
    await outbox.enqueue(session, person.tg_id, now=now, text=text, parse_mode=None,
                         **_markup(kb))


async def set_buttons(session: AsyncSession, case: Case, chat_id: int, message_id: int,
                      kb: Keyboard | None, now: datetime) -> None:
    """Swap (or, with None, remove) the buttons of a message already sent."""
    await outbox.enqueue(session, chat_id, "editMessageReplyMarkup", now=now,
                         ref=f"case:{case.id}", message_id=message_id,
                         reply_markup=markup(kb) or {"inline_keyboard": []})


async def set_card(session: AsyncSession, case: Case, chat_id: int, message_id: int, text: str,
                   kb: Keyboard | None, now: datetime) -> None:
    """Rewrite a card already sent (its text and buttons) after the case's state changed."""
    await outbox.enqueue(session, chat_id, "editMessageText", now=now, ref=f"case:{case.id}",
                         message_id=message_id, text=text, parse_mode=None,
                         reply_markup=markup(kb) or {"inline_keyboard": []})


def group_not_before(ctx: AppContext, case: Case, now: datetime) -> datetime:
    if case.urgency == "urgent":
        return now
    return after_quiet_hours(now, parse_quiet_hours(ctx.settings.quiet_hours), ctx.tz)


async def to_group(
    session: AsyncSession, ctx: AppContext, case: Case, chat_id: int, text: str, now: datetime, *,
    reply_to: int | None = None, kb: Keyboard | None = None,
    dedupe_key: str | None = None, on_sent: str | None = None,
) -> OutboxMessage:
    """A post in a group: the caller has masked `text` (R.public_text)."""
    extra: dict[str, Any] = _markup(kb)
    if reply_to is not None:
        extra["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    return await outbox.enqueue(
        session, chat_id, now=now, not_before=group_not_before(ctx, case, now),
        priority=URGENT_PRIORITY if case.urgency == "urgent" else 0, dedupe_key=dedupe_key,
        on_sent=on_sent, ref=f"case:{case.id}", text=text, parse_mode=None, **extra,
        # issue 19: cards and "already reported" replies of a rush share messages; a
        # card is queued in the transaction that created its case (its key is new)
        mergeable=not (dedupe_key or "").startswith("case-digest:"), fresh=on_sent == CARD_SENT,
    )


def reporter_in_private(case: Case, reporter: Person | None) -> bool:
    return bool(reporter and reporter.tg_id and reporter.started_bot and not reporter.blocked_bot)


async def tell_reporter(
    session: AsyncSession, ctx: AppContext, case: Case, event: CaseEvent, now: datetime
) -> None:
    """One state change reaches the reporter, privately or via the batched group thread.
    A case found on a round has no resident behind it: the worker who found it hears
    what others did, as its finder."""
    reporter = await session.get(Person, case.reporter_id) if case.reporter_id else None
    patrol = case.source == PATROL
    if patrol and (reporter is None or event.actor_id == reporter.id):
        return
    if reporter_in_private(case, reporter):
        text = (T.PATROL_UPDATE if patrol else T.REPORTER_UPDATE).format(
            number=case.number, line=R.event_line(event))
        await to_person(session, reporter, text, now, case=case,
                        kb=R.view_keyboard(case_link(await bot_username(ctx), case)),
                        dedupe_key=f"case-ev:{event.id}")
        return
    if case.source_chat_id is None or case.source_chat_id > 0:
        return  # private source but the reporter blocked the bot: nothing else to reach
    if await timers.pending(session, sla.DIGEST, sla.ref(case)):
        return  # a digest is already waiting; it will include this event
    community = await session.get(Community, case.community_id)
    assert community is not None
    await timers.schedule(session, sla.DIGEST, sla.ref(case), now + sla.batch_delay(community))


VOICE_EVENTS = ("resolved", "closed")  # what residents who said "me too" hear


async def tell_voices(session: AsyncSession, case: Case, event: CaseEvent, now: datetime) -> None:
    """How it ends reaches the residents who pressed +1 (those who started the bot;
    the others see the group thread)."""
    people = await session.scalars(
        select(Person).join(CaseVoice, CaseVoice.person_id == Person.id)
        .where(CaseVoice.case_id == case.id).order_by(Person.id))
    text = T.VOICE_UPDATE.format(number=case.number, line=R.event_line(event))
    for person in people:
        await to_person(session, person, text, now, case=case, only_started=True,
                        dedupe_key=f"case-voice:{event.id}:{person.id}")


async def send_digest(session: AsyncSession, ctx: AppContext, case: Case, now: datetime) -> None:
    """The batched group-thread reply: every public event not yet told."""
    events = list(await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.public.is_(True),
                                CaseEvent.id > (case.notified_event_id or 0))
        .order_by(CaseEvent.id)
    ))
    events = [e for e in events if e.kind != "opened"]  # the card already said so
    if not events or case.source_chat_id is None:
        return
    reporter = await session.get(Person, case.reporter_id) if case.reporter_id else None
    lines = "\n".join(f"• {R.event_line(e)}" for e in events)
    text = R.public_text(case, reporter, T.GROUP_DIGEST.format(number=case.number, lines=lines))
    link = case_link(await bot_username(ctx), case)
    kb = R.rate_keyboard(case, link) if case.status == "resolved" else R.view_keyboard(link)
    await to_group(session, ctx, case, case.source_chat_id, text, now,
                   reply_to=case.source_message_id, kb=kb,
                   dedupe_key=f"case-digest:{case.id}:{events[-1].id}")
    case.notified_event_id = events[-1].id


async def rating_request(session: AsyncSession, ctx: AppContext, case: Case, now: datetime) -> None:
    """After 已解决: before/after photos and the rating buttons, privately if we can
    (the group digest carries the buttons otherwise). Nobody rates a case found on a
    round: no resident reported it."""
    if case.source == PATROL:
        return
    reporter = await session.get(Person, case.reporter_id) if case.reporter_id else None
    if not reporter_in_private(case, reporter):
        return
    assert reporter is not None and reporter.tg_id is not None
    before = [p for p in case.photos if p.kind == "report"][:5]
    after = [p for p in case.photos if p.kind == "result"][:5]
    key = f"case-rate:{case.id}:{case.reopened_count}"
    if after and before:
        media = [{"type": "photo", "media": p.file_id, "parse_mode": None} for p in before + after]
        media[0]["caption"] = T.RESULT_CAPTION.format(number=case.number)
        await outbox.enqueue(session, reporter.tg_id, "sendMediaGroup", now=now,
                             dedupe_key=key + ":media", ref=f"case:{case.id}", media=media)
    elif after:
        await outbox.enqueue(session, reporter.tg_id, "sendPhoto", now=now, parse_mode=None,
                             dedupe_key=key + ":photo", ref=f"case:{case.id}",
                             photo=after[0].file_id,
                             caption=T.RESULT_PHOTO_CAPTION.format(number=case.number))
    link = case_link(await bot_username(ctx), case)
    await to_person(session, reporter, T.RATE_PROMPT.format(number=case.number), now, case=case,
                    kb=R.rate_keyboard(case, link), dedupe_key=key)


async def case_of_message(session: AsyncSession, chat_id: int, message_id: int,
                          person: Person | None = None) -> Case | None:
    """The case a message the bot sent in a group is about (its card, a digest, a
    rating or reason request). A message merged during a rush (bot.delivery.coalesce)
    is about several: then `person`'s own case (they reported it, else they said "me
    too"), else None when it cannot tell (a reply by someone none of them concerns)."""
    cases = await cases_of_message(session, chat_id, message_id)
    if len(cases) <= 1:
        return cases[0] if cases else None
    if person is None or person.id is None:
        return None
    mine = [c for c in cases if c.reporter_id == person.id]
    if not mine:
        voiced = set(await session.scalars(
            select(CaseVoice.case_id).where(CaseVoice.person_id == person.id,
                                            CaseVoice.case_id.in_([c.id for c in cases]))))
        mine = [c for c in cases if c.id in voiced]
    # several of their own: the first still open (a closed case takes no more words)
    return next((c for c in mine if c.status != "closed"), mine[0] if mine else None)


async def cases_of_message(session: AsyncSession, chat_id: int, message_id: int) -> list[Case]:
    """Every case a group message of the bot is about, in the order of its parts: the
    outbox rows sent as that message (all parts of a merged one share its message_id),
    and the cases whose card it is (kept after old outbox rows are purged)."""
    refs = await session.scalars(
        select(OutboxMessage.ref)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.message_id == message_id,
               OutboxMessage.status == "sent", OutboxMessage.ref.like("case:%"))
        .order_by(OutboxMessage.id))
    ids = list(dict.fromkeys(int(ref.split(":")[1]) for ref in refs if ref))
    cards = await session.scalars(select(Case).where(
        Case.source_chat_id == chat_id, Case.card_message_id == message_id))
    found = {case.id: case for case in cards}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update((c.id, c) for c in await session.scalars(
            select(Case).where(Case.id.in_(missing))))
    return [found[i] for i in ids if i in found] + [
        c for i, c in sorted(found.items()) if i not in ids]


async def ask_reason_in_group(session: AsyncSession, case: Case, chat_id: int, message_id: int,
                              now: datetime) -> None:
    """不满意 pressed in the group thread: ask for the reason there, as a message the
    reporter can reply to (the reply attaches to the case, bot.cases.workflow)."""
    await outbox.enqueue(
        session, chat_id, now=now, ref=f"case:{case.id}", parse_mode=None,
        dedupe_key=f"case-why:{case.id}:{case.reopened_count}",
        text=T.ASK_UNSAT_REASON_GROUP.format(number=case.number),
        reply_parameters={"message_id": message_id, "allow_sending_without_reply": True})


async def card_sent(session: AsyncSession, row: OutboxMessage, result: Any) -> None:
    """Remember the group card's message id (to edit its +1 count later)."""
    if not row.ref or not isinstance(result, dict):
        return
    case = await session.get(Case, int(row.ref.split(":")[1]))
    if case is not None and case.card_message_id is None:
        case.card_message_id = result.get("message_id")
