"""Command menus per scope (setMyCommands): groups, private chats, organizers."""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonWebApp,
    WebAppInfo,
)

from bot import org
from bot.context import AppContext
from web.config import PREFIX, WebSettings, base_url

log = logging.getLogger(__name__)

PRIVATE = [("start", "开始使用"), ("help", "我能做什么"), ("report", "私聊报事"),
           ("case", "查看工单进度"), ("projects", "社区项目"), ("whoami", "我的身份"),
           ("privacy", "隐私说明"), ("mydata", "我的数据"), ("forget", "删除我的数据"),
           ("join", "登记为本社区居民"), ("propose", "提出议题"), ("wish", "微心愿"),
           ("volunteer", "登记志愿者"), ("points", "我的积分")]
GROUP = [("help", "使用说明"), ("case", "查看工单"), ("faq", "常见问题"), ("projects", "社区项目"),
         ("propose", "提出议题"), ("topics", "居民议事"),
         ("bind", "绑定网格（工作人员）"), ("guard", "号码保护（组织者）"),
         ("privacy", "隐私说明")]
WORKER = [("mycases", "我负责的工单"), ("web", "网页工作台"), ("round", "走访巡查"),
          ("household", "一户一档"), ("residents", "楼栋居民")]
ORGANIZER = [("cases", "工单列表"), ("note", "工单公开说明"), ("dup", "合并重复工单"),
             ("stats", "统计数据"), ("export", "导出台账"), ("poll_new", "发起投票"),
             ("polls", "投票列表"), ("poll_results", "投票结果"), ("project_new", "新建项目"),
             ("project_update", "项目进展"), ("reload_rules", "重新加载分类规则"),
             ("rank", "比学赶超排行"), ("depts", "职能部门吹哨评价"),
             ("faq", "问答库"), ("faq_add", "添加问答"), ("settings", "工单设置"),
             ("topics", "居民议事"), ("meeting", "召集议事会议"), ("reception", "书记接待日"),
             ("activity_new", "发布志愿活动"), ("exchange", "爱心超市兑换"),
             ("exports", "导出记录（管理员）")]
DESK_BUTTON = "工作台"  # the Mini App menu button of staff (text shown in Telegram)
STREET = [("cases", "各社区工单"), ("stats", "各社区统计对比"), ("export", "导出台账（可全街道）"),
          ("rank", "比学赶超排行"), ("depts", "职能部门吹哨评价"), ("web", "网页工作台")]


def menu(roles: set[str]) -> list[tuple[str, str]]:
    """A staff member's private menu: an officer who also organises a community gets both."""
    if roles & {"organizer", "admin"}:
        return PRIVATE + WORKER + ORGANIZER
    if roles & {"street", "district"}:
        return PRIVATE + STREET
    return PRIVATE + WORKER


def _cmds(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(command=c, description=d) for c, d in pairs]


async def _set(bot: Bot, pairs: list[tuple[str, str]], scope: Any) -> None:
    try:
        await bot.set_my_commands(_cmds(pairs), scope=scope)
    except Exception as exc:  # menus are a convenience; never block start-up
        log.info("could not set command menu for %s: %s", scope, exc)


async def publish(ctx: AppContext, bot: Bot) -> None:
    await _set(bot, PRIVATE, BotCommandScopeAllPrivateChats())
    await _set(bot, GROUP, BotCommandScopeAllGroupChats())
    async with ctx.pool() as session:
        staff = await org.staff_roles(session, ctx.settings.admin_ids)
    desk = desk_app_url(ctx)
    for tg_id, roles in staff.items():
        await _set(bot, menu(roles), BotCommandScopeChat(chat_id=tg_id))
        if desk:
            await _menu_button(bot, tg_id, desk)


def desk_app_url(ctx: AppContext) -> str | None:
    """The web desk's Mini App (docs/web.md), when its public address (LINLI_WEB_URL, or
    the webhook's origin) is HTTPS: Telegram opens Mini Apps over HTTPS only."""
    base = base_url(ctx.settings, WebSettings())
    return f"{base}{PREFIX}/app" if base.startswith("https://") else None


async def _menu_button(bot: Bot, chat_id: int, url: str) -> None:
    """Staff open the desk from the menu button of their private chat; residents keep
    the default (the command list)."""
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonWebApp(
            text=DESK_BUTTON, web_app=WebAppInfo(url=url)))
    except Exception as exc:  # a convenience, like the command menus
        log.info("could not set the menu button for %s: %s", chat_id, exc)
