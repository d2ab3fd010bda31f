"""The scenario client: the "world" side of the sandbox, used in-process by tests
and the demo (users join groups, talk, press buttons, vote) plus waiting helpers
and a readable transcript.  Mixed into ``SandboxServer``."""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
import zlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from .files import image_size
from .markup import auto_entities
from .membership import change_status
from .routing import route_message
from .state import BotState, Chat, Message, PendingCallback, User, World, now
from .transcript import render_transcript


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A valid PNG image (used as the default photo a user sends)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip


@dataclass
class SandboxUser:
    """A human user of the sandbox world."""

    sb: ScenarioMixin
    user: User

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def first_name(self) -> str:
        return self.user.first_name

    @property
    def username(self) -> str | None:
        return self.user.username

    def start_bot(self) -> Message:
        """Open the private chat with the bot and send /start."""
        return self.sb.start_bot(self)

    def block(self) -> None:
        self.sb.block(self)

    def say(self, chat: Any, text: str, reply_to: Message | None = None) -> Message:
        return self.sb.say(self, chat, text, reply_to=reply_to)


class CallbackHandle:
    """A pressed inline button; ``await handle`` gives the bot's answerCallbackQuery."""

    def __init__(self, pending: PendingCallback, update: dict[str, Any] | None) -> None:
        self.pending = pending
        self.update = update

    @property
    def query_id(self) -> str:
        return self.pending.query_id

    @property
    def answered(self) -> bool:
        return self.pending.answer.done()

    async def answer(self, timeout: float = 5.0) -> dict[str, Any]:
        """``{"text", "show_alert", "url"}`` once the bot answered the query."""
        return await asyncio.wait_for(asyncio.shield(self.pending.answer), timeout)

    async def text(self, timeout: float = 5.0) -> str | None:
        return (await self.answer(timeout))["text"]

    def __await__(self) -> Generator[Any, None, dict[str, Any]]:
        return self.answer().__await__()


class ScenarioMixin:
    """Scenario helpers; the host class provides ``world`` and ``bot``."""

    world: World
    bot: BotState
    _seen: set[int]

    # -- people and groups ----------------------------------------------------

    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        *,
        last_name: str | None = None,
        user_id: int | None = None,
        language_code: str | None = "zh-hans",
    ) -> SandboxUser:
        user = User(
            id=user_id or self.world.new_user_id(), first_name=first_name, username=username,
            last_name=last_name, language_code=language_code,
        )  # fmt: skip
        return SandboxUser(self, self.world.add_user(user))

    def add_group(
        self,
        title: str,
        members: list[SandboxUser] | tuple[SandboxUser, ...] = (),
        *,
        bot_is_admin: bool = False,
        admins: list[SandboxUser] | tuple[SandboxUser, ...] = (),
        creator: SandboxUser | None = None,
        supergroup: bool = True,
        username: str | None = None,
        with_bot: bool = True,
    ) -> Chat:
        """Create a group whose creator adds the bot (emits ``my_chat_member``)."""
        owner = creator or (members[0] if members else self.add_user("群主"))
        chat = Chat(
            id=self.world.new_group_id(supergroup), type="supergroup" if supergroup else "group",
            title=title, username=username,
        )  # fmt: skip
        self.world.chats[chat.id] = chat
        chat.members[owner.id] = "creator"
        for member in members:
            chat.members.setdefault(member.id, "member")
        for admin in admins:
            chat.members[admin.id] = "administrator"
        if with_bot:
            status = "administrator" if bot_is_admin else "member"
            change_status(self.world, chat, self.bot.user, status, actor=owner.user)
        return chat

    def migrate_group(self, chat: Chat) -> Chat:
        """The group is upgraded to a supergroup: a new chat id with the same members;
        every call naming the old id answers 400 with ``migrate_to_chat_id``."""
        new = Chat(id=self.world.new_group_id(True), type="supergroup", title=chat.title,
                   username=chat.username, members=dict(chat.members))
        self.world.chats[new.id] = new
        self.world.migrated[chat.id] = new.id
        return new

    def join(self, user: SandboxUser, chat: Chat) -> None:
        change_status(self.world, chat, user.user, "member", actor=user.user)

    def leave(self, user: SandboxUser, chat: Chat) -> None:
        change_status(self.world, chat, user.user, "left", actor=user.user)

    def set_bot_status(self, chat: Chat, status: str, by: SandboxUser | None = None) -> None:
        """Promote (``administrator``), demote (``member``), kick or remove the bot."""
        actor = by.user if by else self.world.users[_creator(chat)]
        change_status(self.world, chat, self.bot.user, status, actor=actor)

    def set_privacy(self, enabled: bool) -> None:
        """BotFather /setprivacy: in groups, see only commands/replies/mentions."""
        self.bot.privacy_mode = enabled

    def start_bot(self, user: SandboxUser) -> Message:
        self.bot.started.add(user.id)
        self.bot.blocked.discard(user.id)
        return self.say(user, user.id, "/start")

    def block(self, user: SandboxUser) -> None:
        """The user blocks the bot: sends fail with 403, a my_chat_member arrives."""
        self._private_status(user, "kicked")
        self.bot.blocked.add(user.id)

    def unblock(self, user: SandboxUser) -> None:
        self.bot.blocked.discard(user.id)
        self._private_status(user, "member")

    def _private_status(self, user: SandboxUser, status: str) -> None:
        old = "kicked" if user.id in self.bot.blocked else "member"
        if old == status:
            return
        bot_user = self.bot.user.to_api()
        self.bot.push_update(
            "my_chat_member",
            {
                "chat": self.world.chats[user.id].to_api(self.world),
                "from": user.user.to_api(), "date": now(),
                "old_chat_member": {"status": old, "user": bot_user, **_until(old)},
                "new_chat_member": {"status": status, "user": bot_user, **_until(status)},
            },
        )  # fmt: skip

    # -- messages -------------------------------------------------------------

    def _chat(self, ref: Any) -> Chat:
        if isinstance(ref, Chat):
            return ref
        if isinstance(ref, SandboxUser):
            return self.world.chats[ref.id]
        if isinstance(ref, Message):
            return self.world.chats[ref.chat_id]
        chat = self.world.chats.get(int(ref))
        if chat is None:
            raise KeyError(f"no chat {ref!r} in the sandbox")
        return chat

    def _post(self, user: SandboxUser, chat_ref: Any, *, kind: str = "message",
              **fields: Any) -> Message:  # fmt: skip
        chat = self._chat(chat_ref)
        if chat.type == "private" and chat.id != user.id:
            raise ValueError("a user can only write in their own private chat with the bot")
        if chat.type != "private" and not chat.is_active_member(user.id):
            raise ValueError(f"{user.first_name} is not a member of {chat.title}")
        reply_to = fields.pop("reply_to", None)
        msg = self.world.new_message(
            chat.id, user.id, reply_to=reply_to.message_id if reply_to else None, **fields
        )
        route_message(self.world, msg, kind)
        return msg

    def say(
        self, user: SandboxUser, chat: Any, text: str, reply_to: Message | None = None
    ) -> Message:
        """The user writes ``text`` in ``chat`` (a ``message`` update for the bot)."""
        return self._post(user, chat, text=text, entities=auto_entities(text), reply_to=reply_to)

    def send_photo(
        self, user: SandboxUser, chat: Any, caption: str | None = None,
        media_group_id: str | None = None, *, data: bytes | None = None,
        reply_to: Message | None = None,
    ) -> Message:  # fmt: skip
        data = data or tiny_png()
        width, height = image_size(data)
        photo = self.world.store_file("photo", data, width=width, height=height)
        return self._post(
            user, chat, photo=photo, caption=caption,
            caption_entities=auto_entities(caption) if caption else [],
            media_group_id=media_group_id, reply_to=reply_to,
        )  # fmt: skip

    def send_album(self, user: SandboxUser, chat: Any, n: int = 3,
                   caption: str | None = None) -> list[Message]:  # fmt: skip
        """``n`` photos in one media group; the caption goes on the first one."""
        group_id = self.world.unique_id("")
        return [
            self.send_photo(user, chat, caption if i == 0 else None, group_id,
                            data=tiny_png(4 + i, 3))
            for i in range(n)
        ]

    def send_document(
        self, user: SandboxUser, chat: Any, data: bytes, file_name: str,
        caption: str | None = None, mime_type: str | None = None,
    ) -> Message:  # fmt: skip
        document = self.world.store_file(
            "document", data, file_name=file_name, mime_type=mime_type
        )
        return self._post(user, chat, document=document, caption=caption)

    def edit(self, user: SandboxUser, message: Message, new_text: str) -> Message:
        """The user edits their message (an ``edited_message`` update)."""
        if message.from_id != user.id:
            raise ValueError("users can only edit their own messages")
        message.text, message.entities = new_text, auto_entities(new_text)
        message.edit_date, message.edits = now(), message.edits + 1
        self.world.notify()
        route_message(self.world, message, "edited_message")
        return message

    def press(self, user: SandboxUser, message: Message, button: str) -> CallbackHandle:
        """Press the inline button with this text or callback_data."""
        found = message.find_button(button)
        if found is None or "callback_data" not in found:
            raise ValueError(f"no callback button {button!r} on message {message.message_id}")
        return self.press_data(user, message, found["callback_data"])

    def press_data(self, user: SandboxUser, message: Message, data: str) -> CallbackHandle:
        """A press carrying any callback data (a stale button of an older version of
        the bot, or a tampered client): the bot must answer it like any other."""
        bot = next(b for b in self.world.bots.values() if b.user.id == message.from_id)
        pending = PendingCallback(
            query_id=self.world.unique_id("cb"), user_id=user.id, message=message,
            data=data, created=time.monotonic(),
            answer=asyncio.get_running_loop().create_future(),
        )  # fmt: skip
        bot.callbacks[pending.query_id] = pending
        update = bot.push_update(
            "callback_query",
            {
                "id": pending.query_id, "from": user.user.to_api(),
                "message": self.world.render_message(message),
                "chat_instance": str(abs(message.chat_id) * 7919 % 10**12),
                "data": data,
            },
        )  # fmt: skip
        return CallbackHandle(pending, update)

    def vote(self, user: SandboxUser, poll_message: Message, option_ids: list[int]) -> None:
        """The user votes (``[]`` retracts): ``poll_answer`` + ``poll`` updates."""
        if poll_message.poll_id is None:
            raise ValueError("not a poll message")
        poll = self.world.polls[poll_message.poll_id]
        poll.refresh()
        if poll.is_closed:
            raise ValueError("poll is closed")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise ValueError("poll allows one answer only")
        chosen = sorted(option_ids)
        if any(not 0 <= i < len(poll.options) for i in chosen) or len(set(chosen)) != len(chosen):
            raise ValueError(f"bad option ids {option_ids}")
        if poll.votes.get(user.id) and not poll.allows_revoting:
            raise ValueError("poll does not allow changing the vote")
        poll.votes[user.id] = chosen
        self.world.notify()
        for bot in self.world.bots.values():
            if bot.user.id != poll_message.from_id:
                continue
            if not poll.is_anonymous:
                bot.push_update(
                    "poll_answer",
                    {
                        "poll_id": poll.id, "user": user.user.to_api(),
                        "option_ids": chosen,
                        "option_persistent_ids": [poll.option_persistent_id(i) for i in chosen],
                    },
                )  # fmt: skip
            bot.push_update("poll", poll.to_api())

    # -- observing ------------------------------------------------------------

    def messages(self, chat: Any) -> list[Message]:
        """The chat transcript: user and bot messages, in order (deleted ones excluded)."""
        return self.world.transcript(self._chat(chat).id)

    def bot_messages(self, chat: Any) -> list[Message]:
        return [m for m in self.messages(chat) if m.from_id == self.bot.user.id]

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked at each change of the world
        and at least every 50 ms)."""

        async def loop() -> Any:
            while True:
                changed = self.world.changed()
                result = condition()
                if result:
                    return result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), 0.05)

        return await asyncio.wait_for(loop(), timeout)

    async def wait_for_many(
        self, count: int, chat_id: Any = None, predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0, *, include_seen: bool = False,
    ) -> list[Message]:  # fmt: skip
        """The next ``count`` bot messages (not returned before) matching ``predicate``."""
        if not hasattr(self, "_seen"):
            self._seen = set()
        chat = self._chat(chat_id).id if chat_id is not None else None

        def matches() -> list[Message]:
            found = [
                m for m in sorted(self.world.messages.values(), key=lambda m: m.seq)
                if m.from_id == self.bot.user.id and not m.deleted
                and (chat is None or m.chat_id == chat)
                and (include_seen or m.seq not in self._seen)
                and (predicate is None or predicate(m))
            ]  # fmt: skip
            return found[:count] if len(found) >= count else []

        try:
            found = await self.wait_until(matches, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no {count} bot message(s) matching in {timeout}s; transcript:\n"
                + self.transcript(chat)
            ) from None
        self._seen.update(m.seq for m in found)
        return found

    async def wait_for(
        self, chat_id: Any = None, predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0, *, include_seen: bool = False,
    ) -> Message:  # fmt: skip
        """The next bot message (not returned before) in the chat matching ``predicate``."""
        found = await self.wait_for_many(1, chat_id, predicate, timeout, include_seen=include_seen)
        return found[0]

    def transcript(self, chat: Any = None) -> str:
        """A readable log of one chat (or of every chat with messages)."""
        chats = [self._chat(chat)] if chat is not None else list(self.world.chats.values())
        return render_transcript(self.world, chats)


def _creator(chat: Chat) -> int:
    return next(uid for uid, status in chat.members.items() if status == "creator")


def _until(status: str) -> dict[str, int]:
    return {"until_date": 0} if status == "kicked" else {}
