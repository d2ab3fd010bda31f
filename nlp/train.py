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
import os
import sys
import time
from pathlib import Path

from .model import LABELS, TASKS, Rules, Weights, decide, default_weights_path
from .normalize import normalize
from .rules import CATEGORIES, INTENTS

__all__ = ["main", "default_training_files", "train", "FORMAT_VERSION"]

FORMAT_VERSION = "2"
C_GRID = (256.0, 512.0, 1024.0)  # large: L2-normalised features are small
FOLDS = 5
SEED = 0
MIN_DF = 3
PRUNE = 0.5  # weights smaller than this (after rounding) are dropped
DIGITS = 2
RECALL_TARGET = 0.95
HELD_OUT = "nlp_eval.jsonl"
SCALE = "l2"  # "l2": each message's feature vector has unit length; "binary": 0/1
AUGMENT = True  # add formal-register copies of the training rows (see _augment)
LONG = 60  # characters: the "long message" stratum of the report

# Formal-register boilerplate (the register of letters to a city 12345
# hotline).  It carries no label: every training row - complaint, chatter,
# inquiry alike - gets a copy wrapped in it, so its words learn no weight and
# the learner sees long messages whose label comes from their content only.
PLACES = ("阳光花园", "锦绣家园", "幸福里小区", "滨江苑", "翠湖小区", "和平新村", "东方名城", "金桂园")
UNITS = ("3栋", "5号楼", "12幢", "2单元", "8号楼1单元", "A座")
OPEN = (
    "本人系{p}业主，现反映如下：",
    "您好，我是{p}的居民，现向贵部门反映一个情况：",
    "尊敬的领导：您好！我是{p}{u}的住户，",
    "我是{p}业主，特此反映：",
    "12345您好，本人居住在{p}{u}，",
    "致相关部门：本人为{p}住户，现就以下情况进行反映。",
)
JOIN = ("此外，", "同时，", "另外，", "")
CLOSE = (
    "恳请相关部门尽快处理。",
    "望有关部门予以重视，谢谢！",
    "希望相关部门能够尽快协调，感谢！",
    "请相关部门核实并给予答复。",
    "特此反映，盼复。",
    "以上情况属实，望尽快落实。",
)
# other phrasings, used only to build the long-text cross-validation check
CHECK_OPEN = (
    "市长热线您好，我是{p}的业主，现将有关情况反映如下：",
    "本人家住{p}{u}，现就一事向贵单位投诉：",
    "尊敬的工作人员：我系{p}居民，",
)
CHECK_JOIN = ("与此同时，", "还有一点，")
CHECK_CLOSE = (
    "恳请贵单位督促整改，并给予书面回复。",
    "望相关职能部门依法依规处理为盼。",
    "请尽快派人核查，不胜感激。",
)


def _formal(rng, texts: list[str], opens, joins, closes) -> str:
    """``texts`` joined and wrapped in formal boilerplate (no label of its own)."""
    body = texts[0].rstrip("。.!！ ")
    for t in texts[1:]:
        body += "。" + rng.choice(joins) + t.rstrip("。.!！ ")
    o = rng.choice(opens).format(p=rng.choice(PLACES), u=rng.choice(UNITS))
    return o + body + "。" + rng.choice(closes)


def _label(r: dict) -> tuple[str, str, str]:
    return (r["intent"], r["category"], r["urgency"])


def _augment(rows: list[dict], idx, rng, opens=OPEN, joins=JOIN, closes=CLOSE,
             wrap_all: bool = True) -> list[tuple[str, int]]:
    """Synthetic long formal messages from the rows ``idx``: (text, row whose
    labels it takes).  Every row wrapped alone (``wrap_all``), and rows of a
    complaint/suggestion joined with one or two others of the same labels."""
    out: list[tuple[str, int]] = []
    if wrap_all:
        out += [(_formal(rng, [rows[i]["text"]], opens, joins, closes), i) for i in idx]
    groups: dict[tuple, list[int]] = {}
    for i in idx:
        if rows[i]["intent"] in ("complaint", "suggestion"):
            groups.setdefault(_label(rows[i]), []).append(i)
    for key in sorted(groups):
        g = groups[key][:]
        rng.shuffle(g)
        k = 0
        while k + 1 < len(g):
            n = 3 if k + 2 < len(g) and rng.random() < 0.3 else 2
            part = g[k:k + n]
            out.append((_formal(rng, [rows[i]["text"] for i in part], opens, joins, closes), part[0]))
            k += n
    return out


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
    for norm, fs in zip(norms, feats):
        sc, _ = weights.scores(fs)
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
    import random

    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import StratifiedKFold

    from .features import Featurizer
    from .model import feature_scale
    from .tokenizer import DomainTokenizer
    from .vocab import load_vocab

    rows, sha = _load(files)
    n_real = len(rows)
    vocab = load_vocab()
    # a fresh tokenizer: the shared one may hold words a community rule file added
    fz = Featurizer(vocab, DomainTokenizer())
    rules = Rules(vocab)
    norms = [normalize(r["text"]) for r in rows]
    feats = [fz.features(n) for n in norms]
    src = list(range(n_real))  # item -> the real row whose labels it has

    def add(items: list[tuple[str, int]]) -> list[int]:
        out = []
        for text, i in items:
            norm = normalize(text)
            norms.append(norm)
            feats.append(fz.features(norm))
            src.append(i)
            out.append(len(src) - 1)
        return out

    # every row's formal copy (its own random stream: independent of the folds)
    wrapped = (add([_augment(rows, [i], random.Random(f"{SEED}:{i}"))[0] for i in range(n_real)])
               if AUGMENT else [])

    steps = len(TASKS) * len(C_GRID) + FOLDS + 1
    pg = _Progress(steps, log) if progress else None

    def step(what: str) -> None:
        if pg:
            pg.step(what)

    skf = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    strat = [f"{r['intent']}/{r['urgency']}" for r in rows]
    folds = list(skf.split(np.zeros(n_real), strat))

    def train_items(tr, k: int) -> list[int]:
        """Real training rows plus their synthetic formal messages."""
        if not AUGMENT:
            return list(tr)
        joined = _augment(rows, tr, random.Random(f"{SEED}:fold{k}"), wrap_all=False)
        return list(tr) + [wrapped[i] for i in tr] + add(joined)

    def check_items(te, k: int) -> list[int]:
        """Long formal messages made of test rows, with other phrasings."""
        rng = random.Random(f"{SEED}:check{k}")
        case = [i for i in te if rows[i]["intent"] in ("complaint", "suggestion", "inquiry")]
        single = [(_formal(rng, [rows[i]["text"]], CHECK_OPEN, CHECK_JOIN, CHECK_CLOSE), i)
                  for i in case]
        joined = _augment(rows, te, rng, CHECK_OPEN, CHECK_JOIN, CHECK_CLOSE, wrap_all=False)
        return add(single + joined)

    fold_train = [train_items(tr, k) for k, (tr, _) in enumerate(folds)]
    fold_check = [check_items(te, k) for k, (_, te) in enumerate(folds)]

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
        X = dv.transform([
            dict.fromkeys(feats[i], feature_scale(len(feats[i])) if SCALE == "l2" else 1.0)
            for i in idx
        ]).tocsr()
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
        return X

    def targets(task: str, idx) -> tuple[list[int], list[str]]:
        sub, y = [], []
        for i in idx:
            r = rows[src[i]]
            if task == "intent":
                sub.append(i), y.append(r["intent"])
            elif task == "category" and r["intent"] in ("complaint", "suggestion"):
                sub.append(i), y.append(r["category"])
            elif task == "urgency" and r["intent"] == "complaint":
                sub.append(i), y.append(r["urgency"])
        return sub, y

    # 1. choose C per task by 5-fold CV of the plain model (scored on real rows)
    from sklearn.metrics import average_precision_score, f1_score

    fold_dv = [vectorize(tr) for tr in fold_train]
    chosen: dict[str, float] = {}
    for task in TASKS:
        best = None
        for C in C_GRID:
            oof_true, oof_pred, oof_score = [], [], []
            for (_, te), tr, dv in zip(folds, fold_train, fold_dv):
                tr_i, tr_y = targets(task, tr)
                te_i, te_y = targets(task, te)
                m = _fit(matrix(dv, tr_i), tr_y, C)
                Xte = matrix(dv, te_i)
                oof_true += te_y
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

    # 2. the whole pure-Python classifier on the same folds (real rows and
    #    the long formal check messages made of the test rows)
    oof: dict[int, tuple[tuple[str, str, str], float]] = {}
    for k, ((_, te), tr, dv) in enumerate(zip(folds, fold_train, fold_dv)):
        models = {}
        for task in TASKS:
            tr_i, tr_y = targets(task, tr)
            models[task] = _fit(matrix(dv, tr_i), tr_y, chosen[task])
        w = _weights_from(models, list(dv.feature_names_), {"feature_scale": SCALE})
        ev = list(te) + fold_check[k]
        p, u = _predict(w, rules, [norms[i] for i in ev], [feats[i] for i in ev], 0.0)
        for j, i in enumerate(ev):
            oof[i] = (p[j], u[j])
        step(f"fold {k + 1}/{FOLDS}")
    real = list(range(n_real))
    threshold = _pick_threshold(rows, [oof[i][1] for i in real])

    def figures_of(items: list[int]) -> dict[str, float]:
        preds = [(oof[i][0][0], oof[i][0][1],
                  "urgent" if oof[i][0][0] == "complaint" and oof[i][1] >= threshold else "normal")
                 for i in items]
        return metrics([rows[src[i]] for i in items], preds)

    figures = figures_of(real)
    strata = {
        f"long (>= {LONG} chars, {sum(len(r['text']) >= LONG for r in rows)} rows)":
            figures_of([i for i in real if len(rows[i]["text"]) >= LONG]),
        f"short (< {LONG} chars)": figures_of([i for i in real if len(rows[i]["text"]) < LONG]),
        f"formal check ({sum(map(len, fold_check))} synthetic)":
            figures_of([i for c in fold_check for i in c]),
    }

    # 3. fit on everything and write
    final = train_items(range(n_real), FOLDS)
    dv = vectorize(final)
    models = {}
    for task in TASKS:
        idx, y = targets(task, final)
        models[task] = _fit(matrix(dv, idx), y, chosen[task])
    step("final fit")
    exported = _export(models, list(dv.feature_names_))
    fc = strata[next(k for k in strata if k.startswith("formal"))]
    header = {
        "linli-weights": FORMAT_VERSION,
        "model": "one-vs-rest logistic regression per task over jieba tokens + vocabulary phrases",
        "feature_scale": SCALE,
        "training_rows": str(n_real),
        "training_files": str(len(_load.used)),  # type: ignore[attr-defined]
        "training_sha256": sha,
        "augmented_rows": str(len(final) - n_real),
        "C": " ".join(f"{t}={chosen[t]:g}" for t in TASKS),
        "min_df": str(MIN_DF),
        "prune_below": f"{PRUNE:g}",
        "urgent_threshold": f"{threshold:.3f}",
        "urgent_threshold_rule": f"highest threshold with cross-validated urgent recall >= {RECALL_TARGET}",
        "cv_folds": str(FOLDS),
        **{f"cv_{k}": f"{v:.4f}" for k, v in figures.items()},
        **{f"cv_formal_{k}": f"{v:.4f}" for k, v in fc.items()},
    }
    return render(exported, header), {**figures, "threshold": threshold, "C": chosen,
                                      "rows": n_real, "sha256": sha, "strata": strata}


def render(rows: dict[str, dict[str, dict[str, float]]], header: dict[str, str]) -> str:
    out = [f"# {k}: {v}" for k, v in header.items()]
    out.append("# format: feature<TAB>task<TAB>label:weight ... (score = bias + sum of the "
               "weights of the features present, times 1/sqrt(number of features) "
               "if feature_scale is l2)")
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
    # atomic: a running bot or test never reads half a file
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    print(f"trained on {fig['rows']} rows from {len(_load.used)} files (sha256 {fig['sha256'][:12]}…)")
    print(f"C: " + ", ".join(f"{t}={c:g}" for t, c in fig["C"].items()))
    print(f"{FOLDS}-fold cross-validated (whole classifier, general rules included):")
    print(f"  intent accuracy    {fig['intent_accuracy']:.4f}")
    print(f"  category macro-F1  {fig['category_macro_f1']:.4f}")
    print(f"  urgent recall      {fig['urgent_recall']:.4f}  precision {fig['urgent_precision']:.4f}"
          f"  (threshold {fig['threshold']:+.3f})")
    for name, f in fig["strata"].items():
        print(f"  {name}: intent {f['intent_accuracy']:.4f}  category {f['category_macro_f1']:.4f}"
              f"  urgent recall {f['urgent_recall']:.4f} precision {f['urgent_precision']:.4f}")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
