"""A local Telegram Bot API server ("sandbox") for tests and the demo.

    async with SandboxServer() as sb:
        bot = sb.make_bot()
        ...

See docs/sandbox.md.
"""

from .client import CallbackHandle, SandboxUser, tiny_png
from .dispatch import RequestRecord
from .errors import ApiError
from .faults import DROP, HTML, Fault, FloodLimits
from .server import DEFAULT_TOKEN, SandboxServer
from .state import Chat, Message, Poll, User
from .webhook import Delivery

__all__ = [
    "DEFAULT_TOKEN", "DROP", "HTML", "ApiError", "CallbackHandle", "Chat", "Delivery", "Fault",
    "FloodLimits", "Message", "Poll", "RequestRecord", "SandboxServer", "SandboxUser", "User",
    "tiny_png",
]  # fmt: skip
