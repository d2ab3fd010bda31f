"""Charts render Chinese labels with a real CJK font (no empty boxes) as PNG bytes."""
from __future__ import annotations

import io
import warnings

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot import charts

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = ["满意", "基本满意", "不满意"]


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_cjk_font_is_found_and_has_the_glyphs() -> None:
    path = charts.cjk_font_path()
    font = FT2Font(path)
    for ch in "满意基本不同弃权投票率户群众评价邻里":
        assert font.get_char_index(ord(ch)), f"no glyph for {ch} in {path}"
    # matplotlib resolves the family name to that same file.
    family = charts.cjk_family()
    found = font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
    assert FT2Font(found).get_char_index(ord("满"))


def test_bar_chart_draws_chinese_without_missing_glyph_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise
        png = charts.bar_chart("满意度调查：小区绿化", LABELS, [12, 5, 3],
                               annotations=["12票 60%", "5票 25%", "3票 15%"])
    width, height = _size(png)
    assert width > 400 and height > 200


def test_chinese_labels_actually_change_the_image() -> None:
    # With a missing font every CJK label is the same empty box; with glyphs they differ.
    a = charts.bar_chart("标题", ["满意"], [1])
    b = charts.bar_chart("标题", ["不满"], [1])
    assert a != b


def test_bar_chart_goes_horizontal_for_many_or_long_labels() -> None:
    labels = [f"选项{i}" for i in range(15)]
    png = charts.bar_chart("很多选项", labels, list(range(15)))
    width, height = _size(png)
    assert height > width * 0.8  # tall: one row per option


def test_line_and_grouped_charts() -> None:
    line = charts.line_chart("每周工单", ["第1周", "第2周", "第3周"],
                             {"新增": [3, 5, 2], "办结": [1, 4, 4]}, ylabel="件")
    grouped = charts.grouped_bar_chart("各网格三率", ["一网格", "二网格"],
                                       {"响应率": [90, 80], "满意率": [95.5, 70]}, ylabel="%")
    assert _size(line)[0] > 0 and _size(grouped)[0] > 0
    assert io.BytesIO(line).getbuffer().nbytes > 1000


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        charts.bar_chart("x", ["a", "b"], [1])
    with pytest.raises(ValueError):
        charts.line_chart("x", ["a", "b"], {"s": [1]})
    with pytest.raises(ValueError):
        charts.grouped_bar_chart("x", ["a", "b"], {"s": [1]})
