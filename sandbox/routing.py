"""Which bot receives which update: membership and privacy mode, like Telegram."""

from __future__ import annotations

from typing import Any

from .markup import entity_text
from .state import BotState, Chat, Message, World


def bot_sees(bot: BotState, chat: Chat, msg: Message, world: World) -> bool:
    """Whether ``bot`` gets an update for ``msg`` posted in ``chat``."""
    if msg.from_id == bot.user.id:
        return False  # a bot never receives its own messages
    if chat.type == "private":
        return chat.id == msg.from_id and msg.from_id not in bot.blocked
    status = chat.status_of(bot.user.id)
    if status not in ("administrator", "creator", "member"):
        return False
    if not bot.privacy_mode or status in ("administrator", "creator"):
        return True
    return _passes_privacy(bot, msg, world)


def _passes_privacy(bot: BotState, msg: Message, world: World) -> bool:
    """Privacy mode: commands, replies to the bot, mentions and service messages."""
    if msg.service:
        return True
    if msg.reply_to is not None:
        replied = world.messages.get((msg.chat_id, msg.reply_to))
        if replied is not None and replied.from_id == bot.user.id:
            return True
    text = msg.text if msg.text is not None else (msg.caption or "")
    entities = msg.entities if msg.text is not None else msg.caption_entities
    username = (bot.user.username or "").lower()
    for entity in entities:
        value = entity_text(text, entity)
        if entity["type"] == "bot_command":
            target = value.partition("@")[2].lower()
            if not target or target == username:
                return True
        if entity["type"] == "mention" and value[1:].lower() == username:
            return True
        if entity["type"] == "text_mention" and entity.get("user", {}).get("id") == bot.user.id:
            return True
    return False


def route_message(world: World, msg: Message, kind: str = "message") -> list[dict[str, Any]]:
    """Queue ``message`` / ``edited_message`` updates for every bot that sees it."""
    chat = world.chats[msg.chat_id]
    pushed = []
    for bot in world.bots.values():
        if bot_sees(bot, chat, msg, world):
            update = bot.push_update(kind, world.render_message(msg))
            if update is not None:
                pushed.append(update)
    return pushed
