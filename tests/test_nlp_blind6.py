"""The sixth blind set (tests/data/nlp_blind6.jsonl): 127 resident messages
written in round 7 before any rule change for them, in the dev author's
style, urgency first: 54 urgent complaints over every hazard (lift, gas,
fire and smoke, electricity, water into a home or a power room, falling
objects, injuries, drowning, animals, violence, cold), with and without an
alarm marker; 44 near-miss normals (past, fixed, hypothetical, chronic, a
generic hazard, a false alarm); 29 other rows (suggestions, inquiries,
chatter, ordinary complaints).

Ids whose number is not a multiple of 3 were used to generalise the rules;
ids divisible by 3 were held back and scored only at the end.  See
docs/nlp.md (round 7) for the before/after figures.  Thresholds sit slightly
under the current figures so that a rule edit that hurts unseen phrasing is
caught.
"""

import json
from pathlib import Path

import pytest

from nlp import Classifier
from nlp.cli import evaluate

DATA = Path(__file__).parent / "data" / "nlp_blind6.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_file()


def test_blind6_shape(rows):
    assert len(rows) >= 120
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["intent"] for r in rows} == {"complaint", "suggestion", "inquiry", "chatter"}
    assert sum(r["urgency"] == "urgent" for r in rows) >= 50
    for r in rows:
        if r["intent"] in ("inquiry", "chatter"):
            assert r["category"] == "none" and r["urgency"] == "normal", r


def test_blind6_tuned_part(rows, clf):
    tuned = [r for r in rows if int(r["id"][1:]) % 3]
    res = evaluate(tuned, clf)
    assert res["intent_accuracy"] >= 0.95, res["errors"]
    assert res["category_macro_f1"] >= 0.87, res["errors"]
    assert res["urgent_recall"] >= 0.97, res["errors"]
    assert res["urgent_precision"] >= 0.95, res["errors"]


def test_blind6_held_back_third(rows, clf):
    held = [r for r in rows if int(r["id"][1:]) % 3 == 0]
    assert len(held) >= 40
    res = evaluate(held, clf)
    assert res["intent_accuracy"] >= 0.90, res["errors"]
    assert res["category_macro_f1"] >= 0.81, res["errors"]
    assert res["urgent_recall"] >= 0.94, res["errors"]
    assert res["urgent_precision"] >= 0.94, res["errors"]


@pytest.mark.parametrize(
    "text",
    [
        # a medium hazard with a call for help
        "3栋门口的雨棚塌下来一半,下面好几个老人在乘凉,快来人",
        # a medium hazard with a person at risk and "now"
        "暴雨把单元门口的水灌进电梯井了,电梯还在运行,里面有人",
        # a call for help alone, in a complaint
        "小孩把头卡在栏杆里拔不出来了,快来人",
        # a present-tense strong hazard
        "池塘边有个小孩掉水里了,谁会游泳快过来",
    ],
)
def test_round7_recall_layer(clf, text):
    r = clf.classify(text)
    assert (r.intent, r.urgency) == ("complaint", "urgent"), r.matched


@pytest.mark.parametrize(
    "text",
    [
        "前两天电梯困人的事物业到现在也没解释",  # past, same clause
        "电梯里的紧急按钮按了没反应,这要是被困了怎么办",  # the button; hypothetical
        "暖气管道接头有点漏水,滴答滴答的,下面放了个盆接着",  # not a gas pipe
        "楼道里堆的纸箱子都快堆到天花板了,着起火来谁都跑不掉",  # hypothetical fire
        "孩子刚才在滑梯上被翘起来的螺丝划了一下,还好没出血,物业赶紧修修吧",  # near miss
        "楼道里的电线乱七八糟,迟早出事",
    ],
)
def test_round7_blockers(clf, text):
    assert clf.classify(text).urgency == "normal"


def test_cooccur_note_names_the_rule_in_traces(clf):
    r = clf.classify("3栋门口的雨棚塌下来一半,下面好几个老人在乘凉,快来人")
    assert "urgent: medium hazard × call for help +3" in r.matched
