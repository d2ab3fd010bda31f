"""The one masking module: a corpus of positives and look-alikes (recall ≥ 0.98,
false positives ≤ 0.02), the cases of the issue, CSV cell hygiene and `linli mask`."""
from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main as linli_main
from bot.privacy.mask import find, mask, safe_cell

DATA = Path(__file__).parent / "data"
# mask_corpus: written with the module (tuned on). mask_heldout: written by someone who never
# saw the module, scored once (recall 0.975, false positives 0.000), then its four missed
# families (cards after 卡号, 门 as a unit, "q号", two-character surnames) were fixed: tuned on
# since. mask_heldout_b (issue 18 review): written before reading the rules, scored once with
# the strict count below (recall 0.943 = 100/106, false positives 0.016 = 2/128), then its
# misses (dotted and em-dashed numbers, digits spaced one by one, 加V, 老师/老板) and its two
# false positives (a WX-prefixed work-order number, an invoice number read as a landline) were
# fixed: tuned on since too. A positive counts only when a finding of its own kind is made
# (masking the name beside a phone number is not masking the phone).
CORPORA = ["mask_corpus.jsonl", "mask_heldout.jsonl", "mask_heldout_b.jsonl"]


def _corpus(name: str) -> list[dict[str, object]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_recall_and_false_positives(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _corpus(name)
    positives = [r for r in rows if r["masked"]]
    negatives = [r for r in rows if not r["masked"]]
    assert len(positives) >= 100 and len(negatives) >= 100
    missed = [r for r in positives if r["kind"] not in {f.kind for f in find(str(r["text"]))}]
    false = [r for r in negatives if mask(str(r["text"])) != r["text"]]
    recall = 1 - len(missed) / len(positives)
    fp_rate = len(false) / len(negatives)
    by_kind = Counter(str(r["kind"]) for r in positives)
    with capsys.disabled():
        print(f"\n{name}: {len(positives)} positives {dict(by_kind)}, "
              f"{len(negatives)} look-alikes; recall {recall:.3f}, false positives {fp_rate:.3f}")
    assert recall >= 0.98, missed[:10]
    assert fp_rate <= 0.02, false[:10]


@pytest.mark.parametrize("text,kind", [
    ("13812345678", "phone"), ("+86 138 1234 5678", "phone"), ("010 1234 5678", "phone"),
    ("0571-87654321", "phone"), ("110101 19900307 123x", "id"), ("京A12345", "plate"),
    ("浙A·D12345", "plate"), ("1802的住户", "room"), ("7-2-301", "room"),
    ("微信 abc_123", "account"), ("VX:lily_2020", "account"), ("QQ 12345678", "account"),
    ("a.b@qq.com", "email"), ("6222 0212 3456 7890 123", "card"), ("陈先生", "name"),
    ("135.8801.2234", "phone"), ("0571—8765 1234", "phone"), ("1 3 9 0 5 7 1 2 2 6 6", "phone"),
    ("加V：xiaofang1990", "account"), ("wx: 123456789", "account"), ("郑老板", "name"),
])
def test_each_kind(text: str, kind: str) -> None:
    assert [f.kind for f in find(text)] == [kind]


def test_building_and_unit_stay_the_room_goes() -> None:
    shown = mask("3号楼2单元501天天吵，找陈先生")
    assert shown.startswith("3号楼2单元") and "501" not in shown and "陈" not in shown


@pytest.mark.parametrize("text", [
    "东湖-2026-0001", "¥1,280.00", "3号楼", "12345", "110", "119", "120", "95598", "12315",
    "2026-03-01 18:02", "2026年3月1日", "共1802户",
    "报修单号 WX20260318001", "发票号码 04403200511", "1 2 3 4 5 6 报数", "老师们辛苦了",
])
def test_look_alikes_stay(text: str) -> None:
    assert mask(text) == text


def test_given_rooms_are_hidden_too() -> None:
    assert "A12" not in mask("住A12那家", rooms=["A12"])


@pytest.mark.parametrize("cell,safe", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("正常", "正常"), (3, 3), (None, None),
])
def test_safe_cell(cell: object, safe: object) -> None:
    assert safe_cell(cell) == safe


def test_cli_masks_text_and_jsonl_keeping_fields(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    row = json.dumps({"id": 7, "text": "京A12345 挡路"}, ensure_ascii=False)
    lines = "电话13812345678\n" + row + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert linli_main(["mask", "--stats"]) == 0
    out, err = capsys.readouterr()
    first, second = out.splitlines()
    assert first == "电话[电话已隐藏]"
    assert json.loads(second) == {"id": 7, "text": "[车牌已隐藏] 挡路"}
    assert "phone=1" in err and "plate=1" in err
