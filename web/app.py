"""The desk's aiohttp application: routes, the login gate, CSRF, and the pages.

Every page is a thin function: read the request, call `bot.reports.desk` or a case
action of `bot.cases` (the same ones the Telegram buttons call, with the same rights
checks), render a template. A refusal from the domain is shown as its Chinese text."""
from __future__ import annotations

import functools
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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
from bot.reports import desk as D
from bot.reports import ledger, stats
from web import links
from web import texts as T
from web.auth import (
    COOKIE,
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
TOKEN = web.AppKey("token", str)
PERIOD = web.AppKey("period", str)  # the dashboard's period when none is chosen
PHOTO_MAX = 10 * 2**20  # Telegram's limit for sendPhoto
PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
DASHBOARD_TTL = 30.0  # seconds a dashboard's figures are reused (the office screen polls)
PERIODS = {"tw": "本周", "lw": "上周", "tm": "本月", "lm": "上月", "ty": "今年"}
Handler = Callable[..., Awaitable[web.StreamResponse]]


# --- the application ------------------------------------------------------------------------

def build_app(ctx: AppContext, web_settings: WebSettings | None = None,
              token: str | None = None, period: str = "tm") -> web.Application:
    """`token`: the bot's (Mini App initData and photos); LINLI_BOT_TOKEN by default.
    `period`: the dashboard's when the page names none (a key of PERIODS)."""
    ws = web_settings or WebSettings()
    app = web.Application(middlewares=[_headers])
    app[CTX] = ctx
    app[PERIOD] = period if period in PERIODS else "tm"
    app[SETTINGS] = ws
    app[TOKEN] = token if token is not None else ctx.settings.token
    app[SESSIONS] = Sessions(session_secret(ctx.settings, ws, app[TOKEN]), ws.session_hours)
    app[CACHE] = {}
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True)
    env.globals.update(P=PREFIX, T=T, PERIODS=PERIODS)
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
    r.add_get("/cases/{id:\\d+}", case_view)
    r.add_post("/cases/{id:\\d+}/act", case_act)
    r.add_get("/photo/{id:\\d+}", photo)
    r.add_get("/dashboard", dashboard_view)
    r.add_get("/projects", projects_view)
    r.add_get("/api/dashboard", dashboard_json)
    r.add_get("/api/cases", cases_json)
    r.add_get("/api/compare", compare_json)
    r.add_get("/compare.{fmt:(csv|xlsx)}", compare_file)
    r.add_static("/static", HERE / "static")
    return app


def mount(app: web.Application, ctx: AppContext, token: str | None = None) -> None:
    """Add the desk under /desk to an application (the webhook's)."""
    app.add_subapp(PREFIX, build_app(ctx, token=token))
    app.router.add_get("/", _to_desk)


async def _to_desk(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def root_app(ctx: AppContext, web_settings: WebSettings | None = None,
             token: str | None = None) -> web.Application:
    """The desk under /desk, and / leading there (`linli web`, tests)."""
    root = web.Application()
    root.add_subapp(PREFIX, build_app(ctx, web_settings, token))
    root.router.add_get("/", _to_desk)
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


def _set_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    secure = base_url(_ctx(request).settings, request.app[SETTINGS]).startswith("https://")
    response.set_cookie(COOKIE, value, path=PREFIX, httponly=True, secure=secure,
                        samesite="None" if secure else "Lax",
                        max_age=request.app[SESSIONS].hours * 3600)


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
        return _message(request, T.LOGIN_EXPIRED, 403)
    return _page(request, "login.html", token=request.match_info["token"], who=None)


async def login(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    async with transaction(ctx.pool) as session:
        person_id = await links.redeem(session, request.match_info["token"], ctx.clock.now())
    if person_id is None:
        return _message(request, T.LOGIN_EXPIRED, 403)
    return _start_session(request, person_id, f"{PREFIX}/cases")


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


@staff
async def ledger_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                      sess: Session) -> web.Response:
    ctx = _ctx(request)
    args = _query(request)
    f = D.LedgerFilter.parse(args)
    page = await D.ledger_page(session, desk, f, ctx.clock.now(), ctx.tz)
    keep = {k: v for k, v in args.items() if k != "page" and v}

    def link(**changes: Any) -> str:
        return f"{PREFIX}/cases?" + urlencode({**keep, **changes})

    return _page(request, "ledger.html", page=page, f=f, args=args, link=link,
                 choices=await D.choices(session, desk), **_who(desk, sess))


@staff
async def cases_json(request: web.Request, session: Any, person: Person, desk: D.Desk,
                     sess: Session) -> web.Response:
    ctx = _ctx(request)
    page = await D.ledger_page(session, desk, D.LedgerFilter.parse(_query(request)),
                               ctx.clock.now(), ctx.tz)
    rows = [{"id": r.case_id, "overdue": r.overdue,
             "values": [v.isoformat(sep=" ") if hasattr(v, "isoformat") else v
                        for v in r.values]} for r in page.rows]
    return web.json_response({"columns": page.columns, "total": page.total, "more": page.more,
                              "page": page.page, "pages": page.pages, "rows": rows})


@staff
async def export(request: web.Request, session: Any, person: Person, desk: D.Desk,
                 sess: Session) -> web.StreamResponse:
    """The current filter, all pages, through the ledger's audited export."""
    ctx = _ctx(request)
    form = await request.post()
    fmt = str(form.get("fmt", "xlsx"))
    if fmt not in ledger.FORMATS:
        fmt = "xlsx"
    f = D.LedgerFilter.parse({k: str(v) for k, v in form.items()})
    q = D.export_query(desk, f, ctx.clock.now(), ctx.tz)
    tmp = Path(tempfile.mkdtemp(prefix="linli-web-")) / f"ledger.{fmt}"
    async with transaction(ctx.pool) as write:
        count = await ledger.export(write, q, tmp, fmt, who=audit.telegram_user(
            person.tg_id, person.name) + " web", person_id=person.id)
    stamp = ctx.clock.now().astimezone(ctx.tz).strftime("%Y%m%d-%H%M")
    response = web.FileResponse(tmp, headers={
        "Content-Disposition": f"attachment; filename=\"ledger-{stamp}.{fmt}\"",
        "X-Linli-Rows": str(count)})
    return response


# --- one case -------------------------------------------------------------------------------

@staff
async def case_view(request: web.Request, session: Any, person: Person, desk: D.Desk,
                    sess: Session) -> web.Response:
    ctx = _ctx(request)
    detail = await D.case_detail(session, desk, int(request.match_info["id"]), person,
                                 ctx.settings.admin_ids, ctx.clock.now(), ctx.tz)
    if detail is None:
        return _message(request, T.NOT_FOUND, 404)
    return _page(request, "case.html", d=detail, msg=request.query.get("msg", ""),
                 err=request.query.get("err", ""), **_who(desk, sess))


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
    if not await D.visible_case(session, desk, case_id):
        return _message(request, T.NOT_FOUND, 404)
    form = await request.post()
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
    key = "msg" if done else "err"
    raise web.HTTPSeeOther(f"{PREFIX}/cases/{case_id}?" + urlencode({key: answer}))


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
    name = f"compare-{data['period'][0]}-{data['period'][1]}.{fmt}"
    kind = ("text/csv; charset=utf-8" if fmt == "csv" else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return web.Response(body=body, headers={
        "Content-Type": kind, "Content-Disposition": f'attachment; filename="{name}"'})


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
