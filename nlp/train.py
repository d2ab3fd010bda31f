"""``linli nlp train``: learn the keyword weights from labelled messages.

    python -m nlp.train [LABELLED.jsonl ...] [-o nlp/weights/default.tsv]

Without files it reads every committed ``tests/data/*.jsonl`` except the
held-out ``nlp_eval.jsonl``.  For intent, category and urgency it fits a
logistic regression (scikit-learn; a *training-only* dependency) over binary
features - jieba tokens and curated vocabulary phrases, see nlp/features.py -
choosing C by 5-fold cross-validation, then:

* runs the whole pure-Python classifier (rounded, pruned weights + general
  rules) on 5 cross-validation folds and reports intent accuracy, category
  macro-F1 and urgent recall/precision;
* picks the urgency threshold on those out-of-fold scores: the highest that
  keeps urgent recall >= 0.95;
* writes the weights file (sorted, rounded, deterministic) with the training
  data's SHA-256, the chosen C and the cross-validated figures in its header.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from .model import LABELS, TASKS, Rules, Weights, decide, default_weights_path
from .normalize import normalize
from .rules import CATEGORIES, INTENTS

__all__ = ["main", "default_training_files", "train", "FORMAT_VERSION"]

FORMAT_VERSION = "1"
C_GRID = (2.0, 4.0, 8.0, 16.0)
FOLDS = 5
SEED = 0
MIN_DF = 3
PRUNE = 0.2  # weights smaller than this (after rounding) are dropped
DIGITS = 2
RECALL_TARGET = 0.95
HELD_OUT = "nlp_eval.jsonl"


def default_training_files() -> list[Path]:
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    return sorted(p for p in data.glob("*.jsonl") if p.name != HELD_OUT)


def _load(files: list[Path]) -> tuple[list[dict], str]:
    """Labelled rows of ``files`` and their SHA-256.  Rows without all of
    text/intent/category/urgency are skipped; a file without any labelled
    row does not count (nor enter the hash)."""
    h = hashlib.sha256()
    rows: list[dict] = []
    need = {"text", "intent", "category", "urgency"}
    used: list[str] = []
    for p in sorted(files, key=lambda p: p.name):
        raw = p.read_bytes()
        got = []
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{p}:{n}: invalid JSON: {e}") from e
                if isinstance(r, dict) and need <= set(r):
                    got.append(r)
        if got:
            h.update(p.name.encode() + b"\0" + raw + b"\0")
            rows.extend(got)
            used.append(p.name)
    _load.used = used  # type: ignore[attr-defined]
    return rows, h.hexdigest()


class _Progress:
    def __init__(self, total: int, out=sys.stderr) -> None:
        self.total, self.n, self.out, self.t0 = total, 0, out, time.perf_counter()

    def step(self, what: str) -> None:
        self.n += 1
        width = 24
        done = int(width * self.n / self.total)
        self.out.write(
            f"\r[{'#' * done}{'.' * (width - done)}] {self.n}/{self.total} "
            f"{time.perf_counter() - self.t0:5.1f}s {what[:40]:<40}"
        )
        self.out.flush()
        if self.n == self.total:
            self.out.write("\n")


# --------------------------------------------------------------------------- metrics


def metrics(rows: list[dict], preds: list[tuple[str, str, str]]) -> dict[str, float]:
    n = len(rows)
    intent_ok = sum(p[0] == r["intent"] for p, r in zip(preds, rows))
    case = [(r, p) for r, p in zip(rows, preds) if r["intent"] in ("complaint", "suggestion")]
    labels = sorted({r["category"] for r, _ in case})
    tp = dict.fromkeys(CATEGORIES + ("none",), 0)
    fp, fn = dict(tp), dict(tp)
    for r, p in case:
        if r["category"] == p[1]:
            tp[r["category"]] += 1
        else:
            fn[r["category"]] += 1
            fp[p[1]] += 1
    f1s = []
    for c in labels:
        pr = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        rc = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    gu = {i for i, r in enumerate(rows) if r["urgency"] == "urgent"}
    pu = {i for i, p in enumerate(preds) if p[2] == "urgent"}
    return {
        "intent_accuracy": intent_ok / n if n else 0.0,
        "category_macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "urgent_recall": len(gu & pu) / len(gu) if gu else 0.0,
        "urgent_precision": len(gu & pu) / len(pu) if pu else 0.0,
    }


# --------------------------------------------------------------------------- fitting


def _targets(rows: list[dict], task: str) -> tuple[list[int], list[str]]:
    """Row indices used for ``task`` and their labels."""
    if task == "intent":
        return list(range(len(rows))), [r["intent"] for r in rows]
    if task == "category":
        idx = [i for i, r in enumerate(rows) if r["intent"] in ("complaint", "suggestion")]
        return idx, [rows[i]["category"] for i in idx]
    idx = [i for i, r in enumerate(rows) if r["intent"] == "complaint"]
    return idx, [rows[i]["urgency"] for i in idx]


class _OvR:
    """One-vs-rest logistic regressions (liblinear): one independent weight
    per feature and label, fast and deterministic on sparse binary features."""

    def __init__(self, X, y, C: float) -> None:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y)
        self.classes_ = sorted(set(y.tolist()))
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coefs, icpts = [], []
        for lab in targets:
            m = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED)
            m.fit(X, (y == lab).astype(int))
            coefs.append(m.coef_[0])
            icpts.append(m.intercept_[0])
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.array(icpts)

    def decision_function(self, X):
        d = X @ self.coef_.T + self.intercept_
        return d[:, 0] if len(self.classes_) == 2 else d

    def predict(self, X):
        d = self.decision_function(X)
        if len(self.classes_) == 2:
            return [self.classes_[int(v > 0)] for v in d]
        return [self.classes_[i] for i in d.argmax(axis=1)]


def _fit(X, y, C: float) -> _OvR:
    return _OvR(X, y, C)


def _export(models: dict, names: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Rounded, pruned weights: rows[task][feature or 'bias'][label]."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for task, m in models.items():
        classes = list(m.classes_)
        if task == "urgency":
            labs = ["urgent"]
            coef = m.coef_[[0]] if classes[1] == "urgent" else -m.coef_[[0]]
            icpt = [m.intercept_[0] if classes[1] == "urgent" else -m.intercept_[0]]
        else:
            labs = classes
            coef, icpt = m.coef_, list(m.intercept_)
        rows: dict[str, dict[str, float]] = {"bias": {}}
        for li, lab in enumerate(labs):
            rows["bias"][lab] = round(float(icpt[li]), DIGITS)
        for li, lab in enumerate(labs):
            row = coef[li]
            for fi in row.nonzero()[0]:
                w = round(float(row[fi]), DIGITS)
                if abs(w) >= PRUNE:
                    rows.setdefault(names[fi], {})[lab] = w
        out[task] = rows
    return out


def _weights_from(models: dict, names: list[str], header: dict | None = None) -> Weights:
    return Weights.from_rows(_export(models, names), header)


def _predict(weights: Weights, rules: Rules, norms: list[str], feats: list[dict],
             threshold: float) -> tuple[list[tuple[str, str, str]], list[float]]:
    preds, us = [], []
    table = weights.table
    for norm, fs in zip(norms, feats):
        sc = [list(weights.bias[t]) for t in TASKS]
        for f in fs:
            for t, li, x in table.get(f, ()):
                sc[t][li] += x
        d = decide(sc[0], sc[1], sc[2][0], threshold, rules, norm)
        preds.append((d.intent, d.category, d.urgency))
        us.append(d.urgency_score if d.intent == "complaint" and "already fixed" not in d.rules
                  and "hypothetical question" not in d.rules else float("-inf"))
    return preds, us


def _pick_threshold(rows: list[dict], us: list[float]) -> float:
    """The highest threshold whose urgent recall is >= RECALL_TARGET."""
    gold = sorted((u for u, r in zip(us, rows) if r["urgency"] == "urgent"), reverse=True)
    if not gold:
        return 0.0
    k = max(1, -(-int(RECALL_TARGET * len(gold) * 1000) // 1000))  # ceil
    k = min(k, len(gold))
    t = gold[k - 1]
    if t == float("-inf"):
        t = min(u for u in us if u != float("-inf"))
    return round(t - 0.005, DIGITS + 1)


def train(files: list[Path], progress: bool = True, log=sys.stderr) -> tuple[str, dict]:
    """Train on ``files``; return (weights file text, figures)."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import StratifiedKFold

    from .features import Featurizer
    from .tokenizer import DomainTokenizer
    from .vocab import load_vocab

    rows, sha = _load(files)
    vocab = load_vocab()
    # a fresh tokenizer: the shared one may hold words a community rule file added
    fz = Featurizer(vocab, DomainTokenizer())
    rules = Rules(vocab)
    norms = [normalize(r["text"]) for r in rows]
    feats = [fz.features(n) for n in norms]

    steps = len(TASKS) * len(C_GRID) + FOLDS + 1
    pg = _Progress(steps, log) if progress else None

    def step(what: str) -> None:
        if pg:
            pg.step(what)

    skf = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    strat = [f"{r['intent']}/{r['urgency']}" for r in rows]
    folds = list(skf.split(np.zeros(len(rows)), strat))

    def vectorize(train_idx):
        df: dict[str, int] = {}
        for i in train_idx:
            for f in feats[i]:
                df[f] = df.get(f, 0) + 1
        keep = {f for f, c in df.items() if c >= MIN_DF}
        dv = DictVectorizer(dtype=np.float64, sort=True)
        dv.fit([{f: 1 for f in feats[i] if f in keep} for i in train_idx])
        return dv

    def matrix(dv, idx):
        X = dv.transform([{f: 1 for f in feats[i]} for i in idx]).tocsr()
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
        return X

    # 1. choose C per task by 5-fold CV of the plain model
    from sklearn.metrics import average_precision_score, f1_score

    fold_dv = [vectorize(tr) for tr, _ in folds]
    chosen: dict[str, float] = {}
    for task in TASKS:
        idx, y = _targets(rows, task)
        pos = {i: k for k, i in enumerate(idx)}
        best = None
        for C in C_GRID:
            oof_true, oof_pred, oof_score = [], [], []
            for (tr, te), dv in zip(folds, fold_dv):
                tr_i = [i for i in tr if i in pos]
                te_i = [i for i in te if i in pos]
                m = _fit(matrix(dv, tr_i), [y[pos[i]] for i in tr_i], C)
                Xte = matrix(dv, te_i)
                oof_true += [y[pos[i]] for i in te_i]
                oof_pred += list(m.predict(Xte))
                if task == "urgency":
                    oof_score += list(m.decision_function(Xte))
            if task == "intent":
                s = float(np.mean(np.array(oof_true) == np.array(oof_pred)))
            elif task == "category":
                s = f1_score(oof_true, oof_pred, average="macro")
            else:
                s = average_precision_score([t == "urgent" for t in oof_true], oof_score)
            step(f"C={C} {task}: {s:.4f}")
            if best is None or s > best[0] + 1e-9:
                best = (s, C)
        chosen[task] = best[1]  # type: ignore[index]

    # 2. the whole pure-Python classifier on the same folds
    oof_preds: list[tuple[str, str, str] | None] = [None] * len(rows)
    oof_u: list[float] = [0.0] * len(rows)
    for k, ((tr, te), dv) in enumerate(zip(folds, fold_dv)):
        models = {}
        for task in TASKS:
            idx, y = _targets(rows, task)
            pos = {i: j for j, i in enumerate(idx)}
            tr_i = [i for i in tr if i in pos]
            models[task] = _fit(matrix(dv, tr_i), [y[pos[i]] for i in tr_i], chosen[task])
        w = _weights_from(models, list(dv.feature_names_))
        p, u = _predict(w, rules, [norms[i] for i in te], [feats[i] for i in te], 0.0)
        for j, i in enumerate(te):
            oof_preds[i], oof_u[i] = p[j], u[j]
        step(f"fold {k + 1}/{FOLDS}")
    threshold = _pick_threshold(rows, oof_u)
    final_preds = [
        (p[0], p[1], "urgent" if p[0] == "complaint" and u >= threshold else "normal")
        for p, u in zip(oof_preds, oof_u)  # type: ignore[misc]
    ]
    figures = metrics(rows, final_preds)

    # 3. fit on everything and write
    dv = vectorize(range(len(rows)))
    models = {}
    for task in TASKS:
        idx, y = _targets(rows, task)
        models[task] = _fit(matrix(dv, idx), y, chosen[task])
    step("final fit")
    exported = _export(models, list(dv.feature_names_))
    header = {
        "linli-weights": FORMAT_VERSION,
        "model": "one-vs-rest logistic regression per task over jieba tokens + vocabulary phrases",
        "training_rows": str(len(rows)),
        "training_files": str(len(_load.used)),  # type: ignore[attr-defined]
        "training_sha256": sha,
        "C": " ".join(f"{t}={chosen[t]:g}" for t in TASKS),
        "min_df": str(MIN_DF),
        "prune_below": f"{PRUNE:g}",
        "urgent_threshold": f"{threshold:.3f}",
        "urgent_threshold_rule": f"highest threshold with cross-validated urgent recall >= {RECALL_TARGET}",
        "cv_folds": str(FOLDS),
        **{f"cv_{k}": f"{v:.4f}" for k, v in figures.items()},
    }
    return render(exported, header), {**figures, "threshold": threshold, "C": chosen,
                                      "rows": len(rows), "sha256": sha}


def render(rows: dict[str, dict[str, dict[str, float]]], header: dict[str, str]) -> str:
    out = [f"# {k}: {v}" for k, v in header.items()]
    out.append("# format: feature<TAB>task<TAB>label:weight ... "
               "(score = bias + sum of the weights of the features present)")
    for task in TASKS:
        order = {lab: i for i, lab in enumerate(LABELS[task])}
        feats = rows[task]
        keys = ["bias"] + sorted(k for k in feats if k != "bias")
        for f in keys:
            ws = feats[f]
            if not ws:
                continue
            items = " ".join(f"{lab}:{ws[lab]:+.{DIGITS}f}" for lab in sorted(ws, key=order.get))
            out.append(f"{f}\t{task}\t{items}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="linli nlp train", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="labelled JSONL files")
    ap.add_argument("-o", "--output", type=Path, default=None,
                    help="weights file to write (default: the packaged nlp/weights/default.tsv)")
    ap.add_argument("--quiet", action="store_true", help="no progress indicator")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("linli nlp train needs scikit-learn: pip install 'linli[train]'", file=sys.stderr)
        return 2
    files = args.files or default_training_files()
    if any(p.name == HELD_OUT for p in files):
        print(f"refusing to train on the held-out evaluation set {HELD_OUT}", file=sys.stderr)
        return 2
    if not files:
        print("no labelled files given", file=sys.stderr)
        return 2
    text, fig = train(files, progress=not args.quiet)
    out = args.output or default_weights_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"trained on {fig['rows']} rows from {len(_load.used)} files (sha256 {fig['sha256'][:12]}…)")
    print(f"C: " + ", ".join(f"{t}={c:g}" for t, c in fig["C"].items()))
    print(f"{FOLDS}-fold cross-validated (whole classifier, general rules included):")
    print(f"  intent accuracy    {fig['intent_accuracy']:.4f}")
    print(f"  category macro-F1  {fig['category_macro_f1']:.4f}")
    print(f"  urgent recall      {fig['urgent_recall']:.4f}  precision {fig['urgent_precision']:.4f}"
          f"  (threshold {fig['threshold']:+.3f})")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
