"""The web desk in a real browser (Playwright driving Debian's Chromium) against the real
bot and the local Bot API sandbox: an organizer asks /web, opens the link, filters the
ledger, opens a case and accepts it — the resident hears it in Telegram — and views the
dashboard; a forged Mini App initData and an expired link are refused. Screenshots of
each page go to test-artifacts/web/ (LINLI_TEST_ARTIFACTS to change).

Skips only when no Chromium is found and LINLI_REQUIRE_BROWSER is not set (.ci/run sets
it, so CI fails instead of skipping)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.session import transaction
from bot.org.orgfile import import_file
from tests.harness import bind
from web.app import serve
from web.auth import sign_init_data
from web.config import WebSettings

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"
ARTIFACTS = Path(os.environ.get("LINLI_TEST_ARTIFACTS",
                                Path(__file__).parents[1] / "test-artifacts")) / "web"
LIGHT = "3号楼2单元301楼道灯坏了好几天了，有事打我电话13812345678"


def chromium() -> str | None:
    for candidate in (os.environ.get("LINLI_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _need_browser() -> str:
    found = chromium()
    if found is None:
        reason = "no Chromium found (apt-get install chromium, or set LINLI_CHROMIUM)"
        if os.environ.get("LINLI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; LINLI_REQUIRE_BROWSER=1 (.ci/run) needs the browser tests")
        pytest.skip(reason)
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        if os.environ.get("LINLI_REQUIRE_BROWSER") == "1":
            pytest.fail("the playwright package is missing (pip install -e '.[test]')")
        pytest.skip("the playwright package is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fonts(tmp: Path) -> dict[str, str]:
    """A fontconfig that also knows the packaged CJK font (the one the charts use), so
    the screenshots show Chinese even on a machine without fonts-noto-cjk."""
    try:
        from bot.charts import cjk_font_path

        font_dir = Path(cjk_font_path()).parent
    except Exception:
        return {}
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f"<dir>{font_dir}</dir><cachedir>{tmp / 'cache'}</cachedir></fontconfig>",
                    encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    executable = _need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=executable, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"],
                                    env={**os.environ, **_fonts(tmp_path)})
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture
async def desk(world: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The desk served beside the running bot, as `linli run` with LINLI_WEB_PORT."""
    port = _free_port()
    monkeypatch.setenv("LINLI_WEB_URL", f"http://127.0.0.1:{port}")  # where /web links point
    ws = WebSettings(_env_file=None, url=f"http://127.0.0.1:{port}", port=port)
    runner = await serve(world.ctx, "127.0.0.1", port, ws, token=world.sb.token)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def setup(world: Any) -> tuple[Any, Any, Any, Any]:
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    sb = world.sb
    zhang = sb.add_user("张网格员", user_id=1001)
    liu = sb.add_user("刘书记", user_id=2001)
    chen = sb.add_user("陈阿姨")
    for person in (zhang, liu, chen):
        person.start_bot()
    group = sb.add_group("东湖一网格居民群", [liu, zhang, chen], creator=liu, bot_is_admin=True)
    await bind(world, group)
    await world.settle()
    return zhang, liu, chen, group


async def ask_link(world: Any, user: Any) -> str:
    before = len(world.sb.messages(user.id))
    user.say(user.id, "/web")
    message = await world.sb.wait_for(
        user.id, lambda m: "工作台登录链接" in m.body and m not in
        world.sb.messages(user.id)[:before])
    found = re.search(r"(http://\S+/desk/login/\S+)", message.text)
    assert found, message.text
    return found[1]


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_a_day_at_the_desk(world, desk, browser):
    zhang, liu, chen, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    sb.send_photo(chen, group, caption="5号楼电梯又坏了，老人下不了楼")
    await sb.wait_for(group.id, lambda m: "东湖-2026-0002" in m.body)
    await world.settle()

    link = await ask_link(world, liu)
    assert link.startswith(desk)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await page.goto(link)
    await shot(page, "01-login")
    await page.click("#enter")
    await page.wait_for_url(f"{desk}/desk/cases")
    assert "共 2 件" in await page.inner_text("#total")
    assert "13812345678" not in await page.content()
    await shot(page, "02-ledger")

    await page.fill("input[name=q]", "楼道灯")
    await page.select_option("select[name=status]", "open")
    await page.click("#apply")
    await page.wait_for_url(re.compile(r".*q=.*"))
    assert "共 1 件" in await page.inner_text("#total")
    await shot(page, "03-ledger-filtered")

    await page.click("#ledger tbody a")
    await page.wait_for_url(re.compile(r".*/desk/cases/\d+$"))
    assert "待受理" in await page.inner_text("#status")
    assert "13812345678" not in await page.inner_text("#text")
    await shot(page, "04-case")
    await page.click("#act-accept")
    await page.wait_for_selector("#flash")
    assert "已接单" in await page.inner_text("#flash")
    assert "办理中" in await page.inner_text("#status")
    assert "刘书记" in await page.inner_text("#timeline")
    await shot(page, "05-case-accepted")
    told = await sb.wait_for(chen.id, lambda m: "已接单" in m.body)
    assert "东湖-2026-0001" in told.text

    await page.goto(f"{desk}/desk/cases?q=电梯")
    await page.click("#ledger tbody a")
    await page.wait_for_url(re.compile(r".*/desk/cases/\d+$"))
    # the photo is fetched from the Bot API: wait until the browser has decoded it (or failed)
    await page.wait_for_function(
        "() => { const i = document.querySelector('.photos img'); return i && i.complete; }")
    assert await page.eval_on_selector(".photos img", "img => img.naturalWidth") > 0
    await shot(page, "06-case-photo")
    await page.goto(f"{desk}/desk/dashboard")
    await page.wait_for_selector("#dash[data-loaded='1']")
    assert "东湖社区" in await page.inner_text("#dash-title")
    assert await page.locator("#chart-grid svg").count() == 1
    assert await page.locator("#chart-weeks polyline").count() == 2
    await shot(page, "07-dashboard")
    await page.goto(f"{desk}/desk/dashboard?screen=1")
    await page.wait_for_selector("#dash[data-loaded='1']")
    await shot(page, "08-dashboard-screen")
    await page.goto(f"{desk}/desk/projects")
    await shot(page, "09-projects")

    phone = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    await phone.context.add_cookies(await page.context.cookies())
    await phone.goto(f"{desk}/desk/cases")
    await shot(phone, "10-ledger-phone")
    await phone.close()
    await page.close()


async def test_forged_init_data_and_expired_link_are_refused(world, desk, browser):
    zhang, liu, chen, group = await setup(world)
    now = int(world.ctx.clock.now().timestamp())
    user = json.dumps({"id": 2001, "first_name": "刘"}, ensure_ascii=False)
    forged = sign_init_data({"auth_date": str(now), "user": user}, "1:not-the-bot-token")
    page = await browser.new_page()
    await page.goto(f"{desk}/desk/app#tgWebAppData={_quote(forged)}&tgWebAppVersion=7.0")
    await page.wait_for_selector("#message:has-text('无法验证')")  # no eval: the CSP forbids it
    await shot(page, "11-miniapp-forged")
    assert (await page.goto(f"{desk}/desk/cases")).status == 401

    link = await ask_link(world, liu)
    world.ctx.clock.advance(minutes=11)
    response = await page.goto(link)
    assert response.status == 403
    assert "已失效" in await page.inner_text("#message")
    await shot(page, "12-link-expired")

    genuine = sign_init_data({"auth_date": str(int(world.ctx.clock.now().timestamp())),
                              "user": user}, world.sb.token)
    await page.goto(f"{desk}/desk/app#tgWebAppData={_quote(genuine)}&tgWebAppVersion=7.0")
    await page.wait_for_url(f"{desk}/desk/cases")
    assert "刘书记" in await page.inner_text("header")
    await page.close()


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


async def test_resolve_with_an_after_photo(world, desk, browser, tmp_path):
    """办结 on the web with a result photo: the category needs one (the example org file's
    photo_required), a file that is not a photo is refused, a PNG goes through the Bot API
    and reaches the resident with the rating request, as after the bot's 已解决."""
    from sandbox import tiny_png

    zhang, liu, chen, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    await world.settle()
    link = await ask_link(world, zhang)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await page.goto(link)
    await page.click("#enter")
    await page.wait_for_url(f"{desk}/desk/cases")
    await page.click("#ledger tbody a")
    await page.wait_for_url(re.compile(r".*/desk/cases/\d+$"))
    await page.click("#act-accept")
    await page.wait_for_selector("#flash.ok")
    assert "本类别必须上传" in await page.inner_text("form:has(#act-resolve)")

    not_photo = tmp_path / "invoice.png"
    not_photo.write_bytes(b"%PDF-1.4 this is not a picture")
    await page.fill("form:has(#act-resolve) textarea", "已更换楼道灯")
    await page.set_input_files("#resolve-photo", str(not_photo))
    await page.click("#act-resolve")
    await page.wait_for_selector("#flash.err")
    assert "JPG 或 PNG" in await page.inner_text("#flash")
    assert "办理中" in await page.inner_text("#status")

    after = tmp_path / "after.png"
    after.write_bytes(tiny_png(64, 48, (40, 160, 90)))
    await page.fill("form:has(#act-resolve) textarea", "已更换楼道灯")
    await page.set_input_files("#resolve-photo", str(after))
    await page.click("#act-resolve")
    await page.wait_for_selector("#flash.ok")
    assert "待评价" in await page.inner_text("#status")
    assert "无需办理" in await page.inner_text("#no-action")
    await page.wait_for_function(
        "() => { const i = document.querySelector('.photos img'); return i && i.complete; }")
    assert await page.eval_on_selector(".photos img", "img => img.naturalWidth") == 64
    assert "办理后" in await page.inner_text(".photos")
    await shot(page, "13-case-resolved-with-photo")

    told = await sb.wait_for(chen.id, lambda m: m.photo is not None and "东湖-2026-0001" in m.body)
    assert "整改后照片" in told.body
    await sb.wait_for(chen.id, lambda m: "请您评价" in m.body and "东湖-2026-0001" in m.body)
    receipt = [m for m in sb.bot_messages(zhang.id) if m.photo is not None]
    assert receipt and "工作台上传" in receipt[-1].body  # the upload went to his own chat
    await page.close()


async def test_login_widget_in_an_ordinary_browser(world, browser):
    """LINLI_WEB_LOGIN_WIDGET on: the start page carries Telegram's widget, and the
    redirect Telegram makes after the user confirms (signed fields in the query) logs
    in; a stale one does not. telegram.org itself is not reachable here: the signature
    is computed as Telegram's docs say (tests/test_web_auth.py's widget_query)."""
    from urllib.parse import urlencode

    from tests.test_web_auth import widget_query

    await setup(world)
    port = _free_port()
    ws = WebSettings(_env_file=None, url=f"http://127.0.0.1:{port}", port=port,
                     login_widget="linli_demo_bot")
    runner = await serve(world.ctx, "127.0.0.1", port, ws, token=world.sb.token)
    try:
        page = await browser.new_page()
        await page.route("https://telegram.org/**", lambda route: route.abort())
        await page.goto(f"http://127.0.0.1:{port}/desk/")
        widget = page.locator("#tg-login script")
        assert await widget.get_attribute("data-telegram-login") == "linli_demo_bot"
        assert await widget.get_attribute("data-auth-url") == \
            f"http://127.0.0.1:{port}/desk/auth/widget"
        auth = f"http://127.0.0.1:{port}/desk/auth/widget?"
        stale = widget_query(world.ctx, 2001, token=world.sb.token, age=3600)
        assert (await page.goto(auth + urlencode(stale))).status == 403
        assert "过期" in await page.inner_text("#message")
        fresh = widget_query(world.ctx, 2001, token=world.sb.token)
        await page.goto(auth + urlencode(fresh))
        await page.wait_for_url(f"http://127.0.0.1:{port}/desk/cases")
        assert "刘书记" in await page.inner_text("header")
        await page.close()
    finally:
        await runner.cleanup()
