"""Extracting the place a message names: building / unit / room / area.

``extract_place(text)`` returns a :class:`Place` whose ``text`` is copied from
the *input as written* (a substring of it, Traditional characters and
full-width digits included) and whose fields are normalised: ASCII digits,
Chinese numerals converted (``三号楼`` -> ``"3"``), upper-case area letters.

Recognised (first match in the text wins, longer forms preferred):

* ``B区12幢``, ``A区3栋2单元1801``    area + building (+ unit, room)
* ``3号楼2单元``, ``5栋1801``, ``8棟``  building (+ unit) (+ room)
* ``7-2-301``                         building-unit-room
* ``3单元``, ``2单元502``              unit (+ room)
* ``A区``, ``B区``                    area
* ``1602的`` / ``1602室``              a bare 3-4 digit room followed by 的/家/室/号/户
* landmarks when no address is found: gates (``东门``), ``地下车库B2`` ->
  ``kind="landmark"``, ``area`` holds the normalised landmark text.

Floors (``18楼``, ``23樓``) and vague places (``那栋楼``) are not places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Place", "extract_place"]


@dataclass(frozen=True)
class Place:
    text: str
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    area: str | None = None
    kind: str = "address"  # "address" (楼栋/单元/门牌/区) or "landmark" (gate, garage)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "text": self.text,
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
            "area": self.area,
            "kind": self.kind,
        }


_D = r"[0-9０-９]"
_CN = r"[一二两三四五六七八九十]"
_NUM = rf"(?:{_D}{{1,3}}|{_CN}{{1,3}})"
_BLD = r"(?:号楼|號樓|号院|號院|栋|棟|幢|座)"
_UNIT = r"(?:单元|單元)"


def _area_rx(name: str) -> str:
    return rf"(?<![A-Za-z])(?P<{name}>[A-Za-zＡ-Ｚａ-ｚ])(?:区|區)"



_ADDRESS = re.compile(
    rf"(?:{_area_rx('area')})?"
    rf"(?P<bld>{_NUM}){_BLD}"
    rf"(?:(?P<unit>{_NUM}){_UNIT})?"
    rf"(?:(?P<room>{_D}{{3,4}})(?:室|号|號)?(?!{_D}))?"
    rf"|(?<!{_D})(?P<h_bld>{_D}{{1,2}})-(?P<h_unit>{_D}{{1,2}})-(?P<h_room>{_D}{{3,4}})(?!{_D})"
    rf"|(?:{_area_rx('u_area')})?(?<![0-9０-９])(?P<u_unit>{_NUM}){_UNIT}"
    rf"(?:(?P<u_room>{_D}{{3,4}})(?:室|号|號)?(?!{_D}))?"
    rf"|{_area_rx('a_area')}"
    rf"|(?<![0-9０-９.:\-/])(?P<r_room>{_D}{{3,4}})(?=的|家|室|户|戶|号|號)"
)
_LANDMARK = re.compile(
    r"(?P<lm>(?:地下)?(?:车库|車庫|停车场|停車場)[A-Za-zＡ-Ｚ]?[0-9０-９]{0,2}"
    r"|[东南西北東][门門]|正门|正門|大门口|后门|後門)"
)

# cheap necessary conditions: every _ADDRESS alternative needs a building or
# unit word, "-", an area word, or a digit right before 的/家/室/户/号; every
# landmark needs 车/車 or 门/門.  Texts without them skip the big regexes.
_ADDRESS_HINT = re.compile(r"[号號栋棟幢座单單区區\-]|[0-9０-９][的家室户戶]")
_LANDMARK_HINT = re.compile(r"[车車门門]")

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def _num(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)})
    if s.isdigit():
        return str(int(s)) if len(s) <= 2 else s
    # Chinese numerals up to 99
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return str(t * 10 + o)
    return "".join(str(_CN_DIGITS.get(c, c)) for c in s)


def _area(s: str | None) -> str | None:
    if s is None:
        return None
    return s.translate({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF5B)}).upper()


def extract_place(text: str) -> Place | None:
    """The first address (or, failing that, landmark) named in ``text``."""
    m = _ADDRESS.search(text) if _ADDRESS_HINT.search(text) else None
    if m is not None:
        g = m.groupdict()
        return Place(
            text=m.group(0),
            building=_num(g["bld"] or g["h_bld"]),
            unit=_num(g["unit"] or g["h_unit"] or g["u_unit"]),
            room=_num(g["room"] or g["h_room"] or g["u_room"] or g["r_room"]),
            area=_area(g["area"] or g["u_area"] or g["a_area"]),
        )
    m = _LANDMARK.search(text) if _LANDMARK_HINT.search(text) else None
    if m is not None:
        lm = m.group("lm")
        norm = lm.translate(str.maketrans("車庫門東後停場", "车库门东后停场"))
        norm = norm.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF5B)}).upper()
        return Place(text=lm, area=norm, kind="landmark")
    return None
