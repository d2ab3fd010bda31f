"""Native polls: sendPoll and stopPoll."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..state import Poll
from ..validation import check_poll, check_reply_markup, opt, seconds
from .common import Call, api, own_message, post, render, reply_target, writable_chat


def _option_text(option: Any) -> str:
    return option if isinstance(option, str) else option.text


@api("sendPoll")
async def send_poll(call: Call, p: Any) -> dict[str, Any]:
    chat = writable_chat(call, p.chat_id)
    options = [_option_text(o) for o in p.options]
    open_period, close_date = opt(p.open_period), opt(p.close_date)
    close_at = check_poll(p.question, options, open_period, close_date)
    kind = opt(p.type) or "regular"
    if kind not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    is_anonymous = opt(p.is_anonymous)
    poll = Poll(
        id=call.world.unique_id("5"), question=p.question, options=options,
        is_anonymous=True if is_anonymous is None else bool(is_anonymous), type=kind,
        allows_multiple_answers=bool(opt(p.allows_multiple_answers)),
        allows_revoting=kind != "quiz" if opt(p.allows_revoting) is None else p.allows_revoting,
        is_closed=bool(opt(p.is_closed)), close_at=close_at,
        open_period=int(seconds(open_period)) if open_period is not None else None,
        chat_id=chat.id,
    )  # fmt: skip
    call.world.polls[poll.id] = poll
    msg = post(
        call, chat, poll_id=poll.id, reply_to=reply_target(call, chat, p),
        reply_markup=check_reply_markup(p.reply_markup),
    )  # fmt: skip
    poll.message_id = msg.message_id
    return render(call, msg)


@api("stopPoll")
async def stop_poll(call: Call, p: Any) -> dict[str, Any]:
    msg = own_message(call, p.chat_id, p.message_id, "message with poll to stop not found")
    if msg.poll_id is None or msg.from_id != call.bot_id:
        raise bad_request("message with poll to stop not found")
    poll = call.world.polls[msg.poll_id]
    poll.refresh()
    if poll.is_closed:
        raise bad_request("poll has already been closed")
    poll.is_closed = True
    markup = check_reply_markup(p.reply_markup)
    msg.reply_markup = markup
    call.bot.push_update("poll", poll.to_api())
    call.world.notify()
    return poll.to_api()
