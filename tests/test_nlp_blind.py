"""The blind set (tests/data/nlp_blind.jsonl): 316 resident messages written
independently of the dev set, scored before any rule change for them.

Two thirds of it (ids whose number is not a multiple of 3) were then used to
generalise the rules; the other third (id % 3 == 0) was held back and only
scored at the end.  See docs/nlp.md for the before/after figures.  The
thresholds below sit slightly under what the current rules reach, so that a
rule edit that hurts unseen phrasing is caught.
"""

import json
from pathlib import Path

import pytest

from nlp import Classifier
from nlp.cli import evaluate

DATA = Path(__file__).parent / "data" / "nlp_blind.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_file()


def test_blind_set_shape(rows):
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    intents = {r["intent"] for r in rows}
    assert intents == {"complaint", "suggestion", "inquiry", "chatter"}
    cats = {r["category"] for r in rows if r["intent"] in ("complaint", "suggestion")}
    assert len(cats) == 14
    assert sum(r["urgency"] == "urgent" for r in rows) >= 20
    for r in rows:
        if r["intent"] in ("inquiry", "chatter"):
            assert r["category"] == "none" and r["urgency"] == "normal", r


def test_blind_set_scores(rows, clf):
    res = evaluate(rows, clf)
    assert res["intent_accuracy"] >= 0.96, res["errors"]
    assert res["category_macro_f1"] >= 0.94, res["errors"]
    assert res["urgent_recall"] >= 0.88, res["errors"]
    assert res["urgent_precision"] >= 0.90, res["errors"]


def test_blind_held_back_third(rows, clf):
    held = [r for r in rows if int(r["id"][1:]) % 3 == 0]
    assert len(held) >= 100
    res = evaluate(held, clf)
    assert res["intent_accuracy"] >= 0.92, res["errors"]
    assert res["category_macro_f1"] >= 0.90, res["errors"]
    assert res["urgent_recall"] >= 0.70, res["errors"]
