"""End-to-end: a real aiogram Dispatcher polling the sandbox, buttons, polls,
photos, albums, edits and the transcript."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    PollAnswer,
)

from sandbox import SandboxServer
from sandbox.client import tiny_png

pytestmark = pytest.mark.asyncio


def build_dispatcher(poll_answers: list[PollAnswer]) -> Dispatcher:
    dp = Dispatcher()

    @dp.message(Command("report"))
    async def report(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[
                InlineKeyboardButton(text="✅ 确认", callback_data="case:1:ok"),
                InlineKeyboardButton(text="取消", callback_data="case:1:no"),
            ]]
        )  # fmt: skip
        await message.reply("已记录：<b>电梯故障</b>", parse_mode="HTML", reply_markup=keyboard)

    @dp.callback_query(F.data.startswith("case:"))
    async def confirm(query: CallbackQuery) -> None:
        await query.answer("已确认")
        assert query.message is not None
        await query.message.edit_text("工单 #1 已确认")

    @dp.poll_answer()
    async def on_vote(answer: PollAnswer) -> None:
        poll_answers.append(answer)

    return dp


@pytest_asyncio.fixture
async def running(sandbox: SandboxServer, sandbox_bot: Bot) -> AsyncIterator[list[PollAnswer]]:
    answers: list[PollAnswer] = []
    dp = build_dispatcher(answers)
    task = asyncio.create_task(
        dp.start_polling(sandbox_bot, handle_signals=False, close_bot_session=False,
                         polling_timeout=1)
    )  # fmt: skip
    yield answers
    await dp.stop_polling()
    await asyncio.wait_for(task, 5)


async def test_command_reply_and_button_round_trip(sandbox: SandboxServer, running) -> None:
    owner = sandbox.add_user("钱经理", "qian")
    group = sandbox.add_group("物业服务群", [owner])
    asked = sandbox.say(owner, group, "/report 3号楼电梯坏了")
    reply = await sandbox.wait_for(group.id, lambda m: "已记录" in m.body)
    assert reply.text == "已记录：电梯故障"
    assert reply.reply_to == asked.message_id
    assert reply.button_texts == ["✅ 确认", "取消"]
    handle = sandbox.press(owner, reply, "✅ 确认")
    assert await handle.text() == "已确认"
    await sandbox.wait_until(lambda: reply.text == "工单 #1 已确认")
    assert reply.buttons == []  # edit_text without reply_markup drops the keyboard
    assert "工单 #1 已确认" in sandbox.transcript(group)


async def test_callback_answer_twice_is_too_old(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("孔")
    user.start_bot()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="好", callback_data="ok")]]
    )
    sent = await sandbox_bot.send_message(user.id, "选一个", reply_markup=keyboard)
    handle = sandbox.press(user, sandbox.world.get_message(user.id, sent.message_id), "ok")
    update = (await sandbox_bot.get_updates())[-1]
    assert update.callback_query.data == "ok"
    assert await sandbox_bot.answer_callback_query(handle.query_id, text="收到")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await sandbox_bot.answer_callback_query(handle.query_id)
    assert (await handle)["text"] == "收到"


async def test_native_poll_vote_and_stop(sandbox: SandboxServer, sandbox_bot, running) -> None:
    a, b = sandbox.add_user("曹"), sandbox.add_user("严")
    group = sandbox.add_group("业委会", [a, b])
    sent = await sandbox_bot.send_poll(
        group.id, "是否更换物业？", ["同意", "反对", "弃权"], is_anonymous=False
    )
    poll_msg = sandbox.world.get_message(group.id, sent.message_id)
    sandbox.vote(a, poll_msg, [0])
    sandbox.vote(b, poll_msg, [1])
    await sandbox.wait_until(lambda: len(running) == 2)
    assert [(x.user.id, x.option_ids) for x in running] == [(a.id, [0]), (b.id, [1])]
    assert running[0].poll_id == sent.poll.id
    stopped = await sandbox_bot.stop_poll(group.id, sent.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [1, 1, 0]
    with pytest.raises(TelegramBadRequest, match="poll has already been closed"):
        await sandbox_bot.stop_poll(group.id, sent.message_id)
    with pytest.raises(ValueError, match="closed"):
        sandbox.vote(a, poll_msg, [1])


async def test_anonymous_poll_has_no_poll_answer(sandbox: SandboxServer, sandbox_bot) -> None:
    voter = sandbox.add_user("华")
    group = sandbox.add_group("匿名投票群", [voter])
    await sandbox_bot.delete_webhook(drop_pending_updates=True)
    sent = await sandbox_bot.send_poll(group.id, "匿名？", ["是", "否"])
    sandbox.vote(voter, sandbox.world.get_message(group.id, sent.message_id), [0])
    kinds = [u.event_type for u in await sandbox_bot.get_updates()]
    assert kinds == ["poll"]


async def test_photo_upload_get_file_download(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("金")
    group = sandbox.add_group("随手拍", [user])
    png = tiny_png(7, 5)
    sent = await sandbox_bot.send_photo(group.id, BufferedInputFile(png, "楼道.png"), caption="楼道")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (7, 5)
    file = await sandbox_bot.get_file(sent.photo[-1].file_id)
    downloaded = await sandbox_bot.download_file(file.file_path)
    assert downloaded.read() == png
    again = await sandbox_bot.send_photo(group.id, sent.photo[-1].file_id)  # by file_id
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    # a user's photo can be fetched too
    theirs = sandbox.send_photo(user, group, caption="/report 墙皮脱落")
    file = await sandbox_bot.get_file(theirs.photo.file_id)
    assert (await sandbox_bot.download_file(file.file_path)).read() == theirs.photo.data


async def test_media_group(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("魏")
    group = sandbox.add_group("装修群", [user], bot_is_admin=True)
    await sandbox_bot.delete_webhook(drop_pending_updates=True)
    media = [
        InputMediaPhoto(media=BufferedInputFile(tiny_png(2 + i, 2), f"{i}.png"),
                        caption="三张照片" if i == 0 else None)
        for i in range(3)
    ]  # fmt: skip
    sent = await sandbox_bot.send_media_group(group.id, media)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert sent[0].caption == "三张照片" and [m.photo[-1].width for m in sent] == [2, 3, 4]
    with pytest.raises(TelegramBadRequest, match="at least 2"):
        await sandbox_bot.send_media_group(group.id, media[:1])
    # a user's album arrives as several messages sharing media_group_id
    album = sandbox.send_album(user, group, 3, caption="漏水")
    updates = await sandbox_bot.get_updates()
    groups = {u.message.media_group_id for u in updates}
    assert len(updates) == 3 and groups == {album[0].media_group_id}


async def test_user_edit_is_edited_message(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("陶")
    user.start_bot()
    msg = user.say(user.id, "水管漏了")
    sandbox.edit(user, msg, "水管漏了，在2单元")
    updates = await sandbox_bot.get_updates()
    assert updates[-1].edited_message.text == "水管漏了，在2单元"
    assert updates[-1].edited_message.message_id == msg.message_id


async def test_commands_with_scopes(sandbox: SandboxServer, sandbox_bot) -> None:
    from aiogram.types import BotCommand, BotCommandScopeAllGroupChats

    group_scope = BotCommandScopeAllGroupChats()
    await sandbox_bot.set_my_commands([BotCommand(command="report", description="报修")])
    await sandbox_bot.set_my_commands(
        [BotCommand(command="poll", description="发起投票")], scope=group_scope
    )
    assert [c.command for c in await sandbox_bot.get_my_commands()] == ["report"]
    assert [c.command for c in await sandbox_bot.get_my_commands(scope=group_scope)] == ["poll"]
    await sandbox_bot.delete_my_commands(scope=group_scope)
    assert await sandbox_bot.get_my_commands(scope=group_scope) == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await sandbox_bot.set_my_commands([BotCommand(command="Bad-Cmd", description="x")])


async def test_chat_info_and_members(sandbox: SandboxServer, sandbox_bot) -> None:
    owner, member = sandbox.add_user("任"), sandbox.add_user("袁")
    group = sandbox.add_group("星河湾", [owner, member], bot_is_admin=True)
    chat = await sandbox_bot.get_chat(group.id)
    assert chat.title == "星河湾" and chat.type == "supergroup"
    assert (await sandbox_bot.get_chat_member(group.id, owner.id)).status == "creator"
    assert (await sandbox_bot.get_chat_member(group.id, member.id)).status == "member"
    admins = await sandbox_bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {owner.id, sandbox.bot.user.id}
    assert await sandbox_bot.get_chat_member_count(group.id) == 3
    assert await sandbox_bot.send_chat_action(group.id, "typing")
    assert await sandbox_bot.leave_chat(group.id)
    with pytest.raises(Exception, match="bot is not a member"):
        await sandbox_bot.send_message(group.id, "还在吗")


async def test_copy_and_forward(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("柳")
    user.start_bot()
    group = sandbox.add_group("公告群", [user])
    original = sandbox.say(user, group, "/notice 明天停水")
    copied = await sandbox_bot.copy_message(user.id, group.id, original.message_id)
    assert sandbox.world.get_message(user.id, copied.message_id).text == "/notice 明天停水"
    forwarded = await sandbox_bot.forward_message(user.id, group.id, original.message_id)
    assert forwarded.forward_origin.sender_user.id == user.id
