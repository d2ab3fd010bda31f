"""A round-robin HTTP proxy: what a load balancer in front of webhook replicas does.

    async with RoundRobinProxy(["http://127.0.0.1:8081", "http://127.0.0.1:8082"]) as proxy:
        public_url = proxy.url + "/telegram"   # what the bot registers with setWebhook

Each request goes to the next backend in turn (path, headers and body unchanged); a
backend that refuses the connection (stopped, killed) is skipped for that request, as
a load balancer's health check would, and the answer comes from the next one. When
none answers, the caller (Telegram) gets 502 and redelivers later."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


class RoundRobinProxy:
    def __init__(self, backends: list[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.backends = list(backends)
        self.host, self.port = host, port
        self.url = ""
        self.served: Counter[str] = Counter()  # backend -> requests it answered
        self.skipped: Counter[str] = Counter()  # backend -> connections it refused
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.url

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> RoundRobinProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        first = next(self._turn)
        for step in range(len(self.backends)):
            backend = self.backends[(first + step) % len(self.backends)]
            try:
                async with self._session.request(
                        request.method, backend + request.path_qs, data=body,
                        headers=headers) as answer:
                    payload = await answer.read()
                    self.served[backend] += 1
                    return web.Response(status=answer.status, body=payload,
                                        headers=_content_type(answer))
            except aiohttp.ClientConnectionError:  # down: the next backend answers
                self.skipped[backend] += 1
        return web.Response(status=502, text="no backend answered")


def _content_type(answer: aiohttp.ClientResponse) -> dict[str, Any]:
    kind = answer.headers.get("Content-Type")
    return {"Content-Type": kind} if kind else {}
