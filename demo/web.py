"""`linli demo --web`: after the scripted day, the web desk (工作台) on the demo's own data,
kept open until Ctrl-C. No token: the start page lets you enter as any of the demo's staff
(each press makes a fresh one-time link, exactly what /web would send). What you do there
reaches the sandbox's chats, and the transcript keeps printing them."""
from __future__ import annotations

import asyncio
import contextlib
import html
import signal
from datetime import UTC, datetime
from typing import Any, TextIO

from aiohttp import web
from sqlalchemy import func, select

from bot.db.models import Case, Person
from bot.db.session import transaction
from bot.reports import stats
from bot.reports.desk import desk_of
from web import links
from web.app import PERIODS, build_app
from web.config import PREFIX, WebSettings

DEFAULT_PORT = 8090
FLUSH_SECONDS = 0.5  # how often the transcript shows what the desk caused in the chats
STAFF = (("刘书记", "社区书记：全社区的台账、看板、改派"), ("张网格员", "网格员：自己网格的工单"),
         ("王网格员", "网格员：第二网格"), ("物业陈经理", "部门（物业）：吹哨到物业的工单"),
         ("街道赵主任", "街道：辖区各社区的工单，看板上各社区对比"))
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>邻里工作台 · 演示</title>
<link rel="stylesheet" href="{prefix}/static/desk.css"></head><body><main>
<section class="card narrow"><h1>邻里工作台 · 演示数据</h1>
<p>这是 <code>linli demo</code> 刚演示过的东湖社区。选择一位工作人员的身份进入
（真实部署中，工作人员私聊机器人发送 /web 获取一次性登录链接）：</p><ul class="people">{rows}</ul>
<p class="muted">在工作台里的操作（接单、办结……）会像按钮一样通知居民，终端里的聊天记录会继续显示。</p>
</section></main></body></html>"""


async def covering_period(demo: Any) -> str:
    """The shortest dashboard period (本周 … 今年) holding every case of the demo: its
    clock ends weeks after the day it plays (projects, polls and timers move it on), so
    the desk's own default (本月) would show little of it."""
    ctx = demo.world.ctx
    now = ctx.clock.now()
    async with ctx.pool() as session:
        first, last = (await session.execute(
            select(func.min(Case.opened_at), func.max(Case.opened_at)))).one()
    if first is None:
        return "tm"
    spans = [(code, stats.period_choice(code, now, ctx.tz)) for code in PERIODS]
    fits = [(p.end - p.start, code) for code, p in spans
            if p.start <= _aware(first) and _aware(last) < p.end]
    return min(fits)[1] if fits else "ty"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite drops the zone


def demo_app(demo: Any, base: str, period: str = "tm") -> web.Application:
    """The desk under /desk as `linli web` serves it (its dashboard opening on `period`),
    and the demo's start page at /."""
    ctx = demo.world.ctx
    ws = WebSettings(_env_file=None, url=base)
    root = web.Application()
    root.add_subapp(PREFIX, build_app(ctx, ws, token=demo.sb.token, period=period))

    async def start(request: web.Request) -> web.Response:
        rows = []
        for name, what in STAFF:
            user = demo.users.get(name)
            if user is not None:
                rows.append(f'<li><a class="button primary" href="/demo/as/{user.id}">'
                            f"以 {html.escape(name)} 身份进入</a> {html.escape(what)}</li>")
        return web.Response(text=PAGE.format(prefix=PREFIX, rows="".join(rows)),
                            content_type="text/html")

    async def enter(request: web.Request) -> web.Response:
        tg_id = int(request.match_info["tg"])
        async with transaction(ctx.pool) as session:
            person = await session.scalar(select(Person).where(Person.tg_id == tg_id))
            if person is None or await desk_of(session, person, ctx.settings.admin_ids) is None:
                raise web.HTTPNotFound()
            url = await links.create(session, ctx, person, ctx.clock.now(), ws)
        raise web.HTTPFound(url)

    root.router.add_get("/", start)
    root.router.add_get(r"/demo/as/{tg:\d+}", enter)
    return root


async def serve(demo: Any, out: TextIO, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                stop: asyncio.Event | None = None, speed: float = 1.0) -> None:
    """Serve the desk until `stop` is set (Ctrl-C / SIGTERM when not given). The demo's
    clock runs on from the end of the day, `speed` times as fast as the wall clock, and
    due timers fire (a group's batched update, a deadline), as in a running bot."""
    base = f"http://{host}:{port}"
    runner = web.AppRunner(demo_app(demo, base, await covering_period(demo)), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        out.write(f"\n无法在 {host}:{port} 打开网页工作台（{exc.strerror}）。"
                  f"请换一个端口：linli demo --web --port 8091\n")
        return
    loop = asyncio.get_running_loop()
    out.write(f"\n━━ 网页工作台已打开（演示数据）：{base}/ ━━\n"
              f"    用浏览器打开上面的地址，选择身份进入：工单台账、工单详情、数据看板、项目与投票。\n"
              f"    按 Ctrl-C 结束演示。\n")
    out.flush()
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
    last = loop.time()
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_SECONDS)
            now = loop.time()
            with contextlib.suppress(TimeoutError):  # busy: the next round catches up
                await demo.world.advance(seconds=(now - last) * speed)
            last = now
            demo.show_new()
    finally:
        await runner.cleanup()
        out.write("\n演示结束，网页工作台已关闭。\n")
