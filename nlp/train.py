"""``linli nlp train``: learn the keyword weights from labelled messages.

Needs scikit-learn (``pip install -e '.[train]'``); classifying never does.

For intent, category and urgency it fits a plain L2 logistic regression over
binary features (characters, character pairs, the curated vocabulary phrases
of ``nlp/rules/general.yaml`` and the life-safety cue families; see
nlp/features.py), then:

* cross-validates the whole pure-Python decision (pruned, rounded weights plus
  the life-safety rules) on 5 folds of the training data and reports intent
  accuracy, category macro-F1 and urgent recall/precision;
* picks the urgency threshold on those out-of-fold scores: the highest that
  keeps urgent recall >= 0.95;
* writes the weights file (sorted, rounded, deterministic) with the training
  data's SHA-256 and the cross-validated figures in its header.

The options (C, features, scaling) were chosen with ``--select``, which prints
the cross-validated figures of every combination; nothing else is tuned.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from .features import Featurizer, scale_factor
from .labels import CATEGORIES, INTENTS
from .model import FORMAT, TASK_LABELS, decide, default_weights_path, phrases
from .normalize import normalize
from .tokenizer import get_tokenizer
from .vocab import General, load_general

__all__ = [
    "Options",
    "default_training_files",
    "figures",
    "load_rows",
    "rows_sha256",
    "train",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data"
# evaluation sets: never trained on
HELD_OUT = ("nlp_eval.jsonl", "nlp_fresh_eval.jsonl", "nlp_holdout2.jsonl",
            "nlp_holdout3.jsonl")
FOLDS = 5
SEED = 0
RECALL_TARGET = 0.95
LONG = 80  # characters: the "long message" subset reported separately (letters, hotline)
DIGITS = 3


@dataclass(frozen=True)
class Options:
    c: float = 2.0  # inverse L2 strength, the same for the three tasks
    phrases: bool = True  # curated vocabulary phrases as features
    bigrams: bool = True  # Chinese character bigrams as features
    scale: str = "cap60"  # "binary", "l2" or "capN" (see features.scale_factor)
    min_df: int = 2  # a feature must occur in this many training messages
    prune: float = 0.05  # weights smaller than this are dropped from the file
    urgent_rows: str = "all"  # train urgency on "all" rows or "complaint" rows only
    cues: bool = True  # the life-safety cue families as features ("安全:gas")
    numbers: bool = True  # "#数字": the message holds a number of 3+ digits
    tokens: str = "chars"  # "chars" (characters, Latin words) or "jieba" (jieba words)
    # features the urgency task does not weigh: "!" is how a writer types, not a danger
    urgent_exclude: tuple[str, ...] = ("!",)


CHOSEN = Options()


def default_training_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.glob("nlp_*.jsonl") if p.name not in HELD_OUT)


def load_rows(paths: Iterable[str | Path]) -> list[dict]:
    """Labelled rows of every file, in order; a text seen before is skipped.
    The evaluation sets are refused: nothing may be trained on them."""
    rows, seen = [], set()
    for p in paths:
        if Path(p).name in HELD_OUT:
            raise ValueError(f"{p} is an evaluation set: never train on it")
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    key = (r["text"], r["intent"], r["category"], r.get("urgency", "normal"))
                except (ValueError, KeyError, TypeError) as e:
                    raise ValueError(f"{p}:{n}: not a labelled row: {e}") from e
                if r["intent"] not in INTENTS or (
                    r["category"] not in CATEGORIES and r["category"] != "none"
                ):
                    raise ValueError(f"{p}:{n}: unknown label {key[1:3]}")
                if key[0] in seen:
                    continue
                seen.add(key[0])
                rows.append({"text": key[0], "intent": key[1], "category": key[2],
                             "urgency": key[3]})
    return rows


def rows_sha256(rows: list[dict]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r["text"], r["intent"], r["category"], r["urgency"]],
                            ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------- figures


def figures(rows: list[dict], preds: list[tuple[str, str, bool]]) -> dict[str, float]:
    """intent accuracy, category macro-F1 (rows whose gold intent opens a case),
    urgent precision and recall - the definitions of ``linli nlp eval``."""
    n = len(rows)
    ok = sum(p[0] == r["intent"] for r, p in zip(rows, preds, strict=True))
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    labels = set()
    for r, p in zip(rows, preds, strict=True):
        if r["intent"] in ("complaint", "suggestion"):
            g = r["category"]
            labels.add(g)
            if p[1] == g:
                tp[g] += 1
            else:
                fn[g] += 1
                fp[p[1]] += 1
    f1s = []
    for c in labels:
        pr = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        rc = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    gu = sum(r["urgency"] == "urgent" for r in rows)
    pu = sum(p[2] for p in preds)
    hit = sum(p[2] and r["urgency"] == "urgent" for r, p in zip(rows, preds, strict=True))
    return {
        "intent_accuracy": ok / n if n else 0.0,
        "category_macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "urgent_recall": hit / gu if gu else 0.0,
        "urgent_precision": hit / pu if pu else 0.0,
    }


# --------------------------------------------------------------------------- fitting


@dataclass
class _Data:
    rows: list[dict]
    feats: list[list[str]]
    cues: list[bool]


def _prepare(rows: list[dict], general: General, opt: Options) -> _Data:
    fz = Featurizer(get_tokenizer() if opt.tokens == "jieba" else None,
                    phrases(general, opt.tokens) if opt.phrases else (), opt.bigrams,
                    general if opt.cues else None, opt.numbers)
    feats, cues = [], []
    for r in rows:
        norm = normalize(r["text"])
        feats.append(fz.features(norm))
        cues.append(bool(set(general.cue_families(norm)) & general.force_urgent))
    return _Data(rows, feats, cues)


def _matrix(feats: list[list[str]], vocab: dict[str, int], scale: str):
    from scipy.sparse import csr_matrix

    data, ind, ptr = [], [], [0]
    for fs in feats:
        k = scale_factor(scale, len(fs))
        cols = sorted({vocab[f] for f in fs if f in vocab})
        ind.extend(cols)
        data.extend([k] * len(cols))
        ptr.append(len(ind))
    return csr_matrix((data, ind, ptr), shape=(len(feats), len(vocab)))


def _fit(d: _Data, idx: list[int], opt: Options) -> dict[str, tuple[list[str], object, object]]:
    """Per task: (labels, coef [labels x features], intercept), pruned and rounded."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    df: Counter = Counter()
    for i in idx:
        df.update(d.feats[i])
    names = sorted(f for f, c in df.items() if c >= opt.min_df)
    vocab = {f: j for j, f in enumerate(names)}
    out = {}
    for task in TASK_LABELS:
        if task == "intent":
            sel = idx
            y = [d.rows[i]["intent"] for i in sel]
        elif task == "category":
            sel = [i for i in idx if d.rows[i]["intent"] in ("complaint", "suggestion")]
            y = [d.rows[i]["category"] for i in sel]
        else:
            sel = idx if opt.urgent_rows == "all" else [
                i for i in idx if d.rows[i]["intent"] == "complaint"]
            y = [d.rows[i]["urgency"] for i in sel]
        x = _matrix([d.feats[i] for i in sel], vocab, opt.scale)
        if task == "urgent" and opt.urgent_exclude:
            from scipy.sparse import diags

            x = x @ diags([0.0 if f in opt.urgent_exclude else 1.0 for f in names])
        m = LogisticRegression(C=opt.c, max_iter=3000)
        m.fit(x, y)
        labels = [str(c) for c in m.classes_]
        coef, icpt = m.coef_, m.intercept_
        if task == "urgent":  # binary: one row, for the class "urgent"
            if labels[1] != "urgent":
                coef, icpt = -coef, -icpt
            labels = ["urgent"]
        elif coef.shape[0] == 1:  # two classes only: scores 0 and w.x + b
            coef = np.vstack([np.zeros_like(coef), coef])
            icpt = np.concatenate([[0.0], icpt])
        coef = np.round(coef, DIGITS)
        coef[np.abs(coef) < opt.prune] = 0.0
        out[task] = (labels, coef, np.round(icpt, DIGITS), names)
    return out


def _scores(model, feats: list[list[str]], scale: str):
    """Scores of every task for the given messages, as the pure-Python model computes them."""
    res = {}
    for task, (labels, coef, icpt, names) in model.items():
        vocab = {f: j for j, f in enumerate(names)}
        x = _matrix(feats, vocab, scale)
        s = x @ coef.T + icpt
        full = [[-1e9] * len(TASK_LABELS[task]) for _ in feats]
        pos = [TASK_LABELS[task].index(lab) for lab in labels]
        for r, row in enumerate(s.tolist() if hasattr(s, "tolist") else s):
            for j, p in enumerate(pos):
                full[r][p] = row[j]
        res[task] = full
    return res


def _oof(d: _Data, opt: Options, log: Callable[[str], None]):
    """Out-of-fold scores of every row (each row scored by a model that never saw it)."""
    from sklearn.model_selection import StratifiedKFold

    n = len(d.rows)
    strata = [r["intent"] + ("!" if r["urgency"] == "urgent" else "") for r in d.rows]
    out: dict[str, list] = {t: [None] * n for t in TASK_LABELS}
    skf = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for k, (tr, te) in enumerate(skf.split(list(range(n)), strata), start=1):
        t0 = time.monotonic()
        model = _fit(d, list(tr), opt)
        sc = _scores(model, [d.feats[i] for i in te], opt.scale)
        for task in TASK_LABELS:
            for j, i in enumerate(te):
                out[task][i] = sc[task][j]
        log(f"  fold {k}/{FOLDS}: {time.monotonic() - t0:.1f} s")
    return out


def _decide_all(d: _Data, oof, threshold: float, safety: bool = True):
    return [decide(oof["intent"][i], oof["category"][i], oof["urgent"][i][0], threshold,
                   safety and d.cues[i]) for i in range(len(d.rows))]


def _threshold(d: _Data, oof, safety: bool = True) -> float:
    """The highest urgency threshold with cross-validated urgent recall >= the target."""
    cands = sorted({round(s[0], DIGITS) for s in oof["urgent"]}, reverse=True)
    gold = sum(r["urgency"] == "urgent" for r in d.rows)
    lo, hi = 0, len(cands) - 1  # recall grows as the threshold falls: binary search
    while lo < hi:
        mid = (lo + hi) // 2
        preds = _decide_all(d, oof, cands[mid], safety)
        hits = sum(p[2] and r["urgency"] == "urgent" for p, r in zip(preds, d.rows, strict=True))
        if hits >= RECALL_TARGET * gold:
            hi = mid
        else:
            lo = mid + 1
    return cands[lo]


def cross_validate(rows: list[dict], general: General, opt: Options,
                   log: Callable[[str], None] = lambda s: None) -> dict:
    d = _prepare(rows, general, opt)
    oof = _oof(d, opt, log)
    t = _threshold(d, oof)
    preds = _decide_all(d, oof, t)
    res = {"options": opt, "threshold": t, "cv": figures(rows, preds)}
    long = [i for i, r in enumerate(rows) if len(r["text"]) >= LONG]
    res["cv_long"] = {"rows": len(long), **figures([rows[i] for i in long], [preds[i] for i in long])}
    t0 = _threshold(d, oof, safety=False)
    res["cv_without_safety_rules"] = figures(rows, _decide_all(d, oof, t0, safety=False))
    res["cv_at_threshold_0"] = figures(rows, _decide_all(d, oof, 0.0))
    # what forcing each safety family would add on top of the learned weights
    fams: dict[str, Counter] = {}
    fz_norms = [normalize(r["text"]) for r in rows]
    for i, r in enumerate(rows):
        if oof["urgent"][i][0] >= t:
            continue
        p = decide(oof["intent"][i], oof["category"][i], oof["urgent"][i][0], t, True)
        if p[0] != "complaint":
            continue
        for fam in general.cue_families(fz_norms[i]):
            fams.setdefault(fam, Counter())["urgent" if r["urgency"] == "urgent" else "false"] += 1
    res["safety_rule_additions"] = {f: dict(c) for f, c in sorted(fams.items())}
    return res


# --------------------------------------------------------------------------- writing


def _fmt(w: float) -> str:
    return f"{w:+.{DIGITS}f}"


def write_weights(model, header: dict[str, str], out: TextIO) -> None:
    out.write(f"# linli-weights: {FORMAT}\n")
    for k, v in header.items():
        out.write(f"# {k}: {v}\n")
    for task in TASK_LABELS:
        labels, coef, icpt, names = model[task]
        if task == "urgent":
            out.write(f"urgent\tbias\t{_fmt(float(icpt[0]))}\n")
            for j in sorted(range(len(names)), key=lambda j: names[j]):
                if coef[0, j]:
                    out.write(f"urgent\t{names[j]}\t{_fmt(float(coef[0, j]))}\n")
            continue
        out.write(f"{task}\tbias\t" + " ".join(
            f"{lab}:{_fmt(float(b))}" for lab, b in zip(labels, icpt, strict=True)) + "\n")
        for j in sorted(range(len(names)), key=lambda j: names[j]):
            col = coef[:, j]
            ents = [f"{lab}:{_fmt(float(w))}" for lab, w in zip(labels, col, strict=True) if w]
            if ents:
                out.write(f"{task}\t{names[j]}\t{' '.join(ents)}\n")


def _versions() -> str:
    """The library versions: the same data and versions give the same file, byte for byte."""
    from importlib.metadata import version

    return ", ".join(f"{m} {version(m)}" for m in ("scikit-learn", "scipy", "numpy"))


def train(paths: list[Path], out_path: Path | None, log: Callable[[str], None],
          opt: Options = CHOSEN) -> dict:
    rows = load_rows(paths)
    general = load_general()
    log(f"{len(rows)} labelled messages from {len(paths)} files; 5-fold cross-validation ...")
    cv = cross_validate(rows, general, opt, log)
    log(f"cross-validated: {json.dumps(cv['cv'])}")
    log(f"cross-validated, messages of {LONG}+ characters: {json.dumps(cv['cv_long'])}")
    log("fitting on all rows ...")
    d = _prepare(rows, general, opt)
    model = _fit(d, list(range(len(rows))), opt)
    fig = cv["cv"]
    header = {
        "model": "logistic regression (L2) per task over present/absent features: "
                 + ("characters" if opt.tokens == "chars" else "jieba tokens")
                 + (", vocabulary phrases" if opt.phrases else "")
                 + (", character bigrams (b:)" if opt.bigrams else "")
                 + (", safety cue families (安全:)" if opt.cues else "")
                 + (", numbers (#数字)" if opt.numbers else ""),
        "training_sha256": rows_sha256(rows),
        "training_rows": str(len(rows)),
        "training_files": " ".join(p.name for p in paths),
        "C": f"{opt.c:g}",
        "scale": opt.scale,
        "tokens": opt.tokens,
        "bigrams": "yes" if opt.bigrams else "no",
        "phrases": "yes" if opt.phrases else "no",
        "cues": "yes" if opt.cues else "no",
        "numbers": "yes" if opt.numbers else "no",
        "force_urgent": " ".join(sorted(general.force_urgent)) or "-",
        "min_df": str(opt.min_df),
        "prune_below": f"{opt.prune:g}",
        "urgent_rows": opt.urgent_rows,
        "urgent_exclude": " ".join(opt.urgent_exclude) or "-",
        "urgent_threshold": f"{cv['threshold']:.{DIGITS}f}",
        "urgent_threshold_rule": f"highest with cross-validated urgent recall >= {RECALL_TARGET}",
        "cv": f"{FOLDS}-fold, stratified by intent and urgency, seed {SEED}",
        **{f"cv_{k}": f"{v:.4f}" for k, v in fig.items()},
        **{f"cv_long_{k}": f"{v:.4f}" if isinstance(v, float) else str(v)
           for k, v in cv["cv_long"].items()},
        "trained_with": _versions(),
        "format": "task<TAB>keyword<TAB>label:weight ... (score = bias + sum of the weights "
                  "of the keywords present)",
    }
    out_path = out_path or default_weights_path()
    tmp = out_path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        write_weights(model, header, f)
    tmp.replace(out_path)
    log(f"wrote {out_path}")
    return cv


def select(paths: list[Path], log: Callable[[str], None], out: TextIO,
           only: list[int] | None = None) -> None:
    """Cross-validated figures of every option combination (nothing is written)."""
    rows = load_rows(paths)
    general = load_general()
    grid = [replace(CHOSEN, c=c) for c in (0.5, 2.0, 8.0)]
    grid += [replace(CHOSEN, phrases=False), replace(CHOSEN, bigrams=not CHOSEN.bigrams),
             replace(CHOSEN, cues=not CHOSEN.cues), replace(CHOSEN, scale="l2", c=8.0),
             replace(CHOSEN, scale="binary"), replace(CHOSEN, scale="cap100"),
             replace(CHOSEN, tokens="jieba"),
             replace(CHOSEN, urgent_rows="complaint"), replace(CHOSEN, min_df=3),
             replace(CHOSEN, numbers=not CHOSEN.numbers), replace(CHOSEN, urgent_exclude=())]
    if only is not None:
        grid = [grid[i] for i in only]
    for opt in grid:
        res = cross_validate(rows, general, opt, log)
        out.write(json.dumps({k: (str(v) if k == "options" else v) for k, v in res.items()},
                             ensure_ascii=False) + "\n")
        out.flush()
