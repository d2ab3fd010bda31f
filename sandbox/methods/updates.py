"""getUpdates (long polling) and the webhook configuration."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from ..errors import bad_request, conflict
from ..validation import opt
from .common import Call, api

WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@api("getUpdates")
async def get_updates(call: Call, p: Any) -> list[dict[str, Any]]:
    bot = call.bot
    if bot.webhook.url:
        raise conflict(WEBHOOK_ACTIVE)
    offset, limit, timeout = opt(p.offset), opt(p.limit), opt(p.timeout) or 0
    limit = min(max(limit or 100, 1), 100)
    if opt(p.allowed_updates) is not None:
        bot.allowed_updates = list(p.allowed_updates)
    if offset is not None:
        bot.confirm(offset)
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.notify()  # wakes an older long poll, which then answers 409
    deadline = time.monotonic() + max(0, timeout)
    while True:
        if generation != bot.poll_generation:
            raise conflict(TERMINATED)
        if bot.webhook.url:
            raise conflict(WEBHOOK_ACTIVE)
        if bot.updates:
            return bot.updates[:limit]
        if bot.closing:
            return []
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return []
        changed = bot.changed()
        try:
            await asyncio.wait_for(changed.wait(), remaining)
        except TimeoutError:
            return []


@api("setWebhook")
async def set_webhook(call: Call, p: Any) -> bool:
    bot = call.bot
    url = p.url or ""
    if url and not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = opt(p.secret_token)
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if opt(p.drop_pending_updates):
        bot.updates.clear()
    if opt(p.allowed_updates) is not None:
        bot.allowed_updates = list(p.allowed_updates)
    bot.webhook.url = url
    bot.webhook.secret_token = secret
    bot.webhook.max_connections = opt(p.max_connections) or 40
    bot.webhook.ip_address = opt(p.ip_address)
    bot.webhook.last_error_date = bot.webhook.last_error_message = None
    bot.notify()
    return True


@api("deleteWebhook")
async def delete_webhook(call: Call, p: Any) -> bool:
    bot = call.bot
    if opt(p.drop_pending_updates):
        bot.updates.clear()
    bot.webhook.url = ""
    bot.webhook.secret_token = None
    bot.notify()
    return True


@api("getWebhookInfo")
async def get_webhook_info(call: Call, p: Any) -> dict[str, Any]:
    hook = call.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.updates),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if call.bot.allowed_updates:
            info["allowed_updates"] = call.bot.allowed_updates
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info
