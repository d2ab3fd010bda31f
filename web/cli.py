"""`linli web`: the desk alone, beside a bot that runs elsewhere on the same database."""
from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from bot.clikit import examples, load_settings
from web.config import DEFAULT_PORT


@click.command("web", epilog=examples("linli web", "LINLI_WEB_PORT=8090 linli web",
                                      "linli web --host 0.0.0.0 --port 8090"))
@click.option("--host", default=None,
              help="Address to listen on (default LINLI_WEB_HOST, else 127.0.0.1).")
@click.option("--port", type=int, default=None,
              help=f"Port to listen on (default LINLI_WEB_PORT, else {DEFAULT_PORT}).")
def web_command(host: str | None, port: int | None) -> int:
    """Serve the web desk (工作台): ledger, case pages, dashboard, projects and polls.

    Uses the bot's database (LINLI_DATABASE_URL). What the desk queues, such as a
    resident told that a case was accepted, is sent by the running bot (`linli run`).
    Staff get a one-time login link by sending /web to the bot privately; links point
    to LINLI_WEB_URL. Stop with Ctrl-C."""
    from web.config import WebSettings

    ws = WebSettings()
    if port and port != (ws.port or DEFAULT_PORT) and not ws.url:
        click.echo(f"note: /web links point to LINLI_WEB_URL; set it (e.g. http://<this host>:"
                   f"{port}) for the bot too", err=True)
    asyncio.run(_serve(host or ws.host, port or ws.port or DEFAULT_PORT))
    return 0


async def _serve(host: str, port: int) -> None:
    from bot import features
    from bot.clock import Clock
    from bot.context import AppContext
    from bot.db import migrate
    from bot.db.session import create_engine, create_session_factory
    from web import serve

    features.wire()
    settings = load_settings()
    engine = create_engine(settings.database_url)
    await migrate.upgrade(engine)
    ctx = AppContext(settings=settings, pool=create_session_factory(engine), clock=Clock())
    runner = await serve(ctx, host, port)
    click.echo(f"web desk: http://{host}:{port}/desk/  (Ctrl-C to stop)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await engine.dispose()
