"""Shared helpers of the method handlers: the call context, chat resolution,
sending permissions, replies and input files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CHAT_NOT_FOUND_REASON, bad_request, forbidden
from ..files import Upload, image_size
from ..state import BotState, Chat, Message, StoredFile, World
from ..validation import opt

Handler = Callable[["Call", Any], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}

SENDING_METHODS = {
    "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendpoll",
    "copymessage", "forwardmessage",
}  # fmt: skip


def api(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name.lower()] = handler
        return handler

    return register


@dataclass
class Call:
    """One API call: the world, the calling bot and the uploaded files."""

    world: World
    bot: BotState
    uploads: dict[str, Upload] = field(default_factory=dict)

    @property
    def bot_id(self) -> int:
        return self.bot.user.id


def known_chat(call: Call, ref: int | str | None) -> Chat:
    """The chat, if the bot knows it (its private chat or a group it was in)."""
    chat = call.world.chat_by_ref(ref) if ref is not None else None
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND_REASON)
    if chat.type == "private":
        if chat.id not in call.bot.started and chat.id not in call.bot.blocked:
            raise bad_request(CHAT_NOT_FOUND_REASON)
    elif chat.status_of(call.bot_id) is None:
        raise bad_request(CHAT_NOT_FOUND_REASON)
    return chat


def writable_chat(call: Call, ref: int | str | None) -> Chat:
    """The chat the bot may post into, or Telegram's 400/403."""
    chat = call.world.chat_by_ref(ref) if ref is not None else None
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND_REASON)
    if chat.type == "private":
        if chat.id in call.bot.blocked:
            raise forbidden("bot was blocked by the user")
        if chat.id not in call.bot.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat
    status = chat.status_of(call.bot_id)
    kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
    if status is None:
        raise bad_request(CHAT_NOT_FOUND_REASON)
    if status == "kicked":
        raise forbidden(f"bot was kicked from the {kind}")
    if status == "left":
        raise forbidden(f"bot is not a member of the {kind}")
    return chat


def reply_target(call: Call, chat: Chat, p: Any) -> int | None:
    """The replied message id from ``reply_parameters`` or ``reply_to_message_id``."""
    params = opt(getattr(p, "reply_parameters", None))
    if params is not None:
        message_id = params.message_id
    else:
        message_id = opt(getattr(p, "reply_to_message_id", None))
    if message_id is None:
        return None
    if call.world.get_message(chat.id, message_id) is not None:
        return message_id
    allow = (
        opt(params.allow_sending_without_reply)
        if params is not None
        else opt(getattr(p, "allow_sending_without_reply", None))
    )
    if allow:
        return None
    raise bad_request("message to be replied not found")


def own_message(call: Call, chat_ref: Any, message_id: Any, missing: str) -> Message:
    """A message of the chat, or ``Bad Request: <missing>``."""
    if opt(chat_ref) is None or message_id is None:
        raise bad_request(missing)
    chat = known_chat(call, chat_ref)
    msg = call.world.get_message(chat.id, message_id)
    if msg is None:
        raise bad_request(missing)
    return msg


def post(call: Call, chat: Chat, **fields: Any) -> Message:
    """Store a message sent by the bot."""
    return call.world.new_message(chat.id, call.bot_id, **fields)


def input_file(call: Call, value: Any, kind: str) -> StoredFile:
    """Resolve an InputFile parameter: ``attach://<part>``, a file_id or a URL."""
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith("attach://"):
        upload = call.uploads.get(value[len("attach://") :])
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return _store_upload(call, upload, kind)
    if value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or None
        return call.world.store_file(kind, b"", file_name=name, width=1280, height=960)
    stored = call.world.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(
            f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
        )
    return stored


def _store_upload(call: Call, upload: Upload, kind: str) -> StoredFile:
    if not upload.data:
        raise bad_request("file must be non-empty")
    if kind == "photo":
        width, height = image_size(upload.data)
        return call.world.store_file("photo", upload.data, width=width, height=height)
    return call.world.store_file(
        kind, upload.data, file_name=upload.filename, mime_type=upload.content_type
    )


def render(call: Call, msg: Message) -> dict[str, Any]:
    return call.world.render_message(msg)
