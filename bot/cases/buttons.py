"""Callback data of the case loop: short prefixes, integer fields only (64 bytes).
Domain code queues keyboards with these; the chat side matches them with its `On` filter."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.ui import Callback


class Act(IntEnum):
    ACCEPT = 1
    PROGRESS = 2
    RESOLVE = 3
    TRANSFER = 4
    WHISTLE = 5
    ESCALATE = 6
    PLUS = 7
    DETAIL = 8
    RECLASSIFY = 9
    REASSIGN = 10
    PROJECT = 11  # 转为项目: a suggestion becomes a community project


@dataclass(frozen=True)
class CaseBtn(Callback, prefix="cs"):
    a: Act
    c: int  # case id


@dataclass(frozen=True)
class CasePick(Callback, prefix="cp"):
    """A choice after TRANSFER / REASSIGN (t = person id), WHISTLE (t = department
    id) or RECLASSIFY (t = index in bot.taxonomy.CATEGORIES)."""

    a: Act
    c: int
    t: int


@dataclass(frozen=True)
class CaseRate(Callback, prefix="cr"):
    c: int
    r: int  # resolution round (Case.reopened_count): a rating is once per resolution
    v: int  # 1 satisfied, 2 basic, 3 unsatisfied


@dataclass(frozen=True)
class WhistleAck(Callback, prefix="wa"):
    w: int


@dataclass(frozen=True)
class CaseList(Callback, prefix="cl"):
    p: int  # page
    s: int  # status index + 1 (0 any)
    g: int  # grid id (0 any)
    k: int  # category index + 1 (0 any)
    f: int  # flags: 1 overdue, 2 urgent


@dataclass(frozen=True)
class ReportGrid(Callback, prefix="rg"):
    g: int
