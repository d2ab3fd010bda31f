"""What organizers and members do with groups and roles: /bind, /worker, the bot joining
a group, /start, /help, /whoami, the staff command menus. No aiogram: refusals are
`bot.errors.Refusal`, keyboards are `bot.ui` data, Telegram users arrive as `Who`."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts as T
from bot.context import AppContext
from bot.db.models import Grid, GroupChat, Person, Role
from bot.errors import Refusal
from bot.org import service as org
from bot.org.buttons import BindGrid
from bot.ui import Button, Keyboard

STAFF_ROLES = ("organizer", "admin", "grid_worker", "department", "street", "district")
GONE = ("left", "kicked")


@dataclass(frozen=True)
class Who:
    """A Telegram user as the org needs them (from a reply, a mention…)."""

    tg_id: int
    username: str | None
    name: str


@dataclass(frozen=True)
class Said:
    """Messages to send: `text` as the answer, `notify` to other chats by chat id."""

    text: str
    keyboard: Keyboard | None = None
    notify: dict[int, str] = field(default_factory=dict)


# --- the bot in a group ----------------------------------------------------------------

async def membership_changed(session: AsyncSession, chat_id: int, title: str, was: str,
                             now: str, reads_all: bool, adder: Person | None = None) -> Said:
    """The bot was added, promoted or removed: remember the group. `text` is for the
    group (residents: the greeting only); what only admins need (privacy mode, being
    made admin) goes privately to whoever changed the bot, else the organizers."""
    group = await org.remember_group(session, chat_id, title)
    if now in GONE:
        group.active = False
        return Said("")
    was_in = was not in GONE
    group.bot_is_admin = now == "administrator"
    hello = "" if was_in else (T.GROUP_HELLO_BOUND if group.grid_id else T.GROUP_HELLO)
    if group.bot_is_admin:
        admin_note = T.PRIVACY_OK.format(title=title) if was_in else ""
    elif not reads_all:
        group.privacy_warned = True
        admin_note = T.PRIVACY_WARNING.format(title=title)
    else:
        admin_note = ""
    if not admin_note:
        return Said(hello)
    readers = await _admin_readers(session, group, adder)
    if not readers:  # nobody to tell privately: one plain line for the group's admins
        short = T.PRIVACY_ASK_ADMIN if not group.bot_is_admin else ""
        return Said("\n\n".join(p for p in (hello, short) if p))
    return Said(hello, notify={tg: admin_note for tg in readers})


async def _admin_readers(session: AsyncSession, group: GroupChat,
                         adder: Person | None) -> list[int]:
    """Who hears the admin notes: the person who changed the bot if they started the bot,
    else the organizers of the group's community who did."""
    people = [adder] if adder is not None else []
    grid = await session.get(Grid, group.grid_id) if group.grid_id else None
    if not _reachable(adder) and grid is not None:
        people = await org.organizers(session, grid.community_id)
    return [p.tg_id for p in people if _reachable(p) and p.tg_id]


def _reachable(person: Person | None) -> bool:
    return bool(person and person.tg_id and person.started_bot and not person.blocked_bot)


# --- /bind ------------------------------------------------------------------------------

async def bind_menu(session: AsyncSession, person: Person, ctx: AppContext, chat_id: int = 0,
                    title: str = "") -> Said:
    """The grids to bind to; the organizer also gets the group's chat id privately
    (the org file's `groups:` needs it)."""
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if not communities:
        raise Refusal(T.NOT_ALLOWED)
    grids = await org.grids_for(session, [c.id for c in communities])
    if not grids:
        raise Refusal(T.BIND_NO_GRIDS)
    return Said(T.BIND_CHOOSE, [[Button(f"{g.community.name} · {g.name}", BindGrid(g.id))]
                                for g in grids], notify=_chat_id_note(person, chat_id, title))


def _chat_id_note(person: Person, chat_id: int, title: str) -> dict[int, str]:
    if not chat_id or not _reachable(person) or person.tg_id is None:
        return {}
    return {person.tg_id: T.GROUP_CHAT_ID.format(title=title, chat_id=chat_id)}


async def bind(session: AsyncSession, person: Person, ctx: AppContext, cb: BindGrid,
               chat_id: int, title: str) -> str:
    """Bind the group to the chosen grid; returns the confirmation."""
    grid = await session.get(Grid, cb.grid_id)
    if grid is None:
        raise Refusal(T.BUTTON_UNKNOWN, alert=True)
    if not await org.can_organize(session, person, grid.community_id, ctx.settings.admin_ids):
        raise Refusal(T.NOT_ALLOWED, alert=True)
    where = await org.bind_group(session, chat_id, title, grid.id)
    return T.BIND_DONE.format(where=where)


# --- /worker ----------------------------------------------------------------------------

async def _target(session: AsyncSession, replied_to: Who | None, args: str) -> Person | None:
    if replied_to is not None:
        return await org.upsert_person(session, tg_id=replied_to.tg_id,
                                       username=replied_to.username, name=replied_to.name)
    if args.strip().startswith("@"):
        return await org.person_by_username(session, args.strip())
    return None


async def appoint_worker(session: AsyncSession, person: Person, ctx: AppContext, chat_id: int,
                         replied_to: Who | None, args: str) -> Said:
    """Make the person replied to (or @named) a grid worker of this group's grid."""
    group = await org.group_by_chat(session, chat_id)
    if group is None or group.grid is None:
        raise Refusal(T.WORKER_NO_GRID)
    grid = group.grid
    if not await org.can_organize(session, person, grid.community_id, ctx.settings.admin_ids):
        raise Refusal(T.NOT_ALLOWED)
    target = await _target(session, replied_to, args)
    if target is None:
        raise Refusal(T.WORKER_UNKNOWN.format(who=args) if args else T.WORKER_HOW)
    await org.grant(session, target, "grid_worker", grid.community_id, grid_id=grid.id)
    notify = ({target.tg_id: T.WORKER_NOTIFY.format(grid=grid.name)}
              if target.tg_id and target.started_bot else {})
    return Said(T.WORKER_DONE.format(name=target.name, grid=grid.name), notify=notify)


# --- /start, /help, /whoami ---------------------------------------------------------------

async def roles(session: AsyncSession, person: Person, ctx: AppContext) -> tuple[str, set[str]]:
    """This person's roles as a line of text, and their kinds (admin included)."""
    views = await org.describe_roles(session, person.id)
    kinds = {v.role for v in views}
    if person.tg_id in ctx.settings.admin_ids:
        kinds.add("admin")
    parts = [T.ROLE_LINE.format(label=v.label, where=_where(v)) for v in views]
    if "admin" in kinds and not any(v.role == "admin" for v in views):
        parts.append(org.ROLE_NAMES["admin"])
    return ("、".join(parts) or T.ROLES_NONE), kinds


def _where(v: org.RoleView) -> str:
    places = [p for p in (v.community, v.grid) if p]
    return f"（{' · '.join(places)}）" if places else ""


def help_text(roles: str, kinds: set[str]) -> str:
    lines = list(T.HELP_RESIDENT)
    if kinds & {"grid_worker", "department"}:
        lines += T.HELP_WORKER
    if kinds & {"organizer", "admin"}:
        lines += T.HELP_ORGANIZER
    elif kinds & {"street", "district"}:
        lines += T.HELP_STREET
    return T.HELP_HEADER.format(roles=roles) + "\n" + "\n".join(f"• {line}" for line in lines)


async def help_for(session: AsyncSession, person: Person, ctx: AppContext) -> str:
    return help_text(*await roles(session, person, ctx))


async def start(session: AsyncSession, person: Person, ctx: AppContext, private: bool) -> str:
    """/start: in a private chat the bot may now write to this person."""
    if private:
        person.started_bot = True
        person.blocked_bot = False
    text, kinds = await roles(session, person, ctx)
    greeting = T.START_STAFF if kinds & set(STAFF_ROLES) else T.START
    return greeting.format(name=person.name) + "\n\n" + help_text(text, kinds)


async def whoami(session: AsyncSession, person: Person, ctx: AppContext,
                 group_chat_id: int | None = None, title: str = "") -> Said:
    """In private: the answer. In a group the id is never shown there: it goes privately
    (with the group's chat id for an organizer) if the person started the bot."""
    text, _ = await roles(session, person, ctx)
    mine = T.WHOAMI.format(name=person.name, tg_id=person.tg_id, roles=text)
    if group_chat_id is None:
        return Said(mine)
    if not _reachable(person) or person.tg_id is None:
        return Said(T.WHOAMI_START_FIRST)
    if await org.organizer_communities(session, person, ctx.settings.admin_ids):
        mine += "\n\n" + T.GROUP_CHAT_ID.format(title=title, chat_id=group_chat_id)
    return Said(T.WHOAMI_SENT, notify={person.tg_id: mine})


async def staff_roles(session: AsyncSession, admin_ids: list[int]) -> dict[int, set[str]]:
    """Telegram id → staff role kinds, for the per-person command menus."""
    rows = await session.execute(
        select(Person.tg_id, Role.role).join(Role, Role.person_id == Person.id)
        .where(Person.tg_id.is_not(None), Role.role.in_(STAFF_ROLES)))
    staff: dict[int, set[str]] = {}
    for tg_id, role in rows:
        staff.setdefault(tg_id, set()).add(role)
    for tg_id in admin_ids:
        staff.setdefault(tg_id, set()).add("admin")
    return staff
