"""Reading what community staff write: 全角 digits, 二单元, 3号楼2单元301, 3-2-301,
role names (楼栋长 / 楼门管家…) and phone numbers. Pure functions, no database."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.db.models.people import REGISTER_ROLES

_CN = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
       "八": 8, "九": 9}


def clean(value: object) -> str:
    """A cell as text: 全角 → 半角 (NFKC), no surrounding or inner blanks, Excel's 3.0 → 3."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", "", text)


def _cn_number(text: str) -> str:
    """一 … 九十九 written in Chinese, as digits (other text unchanged)."""
    def one(m: re.Match[str]) -> str:
        s = m.group(0)
        if "十" not in s:
            return "".join(str(_CN[c]) for c in s)
        tens, _, ones = s.partition("十")
        return str((_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0))

    return re.sub(r"[一二两三四五六七八九]?十[一二三四五六七八九]?|[零一二两三四五六七八九]+", one, text)


def unit_of(value: object) -> str | None:
    """"2", "2单元", "二单元", "2门" → "2"; "" → ""; anything else → None."""
    text = _cn_number(clean(value))
    if not text:
        return ""
    m = re.fullmatch(r"(\d{1,2})(?:单元|门)?", text)
    return str(int(m.group(1))) if m else None


_ROOM = r"(?P<room>\d{1,5})(?:室|号|房)?"
_UNIT = r"(?:(?P<unit>\d{1,2})(?:单元|门|[-－—]))?"
_FULL = re.compile(r"(?P<building>[A-Za-z]?\d{1,3}|[A-Za-z])(?:号楼|号|栋|幢|座|楼)?[-－—]?" + _UNIT + _ROOM)
_ROOM_ONLY = re.compile(_UNIT + _ROOM)


@dataclass(frozen=True)
class Address:
    building: str | None  # the building's number ("3"), None when not given
    unit: str  # "" when none
    room: str


def room_of(value: object, unit: object = "") -> Address | None:
    """The 房号 cell (with the 单元 cell): "301", "301室", "2-301", "2单元301"."""
    text = _cn_number(clean(value))
    m = _ROOM_ONLY.fullmatch(text)
    if not m:
        return parse(text)
    base = unit_of(unit)
    if base is None:
        return None
    return Address(None, str(int(m.group("unit"))) if m.group("unit") else base,
                   m.group("room").upper())


def parse(value: object) -> Address | None:
    """A whole address: "3号楼2单元301", "3-2-301", "3栋2-301室", "3号楼301"."""
    text = _cn_number(clean(value))
    m = _FULL.fullmatch(text)
    if not m:
        return None
    unit = m.group("unit")
    return Address(m.group("building").upper(), str(int(unit)) if unit else "",
                   m.group("room").upper())


def building_key(value: object) -> str:
    """"3号楼", "3栋", "３", "3" → "3" (compared with Building.number); else the name."""
    text = _cn_number(clean(value))
    m = re.fullmatch(r"([A-Za-z]?\d{1,3}|[A-Za-z])(?:号楼|号|栋|幢|座|楼)?", text)
    return m.group(1).upper() if m else text


ROLE_WORDS = {
    "楼栋长": "building_head", "楼门管家": "building_head", "楼道长": "building_head",
    "单元长": "building_head", "党员中心户": "party_household", "居民代表": "representative",
    "百姓监督员": "supervisor", "监督员": "supervisor", "志愿者": "volunteer",
}
# How a roster describes a person in the household: kept in the note, not a register role.
RELATION_WORDS = {"户主", "业主", "租户", "家属", "配偶", "子女", "本人", "居民", "住户", "父亲",
                  "母亲", "儿子", "女儿", "老人"}


def roles_of(value: object) -> tuple[list[str], list[str], list[str]]:
    """(role slugs, relation words, unknown words) of the 身份 cell or a list."""
    text = "" if value is None else unicodedata.normalize("NFKC", str(value))
    items = value if isinstance(value, list) else re.split(r"[,，、;；/|\s]+", text)
    roles: list[str] = []
    relations: list[str] = []
    unknown: list[str] = []
    for raw in items:
        word = clean(raw)
        if not word:
            continue
        slug = ROLE_WORDS.get(word) or (word if word in REGISTER_ROLES else None)
        if slug:
            if slug not in roles:
                roles.append(slug)
        elif word in RELATION_WORDS:
            relations.append(word)
        else:
            unknown.append(word)
    return roles, relations, unknown


def phone_of(value: object) -> str | None:
    """A mobile or landline as digits (a leading +86 dropped); "" for none; None if bad."""
    text = re.sub(r"[-()（）]", "", clean(value))
    text = re.sub(r"^(?:\+|00)?86(?=1\d{10}$)", "", text)
    if not text:
        return ""
    if re.fullmatch(r"1[3-9]\d{9}", text) or re.fullmatch(r"0?\d{7,11}", text):
        return text
    return None


def label(building_number: str | None, building_name: str, unit: str, room: str) -> str:
    """The household's short name: 3-2-301 (3-301 without a unit)."""
    head = building_number or building_name
    return "-".join(p for p in (head, unit, room) if p)


def long_label(building_name: str, unit: str, room: str) -> str:
    """As people say it: 3号楼2单元301."""
    return f"{building_name}{unit + '单元' if unit else ''}{room}"


def looks_like_room(text: str) -> bool:
    """A short answer to "which room?" (even a wrong one), not a sentence about a problem."""
    return room_of(text) is not None or len(clean(text)) <= 12
