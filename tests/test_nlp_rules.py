"""Rule-file validation and reload."""

import textwrap

import pytest

from nlp import Classifier, RulesError, default_rules_path
from nlp.rules import load_rules, parse_rules

GOOD = textwrap.dedent("""\
    version: 1
    categories:
      elevator:
        priority: 1
        keywords:
          电梯: 3
    intents:
      complaint:
        keywords:
          坏了: 2
""")


def write(tmp_path, text, name="rules.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_default_rules_load():
    rules = load_rules(default_rules_path())
    assert "noise" in rules.categories and len(rules.categories) == 14


def test_unknown_category_reports_line(tmp_path):
    bad = GOOD.replace("  elevator:", "  elevater:")
    p = write(tmp_path, bad)
    with pytest.raises(RulesError) as ei:
        load_rules(p)
    msg = str(ei.value)
    assert f"{p}:3:" in msg and "unknown category 'elevater'" in msg
    assert ei.value.errors[0][0] == 3


def test_duplicate_keyword_reports_line(tmp_path):
    bad = GOOD.replace("      电梯: 3\n", "      电梯: 3\n      轿厢: 2\n      电梯: 1\n")
    p = write(tmp_path, bad)
    with pytest.raises(RulesError) as ei:
        load_rules(p)
    assert f"{p}:8:" in str(ei.value)
    assert "duplicate keyword '电梯'" in str(ei.value) and "line 6" in str(ei.value)


def test_duplicate_after_normalisation(tmp_path):
    # Traditional and Simplified spellings are the same rule word
    p = write(tmp_path, GOOD.replace("      电梯: 3\n", "      电梯: 3\n      電梯: 1\n"))
    with pytest.raises(RulesError, match=r":7: .*duplicate keyword"):
        load_rules(p)


def test_broken_pattern_reports_line(tmp_path):
    bad = GOOD.replace("    keywords:\n      电梯: 3\n",
                       "    keywords:\n      电梯: 3\n    patterns:\n      \"电梯(坏|停\": 2\n")
    p = write(tmp_path, bad)
    with pytest.raises(RulesError) as ei:
        load_rules(p)
    assert f"{p}:8:" in str(ei.value) and "broken regular expression" in str(ei.value)


def test_wrong_type_and_all_errors_collected(tmp_path):
    bad = textwrap.dedent("""\
        categories:
          noise:
            keywords:
              吵: loud
          parking: [a, b]
          flying: {}
        settings:
          urgent_threshold: high
    """)
    p = write(tmp_path, bad)
    with pytest.raises(RulesError) as ei:
        load_rules(p)
    lines = sorted(line for line, _ in ei.value.errors)
    assert lines == [4, 5, 6, 8]
    assert "expected a number" in str(ei.value)
    assert "expected a mapping" in str(ei.value)


def test_yaml_syntax_error_has_line(tmp_path):
    p = write(tmp_path, "categories:\n  noise:\n    keywords:\n      吵: 2\n     bad: [\n")
    with pytest.raises(RulesError, match=r"rules.yaml:\d+: YAML syntax error"):
        load_rules(p)


def test_cooccur_validation(tmp_path):
    bad = GOOD.replace("    keywords:\n      电梯: 3\n",
                       "    keywords:\n      电梯: 3\n    cooccur:\n      - all: [电梯]\n        weight: x\n")
    p = write(tmp_path, bad)
    with pytest.raises(RulesError) as ei:
        load_rules(p)
    assert {line for line, _ in ei.value.errors} == {8, 9}


def test_parse_rules_from_text():
    r = parse_rules(GOOD, "inline.yaml")
    assert r.categories["elevator"].keywords == {"电梯": 3.0}


def test_reload_keeps_last_good_rules(tmp_path):
    good = write(tmp_path, GOOD, "good.yaml")
    clf = Classifier.from_file(good)
    assert clf.classify("电梯坏了").category == "elevator"

    bad = write(tmp_path, GOOD.replace("elevator", "lift"), "bad.yaml")
    with pytest.raises(RulesError):
        clf.reload(bad)
    assert clf.rules_path == str(good)
    assert clf.classify("电梯坏了").category == "elevator"

    better = write(tmp_path, GOOD.replace("      电梯: 3\n", "      电梯: 3\n      梯子: 3\n"),
                   "better.yaml")
    clf.reload(better)
    assert clf.rules_path == str(better)
    assert clf.classify("梯子坏了").category == "elevator"


def test_reload_same_path_after_edit(tmp_path):
    p = write(tmp_path, GOOD)
    clf = Classifier.from_file(p)
    assert clf.classify("轿厢坏了").category == "other"
    p.write_text(GOOD.replace("      电梯: 3\n", "      电梯: 3\n      轿厢: 3\n"), encoding="utf-8")
    clf.reload()
    assert clf.classify("轿厢坏了").category == "elevator"


def test_token_only_keyword(tmp_path):
    p = write(tmp_path, GOOD.replace("      电梯: 3\n", "      电梯: 3\n      =天天: 1\n"))
    clf = Classifier.from_file(p)
    assert any("=天天" in m for m in clf.classify("电梯天天坏了").matched)
    assert not any("天天" in m for m in clf.classify("电梯今天天气坏了").matched)
