"""Charts of rates, drawn with matplotlib (Agg, no display) for the HTML and Word renderers.

A chart is drawn at the size it is printed (a figure of 150 mm across
placed at 150 mm), so a label set in 10.5 pt prints in 10.5 pt: nothing is
shrunk to fit. Its text is never under ``MIN_TEXT_PT``. A chart of more
divisions than one page holds is split into parts of whole rows, each a
picture that fits the page with its caption, the later ones captioned
``图1（续）`` by the renderers.

Charts need a font with Chinese glyphs for Chinese labels. The machine's
own fonts come first (an office's printout matches its other documents);
without one, the font the library depends on (Noto Sans SC, from the
``pylopdf-fonts-zh-cn`` package) is used. Only on a host where that font
has been removed is a chart labelled with division codes and indicator ids
instead (never with tofu boxes), and the renderers say so under it.
"""

from __future__ import annotations

import functools
import io
import math

import attrs
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findSystemFonts, fontManager
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter

from antidrug_core.reports import Chart, chart_value_text

__all__ = [
    "CHART_DPI",
    "CODE_LABEL_NOTE",
    "MIN_TEXT_PT",
    "PRINT_FRAME",
    "ChartFrame",
    "ChartPart",
    "DrawnChart",
    "chart_caption",
    "draw_chart",
    "find_cjk_font",
    "packaged_cjk_font",
    "system_cjk_font",
]

CODE_LABEL_NOTE = "本机未找到中文字体，图中以区划代码和指标编号标注，对应名称见图下数据表。"
"""Said under a chart labelled by codes."""

MIN_TEXT_PT = 9.0
"""The smallest text a chart prints: smaller is hard to read on a printed page."""

_LABEL_PT = 10.5  # 五号: category names and the legend
_VALUE_PT = 9.0  # numbers on the value axis and on the bars
_MM_PER_INCH = 25.4
CHART_DPI = 200
"""Pixels per inch of a chart at its printed size: enough for print without making the document heavy."""

_PREFERRED = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Serif SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_PROBE = "乡镇街道县率核查"
"""Characters a usable font must have."""


def _covers(path: str) -> bool:
    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    glyphs = [charmap.get(ord(character)) for character in _PROBE]
    # A fallback font (matplotlib ships "Last Resort") maps a whole block to one placeholder glyph:
    # only a font with a glyph of its own for each character can write Chinese.
    return None not in glyphs and len(set(glyphs)) == len(set(_PROBE))


def system_cjk_font() -> str | None:
    """The path of a font with Chinese glyphs installed on the machine (known families first), or None."""
    known = sorted(fontManager.ttflist, key=lambda f: (f.name not in _PREFERRED, f.name, f.fname))
    # matplotlib's font list is cached from its first run; fonts installed since are found on disk.
    paths = [str(entry.fname) for entry in known] + sorted(findSystemFonts())
    for path in dict.fromkeys(paths):
        if _covers(path):
            return path
    return None


def packaged_cjk_font() -> str | None:
    """The path of the Chinese font the library depends on (Noto Sans SC), or None if it was removed."""
    try:
        import pylopdf_fonts_zh_cn

        path = str(pylopdf_fonts_zh_cn.sans_path())
    except (ImportError, AttributeError):  # removed; or an empty folder left, imported as a namespace
        return None
    return path if _covers(path) else None


@functools.cache
def find_cjk_font() -> str | None:
    """A font with Chinese glyphs: the machine's own, else the packaged one; None only if both are missing."""
    return system_cjk_font() or packaged_cjk_font()


@attrs.frozen
class ChartFrame:
    """The room a chart has on a printed page, in millimetres.

    The default fits the A4 page of an official document (156 × 225 mm
    inside the margins) with room left for a caption of two lines.
    """

    width_mm: float = 150.0
    max_height_mm: float = 200.0


PRINT_FRAME = ChartFrame()


@attrs.frozen
class ChartPart:
    """One picture of a chart, drawn at the size it is to be printed."""

    png: bytes
    width_mm: float
    height_mm: float
    first: int
    """The index of its first category in the chart."""
    count: int
    """How many categories it shows."""


@attrs.frozen
class DrawnChart:
    """A chart as one or more pictures, and whether it had to be labelled by codes."""

    parts: tuple[ChartPart, ...]
    by_code: bool
    smallest_text_pt: float
    """The smallest text on any part, in points as printed."""

    @property
    def png(self) -> bytes:
        """The first (often only) picture."""
        return self.parts[0].png


@attrs.frozen
class _Layout:
    horizontal: bool
    rows: tuple[tuple[int, int], ...]
    """(first, count) of each part."""
    band_mm: float
    """Height of one category in a horizontal part."""
    fixed_mm: float
    """Height a horizontal part needs besides its rows (legend, value axis)."""
    height_mm: float
    """Height of a vertical chart."""


def _layout(count: int, groups: int, frame: ChartFrame) -> _Layout:
    # Many divisions read best as horizontal bars down the page, names at the left; a few as columns.
    horizontal = count > 8
    legend_rows = math.ceil(groups / 4)
    if not horizontal:
        height = min(frame.max_height_mm, 80.0 + 6.0 * legend_rows)
        return _Layout(False, ((0, count),), 0.0, 0.0, height)
    band = max(6.0, 1.7 * groups + 1.6)
    fixed = 16.0 + 6.0 * legend_rows
    per_part = max(1, math.floor((frame.max_height_mm - fixed) / band))
    parts = math.ceil(count / per_part)
    # Parts of nearly equal length read better than a full page and a stub.
    size = math.ceil(count / parts)
    rows = tuple((first, min(size, count - first)) for first in range(0, count, size))
    return _Layout(True, rows, band, fixed, 0.0)


def chart_caption(chart: Chart, number: int, part: int = 0) -> str:
    """``图1　title（note）`` under a chart's first part; ``图1（续）　title`` under each later one."""
    if part:
        return f"图{number}（续）　{chart.title}"
    return f"图{number}　{chart.title}" + (f"（{chart.note}）" if chart.note else "")


def draw_chart(chart: Chart, font_path: str | None, frame: ChartFrame = PRINT_FRAME) -> DrawnChart:
    """``chart`` as PNG bar charts of percentages, each part fitting ``frame``.

    Args:
        chart: The chart's data.
        font_path: A font with Chinese glyphs, or None to label by codes.
        frame: The room on the page; a chart too long for it is split into parts of whole rows.
    """
    count, groups = len(chart.categories), max(len(chart.series), 1)
    layout = _layout(count, groups, frame)
    parts: list[ChartPart] = []
    smallest = math.inf
    for first, size in layout.rows:
        height = layout.fixed_mm + size * layout.band_mm if layout.horizontal else layout.height_mm
        figure = _draw(chart, font_path, first, size, layout.horizontal, (frame.width_mm, height))
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        smallest = min(smallest, *(float(t.get_fontsize()) for t in texts))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
        parts.append(ChartPart(buffer.getvalue(), frame.width_mm, height, first, size))
    return DrawnChart(tuple(parts), by_code=font_path is None, smallest_text_pt=smallest)


def _draw(
    chart: Chart,
    font_path: str | None,
    first: int,
    count: int,
    horizontal: bool,
    size_mm: tuple[float, float],
) -> Figure:
    font = FontProperties(fname=font_path) if font_path else FontProperties(family="DejaVu Sans")
    label_font, value_font = font.copy(), font.copy()
    label_font.set_size(_LABEL_PT)
    value_font.set_size(_VALUE_PT)
    names = chart.categories if font_path else chart.category_codes
    categories = names[first : first + count]
    labels = [s.label if font_path else s.code for s in chart.series]
    groups = max(len(chart.series), 1)
    width_mm, height_mm = size_mm
    figure = Figure(figsize=(width_mm / _MM_PER_INCH, height_mm / _MM_PER_INCH))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    bar = 0.8 / groups
    # Numbers go on the bars only where a bar is thick enough to carry 9-point text beside it.
    if horizontal:
        bar_mm = (height_mm - 16.0) / max(count, 1) * bar
    else:
        bar_mm = (width_mm - 20.0) / max(count, 1) * bar
    on_bars = bar_mm >= 3.4
    none = "无数据" if font_path else "n/a"
    # A chart of counts or amounts (场次, 亩) has its own scale; a chart of rates runs to 100%.
    scale = 1 if chart.unit else 100
    most = max((float(v) for s in chart.series for v in s.values if v is not None), default=0.0)
    for index, series in enumerate(chart.series):
        offset = ((groups - 1) / 2 - index if horizontal else index - (groups - 1) / 2) * bar
        positions = [(count - 1 - i if horizontal else i) + offset for i in range(count)]
        values = series.values[first : first + count]
        # Bar lengths are drawn as floats; the numbers written on the chart come from the exact value.
        lengths = [float(v) * scale if v is not None else 0.0 for v in values]
        if horizontal:
            bars = axes.barh(positions, lengths, bar, label=labels[index])
        else:
            bars = axes.bar(positions, lengths, bar, label=labels[index])
        if on_bars:
            axes.bar_label(
                bars,
                # A bar with no value says so in words: a dash turned on its side reads as a tick.
                labels=[chart_value_text(chart.unit, v) if v is not None else none for v in values],
                padding=2,
                rotation=0 if horizontal else 90,
                fontproperties=value_font,
            )
    ticks = [count - 1 - i for i in range(count)] if horizontal else list(range(count))
    top: float = 122 if on_bars else 108
    if chart.unit:
        top = (most or 1.0) * top / 100
    if horizontal:
        axes.set_yticks(ticks)
        axes.set_yticklabels(categories)
        axes.set_ylim(-0.6, count - 0.4)
        axes.set_xlim(0, top)
        if not chart.unit:
            axes.set_xticks(range(0, 101, 20))
            axes.xaxis.set_major_formatter(PercentFormatter(100))
        category_labels, value_labels = axes.get_yticklabels(), axes.get_xticklabels()
    else:
        axes.set_xticks(ticks)
        slanted = count > 4
        axes.set_xticklabels(categories, rotation=30 if slanted else 0, ha="right" if slanted else "center")
        axes.set_ylim(0, top)
        if not chart.unit:
            axes.set_yticks(range(0, 101, 20))
            axes.yaxis.set_major_formatter(PercentFormatter(100))
        category_labels, value_labels = axes.get_xticklabels(), axes.get_yticklabels()
    for tick in category_labels:
        tick.set_fontproperties(label_font)
    for tick in value_labels:
        tick.set_fontproperties(value_font)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(
        prop=label_font, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(groups, 4), frameon=False
    )
    figure.tight_layout(pad=0.6)
    return figure
