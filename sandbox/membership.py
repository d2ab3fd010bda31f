"""Membership changes and the updates they produce (my_chat_member, chat_member,
new_chat_members / left_chat_member service messages)."""

from __future__ import annotations

from .routing import route_message
from .state import ACTIVE_STATUSES, Chat, User, World, now


def change_status(
    world: World, chat: Chat, user: User, status: str, *, actor: User, service: bool = True
) -> None:
    """Set ``user``'s status in ``chat`` and emit the updates Telegram would."""
    old = world.render_member(chat, user)
    chat.members[user.id] = status
    new = world.render_member(chat, user)
    if old["status"] == new["status"]:
        return
    change = {
        "chat": chat.to_api(world),
        "from": actor.to_api(),
        "date": now(),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    for bot in world.bots.values():
        if bot.user.id == user.id:
            bot.push_update("my_chat_member", change)
        elif chat.status_of(bot.user.id) in ("administrator", "creator"):
            bot.push_update("chat_member", change)
    joined = status in ACTIVE_STATUSES and old["status"] not in ACTIVE_STATUSES
    left = status not in ACTIVE_STATUSES and old["status"] in ACTIVE_STATUSES
    if not service or not (joined or left):
        return
    payload = (
        {"new_chat_members": [user.to_api()]} if joined else {"left_chat_member": user.to_api()}
    )
    msg = world.new_message(chat.id, actor.id, service=payload)
    route_message(world, msg)
