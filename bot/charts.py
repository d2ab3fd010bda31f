"""PNG charts (matplotlib, Agg backend) with Chinese labels.

- ``bar_chart(title, labels, values, *, ylabel=None, percent=False, horizontal=None) -> bytes``
- ``line_chart(title, x_labels, series: dict[name, values], *, ylabel=None) -> bytes``
- ``grouped_bar_chart(title, labels, series: dict[name, values], *, ylabel=None) -> bytes``
- ``cjk_font_path() -> str`` the CJK font in use (raises ``FontMissing`` with install help).

The CJK font comes from the PyPI package ``cvttf-notosanscjk-regular`` (Noto Sans CJK,
installed with the project), else from any system font fontconfig/matplotlib knows
(fonts-noto-cjk, fonts-wqy-microhei, ...). Latin text falls back to DejaVu Sans.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@lru_cache(maxsize=1)
def _mpl() -> Any:
    """matplotlib, imported on the first chart (+40 MB and ~0.5 s at start otherwise)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    return SimpleNamespace(matplotlib=matplotlib, font_manager=font_manager, Figure=Figure,
                           MaxNLocator=MaxNLocator)

SYSTEM_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Noto Sans CJK TC", "Noto Sans CJK JP", "Droid Sans Fallback",
)
PROBE = "满意度投票"
COLORS = ("#2f7ed8", "#f28f43", "#8bbc21", "#910000", "#1aadce", "#492970", "#77a1e5")
_lock = threading.Lock()  # matplotlib's font cache is not thread-safe


class FontMissing(RuntimeError):
    """No font with Chinese glyphs: install `cvttf-notosanscjk-regular` or fonts-noto-cjk."""


def _covers(path: str, text: str = PROBE) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):  # unreadable or not a font
        return False
    return all(font.get_char_index(ord(ch)) for ch in text)


def _packaged_font() -> str | None:
    try:
        import cvttf_NotoSansCJK_Regular as pkg  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return str(pkg.get_TTF_path())
    except FileNotFoundError:
        return None


def _system_font() -> str | None:
    by_name = {f.name: f.fname for f in _mpl().font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        path = by_name.get(family)
        if path and _covers(path):
            return path
    return None


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    for path in (_packaged_font(), _system_font()):
        if path and _covers(path):
            return path
    raise FontMissing(
        "no CJK font: pip install cvttf-notosanscjk-regular (or apt-get install fonts-noto-cjk)"
    )


@lru_cache(maxsize=1)
def cjk_family() -> str:
    path = cjk_font_path()
    font_manager = _mpl().font_manager
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    fig = _mpl().Figure(figsize=(width, height), dpi=110)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _render(build: Any) -> bytes:
    with _lock, _mpl().matplotlib.rc_context(
        {"font.family": [cjk_family(), "DejaVu Sans"], "axes.unicode_minus": False}
    ):
        return build()


def _label(value: float, percent: bool) -> str:
    return f"{value:.1f}%" if percent else f"{value:g}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    ylabel: str | None = None,
    percent: bool = False,
    horizontal: bool | None = None,
    annotations: Sequence[str] | None = None,
) -> bytes:
    """One bar per label; values printed on the bars (or `annotations` when given).
    Long or many labels switch to horizontal bars unless `horizontal` says otherwise."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if horizontal is None:
        horizontal = len(labels) > 6 or max((len(s) for s in labels), default=0) > 6
    texts = list(annotations) if annotations is not None else [_label(v, percent) for v in values]

    def build() -> bytes:
        fig, ax = _figure(7.5, max(3.2, 0.45 * len(labels) + 1.4) if horizontal else 4.2)
        ax.set_title(title)
        colors = [COLORS[i % len(COLORS)] for i in range(len(labels))]
        # Counts are whole numbers: no 0.5 ticks on the value axis.
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(
            _mpl().MaxNLocator(integer=not percent))
        if horizontal:
            bars = ax.barh(list(range(len(labels))), values, color=colors)
            ax.set_yticks(list(range(len(labels))), list(labels))
            ax.invert_yaxis()
            if ylabel:
                ax.set_xlabel(ylabel)
        else:
            bars = ax.bar(list(range(len(labels))), values, color=colors)
            ax.set_xticks(list(range(len(labels))), list(labels))
            if ylabel:
                ax.set_ylabel(ylabel)
        ax.bar_label(bars, labels=texts, padding=3)
        ax.margins(x=0.15 if horizontal else 0.05, y=0.05 if horizontal else 0.15)
        return _png(fig)

    return _render(build)


def grouped_bar_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    ylabel: str | None = None,
) -> bytes:
    """Bars grouped per label, one colour per series, with a legend."""
    names = list(series)
    width = 0.8 / max(len(names), 1)

    def build() -> bytes:
        fig, ax = _figure(max(6.0, 0.9 * len(labels) * max(len(names), 1) + 2), 4.2)
        ax.set_title(title)
        for i, name in enumerate(names):
            values = list(series[name])
            if len(values) != len(labels):
                raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
            xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(labels))]
            bars = ax.bar(xs, values, width, label=name, color=COLORS[i % len(COLORS)])
            ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=2, fontsize=8)
        ax.set_xticks(list(range(len(labels))), list(labels))
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.margins(y=0.15)
        ax.legend()
        return _png(fig)

    return _render(build)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    ylabel: str | None = None,
) -> bytes:
    """One line per series over the x labels (e.g. months), with a legend."""

    def build() -> bytes:
        fig, ax = _figure(max(6.0, 0.6 * len(x_labels) + 2), 4.0)
        ax.set_title(title)
        xs = list(range(len(x_labels)))
        for i, (name, values) in enumerate(series.items()):
            if len(values) != len(x_labels):
                raise ValueError(f"series {name!r} has {len(values)} values for {len(x_labels)} x")
            ax.plot(xs, list(values), marker="o", label=name, color=COLORS[i % len(COLORS)])
        ax.set_xticks(xs, list(x_labels))
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
        if len(series) > 1:
            ax.legend()
        return _png(fig)

    return _render(build)
