"""`linli demo --web`: after the scripted day the desk stays open on the demo's data, and
a visitor enters as one of the demo's staff without a token; what they do there reaches
the sandbox's chats and is printed in the transcript."""
from __future__ import annotations

import asyncio
import io
import re
import socket

import aiohttp
from sqlalchemy import delete

from demo import web as demo_web
from demo.script import play


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_demo_keeps_the_desk_open_on_its_data() -> None:
    port = _free_port()
    out = io.StringIO()
    seen: dict[str, str] = {}

    async def visit(demo) -> None:
        stop = asyncio.Event()
        # the demo's clock runs on: 10 minutes a second, so the group's batched update
        # (a timer) goes out while we wait
        server = asyncio.create_task(demo_web.serve(demo, out, port=port, stop=stop,
                                                    speed=600))
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                if "网页工作台已打开" in out.getvalue():
                    break
                await asyncio.sleep(0.05)
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                start = await (await http.get(base + "/")).text()
                seen["start"] = start
                link = await http.get(base + "/demo/as/2001")  # 刘书记
                assert link.status == 200 and "进入工作台" in await link.text()
                assert "/desk/login/" in str(link.url)
                ledger = await http.post(str(link.url))
                seen["ledger"] = await ledger.text()
                seen["ledger_url"] = str(ledger.url)
                case_id = re.search(r'href="/desk/cases/(\d+)"', seen["ledger"])[1]
                page = await (await http.get(f"{base}/desk/cases/{case_id}")).text()
                seen["case"] = page
                csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
                noted = await http.post(f"{base}/desk/cases/{case_id}/act", data={
                    "csrf": csrf, "action": "note", "text": "工作台备注：明早物业上门查看"})
                assert "flash ok" in await noted.text()
                for _ in range(200):  # the transcript keeps printing the chats
                    if "明早物业上门查看" in out.getvalue():
                        break
                    await asyncio.sleep(0.05)
                data = await (await http.get(base + "/desk/api/dashboard?period=tm")).json()
                seen["dashboard"] = data["community"]
                # without a period: the one that holds the demo's cases
                opened = await (await http.get(base + "/desk/api/dashboard")).json()
                seen["default"] = (opened["period_label"],
                                   opened["scope"]["community"][0]["opened"])
                page = await (await http.get(base + "/desk/dashboard")).text()
                seen["default_page"] = re.search(r'value="(tw|lw|tm|lm|ty)" selected', page)[1]
                assert (await http.get(base + "/demo/as/9999")).status == 404
        finally:
            stop.set()
            await server

    await play(out, after=visit, scenes=("setup", "cases"))
    assert "以 刘书记 身份进入" in seen["start"] and "以 张网格员 身份进入" in seen["start"]
    assert seen["ledger_url"].endswith("/desk/cases")
    assert "东湖-2026-0001" in seen["ledger"] and "刘书记" in seen["ledger"]
    assert "办理过程" in seen["case"]
    assert seen["dashboard"] == "东湖社区"
    assert seen["default"] == ("本周", 2) and seen["default_page"] == "tw"  # the demo's Monday
    text = out.getvalue()
    assert f"网页工作台已打开（演示数据）：http://127.0.0.1:{port}/" in text
    assert text.rstrip().endswith("网页工作台已关闭。")
    told = text[text.index("网页工作台已打开"):]
    assert re.search(r"\[[^\]]+\] 🤖.*\n?.*明早物业上门查看", told), told  # the bot told the chat


async def test_the_demo_desk_opens_on_a_period_holding_its_cases(ctx, cw) -> None:
    """The whole demo ends weeks after its day (3 weeks on, in December): the desk's own
    default, this month, would miss November's cases; the demo opens on the shortest
    period that holds them all."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from bot.db.models import Case
    from bot.db.session import transaction

    async def period_with(*opened: datetime) -> str:
        async with transaction(ctx.pool) as s:
            await s.execute(delete(Case))
            for i, at in enumerate(opened, 1):
                s.add(Case(community_id=cw.community_id, year=2026, seq=i,
                           number=f"东湖-2026-{i:04d}", text="路灯坏了", category="facilities",
                           category_auto="facilities", opened_at=at))
        return await demo_web.covering_period(SimpleNamespace(world=SimpleNamespace(ctx=ctx)))

    ctx.clock.set(datetime(2026, 12, 15, 10, 30, tzinfo=UTC))
    assert await period_with() == "tm"  # nothing yet: the desk's default
    assert await period_with(datetime(2026, 12, 14, 2, tzinfo=UTC)) == "tw"
    assert await period_with(datetime(2026, 11, 23, 1, tzinfo=UTC),
                             datetime(2026, 11, 25, 1, tzinfo=UTC)) == "lm"
    assert await period_with(datetime(2026, 11, 23, 1, tzinfo=UTC),
                             datetime(2026, 12, 13, 1, tzinfo=UTC)) == "ty"
