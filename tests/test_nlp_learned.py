"""The learned classifier (nlp/model.py, nlp/train.py): the shipped weights match
their training data, train -> classify round trip, explanations, the general
rules (one test each), a community's own word file and its reload (an old full
rule file is refused with what to do)."""
from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from nlp import Classifier, RulesError
from nlp.cli import explanation, run_classify
from nlp.model import LearnedClassifier, decide, default_weights_path, load_weights
from nlp.normalize import normalize
from nlp.train import DATA_DIR, HELD_OUT, default_training_files, load_rows, rows_sha256
from nlp.vocab import load_general, parse_user_words


@pytest.fixture(scope="module")
def learned() -> Classifier:
    return Classifier.from_file()


@pytest.fixture(scope="module")
def general():
    return load_general()


# --------------------------------------------------------------------------- the weights file


def test_shipped_weights_match_their_training_data():
    """`linli nlp train` on the committed data is what produced nlp/data/weights.txt:
    same files, same rows (hash), and the evaluation sets are not among them."""
    header = load_weights().header
    files = default_training_files()
    assert header["training_files"].split() == [p.name for p in files]
    assert not set(HELD_OUT) & {p.name for p in files}
    rows = load_rows(files)
    assert header["training_rows"] == str(len(rows))
    assert header["training_sha256"] == rows_sha256(rows)


def test_weights_file_is_sorted_readable_and_small():
    path = default_weights_path()
    assert path.stat().st_size < 5_000_000
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    keys = [tuple(ln.split("\t")[:2]) for ln in lines if ln.split("\t")[1] != "bias"]
    tasks = ["intent", "category", "urgent"]
    assert keys == sorted(keys, key=lambda k: (tasks.index(k[0]), k[1]))
    header = load_weights().header
    for k in ("cv_intent_accuracy", "cv_category_macro_f1", "cv_urgent_recall",
              "cv_urgent_precision", "urgent_threshold", "C"):
        assert k in header
    assert float(header["cv_urgent_recall"]) >= 0.95


def test_evaluation_sets_are_not_training_data():
    """Training never reads the evaluation sets; they share only stock replies (嗯嗯, 收到👌)."""
    from nlp.train import HELD_OUT

    train = {r["text"] for r in load_rows(default_training_files())}
    assert not {p.name for p in default_training_files()} & set(HELD_OUT)
    for name in HELD_OUT:
        held = {json.loads(x)["text"] for x in (DATA_DIR / name).open() if x.strip()}
        assert len(held) >= 300
        assert all(len(t) <= 12 for t in held & train), name


# --------------------------------------------------------------------------- round trip

TINY = [
    ("电梯坏了，困在里面出不来", "complaint", "elevator", "urgent"),
    ("电梯又坏了，修了三次了", "complaint", "elevator", "normal"),
    ("电梯停了一整天", "complaint", "elevator", "normal"),
    ("楼道里全是垃圾，臭死了", "complaint", "sanitation", "normal"),
    ("垃圾桶满了没人收", "complaint", "sanitation", "normal"),
    ("门口垃圾堆了三天", "complaint", "sanitation", "normal"),
    ("建议多装几个垃圾桶", "suggestion", "sanitation", "normal"),
    ("建议电梯里装个空调", "suggestion", "elevator", "normal"),
    ("请问物业费在哪交", "inquiry", "none", "normal"),
    ("请问几点停水", "inquiry", "none", "normal"),
    ("大家早上好", "chatter", "none", "normal"),
    ("谢谢物业，辛苦了", "chatter", "none", "normal"),
]
TINY = [(t + end, *labels) for end in ("", "!", "啊", "。", "～") for t, *labels in TINY]


def _write_rows(path: Path, rows) -> None:
    path.write_text("".join(
        json.dumps({"text": t, "intent": i, "category": c, "urgency": u}, ensure_ascii=False)
        + "\n" for t, i, c, u in rows), encoding="utf-8")


def test_train_then_classify_round_trip(tmp_path):
    pytest.importorskip("sklearn")
    from nlp.train import Options, train

    data, out = tmp_path / "tiny.jsonl", tmp_path / "w.txt"
    _write_rows(data, TINY)
    res = train([data], out, lambda s: None, Options(c=4.0, min_df=1, bigrams=False))
    w = load_weights(out)
    assert w.header["training_sha256"] == rows_sha256(load_rows([data]))
    assert float(w.header["urgent_threshold"]) == res["threshold"]
    clf = LearnedClassifier(w, load_general())
    got = [clf.classify(t) for t, *_ in TINY[:12]]
    assert sum((g.intent, g.category) == (i, c) for g, (_, i, c, _) in zip(got, TINY, strict=False)) >= 10
    assert got[3].category == "sanitation" and got[8].intent == "inquiry"


def test_weights_written_and_read_back_score_by_plain_sums(tmp_path):
    """No scikit-learn needed: a hand-made model goes through the file format and the
    pure-Python scorer gives bias + the sum of the present keywords' weights."""
    np = pytest.importorskip("numpy")
    from nlp.model import TASK_LABELS
    from nlp.train import write_weights

    names = ["电梯", "坏了", "请问"]
    model = {}
    for task, labels in TASK_LABELS.items():
        coef = np.zeros((len(labels), len(names)))
        coef[0, 0], coef[-1, 2] = 1.5, -0.25
        model[task] = (list(labels), coef, np.arange(len(labels)) / 10, names)
    buf = io.StringIO()
    write_weights(model, {"scale": "binary", "urgent_threshold": "0.5"}, buf)
    p = tmp_path / "w.txt"
    p.write_text(buf.getvalue(), encoding="utf-8")
    w = load_weights(p)
    feats = ["电梯", "请问", "没有这个词"]
    assert w.scores("intent", feats) == pytest.approx([1.5, 0.1, 0.2, 0.3 - 0.25])
    assert w.reasons("intent", 0, feats) == [("电梯", 1.5)]
    assert w.reasons("intent", 3, feats) == [("请问", -0.25)]
    assert w.scores("urgent", ["电梯"]) == pytest.approx([1.5])
    assert w.urgent_threshold == 0.5


# --------------------------------------------------------------------------- explanations


def test_explain_names_the_keywords_with_their_weights(learned):
    r = learned.classify("3号楼2单元楼道里一股很浓的燃气味，大家别开火！")
    assert (r.intent, r.category, r.urgency) == ("complaint", "heating_gas", "urgent")
    text = explanation(r)
    assert text.startswith("判断依据：")
    first = r.matched[0]
    assert first.startswith("category heating_gas: ")
    assert float(first.rsplit(" ", 1)[1]) > 0
    out = io.StringIO()
    run_classify(io.StringIO("电梯困人了，快来人\n"), out, classifier=learned, explain=True)
    res = json.loads(out.getvalue())
    assert res["explain"].startswith("判断依据：") and res["matched"]


# --------------------------------------------------------------------------- general rules


@pytest.mark.parametrize("text,family", [
    ("楼道里一股煤气味", "gas"),
    ("6楼窗户往外冒黑烟", "fire"),
    ("电梯困人了，里面有老人", "trapped"),
    ("积水里泡着电线，还在冒火花", "live_wire"),
    ("广告牌摇摇欲坠，下面就是单元门", "falling"),
    ("零下十五度，暖气停了一天了", "freezing"),
    ("有个人躺在马路中间不动", "traffic"),
])
def test_safety_cue_families(general, text, family):
    assert family in general.cue_families(normalize(text))


@pytest.mark.parametrize("text", [
    "万一电梯困人了应该打谁的电话?",  # a hypothetical question
    "温馨提示：闻到燃气味请先开窗，不要开关电器",  # a notice
    "昨天电梯困人了，听说半小时才出来",  # opens in the past
    "刚才的燃气味已经处理好了，没事了",  # over
])
def test_safety_cues_do_not_count_when(general, text):
    assert general.safety_cues(normalize(text)) == []


def test_still_broken_keeps_the_cue(general):
    assert general.safety_cues(normalize("说是处理好了，燃气味还是很重"))


def test_forced_family_makes_only_a_complaint_urgent():
    si = [1.0, 0.0, 0.0, 0.0]  # complaint
    assert decide(si, [0.0] * 14, -9.0, 0.0, safety=True)[2] is True
    assert decide(si, [0.0] * 14, -9.0, 0.0, safety=False)[2] is False
    assert decide([0.0, 0.0, 1.0, 0.0], [0.0] * 14, 9.0, 0.0, safety=True) == (
        "inquiry", "none", False)


@pytest.mark.parametrize("text", [
    "4栋3单元楼道里一股很重的燃气味，快来人",
    "着火了！5号楼12楼阳台冒黑烟",
    "有人在电梯口晕倒了，叫不醒",
    "电梯卡在两层中间，里面困着两个人",
])
def test_life_safety_messages_are_urgent(learned, text):
    r = learned.classify(text)
    assert (r.intent, r.urgency) == ("complaint", "urgent"), r.matched


# --------------------------------------------------------------------------- own words


def test_own_word_file_adds_weight_and_is_explained(tmp_path):
    p = tmp_path / "words.yaml"
    p.write_text("words:\n  greenery: {紫藤架: 8}\n  urgent: {紫藤架: 12}\n", encoding="utf-8")
    clf = Classifier.from_file(p)
    assert clf.rules_path == str(p)
    r = clf.classify("紫藤架坏了，没人管")
    assert (r.category, r.urgency) == ("greenery", "urgent")
    assert any("紫藤架(自定义)" in m for m in r.matched)
    assert "紫藤架" in clf.known_words("greenery")


def test_bad_word_file_is_refused_and_reload_keeps_the_old(tmp_path):
    p = tmp_path / "words.yaml"
    p.write_text("words:\n  greenery: {紫藤架: 8}\n", encoding="utf-8")
    clf = Classifier.from_file(p)
    p.write_text("words:\n  gardening: {紫藤架: 8}\n  greenery: {花架: lots}\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        clf.reload(p)
    assert "gardening" in str(e.value) and "花架" in str(e.value)
    assert clf.classify("紫藤架坏了，没人管").category == "greenery"
    with pytest.raises(RulesError):
        parse_user_words({"words": {"urgent": {"x": True}}}, "t")


def test_word_file_edited_in_place_is_picked_up_by_reload(tmp_path):
    p = tmp_path / "words.yaml"
    p.write_text("words:\n  greenery: {紫藤架: 8}\n", encoding="utf-8")
    clf = Classifier.from_file(p)
    assert clf.classify("天天敲锣，吵得要命").category == "noise"
    assert not any("敲锣(自定义)" in m for m in clf.classify("天天敲锣，吵得要命").matched)
    p.write_text("words:\n  noise: {敲锣: 5}\n", encoding="utf-8")
    clf.reload()  # the same file again
    assert any("敲锣(自定义)" in m for m in clf.classify("天天敲锣，吵得要命").matched)
    assert "紫藤架" not in clf.known_words("greenery")


def test_word_file_with_a_yaml_error_names_the_line(tmp_path):
    p = tmp_path / "words.yaml"
    p.write_text("words:\n  noise: {敲锣: 5}\n  greenery: [\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        Classifier.from_file(p)
    assert e.value.errors[0][0] == 4 and "not valid YAML" in str(e.value)


def test_old_full_rule_file_is_refused_with_what_to_do(tmp_path):
    """The hand-rule engine is gone: a rule file (categories:) gets an error that says
    to convert it to a word file, in English (CLI, logs) and Chinese (organizers)."""
    words = tmp_path / "words.yaml"
    words.write_text("words:\n  noise: {敲锣: 5}\n", encoding="utf-8")
    old = tmp_path / "rules.yaml"
    old.write_text("version: 1\ncategories:\n  noise:\n    keywords:\n      敲锣: 3\n"
                   "intents:\n  complaint:\n    keywords: {坏了: 2}\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        Classifier.from_file(old)
    assert 'top-level "categories:"' in str(e.value) and '"words:"' in str(e.value)
    assert "旧版的完整规则文件" in e.value.zh and "words:" in e.value.zh
    clf = Classifier.from_file(words)
    with pytest.raises(RulesError):
        clf.reload(old)
    assert clf.rules_path == str(words)  # the last good file stays
    assert any("敲锣(自定义)" in m for m in clf.classify("天天敲锣，吵得要命").matched)


def test_the_old_engine_setting_is_ignored_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv("LINLI_CLASSIFIER", "rules")
    with caplog.at_level("WARNING", logger="nlp.classifier"):
        clf = Classifier.from_file()
    assert clf.classify("电梯又坏了，爬了十八层").category == "elevator"
    assert "LINLI_CLASSIFIER=rules is ignored" in caplog.text


async def test_an_organizer_reloads_an_old_rule_file_then_a_word_file(world, tmp_path):
    """/reload_rules through the real bot: an old rule file is refused in Chinese with
    what to do, classification goes on; the converted word file then counts."""
    from tests.test_cases_e2e import case_row, setup

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    world.ctx.classifier = Classifier.from_file()  # its own: the shared one stays untouched
    path = tmp_path / "rules.yaml"
    path.write_text("categories:\n  greenery:\n    keywords:\n      紫藤架: 3\n",
                    encoding="utf-8")
    world.ctx.settings.rules_file = path
    liu.say(liu.id, "/reload_rules")
    refused = await sb.wait_for(liu.id, lambda m: "旧版的完整规则文件" in m.body)
    assert "仍使用原规则" in refused.text and "words:" in refused.text
    assert "Traceback" not in refused.text
    chen.say(group, "3号楼楼道灯坏了好几天了")
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)

    path.write_text("words:\n  greenery: {紫藤架: 8}\n", encoding="utf-8")
    liu.say(liu.id, "/reload_rules")
    await sb.wait_for(liu.id, lambda m: "分类规则已重新加载" in m.body and str(path) in m.body)
    chen.say(group, "北门那个紫藤架塌了一半，没人管")
    await sb.wait_for(group.id, lambda m: "东湖-2026-0002" in m.body)
    assert (await case_row(world, "东湖-2026-0002")).category == "greenery"


def test_confidence_is_a_probability(learned):
    for t in ("电梯坏了", "请问几点停水", "谢谢大家"):
        c = learned.classify(t).confidence
        assert 0 < c <= 1 and not math.isnan(c)


async def test_the_bot_opens_cases_with_the_classifier(ctx, cw):
    """End to end through intake: the case gets the labels and keeps the reasons
    (shown on the worker's card); chatter opens nothing."""
    from tests.cases_kit import outbox, say

    ctx.classifier = Classifier.from_file()
    got = await say(ctx, cw.resident, "5号楼2单元楼道里一股很浓的燃气味，快来人看看", 70)
    assert got.case is not None
    assert (got.case.category, got.case.urgency) == ("heating_gas", "urgent")
    assert got.case.matched[0].startswith("category heating_gas: 燃气")
    assert await outbox(ctx)
    assert (await say(ctx, cw.resident, "谢谢大家，晚安", 71)).case is None


# --------------------------------------------------------------------------- issue 14, round 3


@pytest.mark.parametrize("text", [
    "电动车在楼道里充电，一旦起火后果不堪设想",  # feared, not happening
    "插座离水池太近，担心会漏电",
    "燃气灶打不着火，做不了饭",  # a burner that will not light is no fire
])
def test_a_feared_danger_is_no_safety_cue(general, text):
    assert general.safety_cues(normalize(text)) == []


def test_a_danger_happening_next_to_a_worry_still_counts(general):
    assert general.cue_families(normalize("配电箱在冒烟，我们担心会烧起来")) == ["fire"]


def test_long_messages_weigh_as_much_as_a_chat_message_together(tmp_path):
    """scale capN: up to N features each counts 1, beyond that sqrt(N/n), in training and
    in the pure-Python scorer alike (a letter's many generic words cannot outvote)."""
    np = pytest.importorskip("numpy")
    from nlp.features import scale_factor
    from nlp.model import TASK_LABELS
    from nlp.train import write_weights

    assert scale_factor("cap4", 3) == 1.0 and scale_factor("cap4", 16) == 0.5
    assert scale_factor("binary", 100) == 1.0
    names = [f"w{i}" for i in range(16)]
    model = {task: (list(labels), np.ones((len(labels), len(names))), np.zeros(len(labels)), names)
             for task, labels in TASK_LABELS.items()}
    buf = io.StringIO()
    write_weights(model, {"scale": "cap4", "urgent_threshold": "0"}, buf)
    p = tmp_path / "w.txt"
    p.write_text(buf.getvalue(), encoding="utf-8")
    w = load_weights(p)
    assert w.scores("urgent", names[:4]) == pytest.approx([4.0])
    assert w.scores("urgent", names) == pytest.approx([8.0])  # 16 x 0.5, not 16


def test_rare_han_characters_are_features():
    """Cantonese 𨋢 (lift) becomes 䢂 outside the common CJK block: still a word."""
    feats = LearnedClassifier.load().featurizer.features(normalize("部𨋢又壞咗"))
    assert "䢂" in feats and "b:䢂又" in feats


def test_stored_reasons_explain_a_case():
    from nlp import explain_matched

    stored = ["category heating_gas: 燃气 +3.84", "urgent: 安全信号·燃气或焦糊味 +1.36",
              "intent complaint: 楼道 +1.07"]
    assert explain_matched(stored) == "判断依据：燃气 +3.84，安全信号·燃气或焦糊味 +1.36，楼道 +1.07"
    assert explain_matched([]) == "判断依据：无匹配规则"


def test_corrections_become_training_rows(tmp_path):
    from nlp.cli import correction_rows, write_rows

    rows = correction_rows([("北门紫藤架塌了一半", "complaint", "greenery", "normal"),
                            ("紫藤架砸到人了", "complaint", "safety", "urgent"),
                            ("随便聊聊", "chatter", "none", "normal")])
    p = tmp_path / "corrections.jsonl"
    with p.open("w", encoding="utf-8") as f:
        assert write_rows(rows, f) == 2
    got = load_rows([p])
    assert [(r["intent"], r["category"], r["urgency"]) for r in got] == [
        ("complaint", "greenery", "normal"), ("complaint", "safety", "urgent")]


def test_reasons_never_show_a_pair_across_a_words_end():
    """判断依据 is read by staff: 了快 (the end of 坏了 and the start of 快) is no reason."""
    from nlp.model import _top

    shown = dict(_top([("b:了快", 0.9), ("b:路灯", 0.8), ("灯", 0.3), ("b:坏了", 0.5)]))
    assert "了快" not in shown and shown["路灯"] == pytest.approx(1.1)
