"""The sandbox rejects what Telegram rejects, with Telegram's error shapes."""

from __future__ import annotations

import datetime

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import SandboxServer
from sandbox.client import tiny_png
from tests.harness import raw_call

pytestmark = pytest.mark.asyncio


def group_with_user(sb: SandboxServer):
    user = sb.add_user("王阿姨", "wang_ayi")
    return user, sb.add_group("阳光花园业主群", [user])


async def test_unknown_method_is_404(sandbox: SandboxServer) -> None:
    status, body = await raw_call(sandbox, "sendTeleportation", chat_id=1)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_known_but_unimplemented_method_is_400(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    with pytest.raises(TelegramBadRequest, match="method not supported by sandbox"):
        await sandbox_bot.send_dice(group.id)
    assert sandbox.core.unsupported == ["sendDice"]


async def test_method_names_are_case_insensitive(sandbox: SandboxServer) -> None:
    status, body = await raw_call(sandbox, "getme")
    assert status == 200 and body["result"]["username"] == "linli_test_bot"


async def test_missing_parameter(sandbox: SandboxServer) -> None:
    _, group = group_with_user(sandbox)
    status, body = await raw_call(sandbox, "sendMessage", chat_id=group.id)
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await raw_call(sandbox, "sendMessage", text="你好")
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")


async def test_ill_typed_parameter(sandbox: SandboxServer) -> None:
    _, group = group_with_user(sandbox)
    status, body = await raw_call(
        sandbox, "sendMessage", chat_id=group.id, text="hi", reply_markup="not a keyboard"
    )
    assert status == 400 and body["ok"] is False
    assert body["description"].startswith('Bad Request: field "reply_markup')
    status, body = await raw_call(sandbox, "getUpdates", limit="many")
    assert status == 400 and "limit" in body["description"]


async def test_numeric_text_stays_text(sandbox: SandboxServer) -> None:
    _, group = group_with_user(sandbox)
    status, body = await raw_call(sandbox, "sendMessage", chat_id=str(group.id), text="123")
    assert status == 200 and body["result"]["text"] == "123"


async def test_empty_text(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await sandbox_bot.send_message(group.id, "<b> </b>", parse_mode="HTML")


async def test_text_over_4096(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    await sandbox_bot.send_message(group.id, "楼" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await sandbox_bot.send_message(group.id, "楼" * 4097)
    # the limit applies after entity parsing: tags do not count
    await sandbox_bot.send_message(group.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")


async def test_caption_over_1024(sandbox: SandboxServer, sandbox_bot) -> None:
    from aiogram.types import BufferedInputFile

    _, group = group_with_user(sandbox)
    photo = BufferedInputFile(tiny_png(), "p.png")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await sandbox_bot.send_photo(group.id, photo, caption="字" * 1025)


@pytest.mark.parametrize("data", ["x" * 65, "好" * 22])  # 65 bytes, 66 bytes in UTF-8
async def test_callback_data_over_64_bytes(sandbox: SandboxServer, sandbox_bot, data: str) -> None:
    _, group = group_with_user(sandbox)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="确认", callback_data=data)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await sandbox_bot.send_message(group.id, "请确认", reply_markup=markup)


async def test_callback_data_of_64_bytes_is_fine(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="确认", callback_data="好" * 21 + "x")]]
    )
    await sandbox_bot.send_message(group.id, "请确认", reply_markup=markup)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<div>块</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>没关", "Can't find end tag corresponding to start tag \"b\""),
        ("多余</i>", "Unexpected end tag at byte offset 6"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_bad_html(sandbox: SandboxServer, sandbox_bot, html: str, reason: str) -> None:
    _, group = group_with_user(sandbox)
    with pytest.raises(TelegramBadRequest) as info:
        await sandbox_bot.send_message(group.id, html, parse_mode="HTML")
    assert info.value.message == f"Bad Request: can't parse entities: {reason}"


async def test_good_html_gives_entities(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    html = '<b>报修</b> &lt;3号楼&gt; <a href="https://x.cn">详情</a> <tg-spoiler>秘</tg-spoiler>'
    msg = await sandbox_bot.send_message(group.id, html, parse_mode="HTML")
    assert msg.text == "报修 <3号楼> 详情 秘"
    assert [e.type for e in msg.entities] == ["bold", "text_link", "spoiler"]


async def test_unknown_chat(sandbox: SandboxServer, sandbox_bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await sandbox_bot.send_message(-100999, "hello")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await sandbox_bot.get_chat("@no_such_group")


async def test_bot_removed_from_group_is_403(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    sandbox.set_bot_status(group, "kicked")
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await sandbox_bot.send_message(group.id, "还在吗")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"question": "问" * 301}, "poll question length must not exceed 300"),
        ({"options": [str(i) for i in range(13)]}, "poll can't have more than 12 options"),
        ({"options": ["好", "项" * 101]}, "poll options length must not exceed 100"),
        ({"open_period": 2_628_001}, "wrong open period specified"),
        ({"open_period": 4}, "wrong open period specified"),
        ({"close_date": datetime.timedelta(seconds=2_628_000 + 3600)}, "wrong close date"),
    ],
)
async def test_poll_limits(sandbox: SandboxServer, sandbox_bot, kwargs, reason) -> None:
    _, group = group_with_user(sandbox)
    params = {"question": "周六开会？", "options": ["参加", "不参加"], **kwargs}
    with pytest.raises(TelegramBadRequest, match=reason):
        await sandbox_bot.send_poll(group.id, **params)


async def test_poll_limits_at_the_edge_pass(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    await sandbox_bot.send_poll(
        group.id, "问" * 300, [str(i) for i in range(12)],
        close_date=datetime.timedelta(seconds=2_628_000 - 60),
    )  # fmt: skip


async def test_poll_without_options(sandbox: SandboxServer) -> None:
    _, group = group_with_user(sandbox)
    status, body = await raw_call(sandbox, "sendPoll", chat_id=group.id, question="空", options=[])
    assert status == 400 and "at least 1 option" in body["description"]


async def test_blocked_user_is_403(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("赵六")
    user.start_bot()
    await sandbox_bot.send_message(user.id, "欢迎")
    user.block()
    with pytest.raises(TelegramForbiddenError) as info:
        await sandbox_bot.send_message(user.id, "还在吗")
    assert info.value.message == "Forbidden: bot was blocked by the user"


async def test_user_who_never_started_is_403(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("孙七")
    with pytest.raises(TelegramForbiddenError) as info:
        await sandbox_bot.send_message(user.id, "你好")
    assert info.value.message == "Forbidden: bot can't initiate conversation with a user"


async def test_unknown_token_is_401(sandbox: SandboxServer) -> None:
    bot = sandbox.make_bot("999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await bot.get_me()
    finally:
        await bot.session.close()
    status, body = await raw_call(sandbox, "getMe", token="999:WRONG")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_edit_rules(sandbox: SandboxServer, sandbox_bot) -> None:
    user, group = group_with_user(sandbox)
    msg = await sandbox_bot.send_message(group.id, "原文")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await sandbox_bot.edit_message_text("原文", chat_id=group.id, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await sandbox_bot.edit_message_text("新", chat_id=group.id, message_id=999)
    theirs = sandbox.say(user, group, "业主的话")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await sandbox_bot.edit_message_text("改", chat_id=group.id, message_id=theirs.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await sandbox_bot.delete_message(group.id, theirs.message_id)
    assert await sandbox_bot.delete_message(group.id, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await sandbox_bot.delete_message(group.id, msg.message_id)


async def test_reply_to_missing_message(sandbox: SandboxServer, sandbox_bot) -> None:
    _, group = group_with_user(sandbox)
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await sandbox_bot.send_message(group.id, "回复", reply_to_message_id=4242)
