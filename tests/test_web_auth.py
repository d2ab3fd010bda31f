"""The web desk without a browser (aiohttp's test client): login by a one-time link and
by Mini App initData, sessions, CSRF, who sees which cases, the JSON endpoints, the
audited export. The browser tests are in test_web_browser.py."""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.context import AppContext
from bot.db.models import Grid, Person
from bot.db.models.privacy import ExportAudit
from bot.db.session import transaction
from bot.org import service as org
from tests import cases_kit
from web import links
from web.app import root_app
from web.auth import sign_init_data
from web.config import WebSettings

TOKEN = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
LIGHT = "3号楼楼道灯坏了，电话13812345678"
EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


@pytest.fixture
async def desk(ctx: AppContext, cw: cases_kit.World) -> AsyncIterator[TestClient]:
    ws = WebSettings(_env_file=None, url="http://desk.test", link_minutes=10)
    client = TestClient(TestServer(root_app(ctx, ws, TOKEN)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def link_for(ctx: AppContext, who: Person) -> str:
    """The token of a /web link sent to `who` (read from the queued message)."""
    async with transaction(ctx.pool) as s:
        answer = await links.issue(s, ctx, await s.get(Person, who.id), ctx.clock.now(),
                                   WebSettings(_env_file=None, url="http://desk.test"))
    assert answer == ""
    text = (await cases_kit.outbox(ctx, who.tg_id))[-1].payload["text"]
    found = re.search(r"http://desk\.test/desk/login/(\S+)", text)
    assert found, text
    return found[1]


async def login(client: TestClient, ctx: AppContext, who: Person) -> str:
    """Log in by link; returns the CSRF token of the session."""
    token = await link_for(ctx, who)
    page = await client.get(f"/desk/login/{token}")
    assert page.status == 200 and "进入工作台" in await page.text()
    done = await client.post(f"/desk/login/{token}", allow_redirects=False)
    assert done.status == 302 and done.headers["Location"] == "/desk/cases"
    ledger = await client.get("/desk/cases")
    assert ledger.status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', await ledger.text())
    assert found
    return found[1]


async def test_link_logs_in_once_and_shows_the_ledger(desk, ctx, cw):
    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    await login(desk, ctx, cw.organizer)
    page = await (await desk.get("/desk/cases")).text()
    assert intake.case.number in page and "共 1 件" in page
    assert "13812345678" not in page and "陈阿姨" not in page  # masked as in the ledger
    assert "陈*姨" in page
    token = await link_for(ctx, cw.organizer)
    assert (await desk.post(f"/desk/login/{token}", allow_redirects=False)).status == 302
    again = await desk.post(f"/desk/login/{token}", allow_redirects=False)
    assert again.status == 403 and "已失效" in await again.text()


async def test_expired_link_and_resident_are_refused(desk, ctx, cw):
    token = await link_for(ctx, cw.organizer)
    ctx.clock.advance(minutes=11)
    assert (await desk.get(f"/desk/login/{token}")).status == 403
    assert (await desk.post(f"/desk/login/{token}")).status == 403
    assert (await desk.get("/desk/cases")).status == 401
    async with transaction(ctx.pool) as s:
        answer = await links.issue(s, ctx, await s.get(Person, cw.resident.id), ctx.clock.now())
    assert "仅供" in answer
    assert not await cases_kit.outbox(ctx, cw.resident.tg_id)


def init_data(ctx: AppContext, user_id: int, token: str = TOKEN, age: int = 5) -> str:
    fields = {"auth_date": str(int(ctx.clock.now().timestamp()) - age),
              "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
              "user": json.dumps({"id": user_id, "first_name": "张"}, ensure_ascii=False)}
    return sign_init_data(fields, token)


async def test_mini_app_init_data(desk, ctx, cw):
    forged = await desk.post("/desk/auth/webapp",
                             data={"init_data": init_data(ctx, 201, token="1:forged")})
    assert forged.status == 403
    tampered = init_data(ctx, 201).replace("%E5%BC%A0", "%E6%9D%8E")
    assert (await desk.post("/desk/auth/webapp", data={"init_data": tampered})).status == 403
    stale = await desk.post("/desk/auth/webapp", data={"init_data": init_data(ctx, 201, age=7200)})
    assert stale.status == 403
    resident = await desk.post("/desk/auth/webapp", data={"init_data": init_data(ctx, 1001)})
    assert resident.status == 403 and "工作人员" in (await resident.json())["error"]
    assert (await desk.get("/desk/cases")).status == 401
    ok = await desk.post("/desk/auth/webapp", data={"init_data": init_data(ctx, 201)})
    assert ok.status == 200 and (await ok.json())["next"] == "/desk/cases"
    assert (await desk.get("/desk/cases")).status == 200


async def test_accept_needs_csrf_and_tells_the_resident(desk, ctx, cw):
    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    case_id = intake.case.id
    csrf = await login(desk, ctx, cw.w2)  # the grid's second worker: not the assignee
    refused = await desk.post(f"/desk/cases/{case_id}/act", data={"action": "accept"})
    assert refused.status == 403
    assert (await cases_kit.get_case(ctx, case_id)).status == "open"
    before = len(await cases_kit.outbox(ctx, cw.resident.tg_id))
    done = await desk.post(f"/desk/cases/{case_id}/act",
                           data={"action": "accept", "csrf": csrf})
    assert done.status == 200 and "已接单" in await done.text()
    case = await cases_kit.get_case(ctx, case_id)
    assert case.status == "accepted" and case.owner_id == cw.w2.id
    told = cases_kit.texts((await cases_kit.outbox(ctx, cw.resident.tg_id))[before:])
    assert any("已接单" in t for t in told)
    second = await desk.post(f"/desk/cases/{case_id}/act",
                             data={"action": "accept", "csrf": csrf})
    assert "李网格" in await second.text()  # 已被 … 接单: the same refusal as the button
    progress = await desk.post(f"/desk/cases/{case_id}/act",
                               data={"action": "progress", "text": "   ", "csrf": csrf})
    assert "内容" in await progress.text() or "空" in await progress.text()


async def test_scope_of_a_grid_worker_and_a_resident(desk, ctx, cw):
    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    async with transaction(ctx.pool) as s:
        grid = Grid(community_id=cw.community_id, name="第二网格")
        s.add(grid)
        await s.flush()
        other = await org.upsert_person(s, tg_id=103, name="赵网格")
        await org.grant(s, other, "grid_worker", cw.community_id, grid_id=grid.id)
    await login(desk, ctx, other)
    page = await (await desk.get("/desk/cases")).text()
    assert "共 0 件" in page
    assert (await desk.get(f"/desk/cases/{intake.case.id}")).status == 404
    mine = await (await desk.get("/desk/api/dashboard")).json()
    assert [g["label"] for g in mine["scope"]["grid"]] == ["第二网格"]
    assert mine["scope"]["community"] == [] and mine["overdue"]["total"] == 0
    assert [w["label"] for w in mine["scope"]["worker"]] == ["赵网格"]
    desk.session.cookie_jar.clear()
    await login(desk, ctx, cw.w1)
    page = await (await desk.get(f"/desk/cases/{intake.case.id}")).text()
    assert intake.case.number in page and "接单" in page
    assert "13812345678" not in page and "陈阿姨" not in page and "陈*姨" in page


async def test_json_endpoints_and_filters(desk, ctx, cw):
    assert (await desk.get("/desk/api/dashboard")).status == 401
    first = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    await cases_kit.say(ctx, cw.resident, "5号楼电梯坏了，困人了", 2, force=True)
    await login(desk, ctx, cw.organizer)
    data = await (await desk.get("/desk/api/dashboard?period=tm")).json()
    assert data["community"] == "东湖社区"
    assert data["scope"]["community"][0]["opened"] == 2
    assert {g["label"] for g in data["scope"]["grid"]} == {"第一网格"}
    assert len(data["weeks"]) == 12 and data["weeks"][-1]["opened"] == 2
    assert sum(r["total"] for r in data["buildings"]["rows"]) == 2
    every = await (await desk.get("/desk/api/cases")).json()
    assert every["total"] == 2 and every["columns"][0] == "编号"
    one = await (await desk.get("/desk/api/cases?q=电梯")).json()
    assert one["total"] == 1 and one["rows"][0]["values"][0] != first.case.number
    lit = await (await desk.get(f"/desk/api/cases?category={first.case.category}"
                                "&status=open&sort=number&dir=asc")).json()
    assert [r["id"] for r in lit["rows"]] == [first.case.id]
    junk = await desk.get("/desk/api/cases?status=x&grid=abc&page=-3&start=never")
    assert (await junk.json())["total"] == 2


async def test_export_is_the_audited_ledger(desk, ctx, cw):
    await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    await cases_kit.say(ctx, cw.resident, "5号楼电梯坏了，困人了", 2, force=True)
    csrf = await login(desk, ctx, cw.organizer)
    assert (await desk.post("/desk/cases/export", data={"fmt": "csv"})).status == 403
    got = await desk.post("/desk/cases/export", data={"fmt": "csv", "q": "电梯",
                                                      "csrf": csrf})
    assert got.status == 200 and got.headers["X-Linli-Rows"] == "1"
    body = (await got.read()).decode("utf-8-sig")
    assert body.startswith("编号,") and "电梯" in body and "13812345678" not in body
    async with ctx.pool() as s:
        entry = (await s.scalars(select(ExportAudit))).one()
    assert entry.person_id == cw.organizer.id and entry.rows == 1 and "q=电梯" in entry.scope
    assert "web" in entry.who


async def test_pages_render(desk, ctx, cw):
    await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    await login(desk, ctx, cw.street)
    for path in ("/desk/dashboard", "/desk/dashboard?screen=1", "/desk/projects",
                 "/desk/cases?overdue=1", "/desk/static/desk.css", "/desk/static/desk.js"):
        response = await desk.get(path)
        assert response.status == 200, path
    home = await desk.get("/", allow_redirects=False)
    assert home.status == 302


async def test_web_command_in_telegram(world):
    """/web through the real bot: staff get a link privately, a resident a polite no,
    a group only the advice to ask privately."""
    from tests.harness import bind

    async with transaction(world.ctx.pool) as session:
        from bot.org.orgfile import import_file

        await import_file(session, EXAMPLE)
    sb = world.sb
    zhang = sb.add_user("张网格员", user_id=1001)
    chen = sb.add_user("陈阿姨")
    for user in (zhang, chen):
        user.start_bot()
    group = sb.add_group("东湖一网格居民群", [zhang, chen], creator=zhang, bot_is_admin=True)
    await bind(world, group)
    zhang.say(zhang.id, "/web")
    link = await sb.wait_for(zhang.id, lambda m: "/desk/login/" in m.body)
    assert "10 分钟" in link.text and not link.button_texts  # http: no Mini App button
    chen.say(chen.id, "/web")
    assert "仅供" in (await sb.wait_for(chen.id, lambda m: "工作台" in m.body)).text
    chen.say(group, "/web")
    await sb.wait_for(group.id, lambda m: "私聊我发送 /web" in m.body)
    await world.settle()
    assert not [m for m in sb.messages(chen.id) if "/desk/login/" in m.body]


async def test_dashboard_rates_agree_with_stats(ctx, cw):
    """The dashboard's grouped figures (bot.reports.desk.rates_by) and /stats'
    (bot.reports.stats.figures) are one definition: they must agree on every scope."""
    from dataclasses import replace

    from bot import cases
    from bot.db.models import Case
    from bot.levels.rankings import found_first
    from bot.reports import desk as D
    from bot.reports import stats

    made = [await cases_kit.say(ctx, cw.resident, text, i, force=True) for i, text in enumerate(
        (LIGHT, "5号楼电梯坏了，困人了", "楼下烧烤太吵了", "2号楼门口垃圾没人清"), 1)]
    ids = [m.case.id for m in made]
    await cases_kit.act(ctx, cases.accept, ids[0], who=cw.w1)
    await cases_kit.act(ctx, cases.resolve, ids[0], who=cw.w1, note="修好了", photo=None)
    await cases_kit.act(ctx, cases.rate, ids[0], 0, 1, who=cw.resident)
    await cases_kit.act(ctx, cases.accept, ids[1], who=cw.w2)
    ctx.clock.advance(days=4)  # the others miss their deadlines
    await cases_kit.act(ctx, cases.accept, ids[2], who=cw.w1)
    async with transaction(ctx.pool) as s:  # one found on a round (主动发现)
        (await s.get(Case, ids[1])).source = "patrol"
    now = ctx.clock.now()
    period = stats.month_of(now.astimezone(ctx.tz).date(), ctx.tz)
    async with ctx.pool() as s:
        grouped = await D.rates_by(s, [Case.community_id == cw.community_id], period, now)
        base = stats.Scope(cw.community_id)
        scopes = {("community", 0): base, ("grid", cw.grid_id): replace(base, grid_id=cw.grid_id)}
        for w in (cw.w1, cw.w2):
            scopes["worker", w.id] = replace(base, owner_id=w.id)
        for m in made:
            scopes["category", m.case.category] = replace(base, category=m.case.category)
        for (dim, key), scope in scopes.items():
            fig = await stats.figures(s, scope, period, now, extras=False)
            found = await found_first(s, scope, period)
            line = grouped[dim].get(key, D.Rates()).line("x")
            assert line == D.Rates().line("x") | {
                "opened": fig.opened, "resolved": fig.resolved, "overdue": fig.overdue,
                "response": D._rate(fig.response_rate), "resolve": D._rate(fig.resolve_rate),
                "satisfaction": D._rate(fig.satisfaction_rate), "found": found,
                "found_share": D._rate(found / fig.opened) if fig.opened else None}, (dim, key)
        assert grouped["communities"][cw.community_id] == grouped["community"][0]
    assert grouped["community"][0].overdue >= 1 and grouped["community"][0].rated == 1
    assert grouped["community"][0].found == 1


def widget_query(ctx: AppContext, tg_id: int, token: str = TOKEN, age: int = 5,
                 **changes: str) -> dict[str, str]:
    """What Telegram's Login Widget appends to data-auth-url, signed as its docs say
    (computed here, independently of web.auth): hash = HMAC-SHA256 over the sorted
    key=value lines with SHA-256(bot token) as the key. `changes` alter it after signing."""
    import hashlib
    import hmac

    fields = {"id": str(tg_id), "first_name": "刘", "username": "liu_shuji",
              "photo_url": "https://t.me/i/userpic/320/liu.jpg",
              "auth_date": str(int(ctx.clock.now().timestamp()) - age)}
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    digest = hmac.new(hashlib.sha256(token.encode()).digest(), check.encode(),
                      hashlib.sha256).hexdigest()
    return {**fields, "hash": digest, **changes}


async def test_login_widget_is_verified(ctx, cw):
    ws = WebSettings(_env_file=None, url="http://desk.test", login_widget="@linli_bot")
    client = TestClient(TestServer(root_app(ctx, ws, TOKEN)))
    await client.start_server()
    try:
        home = await client.get("/desk/")
        page = await home.text()
        assert 'data-telegram-login="linli_bot"' in page
        assert 'data-auth-url="http://desk.test/desk/auth/widget"' in page
        assert "https://telegram.org" in home.headers["Content-Security-Policy"]

        async def login_with(query: dict[str, str]) -> Any:
            return await client.get("/desk/auth/widget", params=query, allow_redirects=False)

        forged = await login_with(widget_query(ctx, 201, token="1:not-the-bot-token"))
        assert forged.status == 403 and "无法验证" in await forged.text()
        other_user = await login_with(widget_query(ctx, 1001, id="201"))  # signed for 1001
        assert other_user.status == 403
        unsigned = widget_query(ctx, 201)
        del unsigned["hash"]
        assert (await login_with(unsigned)).status == 403
        stale = await login_with(widget_query(ctx, 201, age=301))
        assert stale.status == 403 and "过期" in await stale.text()
        resident = await login_with(widget_query(ctx, 1001))
        assert resident.status == 403 and "工作人员" in await resident.text()
        assert (await client.get("/desk/cases")).status == 401
        ok = await login_with(widget_query(ctx, 201, age=299))
        assert ok.status == 302 and ok.headers["Location"] == "/desk/cases"
        ledger_page = await client.get("/desk/cases")
        assert ledger_page.status == 200 and cw.organizer.name in await ledger_page.text()
    finally:
        await client.close()


async def test_login_widget_is_off_by_default(desk, ctx, cw):
    page = await (await desk.get("/desk/")).text()
    assert "telegram-widget.js" not in page and "/web" in page
    response = await desk.get("/desk/auth/widget", params=widget_query(ctx, 201))
    assert response.status == 404
    assert (await desk.get("/desk/cases")).status == 401


async def test_after_photo_is_checked_before_anything_changes(desk, ctx, cw):
    """A file that is not a JPEG/PNG, or too big, is refused with 办结 left undone (the
    upload itself goes through the Bot API: tests/test_web_browser.py)."""
    from aiohttp import FormData

    from bot import cases

    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    await cases_kit.act(ctx, cases.accept, intake.case.id, who=cw.w1)
    csrf = await login(desk, ctx, cw.w1)

    async def resolve(data: bytes, name: str) -> str:
        form = FormData()
        for key, value in (("csrf", csrf), ("action", "resolve"), ("text", "灯换好了")):
            form.add_field(key, value)
        form.add_field("photo", data, filename=name, content_type="image/jpeg")
        response = await desk.post(f"/desk/cases/{intake.case.id}/act", data=form)
        return await response.text()

    assert "JPG 或 PNG" in await resolve(b"%PDF-1.4 not a photo", "after.jpg")
    assert "10 MB" in await resolve(b"\xff\xd8\xff" + b"0" * (10 * 2**20), "big.jpg")
    huge = await resolve(b"\xff\xd8\xff" + b"0" * (11 * 2**20), "huge.jpg")
    assert "10 MB" in huge  # over the request limit: refused before the form is read
    assert (await cases_kit.get_case(ctx, intake.case.id)).status == "accepted"
