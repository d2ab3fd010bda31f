"""Text messages, edits, deletions, copies, callback answers, chat actions."""

from __future__ import annotations

import time
from typing import Any

from ..errors import bad_request
from ..state import Message
from ..validation import MAX_CALLBACK_ANSWER, check_caption, check_reply_markup, check_text, opt
from .common import Call, api, own_message, post, render, reply_target, writable_chat

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CALLBACK_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CALLBACK_TTL = 15 * 60.0  # Telegram forgets unanswered queries after a while
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip


def _entities(p: Any, field: str) -> list[dict[str, Any]] | None:
    value = opt(getattr(p, field, None))
    if value is None:
        return None
    return [e.model_dump(mode="json", exclude_none=True) for e in value]


def _preview(p: Any) -> dict[str, Any] | None:
    options = opt(getattr(p, "link_preview_options", None))
    return options.model_dump(mode="json", exclude_none=True) if options is not None else None


@api("sendMessage")
async def send_message(call: Call, p: Any) -> dict[str, Any]:
    text, entities = check_text(p.text, p.parse_mode)
    chat = writable_chat(call, p.chat_id)
    markup = check_reply_markup(p.reply_markup)
    msg = post(
        call, chat, text=text, entities=_entities(p, "entities") or entities,
        reply_to=reply_target(call, chat, p), reply_markup=markup,
        link_preview_options=_preview(p), disable_notification=bool(opt(p.disable_notification)),
        source_html=p.text,
    )  # fmt: skip
    return render(call, msg)


def _editable(call: Call, p: Any) -> Message:
    if opt(getattr(p, "inline_message_id", None)):
        raise bad_request("inline messages are not supported by sandbox")
    msg = own_message(call, p.chat_id, p.message_id, "message to edit not found")
    if msg.from_id != call.bot_id:
        raise bad_request("message can't be edited")
    return msg


def _apply_edit(call: Call, msg: Message, changes: dict[str, Any]) -> dict[str, Any]:
    if all(getattr(msg, key) == value for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        setattr(msg, key, value)
    msg.edit_date = int(time.time())
    msg.edits += 1
    call.world.notify()
    return render(call, msg)


@api("editMessageText")
async def edit_message_text(call: Call, p: Any) -> dict[str, Any]:
    msg = _editable(call, p)
    text, entities = check_text(p.text, p.parse_mode)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    changes = {
        "text": text, "entities": _entities(p, "entities") or entities,
        "reply_markup": check_reply_markup(p.reply_markup),
    }  # fmt: skip
    preview = _preview(p)
    if preview is not None:
        changes["link_preview_options"] = preview
    result = _apply_edit(call, msg, changes)
    msg.source_html = p.text
    return result


@api("editMessageCaption")
async def edit_message_caption(call: Call, p: Any) -> dict[str, Any]:
    msg = _editable(call, p)
    caption, entities = check_caption(opt(p.caption), p.parse_mode)
    if msg.photo is None and msg.document is None:
        raise bad_request("there is no caption in the message to edit")
    changes = {
        "caption": caption, "caption_entities": _entities(p, "caption_entities") or entities,
        "reply_markup": check_reply_markup(p.reply_markup),
    }  # fmt: skip
    return _apply_edit(call, msg, changes)


@api("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call, p: Any) -> dict[str, Any]:
    msg = _editable(call, p)
    return _apply_edit(call, msg, {"reply_markup": check_reply_markup(p.reply_markup)})


@api("deleteMessage")
async def delete_message(call: Call, p: Any) -> bool:
    msg = own_message(call, p.chat_id, p.message_id, "message to delete not found")
    chat = call.world.chats[msg.chat_id]
    is_admin = chat.status_of(call.bot_id) in ("administrator", "creator")
    if chat.type != "private" and msg.from_id != call.bot_id and not is_admin:
        raise bad_request("message can't be deleted")
    msg.deleted = True
    call.world.notify()
    return True


def _duplicate(call: Call, p: Any, missing: str, **extra: Any) -> Message:
    source = own_message(call, p.from_chat_id, p.message_id, missing)
    chat = writable_chat(call, p.chat_id)
    fields: dict[str, Any] = dict(
        text=source.text, entities=list(source.entities), caption=source.caption,
        caption_entities=list(source.caption_entities), photo=source.photo,
        document=source.document, poll_id=source.poll_id,
    )  # fmt: skip
    fields.update(extra)
    return post(call, chat, **fields)


@api("copyMessage")
async def copy_message(call: Call, p: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"reply_markup": check_reply_markup(p.reply_markup)}
    if opt(p.caption) is not None:
        extra["caption"], extra["caption_entities"] = check_caption(p.caption, p.parse_mode)
    msg = _duplicate(call, p, "message to copy not found", **extra)
    return {"message_id": msg.message_id}


@api("forwardMessage")
async def forward_message(call: Call, p: Any) -> dict[str, Any]:
    source = own_message(call, p.from_chat_id, p.message_id, "message to forward not found")
    msg = _duplicate(call, p, "message to forward not found", forward_from=source.from_id)
    return render(call, msg)


@api("setMessageReaction")
async def set_message_reaction(call: Call, p: Any) -> bool:
    msg = own_message(call, p.chat_id, p.message_id, "message to react not found")
    reactions = opt(p.reaction) or []
    if len(reactions) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    msg.reactions = [r.model_dump(mode="json", exclude_none=True) for r in reactions]
    call.world.notify()
    return True


@api("answerCallbackQuery")
async def answer_callback_query(call: Call, p: Any) -> bool:
    pending = call.bot.callbacks.get(p.callback_query_id)
    expired = pending is None or time.monotonic() - pending.created > CALLBACK_TTL
    if expired or pending.answer.done():
        raise bad_request(CALLBACK_TOO_OLD)
    text = opt(p.text)
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answer.set_result(
        {"text": text, "show_alert": bool(opt(p.show_alert)), "url": opt(p.url)}
    )
    return True


@api("sendChatAction")
async def send_chat_action(call: Call, p: Any) -> bool:
    chat = writable_chat(call, p.chat_id)
    if p.action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.bot.chat_actions.append((chat.id, p.action))
    return True

