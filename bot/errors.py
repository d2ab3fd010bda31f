"""The one error model. The domain raises `Refusal` (or a subclass) with the Chinese
answer for the user; one error handler (handlers/errors.py) turns it into a reply or a
button alert. Anything else is a defect: the user gets a short apology, the log gets
the update id, and the inbox records the update as failed."""
from __future__ import annotations


class Refusal(Exception):
    """A request the domain will not carry out now. str() is the user-facing answer."""

    def __init__(self, message: str, *, alert: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.alert = alert  # a button press: show it as a modal alert

    def __str__(self) -> str:
        return self.message


class NotYet(Exception):
    """An update that came before something it depends on was recorded (a poll answer
    before the sender stored the poll's Telegram id): not a defect, the inbox retries it
    like a lock timeout."""
