"""Photos, documents, albums and file downloads."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..validation import MEDIA_GROUP_MAX, MEDIA_GROUP_MIN, check_caption, check_reply_markup, opt
from .common import Call, api, input_file, post, render, reply_target, writable_chat


async def _send_file(call: Call, p: Any, kind: str) -> dict[str, Any]:
    chat = writable_chat(call, p.chat_id)
    caption, entities = check_caption(opt(p.caption), p.parse_mode)
    stored = input_file(call, getattr(p, kind), kind)
    msg = post(
        call, chat, caption=caption, caption_entities=entities, **{kind: stored},
        reply_to=reply_target(call, chat, p), reply_markup=check_reply_markup(p.reply_markup),
        disable_notification=bool(opt(p.disable_notification)), source_html=opt(p.caption),
    )  # fmt: skip
    return render(call, msg)


@api("sendPhoto")
async def send_photo(call: Call, p: Any) -> dict[str, Any]:
    return await _send_file(call, p, "photo")


@api("sendDocument")
async def send_document(call: Call, p: Any) -> dict[str, Any]:
    return await _send_file(call, p, "document")


@api("sendMediaGroup")
async def send_media_group(call: Call, p: Any) -> list[dict[str, Any]]:
    chat = writable_chat(call, p.chat_id)
    items = list(p.media)
    if len(items) < MEDIA_GROUP_MIN:
        raise bad_request("media group must contain at least 2 items")
    if len(items) > MEDIA_GROUP_MAX:
        raise bad_request("too many messages to send as an album")
    kinds = {item.type for item in items}
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    unsupported = sorted(kinds - {"photo", "document"})
    if unsupported:
        raise bad_request(f"media type {unsupported[0]} is not supported by sandbox")
    prepared = []
    for item in items:
        caption, entities = check_caption(opt(item.caption), opt(item.parse_mode))
        prepared.append((item.type, input_file(call, item.media, item.type), caption, entities))
    reply_to = reply_target(call, chat, p)
    group_id = call.world.unique_id("")
    messages = [
        post(
            call, chat, caption=caption, caption_entities=entities, **{kind: stored},
            media_group_id=group_id, reply_to=reply_to,
        )
        for kind, stored, caption, entities in prepared
    ]
    return [render(call, msg) for msg in messages]


@api("getFile")
async def get_file(call: Call, p: Any) -> dict[str, Any]:
    stored = call.world.files.get(p.file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file_api()
