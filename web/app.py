"""The desk's aiohttp application: routes, the login gate, CSRF, and the pages.

Every page is a thin function: read the request, call `bot.reports.desk` or a case
action of `bot.cases` (the same ones the Telegram buttons call, with the same rights
checks), render a template. A refusal from the domain is shown as its Chinese text."""
from __future__ import annotations

import functools
import json
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import cases
from bot.cases import access as case_access
from bot.cases import core as case_core
from bot.context import AppContext
from bot.db.models import Person
from bot.db.session import reading, transaction
from bot.errors import Refusal
from bot.privacy import audit
from bot.privacy.mask import mask
from bot.reports import desk as D
from bot.reports import ledger, stats
from web import links
from web import texts as T
from web.auth import (
    COOKIE,
    FLASH,
    InitDataError,
    Session,
    Sessions,
    csrf_ok,
    verify_init_data,
    verify_login_widget,
)
from web.config import PREFIX, WebSettings, base_url, session_secret

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
CTX = web.AppKey("ctx", AppContext)
SESSIONS = web.AppKey("sessions", Sessions)
SETTINGS = web.AppKey("web_settings", WebSettings)
CACHE = web.AppKey("cache", dict)
ONCE = web.AppKey("once", dict)  # (person id, form token) -> when a case form was used
TOKEN = web.AppKey("token", str)
PERIOD = web.AppKey("period", str)  # the dashboard's period when none is chosen
PHOTO_MAX = 10 * 2**20  # Telegram's limit for sendPhoto
PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
DASHBOARD_TTL = 30.0  # seconds a dashboard's figures are reused (the office screen polls)
PERIODS = {"tw": "本周", "lw": "上周", "tm": "本月", "lm": "上月", "ty": "今年"}
ID = "{id:\\d{1,18}}"  # a case or photo id: more digits cannot be one (SQLite's 64 bits)
YEARS = (2000, 2099)  # the ledger's dates: a year outside is a typo (and overflows)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Full-width letters, digits and hyphen as a Chinese keyboard types them (４号楼, ７－２)
HALF_WIDTH = {cp: cp - 0xFEE0 for cp in (0xFF0D, *range(0xFF10, 0xFF1A),
                                        *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
HALF_WIDTH[0x3000] = 0x20
Handler = Callable[..., Awaitable[web.StreamResponse]]


# --- the application ------------------------------------------------------------------------

def build_app(ctx: AppContext, web_settings: WebSettings | None = None,
              token: str | None = None, period: str = "tm") -> web.Application:
    """`token`: the bot's (Mini App initData and photos); LINLI_BOT_TOKEN by default.
    `period`: the dashboard's when the page names none (a key of PERIODS)."""
    ws = web_settings or WebSettings()
    app = web.Application(middlewares=[_headers, _errors])
    app[CTX] = ctx
    app[PERIOD] = period if period in PERIODS else "tm"
    app[SETTINGS] = ws
    app[TOKEN] = token if token is not None else ctx.settings.token
    app[SESSIONS] = Sessions(session_secret(ctx.settings, ws, app[TOKEN]), ws.session_hours)
    app[CACHE] = {}
    app[ONCE] = {}
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True)
    _globals(env)
    r = app.router
    r.add_get("/", index)
    r.add_get("/login/{token}", login_page)
    r.add_post("/login/{token}", login)
    r.add_get("/app", miniapp)
    r.add_post("/auth/webapp", miniapp_login)
    r.add_get("/auth/widget", widget_login)
    r.add_post("/logout", logout)
    r.add_get("/cases", ledger_view)
    r.add_post("/cases/export", export)
    r.add_get(f"/cases/{ID}", case_view)
    r.add_post(f"/cases/{ID}/act", case_act)
    r.add_get(f"/photo/{ID}", photo)
    r.add_get("/dashboard", dashboard_view)
    r.add_get("/projects", projects_view)
    r.add_get("/api/dashboard", dashboard_json)
    r.add_get("/api/cases", cases_json)
    r.add_get("/api/compare", compare_json)
    r.add_get("/compare.{fmt:(csv|xlsx)}", compare_file)
    r.add_static("/static", HERE / "static")
    return app


def _globals(env: jinja2.Environment) -> None:
    env.globals.update(P=PREFIX, T=T, PERIODS=PERIODS)
    env.filters["masked"] = mask  # as the ledger hides rooms, phones… (bot.privacy.mask)


def mount(app: web.Application, ctx: AppContext, token: str | None = None) -> None:
    """Add the desk under /desk to an application (the webhook's)."""
    app.add_subapp(PREFIX, build_app(ctx, token=token))
    _outside(app)


def _outside(app: web.Application) -> None:
    """What the application around the desk adds: / leads to /desk/ (and /desk does, in
    `_errors`: the desk's prefix resource takes that path)."""
    app.router.add_get("/", _to_desk)


async def _to_desk(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def root_app(ctx: AppContext, web_settings: WebSettings | None = None,
             token: str | None = None) -> web.Application:
    """The desk under /desk, and / leading there (`linli web`, tests)."""
    root = web.Application()
    root.add_subapp(PREFIX, build_app(ctx, web_settings, token))
    _outside(root)
    return root


async def serve(ctx: AppContext, host: str, port: int,
                web_settings: WebSettings | None = None, token: str | None = None
                ) -> web.AppRunner:
    root = root_app(ctx, web_settings, token)
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    ws = web_settings or WebSettings()
    log.info("web desk on http://%s:%s%s/ (links point to %s)", host, port, PREFIX,
             base_url(ctx.settings, ws))
    return runner


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self' https://*.telegram.org")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


_PLAIN: jinja2.Environment | None = None  # error pages outside the desk's own application
ERRORS = {404: T.NOT_FOUND_PAGE, 405: T.WRONG_METHOD, 413: T.TOO_BIG}


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error under /desk as a Chinese page (JSON under /desk/api/), never aiohttp's
    English "404: Not Found" or a traceback's "500 Internal Server Error"."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 404 and request.path == PREFIX:
            return _redirect(f"{PREFIX}/")
        return _error(request, ERRORS.get(exc.status, T.BAD_REQUEST), exc.status)
    except Exception:
        log.exception("desk: %s %s failed", request.method, request.path)
        return _error(request, T.SERVER_ERROR, 500)


def _error(request: web.Request, text: str, status: int) -> web.Response:
    global _PLAIN
    if request.path.startswith(f"{PREFIX}/api/"):
        return web.json_response({"error": text}, status=status)
    if _PLAIN is None:
        _PLAIN = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                    autoescape=True)
        _globals(_PLAIN)
    body = _PLAIN.get_template("message.html").render(message=text, who=None)
    return web.Response(text=body, status=status, content_type="text/html")


# --- who is asking --------------------------------------------------------------------------

def _ctx(request: web.Request) -> AppContext:
    return request.app[CTX]


def _session(request: web.Request) -> Session | None:
    return request.app[SESSIONS].read(request.cookies.get(COOKIE), _ctx(request).clock.now())


def _page(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    return aiohttp_jinja2.render_template(name, request, values, status=status)


def _message(request: web.Request, text: str, status: int) -> web.Response:
    return _page(request, "message.html", status, message=text, who=None)


def staff(handler: Handler) -> Handler:
    """The page needs a session of someone with a staff role; POSTs need the CSRF token.
    The handler gets (request, session, person, desk, sess) in a read-only session."""
    @functools.wraps(handler)
    async def gate(request: web.Request) -> web.StreamResponse:
        sess = _session(request)
        if sess is None:
            if request.path.startswith(f"{PREFIX}/api/"):
                return web.json_response({"error": T.LOGIN_NEEDED}, status=401)
            return _message(request, T.LOGIN_NEEDED, 401)
        if request.method == "POST":
            # a logged-in member of staff may send an after-photo (aiohttp's default is 1 MiB)
            request = request.clone(client_max_size=PHOTO_MAX + 256 * 1024)
            try:
                form = await request.post()
            except web.HTTPRequestEntityTooLarge:
                return _message(request, T.PHOTO_TOO_BIG.format(mb=PHOTO_MAX // 2**20), 413)
            if not csrf_ok(sess, str(form.get("csrf", ""))):
                return _message(request, T.CSRF_BAD, 403)
        ctx = _ctx(request)
        async with reading(ctx.pool) as session:
            person = await session.get(Person, sess.person_id)
            desk = await D.desk_of(session, person, ctx.settings.admin_ids) if person else None
            if person is None or desk is None:
                return _message(request, T.NOT_STAFF, 403)
            return await handler(request, session, person, desk, sess)
    return gate


def _who(desk: D.Desk, sess: Session) -> dict[str, Any]:
    return {"who": desk, "csrf": sess.csrf}


def _set_cookie(request: web.Request, response: web.StreamResponse, value: str,
                name: str = COOKIE, max_age: int | None = None) -> None:
    secure = base_url(_ctx(request).settings, request.app[SETTINGS]).startswith("https://")
    response.set_cookie(name, value, path=PREFIX, httponly=True, secure=secure,
                        samesite="None" if secure else "Lax",
                        max_age=max_age or request.app[SESSIONS].hours * 3600)


def _start_session(request: web.Request, person_id: int, to: str) -> web.Response:
    _sess, cookie = request.app[SESSIONS].new(person_id, _ctx(request).clock.now())
    response = _redirect(to)
    _set_cookie(request, response, cookie)
    return response


def _redirect(to: str) -> web.Response:
    """A redirect that carries cookies (a returned HTTPFound is deprecated in aiohttp)."""
    return web.Response(status=302, headers={"Location": to})


# --- login ----------------------------------------------------------------------------------

WIDGET_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://telegram.org; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "frame-src https://oauth.telegram.org; frame-ancestors 'self'")


async def index(request: web.Request) -> web.Response:
    if _session(request) is not None:
        raise web.HTTPFound(f"{PREFIX}/cases")
    ws = request.app[SETTINGS]
    bot = (ws.login_widget or "").lstrip("@")
    response = _page(request, "welcome.html", who=None, widget=bot,
                     auth_url=base_url(_ctx(request).settings, ws) + f"{PREFIX}/auth/widget")
    if bot:  # telegram.org's script draws the button in an iframe of oauth.telegram.org
        response.headers["Content-Security-Policy"] = WIDGET_CSP
    return response


async def login_page(request: web.Request) -> web.Response:
    """GET shows a button; only its POST spends the link (a preview fetch cannot)."""
    ctx = _ctx(request)
    async with reading(ctx.pool) as session:
        ok = await links.valid(session, request.match_info["token"], ctx.clock.now())
    if not ok:
        return _spent(request)
    return _page(request, "login.html", token=request.match_info["token"], who=None)


async def login(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    async with transaction(ctx.pool) as session:
        person_id = await links.redeem(session, request.match_info["token"], ctx.clock.now())
    if person_id is None:
        return _message(request, T.LOGIN_EXPIRED, 403)
    return _start_session(request, person_id, f"{PREFIX}/cases")


def _spent(request: web.Request) -> web.Response:
    """A used or expired link opened: refused, unless this browser is logged in already
    (the link stays in the Telegram chat and gets tapped again): then the desk. Its
    POST (进入工作台) is refused either way: a link logs in once."""
    if _session(request) is not None:
        return _redirect(f"{PREFIX}/cases")
    return _message(request, T.LOGIN_EXPIRED, 403)


async def miniapp(request: web.Request) -> web.Response:
    return _page(request, "miniapp.html", who=None)


async def miniapp_login(request: web.Request) -> web.Response:
    """The Mini App page posts Telegram's initData here; verified with the bot token."""
    ctx, ws = _ctx(request), request.app[SETTINGS]
    form = await request.post()
    try:
        user = verify_init_data(str(form.get("init_data", "")), request.app[TOKEN],
                                ctx.clock.now(), ws.initdata_max_age)
    except InitDataError as exc:
        log.info("Mini App login refused: %s", exc)
        return web.json_response({"error": T.MINIAPP_BAD}, status=403)
    person_id = await _staff_id(ctx, int(user["id"]))
    if person_id is None:
        return web.json_response({"error": T.NOT_STAFF}, status=403)
    _sess, cookie = request.app[SESSIONS].new(person_id, ctx.clock.now())
    response = web.json_response({"next": f"{PREFIX}/cases"})
    _set_cookie(request, response, cookie)
    return response


async def widget_login(request: web.Request) -> web.Response:
    """The Telegram Login Widget redirects here with its signed fields (data-auth-url);
    only when LINLI_WEB_LOGIN_WIDGET names the bot."""
    ctx, ws = _ctx(request), request.app[SETTINGS]
    if not ws.login_widget:
        return _message(request, T.NOT_FOUND_PAGE, 404)
    try:
        tg_id = verify_login_widget(dict(request.query), request.app[TOKEN], ctx.clock.now(),
                                    ws.widget_max_age)
    except InitDataError as exc:
        log.info("Login Widget refused: %s", exc)
        return _message(request, T.WIDGET_BAD, 403)
    person_id = await _staff_id(ctx, tg_id)
    if person_id is None:
        return _message(request, T.NOT_STAFF, 403)
    return _start_session(request, person_id, f"{PREFIX}/cases")


async def _staff_id(ctx: AppContext, tg_id: int) -> int | None:
    """The person id of a Telegram user with a staff role (whom Telegram vouched for)."""
    from bot.org import service as org

    async with reading(ctx.pool) as session:
        person = await org.person_by_tg(session, tg_id)
        desk = await D.desk_of(session, person, ctx.settings.admin_ids) if person else None
    return person.id if person is not None and desk is not None else None


@staff
async def logout(request: web.Request, session: Any, person: Person, desk: D.Desk,
                 sess: Session) -> web.Response:
    response = _redirect(f"{PREFIX}/")
    response.del_cookie(COOKIE, path=PREFIX)
    return response


# --- the ledger -----------------------------------------------------------------------------

def _query(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items()}


def _checked(args: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The ledger's filter checked: a date that is not one (2026-13-01, 明天, a year 1)
    is dropped and named, an end before the start is swapped and said, rather than
    quietly showing every case or none (or overflowing the database); a menu's id too
    long to be one (edited in the address) is dropped."""
    args, notices = dict(args), []
    for key in ("grid", "worker", "source"):
        if len((args.get(key) or "").strip().lstrip("-")) > 18:
            args.pop(key)
    days: dict[str, date] = {}
    for key, label in (("start", "从"), ("end", "到")):
        value = (args.get(key) or "").strip()
        if not value:
            continue
        try:
            day = date.fromisoformat(value)
            if not YEARS[0] <= day.year <= YEARS[1]:
                raise ValueError(value)
        except ValueError:
            notices.append(T.DATE_BAD.format(field=label, value=value))
            args.pop(key)
            continue
        days[key] = day
    if len(days) == 2 and days["end"] < days["start"]:
        args["start"], args["end"] = days["end"].isoformat(), days["start"].isoformat()
        notices.append(T.DATE_SWAPPED.format(start=args["start"], end=args["end"]))
    return args, notices


def _search_terms(q: str) -> list[str]:
    """What else to try when a term finds nothing as typed: as the classifier reads text
    (full-width half-width, Traditional Simplified: ４號樓 -> 4号楼), then in Traditional
    characters (4号楼 -> 4號樓: texts are stored as residents wrote them)."""
    from nlp.normalize import s2t, t2s

    read = t2s(q.translate(HALF_WIDTH))
    return [t for t in dict.fromkeys((read, s2t(read))) if t != q]


async def _ledger(session: Any, desk: D.Desk, args: dict[str, str], ctx: AppContext
                  ) -> tuple[D.LedgerPage, D.LedgerFilter, dict[str, str], list[str]]:
    """The ledger's page for the query's filter, with the dates checked; a search that
    finds nothing as typed is tried again as the classifier reads it (４号楼 -> 4号楼,
    電梯 -> 电梯), then in Traditional characters (电梯 -> 電梯): texts are stored as
    residents wrote them, places normalised."""
    args, notices = _checked(args)
    now = ctx.clock.now()
    f = D.LedgerFilter.parse(args)
    page = await D.ledger_page(session, desk, f, now, ctx.tz)
    for term in _search_terms(f.q) if f.q and not page.total else ():
        again = D.LedgerFilter.parse({**args, "q": term})
        found = await D.ledger_page(session, desk, again, now, ctx.tz)
        if found.total:
            notices.append(T.SEARCHED_AS.format(given=f.q, term=again.q))
            page, f, args = found, again, {**args, "q": again.q}
            break
    return page, f, args, notices


@staff
async def ledger_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                      sess: Session) -> web.Response:
    page, f, args, notices = await _ledger(session, desk, _query(request), _ctx(request))
    keep = {k: v for k, v in args.items() if k != "page" and v}

    def link(**changes: Any) -> str:
        return f"{PREFIX}/cases?" + urlencode({**keep, **changes})

    return _page(request, "ledger.html", page=page, f=f, args=args, link=link,
                 notices=notices, choices=await D.choices(session, desk), **_who(desk, sess))


@staff
async def cases_json(request: web.Request, session: Any, person: Person, desk: D.Desk,
                     sess: Session) -> web.Response:
    page, _f, _args, notices = await _ledger(session, desk, _query(request), _ctx(request))
    rows = [{"id": r.case_id, "overdue": r.overdue,
             "values": [v.isoformat(sep=" ") if hasattr(v, "isoformat") else v
                        for v in r.values]} for r in page.rows]
    return web.json_response({"columns": page.columns, "total": page.total, "more": page.more,
                              "page": page.page, "pages": page.pages, "rows": rows,
                              "notices": notices})


@staff
async def export(request: web.Request, session: Any, person: Person, desk: D.Desk,
                 sess: Session) -> web.StreamResponse:
    """The current filter, all pages, through the ledger's audited export."""
    ctx = _ctx(request)
    form = await request.post()
    fmt = str(form.get("fmt", "xlsx"))
    if fmt not in ledger.FORMATS:
        fmt = "xlsx"
    args, _notices = _checked({k: str(v) for k, v in form.items()})
    f = D.LedgerFilter.parse(args)
    q = D.export_query(desk, f, ctx.clock.now(), ctx.tz)
    folder = Path(tempfile.mkdtemp(prefix="linli-web-"))
    try:  # the file holds personal data (masked): it does not outlive the download
        tmp = folder / f"ledger.{fmt}"
        async with transaction(ctx.pool) as write:
            count = await ledger.export(write, q, tmp, fmt, who=audit.telegram_user(
                person.tg_id, person.name) + " web", person_id=person.id)
        stamp = ctx.clock.now().astimezone(ctx.tz).strftime("%Y%m%d-%H%M")
        scope = await _scope_name(session, desk)
        name = f"台账_{scope}_{stamp}.{fmt}"  # as the bot's /export (T.EXPORT_FILENAME)
        response = web.StreamResponse(headers={
            "Content-Type": XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
            "Content-Disposition": f"attachment; filename=\"ledger-{stamp}.{fmt}\"; "
                                   f"filename*=UTF-8''{quote(name)}",
            "Content-Length": str(tmp.stat().st_size), "X-Linli-Rows": str(count),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
        await response.prepare(request)
        with tmp.open("rb") as out:
            while chunk := out.read(256 * 1024):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _scope_name(session: Any, desk: D.Desk) -> str:
    """The export's name: the community when the desk has one, else the viewer's role."""
    from bot.db.models import Community

    if len(desk.all_community_ids) == 1:
        community = await session.get(Community, desk.all_community_ids[0])
        if community is not None:
            return community.name
    return desk.role_name


# --- one case -------------------------------------------------------------------------------

@staff
async def case_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                    sess: Session) -> web.Response:
    ctx = _ctx(request)
    detail = await D.case_detail(session, desk, int(request.match_info["id"]), person,
                                 ctx.settings.admin_ids, ctx.clock.now(), ctx.tz)
    if detail is None:
        return _page(request, "message.html", 404, message=T.NOT_FOUND, **_who(desk, sess))
    from bot.cases import render as case_render
    from bot.taxonomy import category_name

    kind, said = _flash(request, detail.case.id)
    response = _page(request, "case.html", d=detail, msg=said if kind == "msg" else "",
                     err=said if kind == "err" else "",
                     category=category_name(detail.case.category),
                     reasons=case_render.reasons_line(detail.case).strip(),
                     source=case_render.source_text(detail.case.source,
                                                    detail.case.source_chat_id),
                     once=secrets.token_urlsafe(16), **_who(desk, sess))
    if kind:
        response.del_cookie(FLASH, path=PREFIX)
    return response


def _answer(request: web.Request, case_id: int, kind: str, text: str) -> web.Response:
    """Back to the case page with the action's answer (msg: done, err: not), carried
    in a short-lived cookie: never in the address, where a link someone sends could put
    its own words on the desk, and shown once (a reload does not repeat it)."""
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/cases/{case_id}"})
    value = quote(json.dumps([case_id, kind, text], ensure_ascii=False))
    _set_cookie(request, response, value, name=FLASH, max_age=120)
    return response


def _flash(request: web.Request, case_id: int) -> tuple[str, str]:
    """The answer waiting for this case page: (msg|err, text), or ("", "")."""
    try:
        shown, kind, text = json.loads(unquote(request.cookies.get(FLASH, "")))
    except (ValueError, TypeError):
        return "", ""
    if shown != case_id or kind not in ("msg", "err"):
        return "", ""
    return kind, str(text)


def _first_use(request: web.Request, person_id: int, once: str) -> bool:
    """Whether this page's form token is used for the first time (a double click, or the
    back button and the button pressed again, sends the same form twice). Kept for a
    session's life; without a token (a script) every post counts."""
    if not once:
        return True
    used, now = request.app[ONCE], time.monotonic()
    if (person_id, once) in used:
        return False
    if len(used) > 10_000:
        life = request.app[SESSIONS].hours * 3600
        for key in [k for k, at in used.items() if now - at > life]:
            del used[key]
    used[person_id, once] = now
    return True


async def _act(session: Any, ctx: AppContext, person: Person, case_id: int, action: str,
               text: str, target: int, photo: cases.Photo | None = None) -> tuple[str, bool]:
    """One staff action, exactly as its Telegram button does it; (answer, done)."""
    now = ctx.clock.now()
    if action == "accept":
        case = await cases.accept(session, ctx, case_id, person, now)
        return cases.texts.ACCEPTED_OK.format(number=case.number), True
    if action in ("progress", "resolve"):
        act = cases.Act.PROGRESS if action == "progress" else cases.Act.RESOLVE
        noted = await cases.take_note(session, ctx, act, case_id, person, text,
                                      photo if action == "resolve" else None, now)
        return noted.text, noted.done
    if action == "note":
        await cases.add_note(session, ctx, case_id, person, text, now)
        return cases.texts.NOTE_OK, True
    if action in ("transfer", "reassign"):
        if not target:
            return T.TARGET_MISSING, False
        return await cases.pick_worker(session, ctx, case_id, person, target, now,
                                       reassign=action == "reassign"), True
    if action == "whistle":
        if not target:
            return T.TARGET_MISSING, False
        return await cases.pick_department(session, ctx, case_id, person, target, now), True
    if action == "escalate":
        return await cases.pick_escalate(session, ctx, case_id, person, target, now), True
    return T.ACTION_UNKNOWN, False


@staff
async def case_act(request: web.Request, session: Any, person: Person, desk: D.Desk,
                   sess: Session) -> web.Response:
    ctx = _ctx(request)
    case_id = int(request.match_info["id"])
    form = await request.post()  # read by the gate already: no await before the check
    if not _first_use(request, person.id, str(form.get("once", ""))):
        return _answer(request, case_id, "err", T.ALREADY_SENT)
    if not await D.visible_case(session, desk, case_id):
        return _page(request, "message.html", 404, message=T.NOT_FOUND, **_who(desk, sess))
    target = str(form.get("target", "")).strip()
    action = str(form.get("action", ""))
    try:
        photo = None
        if action == "resolve":
            photo = await _after_photo(request, person, case_id, form.get("photo"))
        async with transaction(ctx.pool) as write:
            actor = await write.get(Person, person.id)
            answer, done = await _act(write, ctx, actor, case_id, action,
                                      str(form.get("text", "")),
                                      int(target) if target.isdigit() else 0, photo)
            if not done:
                raise _Undone(answer)
    except _Undone as exc:
        answer, done = str(exc), False
    except Refusal as exc:
        answer, done = exc.message, False
    else:
        ctx.outbox_event.set()  # the resident hears now, as after a button press
    return _answer(request, case_id, "msg" if done else "err", answer)


class _Undone(Exception):
    """An answer that changed nothing: the transaction is rolled back."""


async def _after_photo(request: web.Request, person: Person, case_id: int, field: Any
                       ) -> cases.Photo | None:
    """An after-photo chosen with 办结: a JPEG or PNG of at most PHOTO_MAX, uploaded
    through the Bot API to the staff member's own private chat (a receipt for them), so
    that it has a Telegram file_id as a photo sent to the bot in 办结 has; the domain
    then keeps and shows it exactly as that one. None when no file was chosen."""
    if not isinstance(field, web.FileField):
        return None
    data = field.file.read(PHOTO_MAX + 1)
    if not data:
        return None
    if len(data) > PHOTO_MAX:
        raise _Undone(T.PHOTO_TOO_BIG.format(mb=PHOTO_MAX // 2**20))
    kind = next((k for magic, k in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise _Undone(T.PHOTO_BAD_TYPE)
    ctx = _ctx(request)
    async with reading(ctx.pool) as session:  # no stray upload when 办结 will be refused
        case = await case_core.load(session, case_id)
        if case is None or case.status != "accepted" or not (await case_access.rights(
                session, person, case, ctx.settings.admin_ids)).can_handle:
            return None  # the domain refuses 办结 itself, with its own words
    form = aiohttp.FormData()
    form.add_field("chat_id", str(person.tg_id))
    form.add_field("caption", T.PHOTO_RECEIPT.format(number=case.number))
    form.add_field("disable_notification", "true")
    form.add_field("photo", data, filename=f"after.{kind}", content_type=f"image/{kind}")
    sent = await _bot_api(request, "sendPhoto", form)
    sizes = (sent or {}).get("photo") or []
    if not sizes:
        raise _Undone(T.PHOTO_UPLOAD_FAILED)
    biggest = sizes[-1]
    return biggest["file_id"], biggest["file_unique_id"]


async def _bot_api(request: web.Request, method: str, data: Any) -> Any:
    """One Bot API call with the bot's token; its result, or None when refused."""
    token = request.app[TOKEN]
    if not token:
        return None
    api = _ctx(request).settings.api_base_url.rstrip("/")
    try:
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
                    http.post(f"{api}/bot{token}/{method}", data=data) as got):
            answer = await got.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("Bot API %s failed: %s", method, exc)
        return None
    if not answer.get("ok"):
        log.info("Bot API %s refused: %s", method, answer.get("description"))
        return None
    return answer.get("result")


@staff
async def photo(request: web.Request, session: Any, person: Person, desk: D.Desk,
                sess: Session) -> web.StreamResponse:
    """A case photo, fetched from the Bot API (getFile) for this desk only."""
    ctx = _ctx(request)
    file_id = await D.photo_file(session, desk, int(request.match_info["id"]))
    token = request.app[TOKEN]
    if file_id is None or not token:
        raise web.HTTPNotFound()
    path = ((await _bot_api(request, "getFile", {"file_id": file_id})) or {}).get("file_path")
    if not path:
        raise web.HTTPNotFound()
    api = ctx.settings.api_base_url.rstrip("/")
    async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
                http.get(f"{api}/file/bot{token}/{path}") as got):
        if got.status != 200:
            raise web.HTTPNotFound()
        body = await got.read()
    kind = "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
    return web.Response(body=body, content_type=kind,
                        headers={"Cache-Control": "private, max-age=3600"})


# --- the dashboard --------------------------------------------------------------------------

def _community(args: dict[str, str], desk: D.Desk) -> int:
    value = args.get("community", "")
    if value.isdigit() and int(value) in desk.all_community_ids:
        return int(value)
    return desk.all_community_ids[0] if desk.all_community_ids else 0


def _period(request: web.Request, args: dict[str, str]) -> str:
    code = args.get("period", "")
    return code if code in PERIODS else request.app[PERIOD]


@staff
async def dashboard_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                         sess: Session) -> web.Response:
    args = _query(request)
    return _page(request, "dashboard.html", community=_community(args, desk),
                 period=_period(request, args), screen=args.get("screen") == "1",
                 compare=len(desk.community_ids) > 1, compare_columns=T.COMPARE_COLUMNS,
                 choices=await D.choices(session, desk), **_who(desk, sess))


async def _cached(request: web.Request, key: Any, make: Callable[[], Awaitable[Any]]) -> Any:
    """The office screen polls: figures are reused for DASHBOARD_TTL seconds."""
    cache = request.app[CACHE]
    hit = cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    data = await make()
    if data is not None:
        if len(cache) > 500:
            cache.clear()
        cache[key] = (time.monotonic() + DASHBOARD_TTL, data)
    return data


@staff
async def dashboard_json(request: web.Request, session: Any, person: Person, desk: D.Desk,
                         sess: Session) -> web.Response:
    ctx = _ctx(request)
    args = _query(request)
    code = _period(request, args)
    community = _community(args, desk)

    async def make() -> dict[str, Any] | None:
        now = ctx.clock.now()
        data = await D.dashboard(session, desk, community,
                                 stats.period_choice(code, now, ctx.tz), now, ctx.tz)
        if data is not None:
            data["updated"] = now.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
            data["period_label"] = PERIODS[code]
        return data

    data = await _cached(request, (desk, community, code), make)
    if data is None:
        return web.json_response({"error": T.NOT_FOUND}, status=404)
    return web.json_response(data)


async def _compare(request: web.Request, session: Any, desk: D.Desk) -> dict[str, Any]:
    """The viewer's communities side by side (bot.reports.desk.compare) for the period."""
    ctx = _ctx(request)
    code = _period(request, _query(request))

    async def make() -> dict[str, Any]:
        now = ctx.clock.now()
        period = stats.period_choice(code, now, ctx.tz)
        return {"period": [period.first_day.isoformat(), period.last_day.isoformat()],
                "period_label": PERIODS[code], "code": code,
                "columns": [list(c) for c in T.COMPARE_COLUMNS],
                "rows": await D.compare(session, desk, period, now)}

    return await _cached(request, (desk, "compare", code), make)


@staff
async def compare_json(request: web.Request, session: Any, person: Person, desk: D.Desk,
                       sess: Session) -> web.Response:
    return web.json_response(await _compare(request, session, desk))


@staff
async def compare_file(request: web.Request, session: Any, person: Person, desk: D.Desk,
                       sess: Session) -> web.Response:
    """The comparison table as CSV (UTF-8 with BOM, for Excel / WPS) or xlsx: figures
    only, no personal data."""
    data = await _compare(request, session, desk)
    head = [label for _key, label in T.COMPARE_COLUMNS]
    rows = [[row.get(key) for key, _label in T.COMPARE_COLUMNS] for row in data["rows"]]
    fmt = request.match_info["fmt"]
    body = _table_file(fmt, T.COMPARE_SHEET, head, rows)
    first, last = data["period"]
    name = f"各社区对比_{first}_{last}.{fmt}"
    kind = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return web.Response(body=body, headers={
        "Content-Type": kind,
        "Content-Disposition": f'attachment; filename="compare-{first}-{last}.{fmt}"; '
                               f"filename*=UTF-8''{quote(name)}"})


def _table_file(fmt: str, title: str, head: list[str], rows: list[list[Any]]) -> bytes:
    import csv
    import io

    from bot.privacy.mask import safe_row

    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(head)
        writer.writerows(safe_row(["" if v is None else v for v in r]) for r in rows)
        return text.getvalue().encode("utf-8-sig")
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(title)
    sheet.write_row(0, 0, head, book.add_format({"bold": True, "bg_color": "#DDEBF7",
                                                 "border": 1}))
    for n, r in enumerate(rows, start=1):
        for col, value in enumerate(r):
            if isinstance(value, int | float):
                sheet.write_number(n, col, value)
            elif value is not None:
                sheet.write_string(n, col, str(value))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, len(head) - 1, 10)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(rows), 1), len(head) - 1)
    book.close()
    return out.getvalue()


# --- projects and polls ---------------------------------------------------------------------

@staff
async def projects_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                        sess: Session) -> web.Response:
    data = await D.projects_and_polls(session, desk, _ctx(request).tz)
    return _page(request, "projects.html", data=data, **_who(desk, sess))
