"""Classifier API and one behaviour test per general rule (nlp/rules/default.yaml).

The learned weights are not held to figures here: `linli nlp train` reports
cross-validated figures, and the lead scores the held-out set."""

import pytest

from nlp import Classification, Classifier, Place
from nlp.classifier import format_reasons
from nlp.normalize import normalize


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_file()


def lab(clf, text):
    r = clf.classify(text)
    return r.intent, r.category, r.urgency


def test_result_is_frozen_dataclass(clf):
    r = clf.classify("5号楼电梯又坏了!!!")
    assert isinstance(r, Classification)
    with pytest.raises(AttributeError):
        r.intent = "chatter"  # type: ignore[misc]
    assert r.matched and all(isinstance(m, str) for m in r.matched)
    assert 0.0 <= r.confidence <= 1.0
    assert r.place == Place(text="5号楼", building="5")
    assert (r.intent, r.category) == ("complaint", "elevator")


def test_reasons_and_explanation(clf):
    r = clf.classify("5号楼电梯又坏了!!!")
    assert r.reasons and all(w > 0 for _, w in r.reasons)
    assert [w for _, w in r.reasons] == sorted((w for _, w in r.reasons), reverse=True)
    assert "电梯" in dict(r.reasons)
    text = format_reasons(r)
    assert text.startswith("判断依据：") and text.count("，") == 2 and "电梯 +" in text
    assert r.explain(1).count("，") == 0


# ---------------------------------------------------------------- general rule: negation

def test_negation_drops_the_negated_word(clf):
    feats = clf.features("不是说垃圾的事,是楼道灯一直不亮")
    assert "垃圾" not in feats and "楼道灯" in feats
    # "是不是" asks; it does not negate
    assert "垃圾" in clf.features("是不是垃圾没人收")


# ---------------------------------------------------------------- general rule: hypothetical questions

def test_hypothetical_question_is_inquiry_and_not_urgent(clf):
    r = clf.classify("万一半夜电梯里关了人，应该先打谁的电话？")
    assert (r.intent, r.urgency) == ("inquiry", "normal")
    assert "rule: hypothetical question" in r.matched


# ---------------------------------------------------------------- general rule: already fixed

@pytest.mark.parametrize("text", ["电梯已经修好了,谢谢", "昨天说的漏水已经解决了,打扰大家了"])
def test_already_fixed_is_not_a_complaint(clf, text):
    r = clf.classify(text)
    assert r.intent == "chatter" and r.urgency == "normal"
    assert "rule: already fixed" in r.matched


def test_still_broken_overrides_fixed_cue(clf):
    r = clf.classify("说是修好了,结果还是没修好,天天爬楼")
    assert "rule: already fixed" not in r.matched


# ---------------------------------------------------------------- general rule: life-safety cues

@pytest.mark.parametrize("text,family", [
    ("楼道里一股燃气味,大家别开火", "gas"),
    ("地下室有股焦糊味", "gas"),
    ("楼下着火了,浓烟往上冒", "fire"),
    ("3栋电梯坏了,有人被困在里面", "trapped"),
    ("配电箱泡在水里了", "live_wire"),
    ("单元门口上面的外墙瓷砖松动了随时会掉", "falling"),
    ("零下十度了暖气一点都不热,老人冻得直哆嗦", "freezing"),
    ("有个老人躺在马路中间一动不动", "traffic"),
])
def test_life_safety_cue_makes_urgent(clf, text, family):
    r = clf.classify(text)
    assert (r.intent, r.urgency) == ("complaint", "urgent"), r.matched
    assert any(m.startswith("rule: life-safety cue") and family in m for m in r.matched)


@pytest.mark.parametrize("text", [
    "【温馨提示】闻到燃气味请立即开窗,不要开关电器",  # a notice
    "昨天楼下着火了,消防来了很快",  # over, told in the past
])
def test_life_safety_cue_blocked(clf, text):
    r = clf.classify(text)
    assert not any(m.startswith("rule: life-safety") for m in r.matched)


# ---------------------------------------------------------------- normalisation

def test_traditional_and_fullwidth_input(clf):
    assert lab(clf, "電梯又壞了，我家住18樓，爬不動了")[:2] == ("complaint", "elevator")
    assert normalize("ＫＴＶ唱到凌晨３点！！！") == "ktv唱到凌晨3点!"


def test_empty_and_emoji_only(clf):
    for t in ["", "   ", "🙏🙏", "[表情]"]:
        assert clf.classify(t).intent == "chatter"
