"""Identity, chats, members and bot commands."""

from __future__ import annotations

import weakref
from typing import Any

from ..errors import bad_request
from ..membership import change_status
from ..state import ACTIVE_STATUSES
from ..validation import check_commands, opt
from .common import Call, api, known_chat


@api("getMe")
async def get_me(call: Call, p: Any) -> dict[str, Any]:
    return {
        **call.bot.user.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": not call.bot.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
        "has_topics_enabled": False,
        "allows_users_to_create_topics": False,
        "can_manage_bots": False,
    }


@api("getChat")
async def get_chat(call: Call, p: Any) -> dict[str, Any]:
    return call.world.render_full_chat(known_chat(call, p.chat_id))


@api("getChatMember")
async def get_chat_member(call: Call, p: Any) -> dict[str, Any]:
    chat = known_chat(call, p.chat_id)
    user = call.world.users.get(p.user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private" and user.id not in (chat.id, call.bot_id):
        raise bad_request("user not found")
    if chat.type == "private":
        return {"status": "member", "user": user.to_api()}
    return call.world.render_member(chat, user)


@api("getChatAdministrators")
async def get_chat_administrators(call: Call, p: Any) -> list[dict[str, Any]]:
    chat = known_chat(call, p.chat_id)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        call.world.render_member(chat, call.world.users[user_id])
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]


@api("getChatMemberCount")
async def get_chat_member_count(call: Call, p: Any) -> int:
    chat = known_chat(call, p.chat_id)
    if chat.type == "private":
        return 2
    return sum(1 for status in chat.members.values() if status in ACTIVE_STATUSES)


@api("leaveChat")
async def leave_chat(call: Call, p: Any) -> bool:
    chat = known_chat(call, p.chat_id)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    change_status(call.world, chat, call.bot.user, "left", actor=call.bot.user)
    return True


def _scope_key(call: Call, p: Any) -> tuple[str, int | None, int | None, str]:
    scope = opt(p.scope)
    kind = scope.type if scope is not None else "default"
    chat_ref = getattr(scope, "chat_id", None)
    chat_id = None
    if chat_ref is not None:
        chat_id = known_chat(call, chat_ref).id
    user_id = getattr(scope, "user_id", None)
    return kind, chat_id, user_id, opt(p.language_code) or ""


@api("setMyCommands")
async def set_my_commands(call: Call, p: Any) -> bool:
    call.bot.commands[_scope_key(call, p)] = check_commands(p.commands)
    return True


@api("getMyCommands")
async def get_my_commands(call: Call, p: Any) -> list[dict[str, str]]:
    return call.bot.commands.get(_scope_key(call, p), [])


@api("deleteMyCommands")
async def delete_my_commands(call: Call, p: Any) -> bool:
    call.bot.commands.pop(_scope_key(call, p), None)
    return True


# The menu button of each private chat (None: the bot's default); kept beside the bot's
# state rather than in it.
_MENU_BUTTONS: weakref.WeakKeyDictionary[Any, dict[int | None, dict[str, Any]]] = (
    weakref.WeakKeyDictionary())
_DEFAULT_MENU = {"type": "default"}


def _menu_chat(call: Call, p: Any) -> int | None:
    if p.chat_id is None:
        return None
    chat = known_chat(call, p.chat_id)
    if chat.type != "private":
        raise bad_request("chat not found")  # menu buttons exist in private chats only
    return chat.id


@api("setChatMenuButton")
async def set_chat_menu_button(call: Call, p: Any) -> bool:
    chat_id = _menu_chat(call, p)
    button = opt(p.menu_button)
    data = (button.model_dump(mode="json", exclude_none=True, by_alias=True)
            if button is not None else dict(_DEFAULT_MENU))
    if data.get("type") == "web_app":
        if not data.get("text"):
            raise bad_request("can't parse menu button: text must be non-empty")
        url = str((data.get("web_app") or {}).get("url", ""))
        if not url.startswith("https://"):
            raise bad_request(f"Web App URL '{url}' is invalid: Only HTTPS links are allowed")
    menus = _MENU_BUTTONS.setdefault(call.bot, {})
    if data.get("type") == "default":
        menus.pop(chat_id, None)
    else:
        menus[chat_id] = data
    return True


@api("getChatMenuButton")
async def get_chat_menu_button(call: Call, p: Any) -> dict[str, Any]:
    menus = _MENU_BUTTONS.get(call.bot, {})
    chat_id = _menu_chat(call, p)
    # a chat without its own button shows the bot's default one
    return dict(menus.get(chat_id) or menus.get(None) or _DEFAULT_MENU)


@api("logOut")
async def log_out(call: Call, p: Any) -> bool:
    return True


@api("close")
async def close(call: Call, p: Any) -> bool:
    return True
