"""Request validation: aiogram's method models plus Telegram's documented limits.

``validate_call`` turns the raw request parameters (form fields arrive as strings,
complex values JSON-encoded) into the aiogram ``TelegramMethod`` model, and answers
Telegram-shaped 400 errors for missing or ill-typed parameters.  The ``check_*``
helpers enforce the limits Telegram applies on top of the types.
"""

from __future__ import annotations

import functools
import inspect
import json
import time
from typing import Any

import aiogram.methods
from aiogram.client.default import Default
from aiogram.methods.base import TelegramMethod
from pydantic import ValidationError

from .errors import bad_request
from .markup import parse_text

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
POLL_MAX_QUESTION = 300
POLL_MAX_OPTION = 100
# Bot API 10.x: "A JSON-serialized list of 1-12 answer options" (it used to be 2-10).
POLL_MIN_OPTIONS = 1
POLL_MAX_OPTIONS = 12
POLL_MIN_PERIOD = 5
POLL_MAX_PERIOD = 2_628_000
MEDIA_GROUP_MIN, MEDIA_GROUP_MAX = 2, 10
MAX_COMMANDS = 100

# Telegram's wording for a few missing parameters; others get "<name> is empty".
_MISSING = {
    "text": "message text is empty",
    "chat_id": "chat_id is empty",
    "message_id": "message identifier is not specified",
    "question": "poll question must be non-empty",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
}


@functools.cache
def method_models() -> dict[str, type[TelegramMethod[Any]]]:
    """Every Bot API method aiogram knows, keyed by lower-cased method name."""
    models: dict[str, type[TelegramMethod[Any]]] = {}
    for _, obj in inspect.getmembers(aiogram.methods, inspect.isclass):
        name = getattr(obj, "__api_method__", None)
        if issubclass(obj, TelegramMethod) and isinstance(name, str):
            models[name.lower()] = obj
    return models


def find_method(name: str) -> type[TelegramMethod[Any]] | None:
    return method_models().get(name.lower())


def _json_or_raw(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def validate_call(
    model: type[TelegramMethod[Any]], raw: dict[str, Any]
) -> TelegramMethod[Any]:
    """Validate raw parameters with the aiogram model of the method.

    Every string is first tried as JSON (numbers, booleans, objects), and a field
    whose JSON reading does not validate falls back to the raw string, so that a
    ``text`` of ``"123"`` stays a string while ``chat_id=123`` becomes an integer.
    """
    params = {key: _json_or_raw(value) for key, value in raw.items()}
    for _ in range(len(params) + 1):
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            retry = False
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else ""
                if key in raw and params.get(key) is not raw[key]:
                    params[key] = raw[key]
                    retry = True
            if not retry:
                raise _describe(exc) from None
    raise bad_request("invalid parameters")  # pragma: no cover


def _describe(exc: ValidationError) -> Exception:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "parameters"
    if error["type"] == "missing" and len(error["loc"]) == 1:
        return bad_request(_MISSING.get(field, f"parameter \"{field}\" is required"))
    return bad_request(f'field "{field}" is invalid: {error["msg"]}')


def opt(value: Any) -> Any:
    """aiogram fills unset "default" parameters with ``Default(...)``: treat as None."""
    return None if isinstance(value, Default) else value


def check_text(text: str, parse_mode: Any) -> tuple[str, list[dict[str, Any]]]:
    plain, entities = parse_text(text, opt(parse_mode))
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def check_caption(caption: str | None, parse_mode: Any) -> tuple[str | None, list[dict[str, Any]]]:
    if caption is None:
        return None, []
    plain, entities = parse_text(caption, opt(parse_mode))
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return (plain or None), entities


_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
    "copy_text", "callback_game", "pay",
)  # fmt: skip


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate an inline keyboard; return the markup as a JSON-ready dict."""
    markup = opt(markup)
    if markup is None:
        return None
    data = markup.model_dump(mode="json", exclude_none=True, by_alias=True)
    for row in data.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                size = len(button["callback_data"].encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not button["url"].startswith(
                ("http://", "https://", "tg://")
            ):
                raise bad_request("BUTTON_URL_INVALID")
    return data


def check_poll(
    question: str, options: list[str], open_period: Any, close_date: Any
) -> float | None:
    """Validate poll limits; return the absolute close time (unix seconds) if any."""
    if not question.strip():
        raise bad_request("poll question must be non-empty")
    if len(question) > POLL_MAX_QUESTION:
        raise bad_request("poll question length must not exceed 300")
    if len(options) < POLL_MIN_OPTIONS:
        raise bad_request("poll must have at least 1 option")
    if len(options) > POLL_MAX_OPTIONS:
        raise bad_request("poll can't have more than 12 options")
    for option in options:
        if not option.strip():
            raise bad_request("poll options must be non-empty")
        if len(option) > POLL_MAX_OPTION:
            raise bad_request("poll options length must not exceed 100")
    if open_period is not None and close_date is not None:
        raise bad_request("can't use open_period and close_date together")
    now = time.time()
    if open_period is not None:
        period = seconds(open_period)
        if not POLL_MIN_PERIOD <= period <= POLL_MAX_PERIOD:
            raise bad_request("wrong open period specified")
        return now + period
    if close_date is not None:
        ahead = _timestamp(close_date) - now
        if not POLL_MIN_PERIOD - 1 <= ahead <= POLL_MAX_PERIOD + 1:
            raise bad_request("wrong close date specified")
        return now + ahead
    return None


def seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _timestamp(value: Any) -> float:
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    if hasattr(value, "total_seconds"):
        return time.time() + value.total_seconds()
    return float(value)


def check_commands(commands: list[Any]) -> list[dict[str, str]]:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    result = []
    for command in commands:
        name = command.command.lstrip("/")
        if not (1 <= len(name) <= 32) or not all(
            c.islower() or c.isdigit() or c == "_" for c in name
        ) or not name.isascii():
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.description) <= 256:
            raise bad_request("command description must be 1-256 characters")
        result.append({"command": name, "description": command.description})
    return result
