"""Telegram text formatting: the HTML parse mode and automatic entities.

``parse_html`` follows the rules of Telegram's parser (tdlib): only the documented
tags are accepted, ``<`` always opens a tag, named entities are limited to
``&lt; &gt; &amp; &quot;`` (numeric ones are all accepted) and errors carry the
byte offset of the offending tag, e.g. ``Unsupported start tag "div" at byte offset 0``.
Entity offsets and lengths are in UTF-16 code units, like the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tag -> entity type (None: decided from the attributes)
_TAG_TYPES: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": None,
    "code": "code",
    "pre": "pre",
    "blockquote": None,
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the output text
    children_types: list[str] = field(default_factory=list)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.out_len16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "<":
                self.tag()
            elif ch == "&":
                self.entity()
            else:
                nxt = min(
                    (i for i in (src.find("<", self.pos), src.find("&", self.pos)) if i >= 0),
                    default=len(src),
                )
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            name = self.stack[-1].name
            raise entities_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def entity(self) -> None:
        src = self.src
        end = src.find(";", self.pos + 1, self.pos + 12)
        if end > 0:
            name = src[self.pos + 1 : end]
            char: str | None = None
            if name in _NAMED_ENTITIES:
                char = _NAMED_ENTITIES[name]
            elif re.fullmatch(r"#[0-9]{1,7}", name):
                char = _code_point(int(name[1:]))
            elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", name):
                char = _code_point(int(name[2:], 16))
            if char is not None:
                self.emit(char)
                self.pos = end + 1
                return
        self.emit("&")  # a lone '&' is kept as text
        self.pos += 1

    def tag(self) -> None:
        src = self.src
        begin = self.pos
        if src.startswith("</", begin):
            close = src.find(">", begin)
            if close < 0:
                raise entities_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
            name = src[begin + 2 : close].strip().lower()
            self.close_tag(name, begin)
            self.pos = close + 1
            return
        i = begin + 1
        while i < len(src) and not src[i].isspace() and src[i] not in ">/":
            i += 1
        if i >= len(src):
            raise entities_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : i].lower()
        if name not in _TAG_TYPES:
            raise entities_error(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attrs, self.pos = self.attributes(i, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise entities_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise entities_error('Tag "tg-emoji" must have attribute "emoji-id"')
        if self.stack:
            self.stack[-1].children_types.append(name)
        self.stack.append(_OpenTag(name, attrs, self.out_len16))

    def attributes(self, i: int, begin: int) -> tuple[dict[str, str], int]:
        src = self.src
        attrs: dict[str, str] = {}
        unclosed = entities_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise unclosed
            if src[i] == ">":
                return attrs, i + 1
            if src.startswith("/>", i):
                raise entities_error(
                    f"Unexpected end of tag at byte offset {self.byte_offset(begin)}"
                )
            m = re.compile(r"[A-Za-z0-9_-]+").match(src, i)
            if not m:
                raise entities_error(
                    f"Empty attribute name in the tag at byte offset {self.byte_offset(begin)}"
                )
            key, i = m.group(0).lower(), m.end()
            value = ""
            if src.startswith("=", i):
                i += 1
                if i < len(src) and src[i] in "\"'":
                    quote_end = src.find(src[i], i + 1)
                    if quote_end < 0:
                        raise unclosed
                    value, i = src[i + 1 : quote_end], quote_end + 1
                else:
                    m = re.compile(r"[^\s>]*").match(src, i)
                    assert m is not None
                    value, i = m.group(0), m.end()
            attrs[key] = _unescape(value)

    def close_tag(self, name: str, begin: int) -> None:
        if not self.stack:
            raise entities_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if top.name != name:
            raise entities_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.stack.pop()
        length = self.out_len16 - top.offset
        entity = _entity_for(top)
        if entity is None or length == 0:
            return
        if top.name == "code" and self.stack and self.stack[-1].name == "pre":
            lang = top.attrs.get("class", "")
            if lang.startswith("language-"):
                self.stack[-1].attrs["_language"] = lang[len("language-") :]
                return
        if top.name == "pre" and "_language" in top.attrs:
            entity["language"] = top.attrs["_language"]
        entity.update(offset=top.offset, length=length)
        self.entities.append(entity)


def _entity_for(tag: _OpenTag) -> dict[str, Any] | None:
    kind = _TAG_TYPES[tag.name]
    if tag.name == "a":
        href = tag.attrs.get("href")
        return {"type": "text_link", "url": href} if href else None
    if tag.name == "blockquote":
        expandable = "expandable" in tag.attrs
        return {"type": "expandable_blockquote" if expandable else "blockquote"}
    if tag.name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": tag.attrs["emoji-id"]}
    if tag.name == "tg-time":
        unix = tag.attrs.get("unix", "")
        return {"type": "date_time", "unix_time": int(unix)} if unix.isdigit() else None
    return {"type": kind}


def _code_point(value: int) -> str:
    return chr(value) if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else "\ufffd"


def _unescape(value: str) -> str:
    for name, char in _NAMED_ENTITIES.items():
        value = value.replace(f"&{name};", char)
    return value


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return ``(plain_text, entities)`` or raise ``ApiError``."""
    return _HtmlParser(source).run()


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (HTML / none); other modes are accepted without parsing."""
    if parse_mode is None or parse_mode == "":
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return text, []  # accepted, not interpreted by the sandbox
    raise bad_request("unsupported parse_mode")


_AUTO_PATTERNS = [
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}")),
    ("hashtag", re.compile(r"(?<![\w#])#\w+")),
    ("url", re.compile(r"https?://[^\s<>\"]+")),
]


def auto_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram detects in a user's plain message (commands, mentions, ...)."""
    found: list[dict[str, Any]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for m in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: m.start()]),
                    "length": utf16_len(m.group(0)),
                }
            )
    found.sort(key=lambda e: e["offset"])
    return found


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The substring an entity covers (offsets are UTF-16 code units)."""
    raw = text.encode("utf-16-le")
    start = entity["offset"] * 2
    return raw[start : start + entity["length"] * 2].decode("utf-16-le")
