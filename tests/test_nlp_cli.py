"""CLI back ends on in-memory streams (`linli classify`, `nlp eval`, `nlp suggest`), and
the regression set's shape (the benchmark's messages)."""

import io
import json
from pathlib import Path

import pytest

from nlp import Classifier
from nlp.cli import load_labelled, run_classify, run_eval, run_suggest, suggest_words

DATA = Path(__file__).parent / "data" / "nlp_regression.jsonl"


@pytest.fixture(scope="module")
def clf():
    return Classifier.from_file()


def test_run_classify_jsonl_plain_blank_and_bad(clf):
    stdin = io.StringIO(
        '{"id": "a1", "text": "3栋电梯困人了,快来人"}\n'
        "\n"
        "收到,谢谢\n"
        '{"id": "a2", "text": \n'
        '{"id": "a3"}\n'
        "[1, 2]\n"
    )
    out = io.StringIO()
    rc = run_classify(stdin, out, classifier=clf)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert rc == 1  # some lines were errors
    assert len(lines) == 5  # the blank line is skipped
    a1 = lines[0]
    assert set(a1) == {"id", "intent", "category", "urgency", "place", "confidence"}
    assert (a1["id"], a1["intent"], a1["category"], a1["urgency"], a1["place"]) == (
        "a1", "complaint", "elevator", "urgent", "3栋")
    assert lines[1]["id"] == 3 and lines[1]["intent"] == "chatter"
    assert lines[2]["id"] == 4 and "error" in lines[2]
    assert lines[3]["id"] == "a3" and "text" in lines[3]["error"]
    assert lines[4]["id"] == 6 and lines[4]["intent"] == "chatter"  # not a '{' line: plain text
    assert "\"3栋\"" in out.getvalue()  # ensure_ascii=False


def test_run_classify_ok_returns_zero(clf):
    out = io.StringIO()
    assert run_classify(io.StringIO("电梯坏了\n"), out, classifier=clf) == 0


def test_run_eval_text_report(clf, tmp_path):
    p = tmp_path / "mini.jsonl"
    rows = [
        {"id": "m1", "text": "电梯又坏了!!!", "intent": "complaint", "category": "elevator",
         "urgency": "normal"},
        {"id": "m2", "text": "收到", "intent": "chatter", "category": "none", "urgency": "normal"},
        {"id": "m3", "text": "楼道里燃气味很大", "intent": "complaint", "category": "heating_gas",
         "urgency": "urgent"},
        {"id": "m4", "text": "收到", "intent": "complaint", "category": "noise", "urgency": "normal"},
    ]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = io.StringIO()
    assert run_eval(p, out, classifier=clf) == 0
    text = out.getvalue()
    assert "intent accuracy        0.750" in text
    assert "urgent recall          1.000" in text
    assert "intent confusion" in text and "category confusion" in text
    assert "- m4 [intent, category]" in text

    out = io.StringIO()
    run_eval(p, out, classifier=clf, as_json=True)
    res = json.loads(out.getvalue())
    assert res["rows"] == 4 and res["errors"][0]["id"] == "m4"
    # 3 case rows: elevator ok, heating_gas ok, noise missed -> F1 1, 1, 0
    assert res["category_macro_f1"] == pytest.approx(2 / 3)


def test_suggest_words(clf):
    corrections = [
        ("楼下那个共享单车堆得乱七八糟,挡住路", "parking"),
        ("共享单车又堆在门口了", "parking"),
        ("共享单车天天堆在北门", "parking"),
        ("电梯坏了", "elevator"),
        ("电梯坏了又坏了", "elevator"),
    ]
    s = suggest_words(corrections, clf, top=5)
    words = dict(s["parking"])
    assert words.get("单车") == 3 and words.get("共享") == 3
    assert all(w not in {"电梯", "坏了", "的"} for w, _ in s.get("elevator", []))
    out = io.StringIO()
    assert run_suggest(corrections, out, classifier=clf) == 0
    assert out.getvalue().startswith("words:")  # a word file, ready for LINLI_RULES_FILE
    assert out.getvalue().endswith("  parking:\n    共享: 1  # 3\n    单车: 1  # 3\n")


def test_regression_set_shape():
    rows = load_labelled(DATA)
    assert len(rows) >= 150
    assert {r["intent"] for r in rows} == {"complaint", "suggestion", "inquiry", "chatter"}
    assert len({r["category"] for r in rows} - {"none"}) == 14
