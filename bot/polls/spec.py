"""What a poll will be before it is saved (the dialog's draft), and its validation.

``Spec`` is plain data; ``Spec.to_json()`` / ``Spec.from_json()`` keep it in FSM storage.
``problems(spec, now, known_chats)`` lists every bad field as ``Problem(field, text)`` so
the dialog can send the organizer back to fix just that field.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.db.models import GroupChat
from bot.polls import evaluation
from bot.polls import texts as T
from bot.polls.schedule import TimeInputError, parse_duration, parse_recurrence, parse_when

NATIVE_MAX_OPTIONS = 12
BUTTON_MAX_OPTIONS = 30
NATIVE_QUESTION = 300
NATIVE_OPTION = 100
BUTTON_QUESTION = 1000
BUTTON_OPTION = 100
DEFAULT_REMINDERS = [24 * 60, 120]  # minutes before the close
FIELDS = ("question", "options", "multiple", "anonymous", "groups", "opens", "closes",
          "recurrence", "eligibility", "link")


@dataclass
class Spec:
    community_id: int = 0
    question: str = ""
    options: list[str] = field(default_factory=list)
    preset: str | None = None
    multiple: bool = False
    anonymous: bool = True  # a public roll-call is an explicit choice in the dialog
    chat_ids: list[int] = field(default_factory=list)
    opens_at: datetime | None = None  # None: at once
    closes_at: datetime | None = None
    duration_minutes: int | None = None  # close = open + duration when closes_at is None
    recurrence: dict[str, Any] | None = None
    eligibility: str = "anyone"
    project_id: int | None = None
    category: str | None = None
    reminders: list[int] = field(default_factory=lambda: list(DEFAULT_REMINDERS))

    @property
    def kind(self) -> str:
        # An anonymous Telegram poll names nobody, not even to the bot: it suits "anyone";
        # a per-person or per-household rule needs buttons counted by the bot.
        who = self.eligibility == "anyone" if self.anonymous else self.eligibility != "household"
        native = len(self.options) <= NATIVE_MAX_OPTIONS and who
        return "native" if native else "buttons"

    @property
    def slugs(self) -> list[str | None]:
        if self.preset:
            p = evaluation.preset(self.preset)
            if p.texts == self.options:
                return list(p.slugs)
        return [None] * len(self.options)

    def open_time(self, now: datetime) -> datetime:
        return self.opens_at or now

    def close_time(self, now: datetime) -> datetime | None:
        if self.closes_at is not None:
            return self.closes_at
        if self.duration_minutes:
            return self.open_time(now) + timedelta(minutes=self.duration_minutes)
        return None

    def use_preset(self, name: str) -> None:
        p = evaluation.preset(name)
        self.preset, self.options, self.multiple = name, list(p.texts), False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("opens_at", "closes_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        data = dict(data)
        for key in ("opens_at", "closes_at"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Problem:
    field: str
    text: str


class SpecError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.text for p in problems))
        self.problems = problems


def question_problem(question: str, kind: str = "native") -> str | None:
    question = question.strip()
    limit = NATIVE_QUESTION if kind == "native" else BUTTON_QUESTION
    if not question:
        return T.ERR_QUESTION_EMPTY
    if len(question) > limit:
        return T.ERR_QUESTION_LONG.format(n=len(question), limit=limit)
    return None


def split_options(text: str) -> list[str]:
    lines = [line.strip(" \t-•·、") for line in text.replace("；", "\n").splitlines()]
    return [line for line in lines if line]


def options_problem(options: list[str], kind: str | None = None) -> str | None:
    if len(options) < 2:
        return T.ERR_OPTIONS_FEW
    seen: set[str] = set()
    for option in options:
        if option in seen:
            return T.ERR_OPTIONS_DUP.format(option=option)
        seen.add(option)
    if len(options) > BUTTON_MAX_OPTIONS:
        return T.ERR_OPTIONS_MANY.format(n=len(options), limit=BUTTON_MAX_OPTIONS)
    kind = kind or ("native" if len(options) <= NATIVE_MAX_OPTIONS else "buttons")
    limit = NATIVE_OPTION if kind == "native" else BUTTON_OPTION
    for option in options:
        if len(option) > limit:
            return T.ERR_OPTION_LONG.format(option=option[:20], limit=limit)
    return None


def fmt(when: datetime, tz: Any) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def problems(spec: Spec, now: datetime, known_chats: set[int], tz: Any) -> list[Problem]:
    """Every bad field, in dialog order (empty when the spec can be saved)."""
    found: list[Problem] = []
    if text := question_problem(spec.question, spec.kind):
        found.append(Problem("question", text))
    if text := options_problem(spec.options, spec.kind):
        found.append(Problem("options", text))
    if not spec.chat_ids:
        found.append(Problem("groups", T.ERR_GROUPS_NONE))
    for chat_id in spec.chat_ids:
        if chat_id not in known_chats:
            found.append(Problem("groups", T.ERR_GROUP_UNKNOWN.format(name=chat_id)))
            break
    opens = spec.open_time(now)
    if spec.opens_at is not None and spec.opens_at < now - timedelta(minutes=1):
        found.append(Problem("opens", T.ERR_PAST.format(when=fmt(spec.opens_at, tz))))
    closes = spec.close_time(now)
    if closes is None:
        found.append(Problem("closes", T.ERR_CLOSE_WHEN.format(text="")))
    elif closes <= now:
        found.append(Problem("closes", T.ERR_PAST.format(when=fmt(closes, tz))))
    elif closes <= opens:
        found.append(Problem("closes", T.ERR_CLOSE_BEFORE_OPEN.format(
            closes=fmt(closes, tz), opens=fmt(opens, tz))))
    return found


# --- what the organizer types in the dialog: set the field, or say what is wrong -----------

def set_question(spec: Spec, text: str) -> str | None:
    text = text.strip()
    if error := question_problem(text, spec.kind):
        return error
    spec.question = text
    return None


def set_options(spec: Spec, text: str) -> str | None:
    chosen = split_options(text)
    if error := options_problem(chosen):
        return error
    spec.options, spec.preset = chosen, None
    return None


def set_groups(spec: Spec, text: str, groups: list[GroupChat]) -> str | None:
    """Group names, separated by commas or lines."""
    by_title = {g.title: g.chat_id for g in groups}
    names = [n.strip() for n in re.split(r"[,，、\n]", text) if n.strip()]
    unknown = next((n for n in names if n not in by_title), None)
    if unknown is not None or not names:
        return T.ERR_GROUP_UNKNOWN.format(name=unknown or "")
    spec.chat_ids = list(dict.fromkeys(by_title[n] for n in names))
    return None


def toggle_group(spec: Spec, group_id: int, groups: list[GroupChat]) -> bool:
    """A group button (GroupChat row id): in or out of the targets; False if unknown."""
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        return False
    chosen = set(spec.chat_ids) ^ {group.chat_id}
    spec.chat_ids = [g.chat_id for g in groups if g.chat_id in chosen]
    return True


def set_opens(spec: Spec, text: str, now: datetime, tz: Any) -> str | None:
    text = text.strip()
    try:
        when = parse_when(text, now, tz)
    except TimeInputError:
        return T.ERR_WHEN.format(text=text)
    if when < now:
        return T.ERR_PAST.format(when=fmt(when, tz))
    spec.opens_at = when
    return None


def set_closes(spec: Spec, text: str, now: datetime, tz: Any) -> str | None:
    """A close time or a duration after the open."""
    text = text.strip()
    duration = parse_duration(text)
    if duration is not None:
        spec.closes_at, spec.duration_minutes = None, int(duration.total_seconds() // 60)
    else:
        try:
            spec.closes_at, spec.duration_minutes = parse_when(text, now, tz), None
        except TimeInputError:
            return T.ERR_CLOSE_WHEN.format(text=text)
    close_at, open_at = spec.close_time(now), spec.open_time(now)
    assert close_at is not None
    if close_at <= now:
        return T.ERR_PAST.format(when=fmt(close_at, tz))
    if close_at <= open_at:
        return T.ERR_CLOSE_BEFORE_OPEN.format(closes=fmt(close_at, tz), opens=fmt(open_at, tz))
    return None


def set_recurrence(spec: Spec, text: str) -> str | None:
    text = text.strip()
    try:
        spec.recurrence = parse_recurrence(text)
    except TimeInputError:
        return T.ERR_RECURRENCE.format(text=text)
    return None


def answer(spec: Spec, name: str, text: str, now: datetime, tz: Any) -> str | None:
    """A typed answer to the field `name` (question, options, opens, closes, recurrence):
    set it, or say what is wrong."""
    if name == "opens":
        return set_opens(spec, text, now, tz)
    if name == "closes":
        return set_closes(spec, text, now, tz)
    setters = {"question": set_question, "options": set_options, "recurrence": set_recurrence}
    return setters[name](spec, text)
