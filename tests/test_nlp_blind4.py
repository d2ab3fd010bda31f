"""The fourth blind set (tests/data/nlp_blind4.jsonl): 210 resident messages
written in round 5 before any rule change for them, in the dev author's
style, aimed at category macro-F1 and urgent recall: 148 complaints about
*things the dev set never mentions* in all 14 categories (30 urgent, each a
hazard with or without an alarm marker, and 15 near-miss normals), 20
suggestions, 20 inquiries and 22 chatter rows.

Ids whose number is not a multiple of 3 were used to generalise the rules;
ids divisible by 3 were held back and scored only at the end.  See
docs/nlp.md for the before/after figures.  Thresholds sit slightly under the
current figures so that a rule edit that hurts unseen phrasing is caught.
"""

import json
from pathlib import Path

import pytest

from nlp import Classifier
from nlp.cli import evaluate

DATA = Path(__file__).parent / "data" / "nlp_blind4.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_file()


def test_blind3_shape(rows):
    assert len(rows) >= 200
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["intent"] for r in rows} == {"complaint", "suggestion", "inquiry", "chatter"}
    assert sum(r["urgency"] == "urgent" for r in rows) >= 30
    assert len({r["category"] for r in rows if r["intent"] == "complaint"}) == 14
    for r in rows:
        if r["intent"] in ("inquiry", "chatter"):
            assert r["category"] == "none" and r["urgency"] == "normal", r


def test_blind3_tuned_part(rows, clf):
    tuned = [r for r in rows if int(r["id"][1:]) % 3]
    res = evaluate(tuned, clf)
    assert res["intent_accuracy"] >= 0.96, res["errors"]
    assert res["category_macro_f1"] >= 0.96, res["errors"]
    assert res["urgent_recall"] >= 0.95, res["errors"]
    assert res["urgent_precision"] >= 0.95, res["errors"]


def test_blind3_held_back_third(rows, clf):
    held = [r for r in rows if int(r["id"][1:]) % 3 == 0]
    assert len(held) >= 70
    res = evaluate(held, clf)
    assert res["intent_accuracy"] >= 0.96, res["errors"]
    assert res["category_macro_f1"] >= 0.84, res["errors"]
    assert res["urgent_recall"] >= 0.85, res["errors"]
    assert res["urgent_precision"] >= 0.95, res["errors"]
