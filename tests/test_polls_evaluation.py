"""Shared evaluation presets and counting (polls, case ratings, project evaluations)."""
from __future__ import annotations

import pytest

from bot.polls import evaluation as ev


def test_presets_have_the_agreed_labels_and_slugs() -> None:
    assert ev.preset("satisfaction").texts == ["满意", "基本满意", "不满意"]
    assert ev.preset("satisfaction").slugs == ["satisfied", "basic", "unsatisfied"]
    assert ev.preset("agree").texts == ["同意", "不同意", "弃权"]
    assert ev.preset("score").slugs == ["1", "2", "3", "4", "5"]
    with pytest.raises(KeyError):
        ev.preset("nope")


def test_tally_counts_percentages_and_turnout() -> None:
    t = ev.tally(["甲", "乙", "丙"], [[0], [0], [1], [], [0, 2]], eligible=10)
    assert t.counts == [3, 1, 1]
    assert t.voters == 4  # the empty ballot is not a voter
    assert [r.percent for r in t.rows] == [75.0, 25.0, 25.0]  # of voters; multi-choice
    assert t.turnout == 0.4
    assert ev.tally(["甲"], [], eligible=0).turnout is None
    assert ev.tally(["甲"], [[0]] * 3, eligible=2).turnout == 1.0  # never above 100%


def test_out_of_range_and_repeated_choices_are_ignored() -> None:
    t = ev.tally(["甲", "乙"], [[0, 0], [5], [-1, 1]])
    assert t.counts == [1, 1] and t.voters == 2


def test_satisfaction_rate_and_round_trip() -> None:
    t = ev.tally_slugs("satisfaction", ["satisfied", "basic", "unsatisfied", "unsatisfied",
                                        None, "bogus"], eligible=8)
    assert t.counts == [1, 1, 2] and t.voters == 4
    assert ev.satisfaction_rate(t) == 0.5
    again = ev.Tally.from_dict(t.as_dict())
    assert again == t and again.turnout == 0.5
    assert ev.satisfaction_rate(ev.tally_slugs("satisfaction", [])) is None


def test_score_average() -> None:
    t = ev.tally_slugs("score", ["5", "4", "4", "1"])
    assert ev.score_average(t) == 3.5
    assert ev.score_average(ev.tally_slugs("score", [])) is None
