"""Callback data of the case loop: short prefixes, integer fields only (64 bytes)."""
from __future__ import annotations

from enum import IntEnum

from aiogram.filters.callback_data import CallbackData


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


class CaseBtn(CallbackData, prefix="cs"):
    a: Act
    c: int  # case id


class CasePick(CallbackData, prefix="cp"):
    """A choice after TRANSFER / REASSIGN (t = person id), WHISTLE (t = department
    id) or RECLASSIFY (t = index in bot.taxonomy.CATEGORIES)."""

    a: Act
    c: int
    t: int


class CaseRate(CallbackData, prefix="cr"):
    c: int
    r: int  # resolution round (Case.reopened_count): a rating is once per resolution
    v: int  # 1 satisfied, 2 basic, 3 unsatisfied


class WhistleAck(CallbackData, prefix="wa"):
    w: int


class CaseList(CallbackData, prefix="cl"):
    p: int  # page
    s: int  # status index + 1 (0 any)
    g: int  # grid id (0 any)
    k: int  # category index + 1 (0 any)
    f: int  # flags: 1 overdue, 2 urgent


class ReportGrid(CallbackData, prefix="rg"):
    g: int
