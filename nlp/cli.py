"""Command-line back ends: ``linli classify``, ``linli nlp eval``, ``linli nlp suggest``.

These functions take streams and return an exit code, so the ``linli``
argparse CLI only has to wire arguments to them (and tests can drive them
with ``io.StringIO``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .classifier import Classification, Classifier, explain_matched
from .labels import CATEGORIES, INTENTS
from .normalize import normalize
from .place import extract_place

__all__ = [
    "correction_rows",
    "evaluate",
    "load_labelled",
    "run_classify",
    "run_eval",
    "run_suggest",
    "suggest_words",
    "write_rows",
]


# --------------------------------------------------------------------------- classify


def _result(rid, c: Classification, explain: bool = False) -> dict:
    out = {
        "id": rid,
        "intent": c.intent,
        "category": c.category,
        "urgency": c.urgency,
        "place": c.place.text if c.place else None,
        "confidence": c.confidence,
    }
    if explain:
        out["explain"] = explanation(c)
        out["matched"] = list(c.matched)
    return out


def explanation(c: Classification, top: int = 3) -> str:
    """判断依据 of a classification (see :func:`nlp.classifier.explain_matched`)."""
    return explain_matched(c.matched, top)


def run_classify(
    stdin: TextIO,
    stdout: TextIO,
    rules_path: str | Path | None = None,
    classifier: Classifier | None = None,
    explain: bool = False,
) -> int:
    """Classify every input line; write one JSON object per line.

    Input lines are either JSON objects ``{"id": ..., "text": ...}`` or plain
    text.  Output: ``{"id", "intent", "category", "urgency", "place",
    "confidence"}``.  For plain lines ``id`` is the 1-based line number.
    Blank lines are skipped (no output) but still counted, so ids of plain
    lines always equal their line number in the input.  A line that starts
    with ``{`` but is not a valid object with a string ``text`` yields
    ``{"id": <line number or the id if readable>, "error": "..."}`` and the
    run continues.  Returns 0, or 1 if any line produced an error.
    """
    clf = classifier or Classifier.from_file(rules_path)
    status = 0
    for lineno, raw in enumerate(stdin, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                text = obj.get("text")
                if not isinstance(text, str):
                    raise ValueError('missing string field "text"')
            except (ValueError, json.JSONDecodeError) as e:
                rid = lineno
                try:
                    rid = json.loads(line).get("id", lineno)  # type: ignore[union-attr]
                except Exception:
                    pass
                out = {"id": rid, "error": f"line {lineno}: {e}"}
                status = 1
            else:
                out = _result(obj.get("id", lineno), clf.classify(text), explain)
        else:
            out = _result(lineno, clf.classify(line), explain)
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return status


# --------------------------------------------------------------------------- eval


def load_labelled(path: str | Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: invalid JSON: {e}") from e
    return rows


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(rows: list[dict], classifier: Classifier) -> dict:
    """Score ``classifier`` on labelled rows (see docs/nlp.md for definitions)."""
    preds = [classifier.classify(r["text"]) for r in rows]
    n = len(rows)
    intent_ok = sum(p.intent == r["intent"] for p, r in zip(preds, rows, strict=False))

    # category: rows whose GOLD intent is complaint or suggestion
    case = [(r, p) for r, p in zip(rows, preds, strict=False) if r["intent"] in ("complaint", "suggestion")]
    labels = sorted({r["category"] for r, _ in case})
    tp, fp, fn = Counter(), Counter(), Counter()
    for r, p in case:
        g, pc = r["category"], p.category
        if g == pc:
            tp[g] += 1
        else:
            fn[g] += 1
            fp[pc] += 1
    per_cat = {}
    for c in labels:
        pr, rc, f1 = _prf(tp[c], fp[c], fn[c])
        per_cat[c] = {"precision": pr, "recall": rc, "f1": f1, "support": tp[c] + fn[c]}
    macro = sum(v["f1"] for v in per_cat.values()) / len(per_cat) if per_cat else 0.0

    gu = {i for i, r in enumerate(rows) if r.get("urgency") == "urgent"}
    pu = {i for i, p in enumerate(preds) if p.urgency == "urgent"}
    u_p = len(gu & pu) / len(pu) if pu else 0.0
    u_r = len(gu & pu) / len(gu) if gu else 0.0

    intent_cm = {g: {p: 0 for p in INTENTS} for g in INTENTS}
    for r, p in zip(rows, preds, strict=False):
        intent_cm.setdefault(r["intent"], {q: 0 for q in INTENTS})[p.intent] += 1
    cat_labels = [c for c in (*CATEGORIES, "none")]
    cat_cm = {g: {p: 0 for p in cat_labels} for g in labels}
    for r, p in case:
        cat_cm[r["category"]][p.category] += 1

    place_rows = [(r, p) for r, p in zip(rows, preds, strict=False)]
    place_ok = sum(
        (p.place.text if p.place and p.place.kind == "address" else None) == r.get("building")
        for r, p in place_rows
    )

    errors = []
    for r, p in zip(rows, preds, strict=False):
        wrong = []
        if p.intent != r["intent"]:
            wrong.append("intent")
        if p.category != r["category"]:
            wrong.append("category")
        if p.urgency != r.get("urgency", "normal"):
            wrong.append("urgency")
        if wrong:
            errors.append(
                {
                    "id": r.get("id"),
                    "text": r["text"],
                    "wrong": wrong,
                    "gold": [r["intent"], r["category"], r.get("urgency", "normal")],
                    "pred": [p.intent, p.category, p.urgency],
                    "matched": list(p.matched),
                }
            )
    return {
        "rows": n,
        "intent_accuracy": intent_ok / n if n else 0.0,
        "category_rows": len(case),
        "category_macro_f1": macro,
        "category": per_cat,
        "urgent_precision": u_p,
        "urgent_recall": u_r,
        "urgent_gold": len(gu),
        "urgent_predicted": len(pu),
        "urgent_hits": len(gu & pu),
        "place_accuracy": place_ok / n if n else 0.0,
        "intent_confusion": intent_cm,
        "category_confusion": cat_cm,
        "errors": errors,
    }


def _abbr(s: str) -> str:
    return {"street_order": "street", "heating_gas": "heat", "facilities": "facil",
            "sanitation": "sanit", "neighbour": "neigh", "greenery": "green",
            "elevator": "elev", "property": "prop", "suggestion": "sugg",
            "complaint": "compl"}.get(s, s)[:6]


def _matrix(out: TextIO, title: str, cm: dict[str, dict[str, int]]) -> None:
    cols = [c for c in next(iter(cm.values()))] if cm else []
    cols = [c for c in cols if any(cm[g][c] for g in cm)]
    out.write(f"\n{title} (rows: gold, columns: predicted)\n")
    out.write(f"{'':>14}" + "".join(f"{_abbr(c):>7}" for c in cols) + "\n")
    for g, row in cm.items():
        out.write(f"{g:>14}" + "".join(f"{row[c] or '.':>7}" for c in cols) + "\n")


def run_eval(
    path: str | Path,
    stdout: TextIO,
    rules_path: str | Path | None = None,
    *,
    as_json: bool = False,
    show_errors: bool = True,
    classifier: Classifier | None = None,
) -> int:
    """Evaluate on a labelled JSON Lines file and print a report (or JSON)."""
    clf = classifier or Classifier.from_file(rules_path)
    rows = load_labelled(path)
    res = evaluate(rows, clf)
    if as_json:
        if not show_errors:
            res = {k: v for k, v in res.items() if k != "errors"}
        stdout.write(json.dumps(res, ensure_ascii=False, indent=2) + "\n")
        return 0
    w = stdout.write
    w(f"classifier: {clf.rules_path}\ndata:       {path}\n\n")
    w(f"intent accuracy        {res['intent_accuracy']:.3f}  (n={res['rows']})\n")
    w(
        f"category macro-F1      {res['category_macro_f1']:.3f}  "
        f"(n={res['category_rows']} complaint+suggestion rows, {len(res['category'])} classes)\n"
    )
    for c, v in res["category"].items():
        w(
            f"    {c:<13} P {v['precision']:.3f}  R {v['recall']:.3f}  "
            f"F1 {v['f1']:.3f}  (gold {v['support']})\n"
        )
    w(
        f"urgent precision       {res['urgent_precision']:.3f}  "
        f"({res['urgent_hits']}/{res['urgent_predicted']} predicted)\n"
    )
    w(
        f"urgent recall          {res['urgent_recall']:.3f}  "
        f"({res['urgent_hits']}/{res['urgent_gold']} gold)\n"
    )
    w(f"place exact match      {res['place_accuracy']:.3f}  (text vs 'building', absent = none)\n")
    _matrix(stdout, "intent confusion", res["intent_confusion"])
    _matrix(stdout, "category confusion", res["category_confusion"])
    if show_errors:
        w(f"\nmisclassified rows: {len(res['errors'])}\n")
        for e in res["errors"]:
            w(
                f"- {e['id']} [{', '.join(e['wrong'])}] gold={'/'.join(e['gold'])} "
                f"pred={'/'.join(e['pred'])}\n    {e['text']}\n"
            )
            for m in e["matched"][:12]:
                w(f"      · {m}\n")
    return 0


# --------------------------------------------------------------------------- suggest

_STOP = frozenset(
    """的 了 是 在 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 都 也 还 又 和 与 跟
    把 被 给 让 从 到 向 对 吧 吗 呢 啊 呀 哦 嘛 啦 哈 么 着 过 得 地 很 太 更 最 好 不 没 没有
    有 一 个 一个 上 下 里 来 去 说 要 会 能 可以 就是 什么 怎么 为什么 大家 今天 昨天 现在
    已经 还是 但是 因为 所以 如果 而且 或者 然后 一下 一直 天天 每天 真的 这样 那样 这么 那么
    自己 人 家 我家 谁 哪 几 多 少 点 看 想 知道 时候 事 东西 问题 物业 小区 楼 栋 号 单元
    请 谢谢 一些 一点 还有 怎么办 到底 只 才 再 又是 呀 吧 哎 喂 嗯 额""".split()
)
_JUNK = re.compile(r"^[\W\d_a-z]+$|^[0-9a-z]+$")


def suggest_words(
    corrections: Iterable[tuple[str, str]],
    classifier: Classifier,
    top: int = 20,
    min_count: int = 2,
) -> dict[str, list[tuple[str, int]]]:
    """Words frequent in corrected messages of a category that do not count for it yet.

    ``corrections`` yields ``(text, category)`` pairs: messages an organizer
    re-labelled.  Each message counts a word once.  Stopwords, punctuation,
    numbers, Latin-only tokens, single characters, words the classifier already
    weighs for the category (a keyword with a positive weight or a word of the
    word file, or a word containing or contained in one of them) and words seen
    fewer than ``min_count`` times are dropped.  Pure: reads nothing but its arguments.
    """
    counts: dict[str, Counter] = {}
    for text, cat in corrections:
        if cat not in CATEGORIES:
            continue
        toks = set(classifier.tokens(text))
        counts.setdefault(cat, Counter()).update(toks)
    out: dict[str, list[tuple[str, int]]] = {}
    for cat, cnt in counts.items():
        known = classifier.known_words(cat)
        cands = []
        for word, n in sorted(cnt.items(), key=lambda e: (-e[1], e[0])):  # ties: stable
            if n < min_count:
                break
            if len(word) < 2 or word in _STOP or _JUNK.match(word):
                continue
            if word in known or any(k in word or word in k for k in known if len(k) > 1):
                continue
            cands.append((word, n))
            if len(cands) >= top:
                break
        out[cat] = cands
    return out


def run_suggest(
    rows: Iterable[tuple[str, str]],
    stdout: TextIO,
    classifier: Classifier | None = None,
    rules_path: str | Path | None = None,
    top: int = 20,
) -> int:
    """Print :func:`suggest_words` as a word file (``words:``) ready to edit and
    use as ``LINLI_RULES_FILE``."""
    clf = classifier or Classifier.from_file(rules_path)
    sugg = suggest_words(rows, clf, top=top)
    if not any(sugg.values()):
        stdout.write("no suggestions (not enough corrected messages)\n")
        return 0
    stdout.write("words:   # candidates: word: weight  # seen in N messages\n")
    for cat in sorted(sugg):
        words = sugg[cat]
        if not words:
            continue
        stdout.write(f"  {cat}:\n")
        for w, n in words:
            stdout.write(f"    {w}: 1  # {n}\n")
    return 0


def correction_rows(cases: Iterable[tuple[str, str, str, str]]) -> list[dict]:
    """Labelled rows, in the training format, from the cases organizers re-classified:
    ``(text, intent, category, urgency)`` each (the case's kind is its intent).
    ``linli nlp train`` reads them like any other file, so a community's corrections
    teach its own weights.  A row with an unknown label is skipped."""
    rows = []
    for n, (text, intent, category, urgency) in enumerate(cases, start=1):
        if intent not in ("complaint", "suggestion") or category not in CATEGORIES:
            continue
        rows.append({"id": f"corr{n:05d}", "text": text, "intent": intent, "category": category,
                     "urgency": "urgent" if urgency == "urgent" and intent == "complaint"
                     else "normal", "source": "correction"})
    return rows


def write_rows(rows: Iterable[dict], out: TextIO) -> int:
    """JSON Lines, one labelled row a line; returns the number written."""
    n = 0
    for r in rows:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n


def _main_debug() -> None:  # pragma: no cover - developer helper
    import sys

    c = Classifier.from_file()
    for line in sys.stdin:
        t = line.strip()
        if t:
            r = c.classify(t)
            print(t, "->", r.intent, r.category, r.urgency, r.confidence, normalize(t), extract_place(t))
            for m in r.matched:
                print("   ", m)


if __name__ == "__main__":  # pragma: no cover
    _main_debug()
