"""The organizer's desk (工作台): the ledger, case pages, the dashboard, projects and
polls in a browser or as a Telegram Mini App. A front end like `handlers/`: it calls
the domain (`bot.reports.desk`, `bot.cases`, `bot.privacy`) and never the reverse.

`build_app(ctx)` is the aiohttp application (mounted under /desk); `mount(app, ctx)`
adds it to the webhook's application; `serve(ctx, host, port)` runs it alone."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web as aioweb

    from bot.context import AppContext


def build_app(ctx: AppContext, **kw: Any) -> aioweb.Application:
    from web.app import build_app as build

    return build(ctx, **kw)


def mount(app: aioweb.Application, ctx: AppContext, **kw: Any) -> None:
    from web.app import mount as do_mount

    do_mount(app, ctx, **kw)


async def serve(ctx: AppContext, host: str, port: int, **kw: Any) -> aioweb.AppRunner:
    from web.app import serve as do_serve

    return await do_serve(ctx, host, port, **kw)
