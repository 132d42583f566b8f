"""Charts of rates, drawn with matplotlib (Agg, no display) for the HTML and Word renderers.

Charts need a font with Chinese glyphs for Chinese labels. When the machine
has none, a chart is labelled with division codes and indicator ids instead
(never with tofu boxes), and the renderers say so under it.
"""

from __future__ import annotations

import functools
import io

import attrs
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findSystemFonts, fontManager
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import PercentFormatter

from antidrug_core.reports import Chart, chart_value_text

__all__ = ["CODE_LABEL_NOTE", "DrawnChart", "draw_chart", "find_cjk_font"]

CODE_LABEL_NOTE = "本机未找到中文字体，图中以区划代码和指标编号标注，对应名称见图下数据表。"
"""Said under a chart labelled by codes."""

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


@functools.cache
def find_cjk_font() -> str | None:
    """The path of an installed font with Chinese glyphs (known families first), or None."""
    known = sorted(fontManager.ttflist, key=lambda f: (f.name not in _PREFERRED, f.name, f.fname))
    # matplotlib's font list is cached from its first run; fonts installed since are found on disk.
    paths = [str(entry.fname) for entry in known] + sorted(findSystemFonts())
    for path in dict.fromkeys(paths):
        if _covers(path):
            return path
    return None


@attrs.frozen
class DrawnChart:
    """A chart as a PNG, and whether it had to be labelled by codes."""

    png: bytes
    by_code: bool


def draw_chart(chart: Chart, font_path: str | None) -> DrawnChart:
    """``chart`` as a PNG bar chart of percentages.

    Args:
        chart: The chart's data.
        font_path: A font with Chinese glyphs, or None to label by codes.
    """
    font = FontProperties(fname=font_path) if font_path else FontProperties(family="DejaVu Sans")
    categories = chart.categories if font_path else chart.category_codes
    labels = [s.label if font_path else s.code for s in chart.series]
    count, groups = len(categories), max(len(chart.series), 1)
    # Many divisions read best as horizontal bars down an A4 page; a few as columns.
    horizontal = count > 8
    if horizontal:
        figure = Figure(figsize=(8.0, min(22.0, 1.4 + 0.16 * count * groups)), dpi=120)
    else:
        figure = Figure(figsize=(8.0, 4.6), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    bar = 0.8 / groups
    # A chart of counts or amounts (场次, 亩) has its own scale; a chart of rates runs to 100%.
    scale = 1 if chart.unit else 100
    top = max((float(v) for s in chart.series for v in s.values if v is not None), default=0.0) * scale
    limit = top * 1.12 or 1.0 if chart.unit else 112
    few = count * groups <= 28
    label_font = font.copy()
    label_font.set_size(7)
    for index, series in enumerate(chart.series):
        offset = ((groups - 1) / 2 - index if horizontal else index - (groups - 1) / 2) * bar
        positions = [(count - 1 - i if horizontal else i) + offset for i in range(count)]
        # Bar lengths are drawn as floats; the numbers written on the chart come from the exact value.
        lengths = [float(v) * scale if v is not None else 0.0 for v in series.values]
        if horizontal:
            bars = axes.barh(positions, lengths, bar, label=labels[index])
        else:
            bars = axes.bar(positions, lengths, bar, label=labels[index])
        if few:
            axes.bar_label(
                bars,
                labels=[chart_value_text(chart.unit, v) for v in series.values],
                padding=2,
                fontproperties=label_font,
            )
    ticks = [count - 1 - i for i in range(count)] if horizontal else list(range(count))
    value_axis = axes.xaxis if horizontal else axes.yaxis
    if horizontal:
        axes.set_yticks(ticks)
        axes.set_yticklabels(categories)
        axes.set_xlim(0, limit)
        if not chart.unit:
            axes.set_xticks(range(0, 101, 20))
        tick_labels = axes.get_yticklabels()
    else:
        axes.set_xticks(ticks)
        slanted = count > 4
        axes.set_xticklabels(categories, rotation=30 if slanted else 0, ha="right" if slanted else "center")
        axes.set_ylim(0, limit)
        if not chart.unit:
            axes.set_yticks(range(0, 101, 20))
        tick_labels = axes.get_xticklabels()
    for tick in tick_labels:
        tick.set_fontproperties(font)
    if not chart.unit:
        value_axis.set_major_formatter(PercentFormatter(100))
    axes.spines[["top", "right"]].set_visible(False)
    legend_font = font.copy()
    legend_font.set_size(9)
    axes.legend(
        prop=legend_font, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(groups, 4), frameon=False
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return DrawnChart(buffer.getvalue(), by_code=font_path is None)
