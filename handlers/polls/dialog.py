"""The /poll_new dialog (private chat): one state per field, a summary with
确认 / 修改 / 取消, and a way back to any single field that is wrong. The draft is a
bot.polls.spec.Spec kept as JSON in FSM storage; saving goes to the service."""
from __future__ import annotations

import re
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import GroupChat, Person
from bot.polls import evaluation
from bot.org import service as org
from bot.polls import service as svc
from bot.polls import render as R
from bot.polls.schedule import (
    TimeInputError,
    parse_duration,
    parse_recurrence,
    parse_when,
)
from bot.polls.spec import (
    FIELDS,
    Problem,
    Spec,
    SpecError,
    fmt,
    options_problem,
    problems,
    question_problem,
    split_options,
)
from bot.taxonomy import CATEGORIES
from bot.polls import texts as T
from handlers.polls.callbacks import ELIGIBILITY, PRESET_NAMES, Dlg, OpDlg


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


def _kb(buttons: list[tuple[str, OpDlg]], width: int = 3) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, data in buttons:
        kb.button(text=text, callback_data=data)
    kb.adjust(width)
    return kb.as_markup()


async def _groups(session: AsyncSession, spec: Spec) -> list[GroupChat]:
    return await org.group_chats_of_community(session, spec.community_id)


async def _keyboard(session: AsyncSession, name: str, spec: Spec) -> InlineKeyboardMarkup | None:
    if name == "options":
        return _kb([(evaluation.preset(p).label, OpDlg(a=Dlg.PRESET, v=i))
                    for i, p in enumerate(PRESET_NAMES)], 1)
    if name == "multiple":
        return _kb([(T.BTN_SINGLE, OpDlg(a=Dlg.MULTIPLE, v=0)),
                    (T.BTN_MULTIPLE, OpDlg(a=Dlg.MULTIPLE, v=1))], 2)
    if name == "anonymous":
        return _kb([(T.BTN_PUBLIC, OpDlg(a=Dlg.ANONYMOUS, v=0)),
                    (T.BTN_ANONYMOUS, OpDlg(a=Dlg.ANONYMOUS, v=1))], 2)
    if name == "groups":
        chosen = set(spec.chat_ids)
        buttons = [(("✅ " if g.chat_id in chosen else "") + (g.title or str(g.chat_id)),
                    OpDlg(a=Dlg.GROUP, v=g.id)) for g in await _groups(session, spec)]
        buttons += [(T.BTN_ALL_GROUPS, OpDlg(a=Dlg.ALL_GROUPS)),
                    (T.BTN_DONE, OpDlg(a=Dlg.GROUPS_DONE))]
        return _kb(buttons, 1)
    if name == "opens":
        return _kb([(T.BTN_NOW, OpDlg(a=Dlg.OPEN_NOW))])
    if name == "closes":
        return _kb([(label, OpDlg(a=Dlg.DURATION, v=m)) for label, m in T.DURATIONS])
    if name == "recurrence":
        return _kb([(T.BTN_NO_REPEAT, OpDlg(a=Dlg.NO_REPEAT))])
    if name == "eligibility":
        return _kb([(T.ELIGIBILITY[e], OpDlg(a=Dlg.ELIGIBILITY, v=i))
                    for i, e in enumerate(ELIGIBILITY)], 1)
    if name == "link":
        buttons = [(T.BTN_NO_LINK, OpDlg(a=Dlg.NO_LINK))]
        buttons += [(label, OpDlg(a=Dlg.CATEGORY, v=i))
                    for i, label in enumerate(CATEGORIES.values())]
        return _kb(buttons, 3)
    return None


async def _spec(state: FSMContext) -> Spec | None:
    data = await state.get_data()
    return Spec.from_json(data["spec"]) if "spec" in data else None


async def _ask(message: Message, state: FSMContext, session: AsyncSession, name: str,
               spec: Spec, error: str | None = None) -> None:
    await state.update_data(spec=spec.to_json())
    await state.set_state(getattr(PollDialog, name))
    text = f"{error}\n\n{PROMPTS[name]}" if error else PROMPTS[name]
    await message.answer(text, reply_markup=await _keyboard(session, name, spec), parse_mode=None)


async def _next(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                now: datetime, spec: Spec, done: str) -> None:
    """After a field is set: the next field, or straight back to the summary when fixing."""
    data = await state.get_data()
    if data.get("fixing"):
        await _summary(message, state, session, ctx, now, spec)
        return
    following = ORDER[ORDER.index(done) + 1:]
    if done == "options" and spec.preset:
        following = following[1:]  # presets are single choice
    if following:
        await _ask(message, state, session, following[0], spec)
    else:
        await _summary(message, state, session, ctx, now, spec)


async def _summary(message: Message, state: FSMContext, session: AsyncSession, ctx: AppContext,
                   now: datetime, spec: Spec) -> None:
    known = await svc.known_chats(session, spec.community_id)
    found = problems(spec, now, set(known), ctx.tz)
    if found:
        await _fix(message, state, session, spec, found[0])
        return
    await state.update_data(spec=spec.to_json(), fixing=True)
    await state.set_state(PollDialog.summary)
    await message.answer(
        R.summary_text(spec, known, now, ctx.tz), parse_mode=None,
        reply_markup=_kb([(T.BTN_CONFIRM, OpDlg(a=Dlg.CONFIRM)),
                          (T.BTN_EDIT, OpDlg(a=Dlg.EDIT)), (T.BTN_CANCEL, OpDlg(a=Dlg.CANCEL))]))


async def _fix(message: Message, state: FSMContext, session: AsyncSession, spec: Spec,
               problem: Problem) -> None:
    await state.update_data(fixing=True)
    await _ask(message, state, session, problem.field, spec,
               T.ERR_FIX.format(field=T.FIELDS[problem.field], error=problem.text))


async def start(message: Message, state: FSMContext, session: AsyncSession, person: Person,
                ctx: AppContext, spec: Spec | None = None, editing: int | None = None) -> None:
    """Begin a new draft (or an edit of a scheduled poll, straight to its summary)."""
    await state.clear()
    if spec is not None:
        await state.update_data(editing=editing)
        await _summary(message, state, session, ctx, ctx.clock.now(), spec)
        return
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if not communities:
        await message.answer(T.NOT_ORGANIZER)
        return
    if len(communities) > 1:
        await state.set_state(PollDialog.community)
        await message.answer(T.CHOOSE_COMMUNITY, reply_markup=_kb(
            [(c.name, OpDlg(a=Dlg.COMMUNITY, v=c.id)) for c in communities], 1))
        return
    await _ask(message, state, session, "question",
               Spec(community_id=communities[0].id,
                    reminders=ctx.settings.poll_reminder_minutes))


def build_router() -> Router:
    router = Router(name=__name__)
    private = F.chat.type == "private"

    @router.message(Command("poll_new"), private)
    async def poll_new(message: Message, state: FSMContext, session: AsyncSession,
                       person: Person, ctx: AppContext) -> None:
        await start(message, state, session, person, ctx)

    @router.message(PollDialog.question, private, F.text)
    async def question(message: Message, state: FSMContext, session: AsyncSession,
                       ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        text = (message.text or "").strip()
        if error := question_problem(text, spec.kind):
            await message.answer(error)
            return
        spec.question = text
        await _next(message, state, session, ctx, now, spec, "question")

    @router.message(PollDialog.options, private, F.text)
    async def options(message: Message, state: FSMContext, session: AsyncSession,
                      ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        chosen = split_options(message.text or "")
        if error := options_problem(chosen):
            await message.answer(error, parse_mode=None)
            return
        spec.options, spec.preset = chosen, None
        await _next(message, state, session, ctx, now, spec, "options")

    @router.message(PollDialog.groups, private, F.text)
    async def groups_typed(message: Message, state: FSMContext, session: AsyncSession,
                           ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        by_title = {g.title: g.chat_id for g in await _groups(session, spec)}
        names = [n.strip() for n in re.split(r"[,，、\n]", message.text or "") if n.strip()]
        unknown = next((n for n in names if n not in by_title), None)
        if unknown is not None or not names:
            await _ask(message, state, session, "groups", spec,
                       T.ERR_GROUP_UNKNOWN.format(name=unknown or ""))
            return
        spec.chat_ids = list(dict.fromkeys(by_title[n] for n in names))
        await _next(message, state, session, ctx, now, spec, "groups")

    @router.message(PollDialog.opens, private, F.text)
    async def opens(message: Message, state: FSMContext, session: AsyncSession,
                    ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        text = (message.text or "").strip()
        try:
            when = parse_when(text, now, ctx.tz)
        except TimeInputError:
            await message.answer(T.ERR_WHEN.format(text=text), parse_mode=None)
            return
        if when < now:
            await message.answer(T.ERR_PAST.format(when=fmt(when, ctx.tz)))
            return
        spec.opens_at = when
        await _next(message, state, session, ctx, now, spec, "opens")

    @router.message(PollDialog.closes, private, F.text)
    async def closes(message: Message, state: FSMContext, session: AsyncSession,
                     ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        text = (message.text or "").strip()
        duration = parse_duration(text)
        if duration is not None:
            spec.closes_at, spec.duration_minutes = None, int(duration.total_seconds() // 60)
        else:
            try:
                spec.closes_at, spec.duration_minutes = parse_when(text, now, ctx.tz), None
            except TimeInputError:
                await message.answer(T.ERR_CLOSE_WHEN.format(text=text), parse_mode=None)
                return
        close_at, open_at = spec.close_time(now), spec.open_time(now)
        assert close_at is not None
        if close_at <= now:
            await message.answer(T.ERR_PAST.format(when=fmt(close_at, ctx.tz)))
            return
        if close_at <= open_at:
            await message.answer(T.ERR_CLOSE_BEFORE_OPEN.format(
                closes=fmt(close_at, ctx.tz), opens=fmt(open_at, ctx.tz)))
            return
        await _next(message, state, session, ctx, now, spec, "closes")

    @router.message(PollDialog.recurrence, private, F.text)
    async def recurrence(message: Message, state: FSMContext, session: AsyncSession,
                         ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        text = (message.text or "").strip()
        try:
            spec.recurrence = parse_recurrence(text)
        except TimeInputError:
            await message.answer(T.ERR_RECURRENCE.format(text=text), parse_mode=None)
            return
        await _next(message, state, session, ctx, now, spec, "recurrence")

    @router.message(PollDialog.link, private, F.text)
    async def link(message: Message, state: FSMContext, session: AsyncSession,
                   ctx: AppContext, now: datetime) -> None:
        spec = await _spec(state)
        assert spec is not None
        text = (message.text or "").strip()
        match = PROJECT_RE.match(text)
        if match is None:
            await message.answer(T.ERR_LINK.format(text=text), parse_mode=None)
            return
        from bot.projects import service as projects

        project = await projects.get(session, int(match[1]))
        if project is None or project.community_id != spec.community_id:
            await message.answer(T.ERR_PROJECT.format(number=match[1]))
            return
        spec.project_id, spec.category = project.id, None
        await _next(message, state, session, ctx, now, spec, "link")

    @router.callback_query(OpDlg.filter())
    async def button(query: CallbackQuery, callback_data: OpDlg, state: FSMContext,
                     session: AsyncSession, person: Person, ctx: AppContext,
                     now: datetime) -> None:
        message = query.message
        spec = await _spec(state)
        current = await state.get_state()
        if not isinstance(message, Message) or (spec is None and callback_data.a != Dlg.COMMUNITY):
            await query.answer(T.DIALOG_EXPIRED, show_alert=True)
            return
        handled = await _press(query, message, callback_data, state, session, person, ctx,
                               now, spec, current)
        if not handled:
            await query.answer(T.DIALOG_EXPIRED, show_alert=True)

    return router


async def _press(query: CallbackQuery, message: Message, data: OpDlg, state: FSMContext,
                 session: AsyncSession, person: Person, ctx: AppContext, now: datetime,
                 spec: Spec | None, current: str | None) -> bool:
    """One dialog button. False when the button does not belong to the current step."""
    a, v = data.a, data.v
    expects = {
        Dlg.COMMUNITY: PollDialog.community, Dlg.PRESET: PollDialog.options,
        Dlg.MULTIPLE: PollDialog.multiple, Dlg.ANONYMOUS: PollDialog.anonymous,
        Dlg.GROUP: PollDialog.groups, Dlg.ALL_GROUPS: PollDialog.groups,
        Dlg.GROUPS_DONE: PollDialog.groups, Dlg.OPEN_NOW: PollDialog.opens,
        Dlg.DURATION: PollDialog.closes, Dlg.NO_REPEAT: PollDialog.recurrence,
        Dlg.ELIGIBILITY: PollDialog.eligibility, Dlg.NO_LINK: PollDialog.link,
        Dlg.CATEGORY: PollDialog.link, Dlg.CONFIRM: PollDialog.summary,
        Dlg.EDIT: PollDialog.summary, Dlg.CANCEL: PollDialog.summary,
        Dlg.FIELD: PollDialog.field,
    }
    if current != expects[a].state:
        return False
    if a == Dlg.COMMUNITY:
        if not await org.can_organize(session, person, v, ctx.settings.admin_ids):
            await query.answer(T.NOT_ORGANIZER, show_alert=True)
            return True
        await query.answer()
        await _ask(message, state, session, "question",
                   Spec(community_id=v, reminders=ctx.settings.poll_reminder_minutes))
        return True
    assert spec is not None
    done: str | None = None
    if a == Dlg.PRESET and 0 <= v < len(PRESET_NAMES):
        spec.use_preset(PRESET_NAMES[v])
        done = "options"
    elif a == Dlg.MULTIPLE:
        spec.multiple, done = bool(v), "multiple"
    elif a == Dlg.ANONYMOUS:
        spec.anonymous, done = bool(v), "anonymous"
    elif a in (Dlg.GROUP, Dlg.ALL_GROUPS):
        groups = await _groups(session, spec)
        if a == Dlg.ALL_GROUPS:
            spec.chat_ids = [g.chat_id for g in groups]
            done = "groups"
        else:
            group = next((g for g in groups if g.id == v), None)
            if group is None:
                return False
            chosen = set(spec.chat_ids) ^ {group.chat_id}
            spec.chat_ids = [g.chat_id for g in groups if g.chat_id in chosen]
            await state.update_data(spec=spec.to_json())
            await query.answer(T.GROUP_SELECTED.format(n=len(spec.chat_ids)))
            await message.edit_reply_markup(reply_markup=await _keyboard(session, "groups", spec))
            return True
    elif a == Dlg.GROUPS_DONE:
        if not spec.chat_ids:
            await query.answer(T.ERR_GROUPS_NONE, show_alert=True)
            return True
        done = "groups"
    elif a == Dlg.OPEN_NOW:
        spec.opens_at, done = None, "opens"
    elif a == Dlg.DURATION and v > 0:
        spec.closes_at, spec.duration_minutes, done = None, v, "closes"
    elif a == Dlg.NO_REPEAT:
        spec.recurrence, done = None, "recurrence"
    elif a == Dlg.ELIGIBILITY and 0 <= v < len(ELIGIBILITY):
        spec.eligibility, done = ELIGIBILITY[v], "eligibility"
    elif a == Dlg.NO_LINK:
        spec.project_id, spec.category, done = None, None, "link"
    elif a == Dlg.CATEGORY and 0 <= v < len(CATEGORIES):
        spec.project_id, spec.category, done = None, list(CATEGORIES)[v], "link"
    elif a == Dlg.FIELD and 0 <= v < len(FIELDS):
        await query.answer()
        await _ask(message, state, session, FIELDS[v], spec)
        return True
    elif a in (Dlg.CONFIRM, Dlg.EDIT, Dlg.CANCEL):
        await _finish(query, message, a, state, session, person, ctx, now, spec)
        return True
    if done is None:
        return False
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _next(message, state, session, ctx, now, spec, done)
    return True


async def _finish(query: CallbackQuery, message: Message, a: Dlg, state: FSMContext,
                  session: AsyncSession, person: Person, ctx: AppContext, now: datetime,
                  spec: Spec) -> None:
    if a == Dlg.CANCEL:
        await state.clear()
        await query.answer()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(T.CANCELLED)
        return
    if a == Dlg.EDIT:
        await query.answer()
        await state.set_state(PollDialog.field)
        await message.answer(T.CHOOSE_FIELD, reply_markup=_kb(
            [(T.FIELDS[f], OpDlg(a=Dlg.FIELD, v=i)) for i, f in enumerate(FIELDS)], 3))
        return
    if not await org.can_organize(session, person, spec.community_id, ctx.settings.admin_ids):
        await query.answer(T.NOT_ORGANIZER, show_alert=True)
        return
    editing = (await state.get_data()).get("editing")
    try:
        if editing:
            poll = await svc.update(session, ctx, int(editing), spec, now=now)
        else:
            poll = await svc.create(session, ctx, spec, created_by_id=person.id, now=now)
    except SpecError as exc:
        await query.answer()
        await _fix(message, state, session, spec, exc.problems[0])
        return
    except svc.PollError as exc:
        await state.clear()
        await query.answer(str(exc), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    if editing:
        await message.answer(T.UPDATED.format(id=poll.id))
        return
    when = T.SAVED_OPEN if poll.status == "open" else T.SAVED_LATER.format(
        opens=fmt(poll.opens_at, ctx.tz))
    await message.answer(T.SAVED.format(id=poll.id, when=when))

