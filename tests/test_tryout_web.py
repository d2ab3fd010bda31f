"""The web desk tried as its users would, in scenarios its own tests did not write: a
community worker on a small laptop and a phone, a grid worker pressing back and
submitting again, an organizer's typo in a date, the office screen left open, an
address typed by hand. Each test is a defect found by trying it (docs/web.md)."""
from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import unquote

from bot.db.models import Person
from bot.db.session import transaction
from tests import cases_kit
from tests.test_web_auth import LIGHT, desk, login  # noqa: F401  (desk: a fixture)
from tests.test_web_browser import ask_link, browser, setup, shot  # noqa: F401  (fixtures)
from tests.test_web_browser import desk as served  # noqa: F401  (the desk beside the bot)

ENGLISH = ("Not Found", "Method Not Allowed", "Internal Server Error", "Server got itself")


async def test_a_mistyped_address_is_answered_in_chinese(desk, ctx, cw):  # noqa: F811
    """An address edited by hand gets a Chinese page (JSON under /api/), never aiohttp's
    English 404 / 405 / 500; /desk without its slash leads to the desk; a case number
    too long for the database is "not found", not a server error."""
    other = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    for logged_in in (False, True):
        if logged_in:
            await login(desk, ctx, cw.w1)
        for path, method in (("/desk/cases/abc", "GET"), ("/desk/nope", "GET"),
                             ("/desk/logout", "GET"), ("/desk/cases/1/act", "GET"),
                             ("/desk/cases/99999999999999999999999", "GET"),
                             ("/desk/photo/99999999999999999999999", "GET"),
                             ("/desk/dashboard", "POST")):
            got = await desk.request(method, path, allow_redirects=False)
            body = await got.text()
            assert 400 <= got.status < 500, (path, got.status, body)
            assert not any(e in body for e in ENGLISH), (path, body)
            assert re.search(r"[\u4e00-\u9fff]", body), (path, body)
        api = await desk.get("/desk/api/nope")
        assert api.status == 404 and re.search(r"[\u4e00-\u9fff]", (await api.json())["error"])
    for key in ("grid", "worker", "source"):  # a menu's value edited in the address
        got = await desk.get("/desk/api/cases", params={key: "9" * 23})
        assert got.status == 200 and (await got.json())["total"] == 1, key
    bare = await desk.get("/desk", allow_redirects=False)
    assert bare.status in (301, 302, 308) and bare.headers["Location"] == "/desk/"
    # a case number edited in the address: refused in Chinese, and the menu stays
    refused = await desk.get(f"/desk/cases/{other.case.id + 1000}")
    page = await refused.text()
    assert refused.status == 404 and "管辖范围" in page and "工单台账" in page


async def test_a_search_in_full_width_digits_or_traditional_characters(desk, ctx, cw):  # noqa: F811
    """A worker types ４号楼 (a Chinese keyboard's full-width digits) or 電梯 (a
    Traditional-character input method): the ledger finds the same cases as 4号楼 / 电梯,
    as the classifier reads both."""
    lift = await cases_kit.say(ctx, cw.resident, "4号楼电梯坏了，老人下不了楼", 1, force=True)
    await cases_kit.say(ctx, cw.resident, LIGHT, 2, force=True)
    await login(desk, ctx, cw.organizer)
    for q in ("4号楼", "４号楼", "電梯", "４號樓"):
        data = await (await desk.get("/desk/api/cases", params={"q": q})).json()
        assert [r["id"] for r in data["rows"]] == [lift.case.id], q
    page = await (await desk.get("/desk/cases", params={"q": "樓道燈"})).text()
    assert "共 1 件" in page and 'value="楼道灯"' in page  # the box shows what was searched
    # a resident wrote in Traditional characters; the worker types Simplified
    kept = await cases_kit.say(ctx, cw.resident, "7號樓門口的水管爆了，水流了一地", 3, force=True)
    page = await (await desk.get("/desk/cases", params={"q": "门口的水管"})).text()
    assert "共 1 件" in page and kept.case.number in page and "門口的水管" in page
    nothing = await (await desk.get("/desk/cases", params={"q": "三号楼"})).text()
    assert "共 0 件" in nothing and "阿拉伯数字" in nothing  # a hint, not just "nothing"
    assert "没有工单可导出" in nothing and 'id="export-xlsx"' not in nothing  # no empty file


async def test_a_date_typo_is_named_not_silently_ignored(desk, ctx, cw):  # noqa: F811
    """2026-13-01, text in a date field, a year 1 or 9999, an end before the start: the
    ledger says what it did with the dates (in Chinese) instead of quietly showing every
    case, or nothing, or a server error; the export takes the same corrected filter."""
    await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    csrf = await login(desk, ctx, cw.organizer)
    today = ctx.clock.now().astimezone(ctx.tz).date()
    for bad in ("2026-13-01", "明天", "0001-01-01", "9999-12-31"):
        got = await desk.get("/desk/cases", params={"start": bad})
        page = await got.text()
        assert got.status == 200, (bad, page[:300])
        assert "共 1 件" in page and "不是有效日期" in page and bad in page, bad
        assert f'name="start" value="{bad}"' not in page  # the filter no longer holds it
        assert (await desk.get("/desk/api/cases", params={"end": bad})).status == 200
    swapped = await (await desk.get("/desk/cases", params={
        "start": today.isoformat(), "end": today.replace(day=1).isoformat()})).text()
    assert "早于" in swapped and "共 1 件" in swapped
    export = await desk.post("/desk/cases/export", data={
        "csrf": csrf, "fmt": "csv", "start": today.isoformat(),
        "end": today.replace(day=1).isoformat()})
    assert export.status == 200 and export.headers["X-Linli-Rows"] == "1"


async def test_a_form_sent_twice_acts_once(desk, ctx, cw):  # noqa: F811
    """A double click, or the browser's back button and the button pressed again: the
    same form arrives twice. The progress is recorded once and the resident told once;
    the second answer says it was already done."""
    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    from bot import cases

    await cases_kit.act(ctx, cases.accept, intake.case.id, who=cw.w1)
    csrf = await login(desk, ctx, cw.w1)
    page = await (await desk.get(f"/desk/cases/{intake.case.id}")).text()
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*value="progress"(?:(?!</form>).)*</form>',
                     page, re.S)
    assert form, page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0]))
    assert fields["csrf"] == csrf
    before = len(await cases_kit.outbox(ctx, cw.resident.tg_id))
    answers = []
    for _ in range(2):
        got = await desk.post(f"/desk/cases/{intake.case.id}/act",
                              data={**fields, "text": "已联系电工，明天上午来修"})
        answers.append(await got.text())
    assert (await cases_kit.events(ctx, intake.case.id)).count("progress") == 1
    told = cases_kit.texts((await cases_kit.outbox(ctx, cw.resident.tg_id))[before:])
    assert len([t for t in told if "明天上午来修" in t]) == 1
    assert "已记录进展" in answers[0] and "已经提交过" in answers[1]


async def test_a_link_cannot_put_words_on_the_case_page(desk, ctx, cw):  # noqa: F811
    """The answer after an action is the desk's own: a link someone sends a worker with
    ?msg=… cannot show its words on the case page as if the desk said them, and the
    answer is shown once (reloading the page does not say 已记录 again)."""
    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    csrf = await login(desk, ctx, cw.w1)
    planted = "系统升级：请把您的登录链接发给管理员"
    for key in ("msg", "err"):
        page = await (await desk.get(f"/desk/cases/{intake.case.id}", params={key: planted})).text()
        assert planted not in page
    done = await desk.post(f"/desk/cases/{intake.case.id}/act",
                           data={"action": "accept", "csrf": csrf})
    assert "已接单" in await done.text()
    again = await (await desk.get(f"/desk/cases/{intake.case.id}")).text()
    assert 'id="flash"' not in again and "办理中" in again


async def test_export_leaves_no_file_behind_and_is_named_in_chinese(desk, ctx, cw,  # noqa: F811
                                                                    tmp_path, monkeypatch):
    """The exported ledger (personal data, masked) is not left in the server's temporary
    folder after download; the file is called 台账… as the bot's /export names it, is a
    real xlsx, and has the bot's ledger columns and masking."""
    import tempfile

    import openpyxl

    from bot.reports import texts as RT

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    csrf = await login(desk, ctx, cw.organizer)
    got = await desk.post("/desk/cases/export", data={"csrf": csrf, "fmt": "xlsx"})
    assert got.status == 200 and got.headers["X-Linli-Rows"] == "1"
    assert got.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = unquote(got.headers["Content-Disposition"].split("filename*=UTF-8''")[-1])
    assert name.startswith("台账_东湖社区_") and name.endswith(".xlsx"), name
    sheet = openpyxl.load_workbook(io.BytesIO(await got.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == RT.LEDGER_COLUMNS and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["反映人"] == "陈*姨" and "13812345678" not in str(row["内容"])
    assert not list(spool.iterdir())  # nothing left behind


async def test_the_case_page_says_what_and_why_and_hides_the_room(desk, ctx, cw):  # noqa: F811
    """A worker on the desk's case page sees its category and the classifier's 判断依据
    (as on the Telegram card), and the reporter's room is hidden in 地点 as it is in the
    text and in the ledger."""
    from bot.cases import render
    from bot.taxonomy import category_name

    intake = await cases_kit.say(ctx, cw.resident, "3号楼2单元301家里水管爆了，水漫到楼道",
                                 1, force=True)
    assert intake.case.place and "301" in intake.case.place
    await login(desk, ctx, cw.w1)
    page = await (await desk.get(f"/desk/cases/{intake.case.id}")).text()
    case = await cases_kit.get_case(ctx, intake.case.id)
    assert category_name(case.category) in page
    reasons = render.reasons_line(case).strip()
    assert reasons.startswith("判断依据：") and reasons in page
    assert "301" not in page


async def test_the_link_opened_again_by_someone_logged_in(desk, ctx, cw):  # noqa: F811
    """A worker taps the /web link in Telegram again later (it stays in the chat): logged
    in by it already, they get the desk, not "链接已失效 … 重新获取"; someone without a
    session is still refused."""
    from tests.test_web_auth import link_for

    token = await link_for(ctx, cw.w1)
    assert (await desk.post(f"/desk/login/{token}", allow_redirects=False)).status == 302
    again = await desk.get(f"/desk/login/{token}", allow_redirects=False)
    assert again.status == 302 and again.headers["Location"] == "/desk/cases"
    assert (await desk.post(f"/desk/login/{token}")).status == 403  # it logs in once
    desk.session.cookie_jar.clear()
    refused = await desk.get(f"/desk/login/{token}")
    assert refused.status == 403 and "已失效" in await refused.text()


# --- in the browser -------------------------------------------------------------------------

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
# Lines a cell's text takes: a word broken over lines is unreadable in a ledger.
LINES = """(td) => { const r = document.createRange(); r.selectNodeContents(td);
  return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"""


async def test_small_screens_the_back_button_and_the_office_screen(world, served, browser):  # noqa: F811
    """A worker on a 1366×768 laptop reads the ledger (no cell broken over lines), on a
    375-px phone every page fits the width and the chart's words are readable; after 记录
    进展 the back button shows the form empty and pressing it again records nothing
    twice; the office screen left open on a period without cases says so, and refreshes
    without piling requests on a slow server or growing the page."""
    zhang, liu, chen, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    await world.settle()
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await page.goto(await ask_link(world, zhang))
    await page.click("#enter")
    await page.wait_for_url(f"{served}/desk/cases")
    for cell in await page.locator("#ledger tbody tr:first-child td:not(.text)").all():
        assert await cell.evaluate(LINES) <= 1, await cell.inner_text()
    await shot(page, "t1-ledger-1366")

    await page.click("#ledger tbody a")
    await page.wait_for_url(re.compile(r".*/desk/cases/\d+$"))
    case_url = page.url
    await page.click("#act-accept")
    await page.wait_for_selector("#flash.ok")
    await page.fill("form:has(#act-progress) textarea", "已联系电工，明天上午来修")
    await page.click("#act-progress")
    await page.wait_for_selector("#flash.ok")
    await page.go_back()  # to the page 接单 left, its form as the browser keeps it
    await page.wait_for_selector("#act-progress")
    if await page.input_value("form:has(#act-progress) textarea"):
        await page.click("#act-progress")  # what the text left in the box invites
        await page.wait_for_selector("#flash")
    assert (await page.inner_text("#timeline")).count("明天上午来修") == 1

    phone = await browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    await phone.context.add_cookies(await page.context.cookies())
    for path in ("/desk/cases", case_url.split(served)[1], "/desk/projects",
                 "/desk/dashboard?period=ty"):
        await phone.goto(served + path)
        if "dashboard" in path:
            await phone.wait_for_selector("#dash[data-loaded='1']")
            size = await phone.eval_on_selector(
                "#chart-grid svg text", "t => t.getBoundingClientRect().height")
            assert size >= 10, size  # px on the screen
        assert await phone.evaluate(FITS), path
    await shot(phone, "t2-dashboard-375")
    await phone.close()

    # the office screen on last week (no case then); the server is slow for a while
    screen = page
    await screen.clock.install()
    pending: set[Any] = set()
    most = [0]

    def started(request: Any) -> None:
        if "/api/" in request.url:
            pending.add(request)
            most[0] = max(most[0], len(pending))

    screen.on("request", started)
    screen.on("requestfinished", lambda request: pending.discard(request))
    screen.on("requestfailed", lambda request: pending.discard(request))
    await screen.goto(f"{served}/desk/dashboard?period=lw&screen=1")
    await screen.wait_for_selector("#dash[data-loaded='1']")
    assert "本期没有" in await screen.inner_text("#buildings")
    nodes = await screen.evaluate("() => document.getElementsByTagName('*').length")
    slow: list[Any] = []
    await screen.route("**/api/**", lambda route: slow.append(route))  # never answered
    await screen.clock.run_for(5 * 60_000)
    assert most[0] == 1, most  # one at a time (a grid worker: no comparison of communities)
    await screen.unroute("**/api/**")
    for route in slow:
        try:
            await route.continue_()
        except Exception:  # aborted by the page meanwhile
            pass
    await screen.clock.run_for(3 * 60_000)
    await screen.wait_for_function("() => !document.querySelector('#dash-updated')"
                                   ".textContent.includes('加载')")
    assert await screen.evaluate("() => document.getElementsByTagName('*').length") == nodes
    await shot(screen, "t3-screen-empty-week")
    await page.close()


async def test_a_neighbours_plus_one_is_masked_on_the_case_page(desk, ctx, cw):  # noqa: F811
    """A neighbour who pressed "+1" appears in the case page's timeline as 刘*爷, as in the
    households line, never by full name."""
    from bot import cases

    intake = await cases_kit.say(ctx, cw.resident, LIGHT, 1, force=True)
    async with transaction(ctx.pool) as s:
        neighbour = await s.get(Person, cw.neighbour.id)
        await cases.plus_one(s, ctx, intake.case.id, neighbour, ctx.clock.now())
    await login(desk, ctx, cw.w1)
    page = await (await desk.get(f"/desk/cases/{intake.case.id}")).text()
    assert "刘*爷" in page and "刘大爷" not in page
