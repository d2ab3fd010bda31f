"""The API core, independent of HTTP: token check, method lookup, fault
injection, validation, flood control, execution and request recording."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import METHOD_NOT_FOUND, UNAUTHORIZED, ApiError, bad_request
from .faults import DROP, HTML, FaultInjector, FloodControl
from .files import Upload
from .methods import HANDLERS, Call
from .methods.common import SENDING_METHODS
from .state import World
from .validation import find_method, validate_call

log = logging.getLogger("sandbox")

DROPPED = object()  # answer: close the connection without a response
HTML_PAGE = object()  # answer: 502 with an HTML body (a proxy's error page)


@dataclass
class RequestRecord:
    """One request received by the sandbox (kept in ``SandboxServer.requests``)."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic()
    token: str
    files: list[str] = field(default_factory=list)
    status: int | None = None
    error: str | None = None
    via: str = "http"  # or "webhook-reply"

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class ApiCore:
    world: World
    faults: FaultInjector = field(default_factory=FaultInjector)
    flood: FloodControl = field(default_factory=FloodControl)
    requests: list[RequestRecord] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    internal_errors: list[BaseException] = field(default_factory=list)

    async def call(
        self,
        token: str,
        method: str,
        raw: dict[str, Any],
        uploads: dict[str, Upload] | None = None,
        *,
        via: str = "http",
    ) -> tuple[int, Any]:
        """Execute one API call; return ``(http_status, json_body)`` or ``(0, DROPPED)``."""
        uploads = uploads or {}
        record = RequestRecord(
            method=method, params=dict(raw), time=time.monotonic(), token=token,
            files=sorted(uploads), via=via,
        )  # fmt: skip
        self.requests.append(record)
        try:
            result = await self._execute(token, method, raw, uploads, record)
        except ApiError as exc:
            record.status, record.error = exc.code, exc.description
            return exc.code, exc.payload()
        except Exception as exc:
            log.exception("sandbox: %s failed", method)
            self.internal_errors.append(exc)
            record.status, record.error = 500, repr(exc)
            return 500, ApiError(500, "Internal Server Error").payload()
        if result is DROPPED:
            record.status, record.error = 0, "connection dropped"
            return 0, DROPPED
        if result is HTML_PAGE:
            record.status, record.error = 502, "html error page"
            return 502, HTML_PAGE
        record.status = 200
        return 200, {"ok": True, "result": result}

    async def _execute(
        self, token: str, method: str, raw: dict[str, Any], uploads: dict[str, Upload],
        record: RequestRecord,
    ) -> Any:  # fmt: skip
        bot = self.world.bots.get(token)
        if bot is None:
            raise UNAUTHORIZED
        model = find_method(method)
        if model is None:
            raise METHOD_NOT_FOUND
        record.method = model.__api_method__
        fault = self.faults.take(record.method, raw)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error == DROP:
                return DROPPED
            if fault.error == HTML:
                return HTML_PAGE
            if fault.error is not None:
                raise fault.to_error()
        # a file sent directly as a multipart part is an implicit attach://<field>
        params = dict(raw)
        for key in uploads:
            if key in model.model_fields:
                params.setdefault(key, f"attach://{key}")
        validated = validate_call(model, params)
        handler = HANDLERS.get(method.lower())
        if handler is None:
            log.warning("sandbox: method %s is not supported", record.method)
            self.unsupported.append(record.method)
            raise bad_request("method not supported by sandbox")
        self._check_migrated(validated)
        if method.lower() in SENDING_METHODS:
            self._check_flood(validated)
        return await handler(Call(self.world, bot, uploads), validated)

    def _check_migrated(self, validated: Any) -> None:
        """A group upgraded to a supergroup answers 400 with migrate_to_chat_id."""
        ref = getattr(validated, "chat_id", None)
        if ref is None or not self.world.migrated:
            return
        chat = self.world.chat_by_ref(ref)
        if chat is not None and chat.id in self.world.migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=self.world.migrated[chat.id])

    def _check_flood(self, validated: Any) -> None:
        if not self.flood.enabled:
            return
        chat = self.world.chat_by_ref(validated.chat_id)
        if chat is None:
            return
        count = len(getattr(validated, "media", None) or []) or 1
        self.flood.check(chat.id, chat.type != "private", count)
