"""The one error handler. A `Refusal` from the domain becomes the answer the user sees
(an alert for a button, a reply for a message); the update's transaction has already
rolled back. Any other exception is a defect: a short apology, one log line with the
update id, and the inbox records the update as failed (not retried, so a poison update
never repeats its replies). Database conflicts are not caught here: the inbox retries them."""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramMigrateToChat
from aiogram.filters import ExceptionTypeFilter, Filter
from aiogram.types import ErrorEvent, Update

from bot import texts as T
from bot.context import AppContext
from bot.delivery import inbox
from bot.delivery.sender import migrate_chat
from bot.errors import Refusal
from bot.privacy.logs import describe_error, traceback_of

log = logging.getLogger(__name__)


class Defect(Filter):
    """Any exception except a refusal and a transient database conflict."""

    async def __call__(self, event: ErrorEvent) -> bool:
        exc = event.exception
        return not isinstance(exc, Refusal) and not inbox.is_transient(exc)


async def tell(update: Update, text: str, *, alert: bool = False) -> None:
    """Answer whoever caused this update, wherever they are. A failure to answer is
    logged, never raised: the action itself is already settled."""
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=alert)
        elif update.message is not None:
            await update.message.reply(text)
    except Exception as exc:  # Telegram refused the answer (too old, blocked…)
        log.info("could not answer update %s: %s", update.update_id, exc)


async def refused(event: ErrorEvent) -> None:
    exc = event.exception
    assert isinstance(exc, Refusal)
    await tell(event.update, exc.message, alert=exc.alert)


async def defect(event: ErrorEvent, ctx: AppContext, **data: Any) -> None:
    update_id = data.get("inbox_update_id", event.update.update_id)
    exc = event.exception
    if isinstance(exc, TelegramMigrateToChat):  # a direct answer to a group just upgraded
        old = getattr(exc.method, "chat_id", None)
        if isinstance(old, int):
            await migrate_chat(ctx, old, exc.migrate_to_chat_id)
    log.error("update %s failed: %s\n%s", update_id, describe_error(exc), traceback_of(exc))
    if update_id is not None:
        await inbox.mark_failed(ctx, update_id, repr(event.exception))
    await tell(event.update, T.INTERNAL_ERROR, alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(refused, ExceptionTypeFilter(Refusal))
    router.errors.register(defect, Defect())
    return router
