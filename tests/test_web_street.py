"""The web desk for street and district officers (examples/street.yaml plus a second
street, tests/levels_kit.py) against the real bot and the sandbox: an officer sees the
communities of their street and nothing of another street's (ledger, case page, actions,
photos, dashboard, JSON, exports); the dashboard compares their communities side by side
with the figures of /stats; staff get the desk as their Mini App menu button."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from aiogram.types import BufferedInputFile
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.db.models import Case, CasePhoto, Community, ExportAudit, Grid
from bot.db.models.cases import PATROL
from bot.db.session import transaction
from bot.levels.rankings import found_first
from bot.reports import stats
from handlers import commands
from sandbox import tiny_png
from tests import test_web_browser
from tests.levels_kit import setup
from tests.reports_kit import make_case
from tests.test_web_browser import ask_link, shot
from web.app import root_app
from web.config import WebSettings

H = timedelta(hours=1)
browser, desk = test_web_browser.browser, test_web_browser.desk  # fixtures: Chromium, the desk


@pytest.fixture
async def street(world: Any, tmp_path: Any) -> Any:
    st = await setup(world, tmp_path)
    qian = world.sb.add_user("东湖街道钱主任", user_id=4101)  # the second street's officer
    qian.start_bot()
    st.people["东湖街道钱主任"] = qian
    return st


@pytest.fixture
async def client(world: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    monkeypatch.setenv("LINLI_WEB_URL", "http://desk.test")  # where /web links point
    ws = WebSettings(_env_file=None, url="http://desk.test")
    c = TestClient(TestServer(root_app(world.ctx, ws, world.sb.token)))
    await c.start_server()
    try:
        yield c
    finally:
        await c.close()


async def cases(world: Any) -> dict[str, Case]:
    """银虹 (丽景街街道): two cases, one found on a round and late; 丽景 (丽景街街道): one;
    东湖 (东湖街道): one with a photo. Opened in this month."""
    photo = await world.app.bot.send_photo(
        4101, BufferedInputFile(tiny_png(), "p.png"), caption="东湖 照片")
    made: dict[str, Case] = {}
    async with transaction(world.ctx.pool) as session:
        for key, name, kw in (
                ("银虹1", "银虹社区", {"opened": 5 * H, "source": PATROL}),
                ("银虹2", "银虹社区", {"opened": H}),
                ("丽景", "丽景社区", {"opened": H}),
                ("东湖", "东湖社区", {"opened": H})):
            community = await session.scalar(select(Community).where(Community.name == name))
            grid = await session.scalar(select(Grid).where(Grid.community_id == community.id))
            case = make_case(community, grid, -1, world.clock.now() - kw.pop("opened"),
                             text=f"{key}的工单：路灯不亮", **kw)
            session.add(case)
            await session.flush()
            made[key] = case
        session.add(CasePhoto(case_id=made["东湖"].id, file_id=photo.photo[-1].file_id,
                              file_unique_id=photo.photo[-1].file_unique_id))
    return made


async def login(world: Any, client: TestClient, user: Any) -> str:
    """/web through the bot, the link opened by the test client; the CSRF token."""
    before = len(world.sb.messages(user.id))
    user.say(user.id, "/web")
    sent = await world.sb.wait_for(
        user.id, lambda m: "/desk/login/" in m.body and m not in
        world.sb.messages(user.id)[:before])
    token = re.search(r"/desk/login/(\S+)", sent.text)[1]
    client.session.cookie_jar.clear()
    done = await client.post(f"/desk/login/{token}", allow_redirects=False)
    assert done.status == 302
    page = await client.get("/desk/cases")
    assert page.status == 200
    return re.search(r'name="csrf" value="([^"]+)"', await page.text())[1]


async def test_a_street_officer_sees_only_the_streets_communities(world, street, client):
    made = await cases(world)
    ours = {made[k].number for k in ("银虹1", "银虹2", "丽景")}
    other = made["东湖"]
    csrf = await login(world, client, street["街道赵主任"])
    ledger = await (await client.get("/desk/cases")).text()
    assert all(n in ledger for n in ours) and other.number not in ledger
    assert "共 3 件" in ledger and "东湖社区" not in ledger  # nor in the menus
    listed = await (await client.get("/desk/api/cases?per=200")).json()
    assert {r["values"][0] for r in listed["rows"]} == ours
    assert (await client.get(f"/desk/cases/{other.id}")).status == 404
    acted = await client.post(f"/desk/cases/{other.id}/act",
                              data={"action": "accept", "csrf": csrf})
    assert acted.status == 404
    async with world.ctx.pool() as s:
        assert (await s.get(Case, other.id)).status == "open"
        photo_id = await s.scalar(select(CasePhoto.id).where(CasePhoto.case_id == other.id))
        dong = await s.scalar(select(Community.id).where(Community.name == "东湖社区"))
    assert (await client.get(f"/desk/photo/{photo_id}")).status == 404
    dash = await (await client.get(f"/desk/api/dashboard?community={dong}")).json()
    assert dash["community"] == "银虹社区"  # not 东湖: the first of their own instead
    page = await client.get(f"/desk/cases/{made['丽景'].id}")  # their street's: shown
    assert page.status == 200 and made["丽景"].number in await page.text()
    exported = await client.post("/desk/cases/export", data={"csrf": csrf, "fmt": "csv"})
    rows = list(csv.DictReader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
    assert {r["编号"] for r in rows} == ours
    compare = await (await client.get("/desk/api/compare")).json()
    assert [r["label"] for r in compare["rows"]] == ["银虹社区", "丽景社区"]
    table = (await (await client.get("/desk/compare.csv")).read()).decode("utf-8-sig")
    assert "银虹社区" in table and "东湖社区" not in table

    # the other street's officer: the other way round (the photo is theirs to see)
    await login(world, client, street["东湖街道钱主任"])
    ledger = await (await client.get("/desk/cases")).text()
    assert other.number in ledger and not any(n in ledger for n in ours)
    assert (await client.get(f"/desk/photo/{photo_id}")).status == 200
    assert (await client.get(f"/desk/cases/{made['银虹1'].id}")).status == 404
    assert (await (await client.get("/desk/api/compare")).json())["rows"] == []  # one only

    # the district's officer: the district's street, with 区 as the role
    await login(world, client, street["区指挥中心马主任"])
    page = await (await client.get("/desk/cases")).text()
    assert "区指挥中心马主任 · 区" in page
    assert all(n in page for n in ours) and other.number not in page
    async with world.ctx.pool() as s:
        audits = list(await s.scalars(select(ExportAudit)))
    assert len(audits) == 1 and audits[0].rows == 3


async def test_the_comparison_is_the_figures_of_stats(world, street, client):
    """Each community's line: /stats' figures (stats.figures), the rankings' 主动发现
    (found_first), and the cases overdue now; only a viewer with several communities
    gets the table, on the page and in both files."""
    made = await cases(world)
    world.clock.advance(hours=3)  # 银虹1 (opened 5 h ago) is past its 2-hour acceptance
    await login(world, client, street["街道赵主任"])
    page = await (await client.get("/desk/dashboard")).text()
    assert 'id="compare"' in page and "/desk/api/compare?period=tm" in page
    data = await (await client.get("/desk/api/compare?period=tm")).json()
    assert data["period_label"] == "本月"
    now = world.clock.now()
    period = stats.period_choice("tm", now, world.ctx.tz)
    async with world.ctx.pool() as s:
        for row in data["rows"]:
            scope = stats.Scope(row["id"])
            f = await stats.figures(s, scope, period, now, extras=False)
            found = await found_first(s, scope, period)
            late = await stats.overdue_now(s, row["id"], now)
            assert (row["opened"], row["resolved"], row["overdue"]) == (
                f.opened, f.resolved, f.overdue), row
            assert row["response"] == (None if f.response_rate is None
                                       else round(100 * f.response_rate, 1)), row
            assert row["found"] == found and row["overdue_now"] == len(late), row
    yin = next(r for r in data["rows"] if r["label"] == "银虹社区")
    assert (yin["opened"], yin["found"], yin["found_share"], yin["overdue_now"]) == (2, 1, 50.0, 2)
    assert yin["response"] == 0.0  # both missed their acceptance deadline
    xlsx = await client.get("/desk/compare.xlsx?period=tm")
    assert xlsx.status == 200 and (await xlsx.read())[:2] == b"PK"
    assert unquote(xlsx.headers["Content-Disposition"]).endswith(
        "UTF-8''各社区对比_2026-11-01_2026-11-30.xlsx")  # a Chinese name, as the ledger's
    # an organizer of one community: no comparison
    await login(world, client, street["银虹周书记"])
    assert 'id="compare"' not in await (await client.get("/desk/dashboard")).text()
    assert (await (await client.get("/desk/api/compare")).json())["rows"] == []
    assert made


async def test_staff_get_the_desk_as_their_menu_button(world, street, monkeypatch):
    """With an HTTPS desk address the bot sets each staff member's menu button to the
    Mini App; a resident keeps the default; with plain HTTP nobody gets one."""
    bot = world.app.bot
    await commands.publish(world.ctx, bot)
    assert (await bot.get_chat_menu_button(chat_id=4001)).type == "default"  # http: none
    monkeypatch.setenv("LINLI_WEB_URL", "https://desk.example.org")
    await commands.publish(world.ctx, bot)
    for tg_id in (4001, 5001, 2101, 1101, 3101):  # street, district, organizer, worker, dept
        button = await bot.get_chat_menu_button(chat_id=tg_id)
        assert button.type == "web_app" and button.text == "工作台", tg_id
        assert button.web_app.url == "https://desk.example.org/desk/app"
    assert (await bot.get_chat_menu_button(chat_id=street.chen.id)).type == "default"
    officer = [c.command for c in await bot.get_my_commands(
        scope={"type": "chat", "chat_id": 4001})]
    assert "web" in officer  # and /web for an ordinary browser


async def test_a_street_officer_compares_communities_in_the_browser(world, street, desk, browser):
    """/web → link → the street's ledger → the dashboard's comparison, sorted by clicking
    its column heads, and downloaded as xlsx (Chromium, tests/test_web_browser.py)."""
    made = await cases(world)
    zhao = street["街道赵主任"]
    link = await ask_link(world, zhao)
    page = await browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    await page.goto(link)
    await page.click("#enter")
    await page.wait_for_url(f"{desk}/desk/cases")
    assert "共 3 件" in await page.inner_text("#total")
    assert made["东湖"].number not in await page.content()
    await page.goto(f"{desk}/desk/dashboard")
    await page.wait_for_selector("#compare[data-loaded='1']")

    async def order() -> list[str]:
        return [t.split("\t")[0] for t in
                await page.locator("#compare-table tr[data-id]").all_inner_texts()]

    assert sorted(await order()) == ["丽景社区", "银虹社区"]
    assert await page.locator("#chart-compare svg").count() == 1
    await page.click("#compare-table th[data-key=opened]")  # most cases first
    assert await order() == ["银虹社区", "丽景社区"]
    assert "▼" in await page.inner_text("#compare-table th[data-key=opened]")
    await page.click("#compare-table th[data-key=opened]")  # again: fewest first
    assert await order() == ["丽景社区", "银虹社区"]
    await page.click("#compare-table th[data-key=found_share]")
    assert await order() == ["银虹社区", "丽景社区"]
    row = await page.locator("#compare-table tr[data-id]").first.inner_text()
    assert "\t50%\t" in row  # 银虹: one of its two cases found on a round
    await shot(page, "13-dashboard-street")
    async with page.expect_download() as got:
        await page.click("#compare-xlsx")
    saved = await (await got.value).path()
    assert saved.read_bytes()[:2] == b"PK"
    await page.close()
