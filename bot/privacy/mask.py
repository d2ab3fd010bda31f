"""One masking module: whatever leaves the bot for a group, a file or a log goes through
`mask()`. It hides what points at one person or one household:

- phones: mobiles (spaces, dashes, dots, +86/0086, every digit spaced), landlines
  (010-12345678, 0571 8765 4321, (021)12345678);
- resident ID numbers (18 digits, spaces allowed, lower-case x; old 15-digit ones);
- licence plates (京A12345, 浙A·D12345, new-energy 8 characters);
- rooms of any household ("1802的住户", "3号楼2单元501", "7-2-301", "501室", "楼上1802");
- WeChat / QQ ids ("微信 abc_123", "VX:", "QQ 12345678"), e-mail addresses, bank cards;
- a surname with an honorific ("陈先生" → "某先生", also 阿姨, 师傅, 老师, 老板 …).

It leaves alone what only looks like them: dates, times, case numbers (东湖-2026-0001),
amounts (¥1,280.00), a building alone ("3号楼"), public hotlines (12345, 110, 95598 …).
`find()` reports what would be masked (kind, span) for tests and the `linli mask` tool.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PHONE_MASK = "[电话已隐藏]"
ID_MASK = "[证件号已隐藏]"
PLATE_MASK = "[车牌已隐藏]"
ROOM_MASK = "[房号已隐藏]"
ACCOUNT_MASK = "[账号已隐藏]"
EMAIL_MASK = "[邮箱已隐藏]"
CARD_MASK = "[卡号已隐藏]"
NAME_MASK = "某"

KINDS = ("phone", "id", "plate", "room", "account", "email", "card", "name")

# Separators people type inside numbers: space (also full-width), dashes, and inside a
# mobile number a dot (135.8801.2234).
_S = r"[ \u3000\-‐－–—]?"
_SM = r"[ \u3000\-‐－–—.]?"
_D = r"[0-9xX*]"  # a digit or a hand-masked one (138xxxx8888)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
                    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}(?![A-Za-z])")

# Resident IDs: 6-digit area, birth date 18xx/19xx/20xx, 3 digits and a check character.
# Spaces may split them as 6 8 4 or 6 4 4 4 (and so on).
_ID18 = re.compile(
    rf"(?<![0-9A-Za-z])[1-9]\d{{5}}{_S}(?:18|19|20)\d{{2}}{_S}(?:0[1-9]|1[0-2]){_S}"
    rf"(?:0[1-9]|[12]\d|3[01]){_S}\d{{3}}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
                   r"(?![0-9A-Za-z])")

# Bank cards: 16-19 digits, usually in groups of four.
_CARD = re.compile(r"(?<![0-9A-Za-z])(?:62|4\d|5[1-5]|3[47]|9\d)\d{2}(?:[ \-]?\d{4}){3}"
                   r"(?:[ \-]?\d{1,3})?(?![0-9A-Za-z])")
# Any 15-19 digit number that is said to be a card or an account.
_CARD_CUED = re.compile(r"(?:卡号|银行卡号?|账号|账户|卡)\s*(?:是|为)?\s*[:：]?\s*"
                        r"(?P<id>\d(?:[ \-]?\d){14,18})(?![0-9])")

_MOBILE = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?:\+|00)?86{_S})?1[3-9]{_D}{_SM}{_D}{{4}}{_SM}{_D}{{4}}(?![0-9])")
# Every digit spaced out: "1 3 9 0 5 7 1 2 2 6 6".
_MOBILE_SPACED = re.compile(r"(?<![0-9] )(?<![0-9])1 [3-9](?: \d){9}(?! ?[0-9])")
# Landlines: area code 0xx / 0xxx (or in brackets), 7-8 digits, maybe split 3-4 / 4-4.
_LANDLINE = re.compile(
    rf"(?<![0-9A-Za-z.])(?:(?:\+|00)?86{_S})?(?:[(（]0\d{{2,3}}[)）]|0[1-9]\d{{1,2}})[ \-–—]?"
    rf"(?:[1-9]\d{{2,3}}{_S}\d{{4}}|[1-9]\d{{3}}{_S}\d{{3}})(?:(?:转|-|ext\.?)\d{{1,5}})?(?![0-9])")

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-HJ-NP-Za-hj-np-z][ ·•・.\-]?"
    r"(?=[A-HJ-NP-Za-hj-np-z0-9]{5,6}(?![A-Za-z0-9]))(?=[^0-9]{0,5}[0-9])"
    r"[A-HJ-NP-Za-hj-np-z0-9]{5,6}[挂学警港澳]?(?![A-Za-z0-9])")

_ACCOUNT_CUE = r"(?:\s*(?:号码|号|账号|ID|id))?\s*(?:是|为)?\s*[:：]?\s*"
_ACCOUNT = re.compile(
    r"(?<![A-Za-z])(?:微信号?|威信|薇信|[Vv]信|[Ww][Ee][Cc][Hh][Aa][Tt]|[Ww]eixin|[Vv][Xx]|[Ww][Xx]"
    rf"|加[Vv](?![A-Za-z])){_ACCOUNT_CUE}"
    r"(?P<id>wxid_[A-Za-z0-9]{4,30}|[A-Za-z][-_A-Za-z0-9]{4,19})(?![-_A-Za-z0-9@.])"
    r"|(?<![A-Za-z])(?:微信号?|威信|薇信|[Vv]信)" + _ACCOUNT_CUE +
    r"(?P<qq>[1-9]\d{4,11})(?![-_A-Za-z0-9@.])"
    r"|(?<![A-Za-z])(?:[Vv][Xx]|[Ww][Xx]|加[Vv])(?:\s*[:：]\s*|\s+)(?P<wxn>[1-9]\d{4,11})"
    r"(?![-_A-Za-z0-9@.])"
    r"|(?<![A-Za-z])(?:[Qq]{2}|[Qq](?=号)|扣扣)" + _ACCOUNT_CUE +
    r"(?P<num>[1-9]\d{4,11})(?![-_A-Za-z0-9@.])")

# Rooms. The building or unit before a room stays; the room goes.
_NOT_AFTER_ROOM = r"(?![0-9年月日号元块度点分秒期届次个人户套平米%％:：.\-/])"
_ROOM_BUILDING = re.compile(
    r"(?P<keep>(?:\d{1,3}|[A-Ha-h])\s*(?:号楼|号院|栋|幢|座|号楼?\s*\d{1,2}\s*(?:单元|门))\s*"
    r"(?:\d{1,2}\s*(?:单元|门|[-－])\s*)?[-－]?\s*)"
    rf"(?P<room>\d{{3,4}})(?:\s*(?:室|号房|房间?|户)|{_NOT_AFTER_ROOM})")
_ROOM_UNIT = re.compile(
    rf"(?P<keep>(?<![0-9])\d{{1,2}}\s*单元\s*[-－]?\s*)(?P<room>\d{{3,4}})(?:\s*(?:室|号房|房间?)"
    rf"|{_NOT_AFTER_ROOM})")
_ROOM_TRIPLE = re.compile(
    r"(?<![0-9\-/:.])(?P<room>\d{1,3}-\d{1,2}-\d{3,4})(?![0-9\-/:.])")
_ROOM_SUFFIX = re.compile(
    r"(?<![0-9.,，])(?:\d{1,3}-)?(?P<room>\d{3,4})(?=\s*(?:室|号房|房间|的(?:住户|业主|邻居|人家|那家"
    r"|那户|租户|房东|房客|阿姨|大爷|大妈|叔叔|老人|孩子|小孩|先生|女士|老太太|老头|家|人)))")
_ROOM_PREFIX = re.compile(
    r"(?P<keep>(?:家住|住在|住|楼上|楼下|隔壁|对门|对面|我家|他家|她家|邻居)\s*)"
    rf"(?P<room>\d{{3,4}})(?:\s*(?:室|号房|房间?)|{_NOT_AFTER_ROOM})")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔汤庞樊兰殷施陶洪翟颜倪严牛温芦季俞章鲁葛伍申尤毕聂焦向柳")
_COMPOUND = "欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|长孙|宇文|夏侯|端木|百里|司徒|南宫"
_NAME = re.compile(
    rf"(?<![对保关至由于甲乙双各])(?P<surname>{_COMPOUND}|[{_SURNAMES}])(?P<title>先生|女士|小姐|阿姨|大爷|大妈|"
    r"师傅|奶奶|爷爷|老太|老伯|大哥|大姐|叔叔|婶婶|老师|老板)")
# A number named as something else (发票号码, 订单号, 工单编号…) is not a phone.
_NOT_PHONE_CUE = re.compile(r"(?:发票|订单|单号|编号|流水|条码|运单|快递单|工单|代码|批号|序列)"
                            r"(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*$")


@dataclass(frozen=True)
class Found:
    kind: str
    start: int
    end: int


# In order: a span taken by an earlier pattern is not looked at again.
_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("email", _EMAIL, EMAIL_MASK),
    ("id", _ID18, ID_MASK),
    ("card", _CARD, CARD_MASK),
    ("card", _CARD_CUED, CARD_MASK),
    ("id", _ID15, ID_MASK),
    ("phone", _MOBILE, PHONE_MASK),
    ("phone", _MOBILE_SPACED, PHONE_MASK),
    ("phone", _LANDLINE, PHONE_MASK),
    ("plate", _PLATE, PLATE_MASK),
    ("account", _ACCOUNT, ACCOUNT_MASK),
    ("room", _ROOM_BUILDING, ROOM_MASK),
    ("room", _ROOM_UNIT, ROOM_MASK),
    ("room", _ROOM_TRIPLE, ROOM_MASK),
    ("room", _ROOM_SUFFIX, ROOM_MASK),
    ("room", _ROOM_PREFIX, ROOM_MASK),
    ("name", _NAME, NAME_MASK),
)
_MASK_OF = {kind: token for kind, _, token in _RULES}


def _span(m: re.Match[str]) -> tuple[int, int]:
    """The part to hide: the named group `id`, `room` or `surname` when there is one."""
    for group in ("id", "qq", "wxn", "num", "room", "surname"):
        if group in m.re.groupindex and m.group(group) is not None:
            return m.span(group)
    return m.span()


def _own_rooms(rooms: Iterable[str | None]) -> set[str]:
    """The given rooms, and for a household label like 3-2-301 its room number alone
    ("301卫生间漏水" from that household names its own flat)."""
    own = {r for r in rooms if r}
    own |= {m.group(1) for r in own if (m := re.fullmatch(r"[0-9A-Za-z]+(?:-\d+)?-(\d{3,4})", r))}
    return own


def find(text: str, rooms: Iterable[str | None] = ()) -> list[Found]:
    """What `mask` would hide, left to right, without overlaps."""
    taken: list[Found] = []

    def free(start: int, end: int) -> bool:
        return all(end <= f.start or start >= f.end for f in taken)

    for kind, pattern, _ in _RULES:
        for m in pattern.finditer(text):
            start, end = _span(m)
            if kind == "phone" and _NOT_PHONE_CUE.search(text, max(0, start - 8), start):
                continue
            if free(m.start(), m.end()) and end > start:
                taken.append(Found(kind, start, end))
    for room in sorted(_own_rooms(rooms), key=len, reverse=True):
        for m in re.finditer(rf"(?<![0-9]){re.escape(room)}(?![0-9])", text):
            if free(*m.span()):
                taken.append(Found("room", *m.span()))
    return sorted(taken, key=lambda f: f.start)


def mask(text: str, rooms: Iterable[str | None] = ()) -> str:
    """Hide phones, IDs, plates, rooms (any, plus the given ones, e.g. the reporter's
    "301" or "3-2-301"), WeChat/QQ ids, e-mails, bank cards and surname+honorific."""
    if not text:
        return text
    out, last = [], 0
    for f in find(text, rooms):
        out.append(text[last:f.start])
        out.append(_MASK_OF[f.kind])
        last = f.end
    out.append(text[last:])
    return "".join(out)


def mask_value(value: object) -> object:
    """mask() for strings; anything else unchanged (CSV cells, log arguments)."""
    return mask(value) if isinstance(value, str) else value


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 王小明 -> 王*明, Alice -> A***e (a person's own name in a file)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Formula injection: a spreadsheet runs a cell starting with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV/xlsx cell that a spreadsheet will not run as a formula ("'" prefixed)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in row]
