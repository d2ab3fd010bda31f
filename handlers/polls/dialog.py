"""The /poll_new dialog (private chat): one state per field, a summary with
确认 / 修改 / 取消, and a way back to any single field that is wrong. The draft is a
bot.polls.Spec kept as JSON in FSM storage; saving goes to the polls feature. A field
typed wrong is asked again here (part of the dialog); refusals go to handlers/errors.py."""
from __future__ import annotations

import re
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers, polls, projects
from bot.context import AppContext
from bot.db.models import Person
from bot.errors import Refusal
from bot.polls import DialogButton, Dlg
from handlers.callbacks import keyboard
from handlers.filters import On

T = polls.texts
PRIVATE = F.chat.type == "private"


class PollDialog(StatesGroup):
    community = State()
    question = State()
    options = State()
    multiple = State()
    anonymous = State()
    groups = State()
    opens = State()
    closes = State()
    recurrence = State()
    eligibility = State()
    link = State()
    summary = State()
    field = State()


ORDER = ("question", "options", "multiple", "anonymous", "groups", "opens", "closes",
         "recurrence", "eligibility", "link")
PROMPTS = {
    "question": T.ASK_QUESTION, "options": T.ASK_OPTIONS, "multiple": T.ASK_MULTIPLE,
    "anonymous": T.ASK_ANONYMOUS, "groups": T.ASK_GROUPS, "opens": T.ASK_OPENS,
    "closes": T.ASK_CLOSES, "recurrence": T.ASK_RECURRENCE, "eligibility": T.ASK_ELIGIBILITY,
    "link": T.ASK_LINK,
}
PROJECT_RE = re.compile(r"^项目\s*#?(\d+)$")


def expired() -> Refusal:
    return Refusal(T.DIALOG_EXPIRED, alert=True)


async def _spec(state: FSMContext) -> polls.Spec:
    data = await state.get_data()
    if "spec" not in data:
        raise expired()
    return polls.Spec.from_json(data["spec"])


def _message(query: CallbackQuery) -> Message:
    if not isinstance(query.message, Message):
        raise expired()
    return query.message


async def _ask(message: Message, state: FSMContext, session: AsyncSession, name: str,
               spec: polls.Spec, error: str | None = None) -> None:
    await state.update_data(spec=spec.to_json())
    await state.set_state(getattr(PollDialog, name))
    text = f"{error}\n\n{PROMPTS[name]}" if error else PROMPTS[name]
    groups = await polls.groups_of(session, spec.community_id) if name == "groups" else []
    await message.answer(text, parse_mode=None,
                         reply_markup=keyboard(polls.field_keyboard(name, spec, groups)))


async def _next(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                now: datetime, spec: polls.Spec, done: str) -> None:
    """After a field is set: the next field, or straight back to the summary when fixing."""
    data = await state.get_data()
    following = ORDER[ORDER.index(done) + 1:]
    if done == "options" and spec.preset:
        following = following[1:]  # presets are single choice
    if following and not data.get("fixing"):
        await _ask(message, state, session, following[0], spec)
    else:
        await _summary(message, state, session, ctx, now, spec)


async def _summary(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                   now: datetime, spec: polls.Spec) -> None:
    known = await polls.known_chats(session, spec.community_id)
    found = polls.problems(spec, now, set(known), ctx.tz)
    if found:
        await _fix(message, state, session, spec, found[0])
        return
    await state.update_data(spec=spec.to_json(), fixing=True)
    await state.set_state(PollDialog.summary)
    await message.answer(polls.summary_text(spec, known, now, ctx.tz), parse_mode=None,
                         reply_markup=keyboard(polls.summary_keyboard()))


async def _fix(message: Message, state: FSMContext, session: AsyncSession, spec: polls.Spec,
               problem: polls.Problem) -> None:
    await state.update_data(fixing=True)
    await _ask(message, state, session, problem.field, spec,
               T.ERR_FIX.format(field=T.FIELDS[problem.field], error=problem.text))


async def _typed(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                 now: datetime, spec: polls.Spec, done: str, error: str | None) -> None:
    """A typed field: say what is wrong (the state stays), or go on."""
    if error:
        await message.answer(error, parse_mode=None)
        return
    await _next(message, state, session, ctx, now, spec, done)


# --- starting ---------------------------------------------------------------------------

async def poll_new(message: Message, state: FSMContext, session: AsyncSession, person: Person,
                   ctx: AppContext) -> None:
    """Begin a new draft: choose the community when the organizer has several."""
    await state.clear()
    communities = await polls.organizer_communities(session, person, ctx)
    if not communities:
        raise polls.PollError(T.NOT_ORGANIZER)
    if len(communities) > 1:
        await state.set_state(PollDialog.community)
        await message.answer(T.CHOOSE_COMMUNITY, reply_markup=keyboard(
            polls.communities_keyboard([(c.id, c.name) for c in communities])))
        return
    await _ask(message, state, session, "question", polls.Spec(
        community_id=communities[0].id, reminders=ctx.settings.poll_reminder_minutes))


async def edit(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
               spec: polls.Spec, editing: int) -> None:
    """An edit of a scheduled poll: straight to its summary."""
    await state.clear()
    await state.update_data(editing=editing)
    await _summary(message, state, session, ctx, ctx.clock.now(), spec)


async def community(query: CallbackQuery, cb: DialogButton, state: FSMContext,
                    session: AsyncSession, person: Person, ctx: AppContext) -> None:
    if not await polls.may_organize(session, person, cb.v, ctx):
        raise polls.PollError(T.NOT_ORGANIZER)
    await query.answer()
    await _ask(_message(query), state, session, "question",
               polls.Spec(community_id=cb.v, reminders=ctx.settings.poll_reminder_minutes))


# --- typed fields -------------------------------------------------------------------------

async def typed(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                now: datetime) -> None:
    """question, options, opens, closes, recurrence: the field is the state's name."""
    spec, name = await _spec(state), (await state.get_state() or "").rpartition(":")[2]
    error = polls.answer(spec, name, message.text or "", now, ctx.tz)
    await _typed(message, state, session, ctx, now, spec, name, error)


async def groups_typed(message: Message, state: FSMContext, session: AsyncSession,
                       ctx: AppContext, now: datetime) -> None:
    spec = await _spec(state)
    groups = await polls.groups_of(session, spec.community_id)
    if error := polls.set_groups(spec, message.text or "", groups):
        await _ask(message, state, session, "groups", spec, error)
        return
    await _next(message, state, session, ctx, now, spec, "groups")


async def link(message: Message, state: FSMContext, session: AsyncSession,
               ctx: AppContext, now: datetime) -> None:
    spec, text = await _spec(state), (message.text or "").strip()
    match = PROJECT_RE.match(text)
    number = numbers.number(match[1]) if match else None
    project = await projects.get(session, number) if number is not None else None
    if match is None:
        error: str | None = T.ERR_LINK.format(text=text)
    elif project is None or project.community_id != spec.community_id:
        error = T.ERR_PROJECT.format(number=match[1])
    else:
        spec.project_id, spec.category, error = project.id, None, None
    await _typed(message, state, session, ctx, now, spec, "link", error)


# --- buttons of the fields ----------------------------------------------------------------

async def chosen(query: CallbackQuery, cb: DialogButton, state: FSMContext,
                 session: AsyncSession, ctx: AppContext, now: datetime) -> None:
    """A button that sets its field (bot.polls.choose): drop the buttons and go on."""
    spec, message = await _spec(state), _message(query)
    done = polls.choose(spec, cb)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _next(message, state, session, ctx, now, spec, done)


async def group(query: CallbackQuery, cb: DialogButton, state: FSMContext,
                session: AsyncSession) -> None:
    """Toggle one group; the buttons show the choice."""
    spec, message = await _spec(state), _message(query)
    groups = await polls.groups_of(session, spec.community_id)
    if not polls.toggle_group(spec, cb.v, groups):
        raise expired()
    await state.update_data(spec=spec.to_json())
    await query.answer(T.GROUP_SELECTED.format(n=len(spec.chat_ids)))
    await message.edit_reply_markup(
        reply_markup=keyboard(polls.field_keyboard("groups", spec, groups)))


async def all_groups(query: CallbackQuery, state: FSMContext, session: AsyncSession,
                     ctx: AppContext, now: datetime) -> None:
    spec, message = await _spec(state), _message(query)
    spec.chat_ids = [g.chat_id for g in await polls.groups_of(session, spec.community_id)]
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _next(message, state, session, ctx, now, spec, "groups")


# --- the summary -----------------------------------------------------------------------------

async def confirm(query: CallbackQuery, state: FSMContext, session: AsyncSession,
                  person: Person, ctx: AppContext, now: datetime) -> None:
    spec, message = await _spec(state), _message(query)
    editing = (await state.get_data()).get("editing")
    try:
        _, said = await polls.save(session, ctx, person, spec, editing=editing, now=now)
    except polls.SpecError as exc:  # a field went bad meanwhile: ask it again
        await query.answer()
        await _fix(message, state, session, spec, exc.problems[0])
        return
    await state.clear()
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(said)


async def change(query: CallbackQuery, state: FSMContext) -> None:
    """修改: which field?"""
    await query.answer()
    await state.set_state(PollDialog.field)
    await _message(query).answer(T.CHOOSE_FIELD, reply_markup=keyboard(polls.fields_keyboard()))


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    message = _message(query)
    await state.clear()
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(T.CANCELLED)


async def field(query: CallbackQuery, cb: DialogButton, state: FSMContext,
                session: AsyncSession) -> None:
    spec = await _spec(state)
    name = polls.choice(polls.FIELDS, cb.v)
    await query.answer()
    await _ask(_message(query), state, session, name, spec)


async def stale_button(query: CallbackQuery) -> None:
    """A dialog button of another step, or of a dialog that has ended."""
    await query.answer(T.DIALOG_EXPIRED, show_alert=True)


TYPED = ((PollDialog.question, typed), (PollDialog.options, typed),
         (PollDialog.groups, groups_typed), (PollDialog.opens, typed),
         (PollDialog.closes, typed), (PollDialog.recurrence, typed), (PollDialog.link, link))
BUTTONS = (
    (PollDialog.community, Dlg.COMMUNITY, community), (PollDialog.options, Dlg.PRESET, chosen),
    (PollDialog.multiple, Dlg.MULTIPLE, chosen), (PollDialog.anonymous, Dlg.ANONYMOUS, chosen),
    (PollDialog.groups, Dlg.GROUP, group), (PollDialog.groups, Dlg.ALL_GROUPS, all_groups),
    (PollDialog.groups, Dlg.GROUPS_DONE, chosen), (PollDialog.opens, Dlg.OPEN_NOW, chosen),
    (PollDialog.closes, Dlg.DURATION, chosen), (PollDialog.recurrence, Dlg.NO_REPEAT, chosen),
    (PollDialog.eligibility, Dlg.ELIGIBILITY, chosen),
    (PollDialog.link, Dlg.NO_LINK, chosen), (PollDialog.link, Dlg.CATEGORY, chosen),
    (PollDialog.summary, Dlg.CONFIRM, confirm), (PollDialog.summary, Dlg.EDIT, change),
    (PollDialog.summary, Dlg.CANCEL, cancel), (PollDialog.field, Dlg.FIELD, field),
)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(poll_new, Command("poll_new"), PRIVATE)
    for step, handler in TYPED:
        router.message.register(handler, step, PRIVATE, F.text)
    for step, action, pressed in BUTTONS:
        router.callback_query.register(pressed, step, On(DialogButton, a=action))
    router.callback_query.register(stale_button, On(DialogButton))
    return router
