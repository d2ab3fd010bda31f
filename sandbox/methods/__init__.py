"""Handlers of the Bot API methods the sandbox implements.

Each handler is ``async def handler(call: Call, p: <aiogram method model>) -> result``
registered with ``@api("methodName")``; the result is JSON-ready.
"""

from . import chats, media, messages, polls, updates  # noqa: F401  (registration)
from .common import HANDLERS, Call

__all__ = ["HANDLERS", "Call"]
