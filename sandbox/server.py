"""``SandboxServer``: a local Bot API server over real HTTP (aiohttp.web).

aiogram talks to it with ``TelegramAPIServer.from_base(sb.url)``, i.e.
``POST {url}/bot{token}/{method}`` and ``GET {url}/file/bot{token}/{path}``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from .client import ScenarioMixin
from .dispatch import DROPPED, HTML_PAGE, ApiCore, RequestRecord
from .errors import UNAUTHORIZED, ApiError
from .faults import DROP, Fault, FloodLimits
from .files import Upload
from .state import BotState, World
from .webhook import Delivery, WebhookDeliverer

log = logging.getLogger("sandbox")

DEFAULT_TOKEN = "123456:SANDBOX-linli-test-token"
MAX_REQUEST_BYTES = 60 * 1024 * 1024  # uploads: 10 MB photos, 50 MB documents


class SandboxServer(ScenarioMixin):
    """An in-process Telegram Bot API server plus a scenario client (see ``client.py``)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "linli_test_bot",
        bot_name: str = "邻里",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_control: bool = False,
        flood_limits: FloodLimits | None = None,
        webhook_backoff: tuple[float, float] = (0.05, 2.0),
    ) -> None:
        self.world = World()
        self.core = ApiCore(self.world)
        self.core.flood.enabled = flood_control
        if flood_limits is not None:
            self.core.flood.limits = flood_limits
        self.host, self.port = host, port
        self.webhook_deliveries: list[Delivery] = []
        self._webhook_backoff = webhook_backoff
        self._deliverers: dict[str, WebhookDeliverer] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot: BotState = self.world.add_bot(token, bot_username, bot_name, bot_id)

    # -- lifecycle --------------------------------------------------------------

    async def start(self) -> str:
        """Start listening; return the base URL (``http://127.0.0.1:<port>``)."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        for bot in self.world.bots.values():
            bot.closing = False
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"
        self._session = aiohttp.ClientSession()
        for bot in self.world.bots.values():
            self._start_deliverer(bot)
        return self.url

    async def stop(self) -> None:
        for bot in self.world.bots.values():
            bot.closing = True  # a long poll left open (its client gone) ends now,
            bot.notify()  # so the shutdown below does not wait for it
        for deliverer in self._deliverers.values():
            await deliverer.stop()
        self._deliverers.clear()
        for bot in self.world.bots.values():
            for pending in bot.callbacks.values():
                pending.answer.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- configuration ----------------------------------------------------------

    @property
    def token(self) -> str:
        return self.bot.token

    @property
    def api_server(self) -> TelegramAPIServer:
        return TelegramAPIServer.from_base(self.url)

    def make_bot(self, token: str | None = None, **kwargs: Any) -> Any:
        """An aiogram ``Bot`` talking to this sandbox (close its session when done)."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        session = AiohttpSession(api=self.api_server)
        return Bot(token or self.token, session=session, **kwargs)

    def add_bot(self, token: str, username: str, name: str = "Bot") -> BotState:
        """Register another bot token (the first bot is ``self.bot``)."""
        bot = self.world.add_bot(token, username, name, int(token.split(":", 1)[0]))
        if self._session is not None:
            self._start_deliverer(bot)
        return bot

    def inject(
        self,
        method: str | None = None,
        error: int | str | None = 500,
        *,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Fail the next ``times`` calls of ``method`` (None: any method).

        ``error`` is an HTTP code (429 adds ``parameters.retry_after``; 500 / 502 answer
        "Internal Server Error" / "Bad Gateway"; any other code uses ``description``) or
        ``"drop"`` to close the connection without answering, or ``"html"`` to answer 502
        with an HTML page (a proxy's error page: the client cannot decode it). ``delay``
        holds the answer that many seconds first; ``error=None`` with a delay: only slow.
        """
        return self.core.faults.add(
            Fault(method, error, times=times, retry_after=retry_after,
                  description=description, chat_id=chat_id, delay=delay)
        )  # fmt: skip

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def set_flood_control(self, enabled: bool, limits: FloodLimits | None = None) -> None:
        self.core.flood.enabled = enabled
        if limits is not None:
            self.core.flood.limits = limits

    @property
    def requests(self) -> list[RequestRecord]:
        return self.core.requests

    def requests_for(self, method: str) -> list[RequestRecord]:
        return [r for r in self.core.requests if r.method.lower() == method.lower()]

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions raised inside the sandbox (answered as 500): should stay empty."""
        return self.core.internal_errors

    # -- HTTP -------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        params, uploads = await _read_params(request)
        status, body = await self.core.call(
            request.match_info["token"], request.match_info["method"], params, uploads
        )
        if body is DROPPED:
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection reset
            return web.Response(status=204)  # never written: the transport is gone
        if body is HTML_PAGE:
            return web.Response(status=status, content_type="text/html",
                                text="<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")
        return web.json_response(body, status=status, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.world.bots:
            return web.json_response(UNAUTHORIZED.payload(), status=401)
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    def _start_deliverer(self, bot: BotState) -> None:
        assert self._session is not None
        initial, maximum = self._webhook_backoff
        deliverer = WebhookDeliverer(
            bot, self.core, self._session, self.webhook_deliveries,
            initial_backoff=initial, max_backoff=maximum,
        )  # fmt: skip
        deliverer.start()
        self._deliverers[bot.token] = deliverer


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string + body (JSON, urlencoded or multipart); file parts go to uploads."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if isinstance(body, dict):
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
        return params, uploads
    if request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
    return params, uploads


__all__ = ["DEFAULT_TOKEN", "DROP", "SandboxServer"]
