"""The sandbox's in-memory world: users, chats, members, messages, files, polls,
the bot's identity and its update queue.  Pure data plus rendering to Bot API
JSON; no HTTP here (see ``server.py``) and no request validation (see
``validation.py``)."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

ACTIVE_STATUSES = ("creator", "administrator", "member", "restricted")
# getUpdates / setWebhook default: everything except these
NOT_DEFAULT_UPDATES = ("chat_member", "message_reaction", "message_reaction_count")


def now() -> int:
    return int(time.time())


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    language_code: str | None = "zh-hans"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "is_bot": self.is_bot, "first_name": self.first_name,
        }  # fmt: skip
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    id: int
    type: str  # private / group / supergroup
    title: str | None = None
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status

    def status_of(self, user_id: int) -> str | None:
        return self.members.get(user_id)

    def is_active_member(self, user_id: int) -> bool:
        return self.members.get(user_id) in ACTIVE_STATUSES

    def to_api(self, world: World) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            user = world.users[self.id]
            data["first_name"] = user.first_name
            if user.last_name:
                data["last_name"] = user.last_name
        else:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # photo / document
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def to_api(self) -> dict[str, Any]:
        base: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.kind == "photo":
            base.update(width=self.width, height=self.height)
        else:
            if self.file_name:
                base["file_name"] = self.file_name
            if self.mime_type:
                base["mime_type"] = self.mime_type
        return base

    def file_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class Poll:
    id: str
    question: str
    options: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    allows_revoting: bool = True
    is_closed: bool = False
    close_at: float | None = None
    open_period: int | None = None
    chat_id: int = 0
    message_id: int = 0
    sent_by_bot: bool = True
    votes: dict[int, list[int]] = field(default_factory=dict)  # user id -> option ids

    def option_persistent_id(self, index: int) -> str:
        return f"{self.id}-{index}"

    def refresh(self) -> None:
        if not self.is_closed and self.close_at is not None and time.time() >= self.close_at:
            self.is_closed = True

    def to_api(self) -> dict[str, Any]:
        self.refresh()
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for index in chosen:
                counts[index] += 1
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": self.option_persistent_id(i), "text": text, "voter_count": n}
                for i, (text, n) in enumerate(zip(self.options, counts, strict=True))
            ],
            "total_voter_count": sum(1 for chosen in self.votes.values() if chosen),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.open_period is not None:
            data["open_period"] = self.open_period
        if self.close_at is not None:
            data["close_date"] = int(self.close_at)
        return data


@dataclass
class Message:
    """One message of a chat transcript (user's or bot's)."""

    chat_id: int
    message_id: int
    from_id: int
    date: int
    seq: int  # global creation order (for transcripts and waiting)
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: StoredFile | None = None
    document: StoredFile | None = None
    poll_id: str | None = None
    media_group_id: str | None = None
    reply_to: int | None = None
    reply_markup: dict[str, Any] | None = None
    link_preview_options: dict[str, Any] | None = None
    disable_notification: bool = False
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    forward_from: int | None = None
    service: dict[str, Any] | None = None  # new_chat_members, left_chat_member, ...
    reactions: list[dict[str, Any]] = field(default_factory=list)
    source_html: str | None = None  # the raw text/caption the bot sent (parse_mode HTML)

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        return (self.reply_markup or {}).get("inline_keyboard", [])

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def find_button(self, label_or_data: str) -> dict[str, Any] | None:
        for row in self.buttons:
            for button in row:
                if label_or_data in (button.get("text"), button.get("callback_data")):
                    return button
        return None


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class PendingCallback:
    query_id: str
    user_id: int
    message: Message
    data: str | None
    created: float
    answer: asyncio.Future[dict[str, Any]]


class BotState:
    """Everything that belongs to one bot token."""

    def __init__(self, token: str, user: User) -> None:
        self.token = token
        self.user = user
        self.privacy_mode = True
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 100_000
        self.allowed_updates: list[str] | None = None
        self.webhook = Webhook()
        self.commands: dict[tuple[str, int | None, int | None, str], list[dict[str, str]]] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self._changed = asyncio.Event()
        self.poll_generation = 0  # concurrent getUpdates detection
        self.closing = False  # the server is stopping: long polls answer at once

    def wants(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self.allowed_updates

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if not self.wants(kind):
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.notify()
        return update

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        """An event set at the next change of the update queue / webhook."""
        return self._changed

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]


class World:
    """Users, chats, messages, files and polls shared by the bots of one sandbox."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.migrated: dict[int, int] = {}  # old group id -> its supergroup's id
        self.messages: dict[tuple[int, int], Message] = {}
        self.message_counters: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.polls: dict[str, Poll] = {}
        self.bots: dict[str, BotState] = {}
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(10_001)
        self._group_ids = itertools.count(1)
        self._changed = asyncio.Event()

    # -- identity -------------------------------------------------------------

    def new_user_id(self) -> int:
        return next(self._user_ids)

    def new_group_id(self, supergroup: bool) -> int:
        n = next(self._group_ids)
        return -(1_000_000_000_000 + n) if supergroup else -(4_000_000 + n)

    def new_token(self, prefix: str = "") -> str:
        return f"{prefix}{secrets.token_urlsafe(9).replace('-', 'x').replace('_', 'y')}"

    def add_bot(self, token: str, username: str, first_name: str, bot_id: int) -> BotState:
        user = User(id=bot_id, first_name=first_name, username=username, is_bot=True)
        self.users[bot_id] = user
        state = BotState(token, user)
        self.bots[token] = state
        return state

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        self.chats.setdefault(user.id, Chat(id=user.id, type="private"))
        return user

    def chat_by_ref(self, ref: int | str) -> Chat | None:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.lstrip("-").isdigit()):
            return self.chats.get(int(ref))
        name = ref.lstrip("@").lower()
        return next((c for c in self.chats.values() if (c.username or "").lower() == name), None)

    # -- messages -------------------------------------------------------------

    def new_message(self, chat_id: int, from_id: int, **fields: Any) -> Message:
        message_id = self.message_counters.get(chat_id, 0) + 1
        self.message_counters[chat_id] = message_id
        msg = Message(
            chat_id=chat_id, message_id=message_id, from_id=from_id, date=now(),
            seq=next(self._seq), **fields,
        )  # fmt: skip
        self.messages[(chat_id, message_id)] = msg
        self.notify()
        return msg

    def get_message(self, chat_id: int, message_id: int) -> Message | None:
        msg = self.messages.get((chat_id, message_id))
        return None if msg is None or msg.deleted else msg

    def transcript(self, chat_id: int) -> list[Message]:
        found = [m for (cid, _), m in self.messages.items() if cid == chat_id and not m.deleted]
        return sorted(found, key=lambda m: m.seq)

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        return self._changed

    def unique_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}{secrets.token_hex(4)}"

    # -- files ----------------------------------------------------------------

    def store_file(self, kind: str, data: bytes, **fields: Any) -> StoredFile:
        n = len(self.files) + 1
        ext = {"photo": "jpg"}.get(kind, (fields.get("file_name") or "bin").rsplit(".", 1)[-1])
        stored = StoredFile(
            file_id=f"SBX{kind[:3].upper()}{secrets.token_urlsafe(24)}",
            file_unique_id=f"U{secrets.token_hex(6)}",
            kind=kind, data=data, file_path=f"{kind}s/file_{n}.{ext}", **fields,
        )  # fmt: skip
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -- rendering ------------------------------------------------------------

    def render_message(self, msg: Message, *, nested: bool = True) -> dict[str, Any]:
        sender = self.users[msg.from_id]
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": self.chats[msg.chat_id].to_api(self),
            "from": sender.to_api(),
        }
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.photo is not None:
            data["photo"] = [msg.photo.to_api()]
        if msg.document is not None:
            data["document"] = msg.document.to_api()
        if msg.poll_id is not None:
            data["poll"] = self.polls[msg.poll_id].to_api()
        if msg.media_group_id:
            data["media_group_id"] = msg.media_group_id
        if msg.reply_to is not None and nested:
            replied = self.messages.get((msg.chat_id, msg.reply_to))
            if replied is not None:
                data["reply_to_message"] = self.render_message(replied, nested=False)
        if msg.reply_markup and msg.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        if msg.link_preview_options:
            data["link_preview_options"] = msg.link_preview_options
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.forward_from is not None:
            data["forward_origin"] = {
                "type": "user",
                "sender_user": self.users[msg.forward_from].to_api(),
                "date": msg.date,
            }
        if msg.service:
            data.update(msg.service)
        return data

    def render_member(self, chat: Chat, user: User) -> dict[str, Any]:
        status = chat.status_of(user.id) or "left"
        data: dict[str, Any] = {"status": status, "user": user.to_api()}
        if status in ("creator", "administrator"):
            data["is_anonymous"] = False
        if status == "administrator":
            data.update(dict.fromkeys(ADMIN_RIGHTS, True), can_be_edited=False)
        if status == "kicked":
            data["until_date"] = 0
        return data

    def render_full_chat(self, chat: Chat) -> dict[str, Any]:
        data = chat.to_api(self)
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        )  # fmt: skip
        if chat.type == "private":
            user = self.users[chat.id]
            if user.username:
                data["username"] = user.username
        return data


ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
    "can_post_stories", "can_edit_stories", "can_delete_stories", "can_send_welcome_messages",
    "can_pin_messages",
)  # fmt: skip
