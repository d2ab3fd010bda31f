"""Residents' rights (个人信息保护法): what is kept (/privacy), a copy of everything held
about a person (/mydata), and erasure (/forget).

Forgetting deletes the person's row, so what hangs on it goes with it (roles, votes,
pledges, group memberships; case and poll authorship is set to NULL by the foreign
keys); the cases they reported stay for the statistics, anonymous and masked, and open
ones stay with the staff handling them. Their raw messages in the inbox and the bot's
private messages to them are deleted. Their register entries (一楼一档) leave the register
and are erased, the households keeping their history (bot.people.personal)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.clock import Clock
from bot.context import AppContext
from bot.db.models import Case, Community, ExportAudit, InboxUpdate, OutboxMessage, Person, Role
from bot.db.models.council import ReceptionBooking, ReceptionSlot, Topic, TopicSupport
from bot.db.models.points import PointEntry, Volunteer
from bot.db.models.polls import Poll, PollMember, PollVote
from bot.db.models.projects import Pledge
from bot.db.models.wishes import Wish, WishConsent
from bot.errors import Refusal
from bot.people import personal
from bot.privacy import texts as T
from bot.privacy.buttons import ForgetAct, ForgetButton
from bot.privacy.mask import mask
from bot.ui import Button, Keyboard, Upload


def privacy_text(ctx: AppContext) -> str:
    return T.PRIVACY.format(days=ctx.settings.retention_days)


def _sender_id(payload: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "callback_query", "poll_answer", "my_chat_member"):
        part = payload.get(key)
        if isinstance(part, dict):
            who = part.get("from") or part.get("user") or {}
            return who.get("id") if isinstance(who, dict) else None
    return None


def _text_of(payload: dict[str, Any]) -> str:
    for key in ("message", "edited_message"):
        part = payload.get(key)
        if isinstance(part, dict):
            return str(part.get("text") or part.get("caption") or "")
    query = payload.get("callback_query")
    return f"[按钮 {query.get('data', '')}]" if isinstance(query, dict) else ""


async def _inbox_of(session: AsyncSession, tg_id: int | None) -> list[InboxUpdate]:
    """The person's raw updates. The payload is JSON: filtered here, not in SQL, so it
    works the same on SQLite and PostgreSQL (the inbox holds `retention_days` only)."""
    if tg_id is None:
        return []
    rows = await session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))
    return [r for r in rows if _sender_id(r.payload) == tg_id]


def _when(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


async def my_data(session: AsyncSession, person: Person, ctx: AppContext) -> Upload:
    """Everything held about this person, each part with its purpose, as a JSON file."""
    purpose = {k: v.format(days=ctx.settings.retention_days) for k, v in T.PURPOSE.items()}
    communities = dict((await session.execute(select(Community.id, Community.name))).all())
    roles = list(await session.scalars(select(Role).where(Role.person_id == person.id)))
    cases = list(await session.scalars(
        select(Case).where(Case.reporter_id == person.id).order_by(Case.id)))
    votes = (await session.execute(
        select(PollVote, Poll).join(Poll, Poll.id == PollVote.poll_id)
        .where(PollVote.person_id == person.id).order_by(PollVote.id))).all()
    pledges = list(await session.scalars(
        select(Pledge).where(Pledge.person_id == person.id).order_by(Pledge.id)))
    groups = list(await session.scalars(
        select(PollMember.chat_id).where(PollMember.person_id == person.id)))
    inbox = await _inbox_of(session, person.tg_id)
    sent = list(await session.scalars(select(OutboxMessage).where(
        OutboxMessage.chat_id == person.tg_id).order_by(OutboxMessage.id))) \
        if person.tg_id is not None else []
    exports = list(await session.scalars(
        select(ExportAudit).where(ExportAudit.person_id == person.id)))
    data = {
        "profile": {"purpose": purpose["profile"], "telegram_id": person.tg_id,
                    "username": person.username, "name": person.name, "phone": person.phone,
                    "household": person.household, "since": _when(person.created_at)},
        "roles": {"purpose": purpose["roles"], "items": [
            {"role": r.role, "community": communities.get(r.community_id)} for r in roles]},
        "cases": {"purpose": purpose["cases"], "items": [
            {"number": c.number, "status": c.status, "text": c.text,
             "opened_at": _when(c.opened_at), "anonymous": c.anonymous} for c in cases]},
        "votes": {"purpose": purpose["votes"], "items": [
            {"poll": p.id, "question": p.question,
             "choices": [p.texts[i] for i in v.choices if i < len(p.texts)],
             "voted_at": _when(v.voted_at)} for v, p in votes]},
        "pledges": {"purpose": purpose["pledges"], "items": [
            {"project": g.project_id, "kind": g.kind, "amount": g.amount, "note": g.note,
             "at": _when(g.at)} for g in pledges]},
        "groups": {"purpose": purpose["groups"], "chat_ids": groups},
        "messages": {"purpose": purpose["messages"], "items": [
            {"at": _when(r.received_at), "text": _text_of(r.payload)} for r in inbox]},
        "sent_to_you": {"purpose": purpose["sent_to_you"], "items": [
            {"at": _when(r.created_at), "text": str(r.payload.get("text") or r.method)}
            for r in sent]},
        "exports": {"purpose": purpose["exports"], "items": [
            {"at": _when(e.at), "what": e.what, "scope": e.scope} for e in exports]},
        "register": await personal.register_data(session, person),
        **await _taking_part(session, person, purpose, communities),
    }
    raw = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Upload(raw, T.MYDATA_FILENAME)


async def _taking_part(session: AsyncSession, person: Person, purpose: dict[str, str],
                       communities: dict[int, str]) -> dict[str, Any]:
    """Wishes, points, 议事 and 书记接待日: what the person did, never the other party's
    details (a claimed wish shows its public text only; who granted points is left out)."""
    me = person.id
    wishes = list(await session.scalars(select(Wish).where(
        (Wish.author_id == me) | (Wish.claimer_id == me)).order_by(Wish.id)))
    consents = list(await session.scalars(select(WishConsent).where(WishConsent.person_id == me)))
    entries = list(await session.scalars(
        select(PointEntry).where(PointEntry.person_id == me).order_by(PointEntry.id)))
    volunteer = list(await session.scalars(select(Volunteer).where(Volunteer.person_id == me)))
    bookings = (await session.execute(
        select(ReceptionBooking, ReceptionSlot).join(
            ReceptionSlot, ReceptionSlot.id == ReceptionBooking.slot_id)
        .where(ReceptionBooking.person_id == me).order_by(ReceptionBooking.id))).all()
    proposed = list(await session.scalars(select(Topic).where(Topic.proposer_id == me)))
    supported = list(await session.scalars(
        select(TopicSupport.topic_id).where(TopicSupport.person_id == me)))
    return {
        "wishes": {"purpose": purpose["wishes"], "items": [
            {"number": w.id, "role": "心愿人" if w.author_id == me else "认领人",
             "text": w.text if w.author_id == me else w.public_text, "for_whom": w.for_whom
             if w.author_id == me else None, "status": w.status, "at": _when(w.created_at)}
            for w in wishes], "phone_consents": [
            {"wish": c.wish_id, "phone": c.phone, "at": _when(c.at),
             "shared_at": _when(c.shared_at)} for c in consents]},
        "points": {"purpose": purpose["points"], "volunteer": [
            {"community": communities.get(v.community_id), "kind": v.kind, "unit": v.unit,
             "off_leaderboard": v.hidden, "since": _when(v.at)} for v in volunteer], "items": [
            {"amount": e.amount, "kind": e.kind, "note": e.note, "at": _when(e.at)}
            for e in entries]},
        "council": {"purpose": purpose["council"],
                    "proposed": [{"topic": t.id, "title": t.title} for t in proposed],
                    "supported": supported, "reception": [
            {"reception": slot.id, "starts_at": _when(slot.starts_at), "place": slot.place,
             "matter": b.matter, "outcome": b.outcome, "outcome_note": b.outcome_note}
            for b, slot in bookings]},
    }


def forget_prompt() -> tuple[str, Keyboard]:
    return T.FORGET_ASK, [[Button(T.BTN_FORGET, ForgetButton(a=ForgetAct.CONFIRM)),
                           Button(T.BTN_KEEP, ForgetButton(a=ForgetAct.KEEP))]]


async def forget(session: AsyncSession, person: Person,
                 now: datetime | None = None) -> dict[str, int]:
    """Erase this person; their cases stay, anonymous and masked; their register entries
    leave the register, erased, the households keeping their history. Returns the counts."""
    cases = list(await session.scalars(select(Case).where(Case.reporter_id == person.id)))
    rooms = [person.household] + [c.room for c in cases]
    for case in cases:
        case.reporter_id, case.anonymous = None, True
        case.text = mask(case.text, rooms)
    votes = len(list(await session.scalars(
        select(PollVote.id).where(PollVote.person_id == person.id))))
    pledges = len(list(await session.scalars(
        select(Pledge.id).where(Pledge.person_id == person.id))))
    inbox = [r.update_id for r in await _inbox_of(session, person.tg_id)
             if r.status != "pending"]
    if inbox:
        await session.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(inbox)))
    sent = 0
    if person.tg_id is not None:
        gone = await session.execute(delete(OutboxMessage).where(
            OutboxMessage.chat_id == person.tg_id, OutboxMessage.status != "pending"))
        sent = int(gone.rowcount or 0)  # type: ignore[attr-defined]
    now = now or Clock().now()
    await events.publish(session, None, events.PersonErasing(person.id, now))
    register = await personal.forget(session, person, now)
    await session.flush()
    # In SQL: the foreign keys delete roles, votes, pledges, memberships and null the rest.
    await session.execute(delete(Person).where(Person.id == person.id))
    session.expunge(person)
    return {"cases": len(cases), "votes": votes, "pledges": pledges,
            "messages": len(inbox) + sent, "register": register}


async def forget_pressed(session: AsyncSession, person: Person | None, cb: ForgetButton,
                         *, private: bool, now: datetime | None = None) -> str:
    """The /forget confirmation: erase, or keep everything."""
    if cb.a == ForgetAct.KEEP:
        return T.FORGET_KEPT
    if person is None or not private:
        raise Refusal(T.FORGET_KEPT, alert=True)
    return T.FORGET_DONE.format(**await forget(session, person, now))
