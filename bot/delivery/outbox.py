"""The outbox: messages that must arrive, written in the same transaction as the
change they report, and delivered by one paced, retrying sender (bot.delivery.sender)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage

OUTBOX = OutboxMessage.__table__

# Hooks run after a successful send, in the transaction that marks the row sent:
# hook(session, row, result) where result is Telegram's answer as a plain dict/list.
OnSent = Callable[[AsyncSession, OutboxMessage, Any], Awaitable[None]]
ON_SENT: dict[str, OnSent] = {}


# Payload values that cannot live in JSON (a chart PNG, a generated file) are stored
# as {"$resolve": name, "arg": x}; the sender calls PAYLOAD_RESOLVERS[name](session, x)
# just before sending and passes the result instead (a file is a bot.ui.Upload).
Resolver = Callable[[AsyncSession, Any], Awaitable[Any]]
PAYLOAD_RESOLVERS: dict[str, Resolver] = {}


def register(*, on_sent: Mapping[str, OnSent] | None = None,
             resolvers: Mapping[str, Resolver] | None = None) -> None:
    """Register a feature's after-send hooks and payload resolvers, at composition."""
    ON_SENT.update(on_sent or {})
    PAYLOAD_RESOLVERS.update(resolvers or {})


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    def register(func: Resolver) -> Resolver:
        PAYLOAD_RESOLVERS[name] = func
        return func

    return register


def deferred(name: str, arg: Any) -> dict[str, Any]:
    """A payload value resolved at send time by the resolver `name`."""
    return {"$resolve": name, "arg": arg}


def has_deferred(value: Any) -> bool:
    """Whether a payload holds a value resolved at send time (see deferred())."""
    if isinstance(value, dict):
        return "$resolve" in value or any(has_deferred(v) for v in value.values())
    if isinstance(value, list):
        return any(has_deferred(v) for v in value)
    return False


async def resolve_payload(session: AsyncSession, value: Any) -> Any:
    if isinstance(value, dict):
        if "$resolve" in value:
            return await PAYLOAD_RESOLVERS[value["$resolve"]](session, value.get("arg"))
        return {k: await resolve_payload(session, v) for k, v in value.items()}
    if isinstance(value, list):
        return [await resolve_payload(session, v) for v in value]
    return value


def on_sent(name: str) -> Callable[[OnSent], OnSent]:
    def register(func: OnSent) -> OnSent:
        ON_SENT[name] = func
        return func

    return register


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """"22:00-07:00" -> (22:00, 07:00); "" or "off" -> None."""
    if not spec or spec.strip().lower() in {"off", "none", "0"}:
        return None
    start, end = (time.fromisoformat(part.strip()) for part in spec.split("-", 1))
    return start, end


def after_quiet_hours(when: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """The first moment at or after `when` that is outside quiet hours."""
    if quiet is None:
        return when
    start, end = quiet
    local = when.astimezone(tz)
    now = local.time()
    inside = (start <= now or now < end) if start > end else (start <= now < end)
    if not inside:
        return when
    wake = datetime.combine(local.date(), end, tzinfo=tz)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(when.tzinfo)


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    method: str = "sendMessage",
    *,
    now: datetime,
    not_before: datetime | None = None,
    priority: int = 0,
    dedupe_key: str | None = None,
    on_sent: str | None = None,
    ref: str | None = None,
    mergeable: bool = False,
    fresh: bool = False,
    **payload: Any,
) -> None:
    """Add a message to the outbox; it is sent after the transaction commits.

    `payload` holds the Bot API parameters except chat_id (text, reply_markup as
    a plain dict, reply_parameters, photo, media, question, options...).
    A `dedupe_key` makes the same logical message impossible to queue twice; `fresh`
    says the key cannot exist yet (it names a row created in this transaction), which
    saves the look-up. `mergeable`: a plain text reply that may share one message with
    the mergeable replies queued right after it to the same chat (bot.delivery.coalesce;
    `ref` names its subject, whose keyboard section it is).
    A Core INSERT, at once: the most frequent row of all needs no unit of work.
    """
    if on_sent is not None and on_sent not in ON_SENT:
        raise KeyError(f"unknown outbox hook {on_sent!r}")
    if dedupe_key is not None and not fresh and await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return
    await session.execute(insert(OUTBOX).values(
        chat_id=chat_id, method=method, payload=payload, not_before=not_before or now,
        priority=priority, dedupe_key=dedupe_key, on_sent=on_sent, ref=ref,
        mergeable=mergeable))
    session.info[_QUEUED] = True


_QUEUED = "linli_outbox_queued"


def queued(session: AsyncSession) -> bool:
    """Whether this session's transaction queued a message (the sender need not wake
    for one that did not)."""
    return bool(session.info.get(_QUEUED))


def markup(keyboard: Any) -> dict[str, Any]:
    """An aiogram InlineKeyboardMarkup as the plain dict the outbox stores."""
    return keyboard.model_dump(mode="json", exclude_none=True)
