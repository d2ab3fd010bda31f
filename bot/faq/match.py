"""Which 问答库 entry answers a question: jieba words of the question, without the
words every question has (请问, 怎么, 吗…), compared with the words of the entry's
phrasing and keywords. A word found as is counts fully, a word inside a longer one
(办 in 办理, 物业 in 物业费) half; words any question may carry (多少, 电话, 时间,
小区…) weigh half as much as the words naming the topic. The weighted share of the
question's words found is its score; an entry answers when the score reaches THRESHOLD
and at least one topic word matched as is (so 物业费多少钱 is not answered by 停车费多少钱).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

THRESHOLD = 0.6

# Words that say "this is a question" rather than what it is about.
STOP = frozenset("""
请问 问 问下 问一下 请教 打听 一下 下 你好 您好 大家 大家好 各位 邻居 谁 谁知道 知道 有人 有 没有 有没有
是 是不是 不是 的 地 得 了 吗 嘛 呢 吧 啊 呀 哦 么 在 哪 哪里 哪儿 哪个 怎么 怎么样 怎样 如何 什么
啥 什么时候 能 能不能 可以 可不可以 要 需要 想 想问 我 我们 咱们 咱 你 你们 他 她 这 那 这个 那个 个
和 跟 与 还 也 都 就 去 到 给 请 一 一个 谢谢 多谢 麻烦 呢 么样 应该 该 吧
""".split())
# Words that ask about some property of the topic: they count, half as much.
WEAK = frozenset("""
多少 钱 几点 时间 电话 号码 联系 联系方式 地址 地方 位置 费用 价格 收费 小区 社区 一个月 每月 每个月
一年 每年 今天 明天 现在 最近 时候 几号 几天 办 办理 申请 交 缴 缴纳 开 找 用
""".split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def terms(text: str) -> frozenset[str]:
    """The words of `text` that say what it is about."""
    from nlp.normalize import t2s, to_halfwidth
    from nlp.tokenizer import cut

    words = (w.strip().lower() for w in cut(t2s(to_halfwidth(text))))
    return frozenset(w for w in words if w and w not in STOP and _WORD.search(w))


@dataclass(frozen=True)
class Known:
    """An entry as matched (what the cache keeps)."""
    id: int
    question: str
    answer: str
    terms: frozenset[str]


def known(entry_id: int, question: str, answer: str, keywords: Iterable[str]) -> Known:
    words = terms(question) | {k.strip().lower() for k in keywords if k and k.strip()}
    return Known(entry_id, question, answer, frozenset(words))


def score(asked: frozenset[str], entry: frozenset[str]) -> tuple[float, int]:
    """(weighted share of the question's words found, topic words found as is)."""
    if not asked or not entry:
        return 0.0, 0
    total = found = 0.0
    for word in asked:
        weight = 0.5 if word in WEAK else 1.0
        total += weight
        found += weight if word in entry else weight / 2 if _near(word, entry) else 0.0
    return found / total, len((asked & entry) - WEAK)


def _near(word: str, entry: frozenset[str]) -> bool:
    """`word` inside a longer entry word, or an entry word of 2+ characters inside it."""
    return any((word in e and len(e) > len(word)) or (len(e) >= 2 and e in word != e)
               for e in entry)


def best(text: str, entries: Sequence[Known]) -> Known | None:
    """The entry that answers `text`, if one does."""
    if not entries:
        return None
    asked = terms(text)
    found: tuple[float, int, int] | None = None
    chosen: Known | None = None
    for entry in entries:
        share, exact = score(asked, entry.terms)
        if exact == 0 or share < THRESHOLD:
            continue
        rank = (share, exact, -entry.id)
        if found is None or rank > found:
            found, chosen = rank, entry
    return chosen
