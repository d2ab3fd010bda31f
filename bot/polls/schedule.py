"""Times typed in the poll dialog and recurrence rules (pure functions, local time zone).

- ``parse_when(text, now, tz) -> datetime``: "2026-12-01 09:00", "12-01 9:00", "12月1日 9点",
  "明天 9:00", "今天18:30".
- ``parse_duration(text) -> timedelta | None``: "3天", "48小时", "90分钟", "1周", "2h", "3d".
- ``parse_recurrence(text) -> dict | None``: "每月17日 09:00", "每周一 09:00", "cron 0 9 * * 1"
  (or a bare 5-field crontab), "不重复" -> None.
- ``next_occurrence(rule, after, tz) -> datetime``: first moment strictly after ``after``.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.polls import texts as T

WEEKDAYS = "一二三四五六日"  # parsing only; display texts are in bot.polls.texts
_DT = re.compile(
    r"^(?:(?P<rel>今天|明天|后天)|(?:(?P<y>\d{4})[-/年.])?(?P<m>\d{1,2})[-/月.](?P<d>\d{1,2})[日号]?)"
    r"\s*(?P<H>\d{1,2})(?:[:：点时](?P<M>\d{1,2})?分?)?$"
)
_DUR = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<u>天|日|d|小时|个小时|h|分钟|分|min|m|周|星期|w)$",
                  re.IGNORECASE)
_UNITS = {"天": "days", "日": "days", "d": "days", "小时": "hours", "个小时": "hours",
          "h": "hours", "分钟": "minutes", "分": "minutes", "min": "minutes", "m": "minutes",
          "周": "weeks", "星期": "weeks", "w": "weeks"}
_TIME = r"\s*(?P<H>\d{1,2})(?:[:：点](?P<M>\d{1,2})?分?)?"
_MONTHLY = re.compile(r"^每月\s*(?P<day>\d{1,2})\s*[日号]?(?:" + _TIME + r")?$")
_WEEKLY = re.compile(r"^每(?:周|星期)(?P<wd>[一二三四五六日天])(?:" + _TIME + r")?$")


class TimeInputError(ValueError):
    """The text is not a time / duration / rule we understand."""


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    match = _DT.match(text.strip())
    if match is None:
        raise TimeInputError(text)
    local_now = now.astimezone(tz)
    if match["rel"]:
        day = local_now.date() + timedelta(days=("今天", "明天", "后天").index(match["rel"]))
    else:
        year = int(match["y"]) if match["y"] else local_now.year
        try:
            day = date(year, int(match["m"]), int(match["d"]))
        except ValueError as exc:
            raise TimeInputError(text) from exc
        if not match["y"] and day < local_now.date():
            day = day.replace(year=year + 1)  # "1月5日" typed in December means next year
    hour, minute = int(match["H"]), int(match["M"] or 0)
    if hour > 23 or minute > 59:
        raise TimeInputError(text)
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def parse_duration(text: str) -> timedelta | None:
    match = _DUR.match(text.strip())
    if match is None:
        return None
    unit = _UNITS[match["u"].lower()] if match["u"].lower() in _UNITS else _UNITS[match["u"]]
    delta = timedelta(**{unit: float(match["n"])})
    return delta if delta > timedelta(0) else None


def _hhmm(match: re.Match[str]) -> str | None:
    if match["H"] is None:
        return None
    hour, minute = int(match["H"]), int(match["M"] or 0)
    if hour > 23 or minute > 59:
        raise TimeInputError(match.string)
    return f"{hour:02d}:{minute:02d}"


def parse_recurrence(text: str) -> dict[str, Any] | None:
    text = re.sub(r"\s+", " ", text.strip())
    if text in ("", "不重复", "无", "none", "不"):
        return None
    if match := _MONTHLY.match(text):
        day = int(match["day"])
        if not 1 <= day <= 31:
            raise TimeInputError(text)
        return {"kind": "monthly", "day": day, "time": _hhmm(match) or "09:00"}
    if match := _WEEKLY.match(text):
        weekday = 6 if match["wd"] in "日天" else WEEKDAYS.index(match["wd"])
        return {"kind": "weekly", "weekday": weekday, "time": _hhmm(match) or "09:00"}
    expr = text[5:].strip() if text.lower().startswith("cron ") else text
    if len(expr.split()) == 5:
        try:
            _cron(expr, ZoneInfo("UTC"))
        except ValueError as exc:
            raise TimeInputError(text) from exc
        return {"kind": "cron", "expr": expr}
    raise TimeInputError(text)


_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _cron(expr: str, tz: ZoneInfo) -> Any:
    """A standard crontab (0 or 7 = Sunday) as an APScheduler trigger; APScheduler 3
    numbers weekdays from Monday = 0, so numeric weekdays become names first."""
    minute, hour, day, month, dow = expr.split()
    dow = re.sub(r"(?<![/\d])(\d+)", lambda m: _DOW[int(m[1])] if int(m[1]) < 8 else m[1], dow)
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow,
                       timezone=tz)


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


def next_occurrence(rule: dict[str, Any], after: datetime, tz: ZoneInfo) -> datetime:
    local = after.astimezone(tz)
    kind = rule["kind"]
    if kind == "weekly":
        day = local.date() + timedelta(days=(rule["weekday"] - local.weekday()) % 7)
        when = _at(day, rule["time"], tz)
        return when if when > local else when + timedelta(days=7)
    if kind == "monthly":
        year, month = local.year, local.month
        for _ in range(3):
            last = calendar.monthrange(year, month)[1]
            when = _at(date(year, month, min(rule["day"], last)), rule["time"], tz)
            if when > local:
                return when
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise AssertionError("unreachable")
    if kind == "cron":
        trigger = _cron(rule["expr"], tz)
        fire = trigger.get_next_fire_time(None, local + timedelta(seconds=1))
        if fire is None:
            raise TimeInputError(rule["expr"])
        return fire
    raise ValueError(f"unknown recurrence {kind!r}")


def describe(rule: dict[str, Any] | None) -> str:
    """Chinese description of a rule, for summaries and lists."""
    if not rule:
        return T.REPEAT_NONE
    if rule["kind"] == "monthly":
        return T.REPEAT_MONTHLY.format(day=rule["day"], time=rule["time"])
    if rule["kind"] == "weekly":
        return T.REPEAT_WEEKLY.format(weekday=T.WEEKDAYS[rule["weekday"]], time=rule["time"])
    return T.REPEAT_CRON.format(expr=rule["expr"])
