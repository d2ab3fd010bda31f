"""The fifth blind set (tests/data/nlp_blind5.jsonl): 164 resident messages
written in round 6 before any rule change for them, in the dev author's
style, aimed at category generalisation: 118 complaints about *things* the
dev set and the earlier blind sets do not use, in all 14 categories (21
urgent in the dev structure, plus near-miss normals: a past fire, a
hypothetical fire, a lift that trapped someone last week), 15 suggestions,
14 inquiries and 17 chatter rows.

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

DATA = Path(__file__).parent / "data" / "nlp_blind5.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_file()


def test_blind5_shape(rows):
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["intent"] for r in rows} == {"complaint", "suggestion", "inquiry", "chatter"}
    assert sum(r["urgency"] == "urgent" for r in rows) >= 20
    assert len({r["category"] for r in rows if r["intent"] == "complaint"}) == 14
    for r in rows:
        if r["intent"] in ("inquiry", "chatter"):
            assert r["category"] == "none" and r["urgency"] == "normal", r


def test_blind5_tuned_part(rows, clf):
    tuned = [r for r in rows if int(r["id"][1:]) % 3]
    res = evaluate(tuned, clf)
    assert res["intent_accuracy"] >= 0.97, res["errors"]
    assert res["category_macro_f1"] >= 0.97, res["errors"]
    assert res["urgent_recall"] >= 0.95, res["errors"]
    assert res["urgent_precision"] >= 0.95, res["errors"]


def test_blind5_held_back_third(rows, clf):
    held = [r for r in rows if int(r["id"][1:]) % 3 == 0]
    assert len(held) >= 50
    res = evaluate(held, clf)
    assert res["intent_accuracy"] >= 0.92, res["errors"]
    assert res["category_macro_f1"] >= 0.81, res["errors"]
    assert res["urgent_recall"] >= 0.85, res["errors"]
    assert res["urgent_precision"] >= 0.95, res["errors"]


def test_single_char_dirt_cue_needs_a_token(clf):
    # round 6: 脏 counts only as a whole jieba token, so 心脏 is not dirt
    r = clf.classify("建议在每栋楼大堂放一台AED,老人多,心脏出问题能救急")
    assert (r.intent, r.category) == ("suggestion", "safety"), r.matched
    assert clf.classify("楼道太脏了,几天没人扫").category == "sanitation"
