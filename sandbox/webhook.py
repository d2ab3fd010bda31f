"""Webhook delivery: POST each pending update to the bot's URL, in order, and
redeliver after a failure with a growing delay (like Telegram)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .files import Upload
from .state import BotState, now

if TYPE_CHECKING:
    from .dispatch import ApiCore

log = logging.getLogger("sandbox.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Delivery:
    """One delivery attempt (kept in ``SandboxServer.webhook_deliveries``)."""

    update_id: int
    url: str
    status: int | None  # HTTP status, None on a connection error
    error: str | None
    time: float


class WebhookDeliverer:
    def __init__(
        self,
        bot: BotState,
        core: ApiCore,
        session: aiohttp.ClientSession,
        log_to: list[Delivery],
        *,
        initial_backoff: float = 0.05,
        max_backoff: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self.bot, self.core, self.session = bot, core, session
        self.deliveries = log_to
        self.initial_backoff, self.max_backoff = initial_backoff, max_backoff
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sandbox-webhook-{self.bot.user.id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        backoff = self.initial_backoff
        while True:
            changed = self.bot.changed()
            hook = self.bot.webhook
            if not hook.url or not self.bot.updates:
                await changed.wait()
                continue
            update = self.bot.updates[0]
            error = await self._deliver(hook.url, hook.secret_token, update)
            self.core.world.notify()
            if error is None:
                if self.bot.updates and self.bot.updates[0] is update:
                    self.bot.updates.pop(0)
                    self.bot.notify()
                backoff = self.initial_backoff
                continue
            hook.last_error_date, hook.last_error_message = now(), error
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _deliver(self, url: str, secret: str | None, update: dict[str, Any]) -> str | None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        started = time.monotonic()
        try:
            async with self.session.post(
                url, data=json.dumps(update, ensure_ascii=False).encode(), headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:  # fmt: skip
                status = response.status
                reply = await _read_reply(response) if 200 <= status < 300 else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
            self.deliveries.append(Delivery(update["update_id"], url, None, error, started))
            return error
        if not 200 <= status < 300:
            error = f"Wrong response from the webhook: {status} {response.reason or ''}".strip()
            self.deliveries.append(Delivery(update["update_id"], url, status, error, started))
            return error
        self.deliveries.append(Delivery(update["update_id"], url, status, None, started))
        if reply is not None:
            method, params, uploads = reply
            await self.core.call(self.bot.token, method, params, uploads, via="webhook-reply")
        return None


async def _read_reply(
    response: aiohttp.ClientResponse,
) -> tuple[str, dict[str, Any], dict[str, Upload]] | None:
    """A method call answered in the webhook response body (JSON or multipart)."""
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    if response.content_type == "multipart/form-data":
        reader = aiohttp.MultipartReader.from_response(response)
        while (part := await reader.next()) is not None:
            assert isinstance(part, aiohttp.BodyPartReader)
            data = await part.read()
            if part.filename is not None:
                name = part.name or ""
                uploads[name] = Upload(name, part.filename, part.headers.get("Content-Type"), data)
            else:
                params[part.name or ""] = data.decode()
    else:
        try:
            body = json.loads(await response.read() or b"{}")
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    method = params.pop("method", None)
    return (method, params, uploads) if isinstance(method, str) else None
