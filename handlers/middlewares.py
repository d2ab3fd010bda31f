"""One database transaction per update; the inbox row is marked done inside it.

A handler's answers (messages, edits, callback answers, and whatever it registers with
`after_commit`) are sent after the transaction commits: a slow or hung answer never holds
the database (SQLite's one writer) while other updates wait, and an answer Telegram
refuses ("query is too old", "message is too long") is logged and never undoes what the
user did."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramBadRequest, TelegramMigrateToChat
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    Response,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import Message, TelegramObject, User
from sqlalchemy import update

from bot import texts as T
from bot.context import AppContext
from bot.db.models import InboxUpdate, Person
from bot.db.session import is_sqlite
from bot.delivery import outbox
from bot.delivery.sender import migrate_chat
from bot.org import service as org

log = logging.getLogger(__name__)
ANSWER_TIMEOUT = 10.0  # seconds: a callback answer later than this is useless anyway
AfterCommit = Callable[[], Awaitable[Any]]



@dataclass
class _Pending:
    """While an update's transaction is open: the calls to make once it has committed."""

    ctx: AppContext
    user_id: int | None
    calls: list[AfterCommit] = field(default_factory=list)


_after_commit: ContextVar[_Pending | None] = ContextVar("after_commit", default=None)


def after_commit(call: AfterCommit) -> None:
    """Run `call()` after the update's transaction commits (not at all if it rolls
    back); failures are logged, never raised. Outside an update: runs it soon.

        after_commit(lambda: message.answer(T.DONE))
    """
    pending = _after_commit.get()
    if pending is None:
        asyncio.get_running_loop().create_task(_run_quietly(call, None))
    else:
        pending.calls.append(call)


# aiogram reads every answer as Response[T] (T: what the method returns); pydantic keeps
# such a generic class in a weak cache only, so after each garbage collection it was
# built again (a full schema build, ~1 ms, for every reply type). Held here for good.
_RESPONSE_TYPES: dict[Any, Any] = {}


def _keep_response_type(method: TelegramMethod[Any]) -> None:
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


# Calls that answer the update and whose result no handler reads: inside an update's
# transaction they wait for its commit. Calls that return data (getChatMember…) go at once.
SENDS = (SendMessage, SendDocument, SendPhoto)
ANSWERS = (*SENDS, EditMessageText, EditMessageReplyMarkup, DeleteMessage, AnswerCallbackQuery)


class AnswersAfterCommit(BaseRequestMiddleware):
    """Bot request middleware: inside an update's transaction, an answer (ANSWERS) is not
    sent but queued until after the commit; the handler gets None (callback answers: True).
    Also holds aiogram's answer types (_RESPONSE_TYPES) for every call of the bot."""

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:
        _keep_response_type(method)
        pending = _after_commit.get()
        if pending is None or not isinstance(method, ANSWERS):
            return await make_request(bot, method)
        pending.calls.append(lambda: _answer(bot, method, pending))
        return True if isinstance(method, AnswerCallbackQuery) else None  # type: ignore[return-value]


async def _answer(bot: Bot, method: TelegramMethod[Any], pending: _Pending) -> None:
    try:
        if isinstance(method, AnswerCallbackQuery):
            await asyncio.wait_for(bot(method), timeout=ANSWER_TIMEOUT)
        else:
            await bot(method)
    except TelegramMigrateToChat as exc:  # the group just became a supergroup: follow it
        old = getattr(method, "chat_id", None)
        if isinstance(old, int):
            await migrate_chat(pending.ctx, old, exc.migrate_to_chat_id)
        await bot(_to_chat(method, exc.migrate_to_chat_id))
    except TelegramBadRequest as exc:  # too old / already answered / too long: not retried
        if isinstance(method, SENDS):  # our own message refused: a defect, and the user
            log.warning("answer %s refused (%s); the action stands",  # is told something
                        method.__api_method__, exc.message)
            await _tell(bot, method.chat_id, T.INTERNAL_ERROR)
            return
        log.info("answer %s refused (%s); the action stands", method.__api_method__,
                 exc.message)
        text = getattr(method, "text", None)
        if isinstance(method, AnswerCallbackQuery) and text and pending.user_id is not None:
            await _tell(bot, pending.user_id, text)  # the answer said something: say it


async def _tell(bot: Bot, chat_id: int | str, text: str) -> None:
    try:
        await bot.send_message(chat_id, text, parse_mode=None)
    except Exception as exc:
        log.info("could not tell chat %s by message: %s", chat_id, exc)


def _to_chat(method: TelegramMethod[Any], chat_id: int) -> TelegramMethod[Any]:
    """The same answer to a group's new id; a reply goes without its original (which
    stayed in the old chat)."""
    changes: dict[str, Any] = {"chat_id": chat_id}
    reply = getattr(method, "reply_parameters", None)
    if reply is not None:
        changes["reply_parameters"] = reply.model_copy(
            update={"allow_sending_without_reply": True})
    return method.model_copy(update=changes)


async def _run_quietly(call: AfterCommit, update_id: int | None) -> None:
    try:
        await call()
    except Exception as exc:
        log.warning("answer after update %s failed: %s", update_id, exc)


# What a handler of group messages returns when the message opened nothing (no case,
# no +1, no command): the update keeps no payload once handled.
CHATTER = "chatter"
GROUP_TYPES = ("group", "supergroup")


def _group_message(event: TelegramObject) -> Message | None:
    message = getattr(event, "message", None)
    return message if message is not None and message.chat.type in GROUP_TYPES else None


def _maybe_chatter(event: TelegramObject, data: dict[str, Any]) -> bool:
    """What in a group usually opens nothing (a plain text outside any dialog, a join,
    a leave): its sender is not stored unless it turns out to matter (org.persist)."""
    if getattr(event, "chat_member", None) is not None:
        return True
    message = _group_message(event)
    if message is None or data.get("raw_state") is not None:
        return False
    if message.text is not None:
        return not message.text.startswith("/")
    return bool(message.new_chat_members or message.left_chat_member)


def _chatter(event: TelegramObject, result: Any) -> bool:
    """Handled, and it opened nothing: the update keeps no payload."""
    in_group = _group_message(event) is not None or getattr(event, "chat_member", None)
    return bool(in_group) and (result is UNHANDLED or result == CHATTER)


INBOX = InboxUpdate.__table__
TELEGRAM_ID_LIMIT = 2**52  # Telegram's user and chat ids have at most 52 significant bits
MESSAGE_ID_LIMIT = 2**31 - 1  # message ids count up per chat: an INTEGER column holds them


def _forged(event: TelegramObject, sender: User | None, chat: Any) -> bool:
    """An update Telegram cannot have sent: a user, chat or message id beyond Telegram's
    range, or a message or button press by another bot (bots never see other bots'
    messages)."""
    ids = [x.id for x in (sender, chat) if x is not None]
    if any(not -TELEGRAM_ID_LIMIT < i < TELEGRAM_ID_LIMIT for i in ids):
        return True
    said = getattr(event, "message", None) or getattr(event, "edited_message", None)
    if said is not None and not 0 < said.message_id <= MESSAGE_ID_LIMIT:
        return True
    return sender is not None and sender.is_bot and any(
        getattr(event, kind, None) is not None
        for kind in ("message", "edited_message", "callback_query"))


def _fit(value: str | None, column: Any) -> str | None:
    """A name as long as its column allows (Telegram's full name can be 129 characters;
    a forged update's, any length) and without NUL (PostgreSQL refuses it): cut, never a
    failed update."""
    return value.replace("\x00", "")[:column.type.length] if value else value


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        # Replicas share PostgreSQL; SQLite serves one process (nothing to claim from).
        self.replicas = not is_sqlite(str(ctx.pool.kw["bind"].url))

    async def _claim(self, session: Any, inbox_id: int | None) -> bool:
        """PostgreSQL: mark the inbox row done first, holding its row lock for the
        transaction, so that a replica that read it too waits, then finds it done and
        skips it (no reply twice); if this transaction rolls back, it is pending again."""
        if inbox_id is None or not self.replicas:
            return True
        claimed = await session.execute(
            update(INBOX)  # Core: no ORM bulk-update machinery for a row never loaded
            .where(INBOX.c.update_id == inbox_id, INBOX.c.status == "pending")
            .values(status="done", done_at=self.ctx.clock.now()))
        return bool(claimed.rowcount)

    async def _done(self, session: Any, inbox_id: int, chatter: bool) -> None:
        """Mark the inbox row done in the update's transaction (PostgreSQL: _claim did);
        chatter keeps no payload beyond its handling (privacy: bot.privacy.retention)."""
        values: dict[str, Any] = {}
        if not self.replicas:
            values.update(status="done", done_at=self.ctx.clock.now())
        if chatter:
            values["payload"] = {}
        if values:
            await session.execute(
                update(INBOX).where(INBOX.c.update_id == inbox_id).values(values))

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if _forged(event, sender, data.get("event_chat")):
            return None  # not from Telegram: nothing to do, nothing to store
        pending = _Pending(self.ctx, sender.id if sender is not None else None)
        token = _after_commit.set(pending)
        try:
            async with self.ctx.pool() as session, session.begin():
                data["session"] = session
                data["ctx"] = self.ctx
                data["now"] = self.ctx.clock.now()
                inbox_id = data.get("inbox_update_id")
                if not await self._claim(session, inbox_id):
                    return None  # another replica has handled it or is handling it
                user: User | None = data.get("event_from_user")
                if user is not None and not user.is_bot:
                    person = await org.upsert_person(
                        session, tg_id=user.id, username=_fit(user.username, Person.username),
                        name=_fit(user.full_name, Person.name) or "",
                        create=not _maybe_chatter(event, data))
                    data["speaker"] = person  # maybe unsaved: only for intake (org.persist)
                    if person.id is not None:
                        data["person"] = person
                result = await handler(event, data)
                if inbox_id is not None:
                    await self._done(session, inbox_id, _chatter(event, result))
        finally:
            _after_commit.reset(token)  # rolled back: the queued answers are dropped
        marked = data.get("inbox_marked")
        if inbox_id is not None and isinstance(marked, list):
            marked.append(inbox_id)  # committed: the inbox need not mark it again
        if outbox.queued(session):
            self.ctx.outbox_event.set()
        for call in pending.calls:
            await _run_quietly(call, data.get("inbox_update_id"))
        return result
