"""/stats (figures with period and scope buttons, charts) and /export (the ledger file)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import reports
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Person
from bot.reports import texts as T
from handlers.callbacks import keyboard
from handlers.filters import On

HTML = "HTML"  # this feature's texts are HTML (user values escaped in bot/)

PRIVATE = F.chat.type == "private"
FILE_PERIODS = tuple(range(len(reports.EXPORT_PERIODS)))
FILE_FORMATS = tuple(range(len(reports.FORMATS)))


async def not_here(message: Message) -> None:
    await message.reply(C.PRIVATE_ONLY)


async def stats_cmd(message: Message, session: AsyncSession, person: Person,
                    ctx: AppContext) -> None:
    screen = await reports.stats_screen(session, person, ctx)
    await message.answer(screen.text, parse_mode=HTML, reply_markup=keyboard(screen.keyboard))


async def stats_view(query: CallbackQuery, cb: reports.StatsView, session: AsyncSession,
                     person: Person, ctx: AppContext) -> None:
    screen = await reports.stats_screen(session, person, ctx, cb)
    await query.answer(T.STATS_UPDATED)
    kb, message = keyboard(screen.keyboard), query.message
    if isinstance(message, Message) and (message.html_text, message.reply_markup) != (
            screen.text, kb):
        await message.edit_text(screen.text, parse_mode=HTML, reply_markup=kb)


async def stats_charts(query: CallbackQuery, cb: reports.StatsCharts, session: AsyncSession,
                       person: Person, ctx: AppContext) -> None:
    photos = await reports.stats_charts(session, person, ctx, cb)
    await query.answer(T.STATS_CHARTS_SENT)
    for photo in photos if isinstance(query.message, Message) else []:
        await query.message.answer_photo(_file(photo), caption=photo.caption)


async def export_cmd(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext) -> None:
    if command.args:
        await _send(message, await reports.export_by_args(session, person, ctx, command.args))
    else:
        await _send(message, await reports.export_menu(session, person, ctx))


async def export_periods(query: CallbackQuery, cb: reports.ExportPick, session: AsyncSession,
                         person: Person, ctx: AppContext) -> None:
    screen = await reports.export_periods(session, person, ctx, cb)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(screen.text, parse_mode=HTML, reply_markup=keyboard(screen.keyboard))


async def export_file(query: CallbackQuery, cb: reports.ExportPick, session: AsyncSession,
                      person: Person, ctx: AppContext) -> None:
    result = await reports.export_picked(session, person, ctx, cb)
    await query.answer(T.EXPORT_WORKING)
    if isinstance(query.message, Message):
        await _send(query.message, result)


async def _send(message: Message, result: reports.Screen | reports.Document) -> None:
    if isinstance(result, reports.Document):
        await message.answer_document(_file(result), caption=result.caption)
    else:
        await message.answer(result.text, parse_mode=HTML, reply_markup=keyboard(result.keyboard))


def _file(item: reports.Photo | reports.Document) -> BufferedInputFile:
    return BufferedInputFile(item.upload.data, item.upload.filename)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(not_here, Command("stats", "export"), ~PRIVATE)
    router.message.register(stats_cmd, Command("stats"), PRIVATE)
    router.callback_query.register(stats_view, On(reports.StatsView))
    router.callback_query.register(stats_charts, On(reports.StatsCharts))
    router.message.register(export_cmd, Command("export"), PRIVATE)
    router.callback_query.register(export_periods, On(reports.ExportPick, p=-1))
    router.callback_query.register(
        export_file, On(reports.ExportPick, p=FILE_PERIODS, f=FILE_FORMATS))
    return router
