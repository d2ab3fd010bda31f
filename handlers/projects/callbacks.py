"""Callback data of project buttons: short prefixes, integer ids only."""
from aiogram.filters.callback_data import CallbackData


class ProjFollow(CallbackData, prefix="pf"):
    project_id: int
    on: int  # 1 follow, 0 unfollow


class ProjJoin(CallbackData, prefix="pj"):
    project_id: int


class ProjPledge(CallbackData, prefix="pp"):
    project_id: int
    kind: int  # index into bot.db.models.projects.PLEDGE_KINDS
