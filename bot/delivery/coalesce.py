"""Replies due to one group at once share one message (issue 19: a rush in a group).

Telegram lets a bot post about 20 messages a minute into a group. When dozens of
residents report the same water cut within two minutes, one card per report would keep
the group waiting for minutes; instead the sender takes a group's head row together with
the *mergeable* rows queued right behind it (`enqueue(..., mergeable=True)`) and sends
them as one message: their texts one after the other, one keyboard section per subject
(`ref`, e.g. "case:12"). Each row stays a row: all are marked sent with the same
`message_id` and result, and each row's after-send hook runs (a case card remembers the
shared message as its card).

A later notice about the same subject that differs only in its numbers (目前共 3 户 →
目前共 4 户) replaces the earlier one in the merged text, so a rush of "me too" replies
reads as one line. Keyboards: the latest part of a subject wins (the freshest +N).

Editing a merged message must not overwrite the other parts: `rewrite_edit` turns an
edit of one subject into an edit of the whole message (that subject's part replaced,
the others kept), and the caller stores the part's new content. A text edit whose
subject is not in the message becomes a fresh reply to it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.delivery.outbox import has_deferred

MAX_TEXT = 4096  # Telegram: characters (UTF-16 units) of a message text
MAX_BUTTONS = 100  # Telegram: buttons of one inline keyboard
MAX_PARTS = 60  # rows looked at for one message (the rest wait for the next one)
SEPARATOR = "\n\n"
# Merge only when sending the waiting replies one by one would make the last one wait
# longer than this (their number × the chat's pacing): at Telegram's group pace (one
# every ~4 s once the burst is spent) any two; with relaxed limits, never. Each resident
# then keeps a reply of their own whenever the group's budget allows it.
MERGE_AFTER = 3.0
EDITS = ("editMessageText", "editMessageReplyMarkup")
SKIP = "skip"  # rewrite_edit: nothing to change in the merged message
_KEYS = {"text", "parse_mode", "reply_markup", "reply_parameters", "link_preview_options"}
_NUMBER = re.compile(r"\d+")

Part = tuple[str | None, Mapping[str, Any]]  # (ref, payload)


def can_merge(method: str, payload: Mapping[str, Any]) -> bool:
    """A plain text message (no files, no entities, nothing resolved at send time)."""
    return (method == "sendMessage" and isinstance(payload.get("text"), str)
            and set(payload) <= _KEYS and not has_deferred(payload))


def _rows(payload: Mapping[str, Any]) -> list[list[dict[str, Any]]] | None:
    """The keyboard rows of a payload; None when it says nothing about a keyboard."""
    markup = payload.get("reply_markup")
    if not isinstance(markup, Mapping):
        return None
    return list(markup.get("inline_keyboard") or [])


def _mark(n: int) -> str:
    """①, ②, … ⑳, then (21): which text a keyboard row belongs to."""
    return chr(0x2460 + n) if n < 20 else f"({n + 1})"


def compose(parts: Sequence[Part]) -> tuple[str, list[list[dict[str, Any]]]]:
    """The text and keyboard rows of one message made of `parts`, in order. With more than
    one text, each is numbered ①, ②… and its buttons carry the same number."""
    texts: list[tuple[str | None, str]] = []
    where: list[int] = []  # part index → index of its text
    for ref, payload in parts:
        text = str(payload["text"])
        same = _NUMBER.sub("#", text)
        for i, (seen_ref, seen) in enumerate(texts):
            if ref is not None and seen_ref == ref and _NUMBER.sub("#", seen) == same:
                texts[i] = (ref, text)  # the newer figures replace the older ones
                where.append(i)
                break
        else:
            where.append(len(texts))
            texts.append((ref, text))
    sections: dict[object, tuple[int, list[list[dict[str, Any]]]]] = {}
    for i, (ref, payload) in enumerate(parts):
        rows = _rows(payload)
        if rows is not None:  # a subject's latest wins, numbered as its first text
            key = ref if ref is not None else i
            sections[key] = (sections[key][0] if key in sections else where[i], rows)
    if len(texts) == 1:
        return texts[0][1], [row for _, rows in sections.values() for row in rows]
    keyboard = [[{**button, "text": f"{_mark(n)} {button['text']}"} for button in row]
                for n, rows in sections.values() for row in rows]
    return SEPARATOR.join(f"{_mark(n)} {text}" for n, (_, text) in enumerate(texts)), keyboard


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, keyboard: list[list[dict[str, Any]]]) -> bool:
    return _size(text) <= MAX_TEXT and sum(len(row) for row in keyboard) <= MAX_BUTTONS


def take(parts: Sequence[tuple[str, str | None, Mapping[str, Any]]]) -> int:
    """How many leading parts (method, ref, payload) go in one message: at least the
    first; then while each is a plain text message and the whole fits Telegram's limits."""
    if not parts or not can_merge(parts[0][0], parts[0][2]):
        return min(len(parts), 1)
    count = 1
    for method, _, payload in parts[1:MAX_PARTS]:
        if not can_merge(method, payload) or payload.get("parse_mode") != parts[0][2].get(
                "parse_mode"):
            break
        if not fits(*compose([(ref, p) for _, ref, p in parts[:count + 1]])):
            break
        count += 1
    return count


def merged_payload(parts: Sequence[Part]) -> dict[str, Any]:
    """sendMessage parameters for the parts: a reply to the first part's message."""
    text, keyboard = compose(parts)
    first = dict(parts[0][1])
    payload: dict[str, Any] = {"text": text}
    if "parse_mode" in first:
        payload["parse_mode"] = first["parse_mode"]
    if keyboard:
        payload["reply_markup"] = {"inline_keyboard": keyboard}
    reply = first.get("reply_parameters")
    if isinstance(reply, Mapping):
        payload["reply_parameters"] = {**reply, "allow_sending_without_reply": True}
    return payload


def rewrite_edit(
    method: str, payload: Mapping[str, Any], ref: str | None,
    parts: Sequence[tuple[int, str | None, Mapping[str, Any]]],
) -> tuple[str, dict[str, Any], dict[int, dict[str, Any]]]:
    """An edit (editMessageText / editMessageReplyMarkup) of the message made of `parts`
    (id, ref, payload as sent or last edited), meant for the part(s) about `ref`.
    Returns (method, parameters, {part id: its new payload}); method SKIP: nothing to do."""
    mine = [pid for pid, part_ref, _ in parts if ref is not None and part_ref == ref]
    message_id = payload["message_id"]
    empty = {"inline_keyboard": []}
    if not mine:
        if method == "editMessageText":  # about something else: say it below instead
            fresh = {k: v for k, v in payload.items() if k in _KEYS}
            fresh["reply_parameters"] = {"message_id": message_id,
                                         "allow_sending_without_reply": True}
            if not _rows(fresh):
                fresh.pop("reply_markup", None)
            return "sendMessage", fresh, {}
        return SKIP, {}, {}
    markup = payload.get("reply_markup") or empty  # a text edit without one removes it
    updated: dict[int, dict[str, Any]] = {}
    for pid, _, part in parts:
        if pid in mine:
            new = {**part, "reply_markup": markup}
            if method == "editMessageText" and pid == mine[0]:
                new["text"] = payload["text"]
            updated[pid] = new
    text, keyboard = compose([(part_ref, updated.get(pid, part)) for pid, part_ref, part in parts])
    params: dict[str, Any] = {"message_id": message_id, "reply_markup": {"inline_keyboard": keyboard}}
    if method == "editMessageText":
        params["text"] = text
        if "parse_mode" in payload:
            params["parse_mode"] = payload["parse_mode"]
    return method, params, updated
