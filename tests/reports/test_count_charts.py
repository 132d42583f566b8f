"""Charts of counts and amounts (activities by key date, survey area by township) beside charts of rates."""

from __future__ import annotations

from fractions import Fraction

from antidrug_core.reports import Chart, Series, chart_value_text
from antidrug_core.reports.markdown import _chart
from antidrug_reports.charts import draw_chart

AREA = Chart(
    kind="by_division",
    title="踏查面积（按区划）",
    categories=("甲乡", "乙镇", "丙乡"),
    category_codes=("522631101", "522631102", "522631103"),
    series=(Series("踏查面积（亩）", "area_surveyed_mu", (Fraction(12505, 10), Fraction(30025, 100), None)),),
    unit="亩",
)


def test_a_count_or_amount_reads_as_its_exact_digits_and_a_rate_as_a_percentage() -> None:
    assert chart_value_text("亩", Fraction(955075, 100)) == "9550.75"
    assert chart_value_text("场次", Fraction(7)) == "7"
    assert chart_value_text(None, Fraction(1, 2)) == "50%"
    assert chart_value_text("亩", None) == "—"


def test_a_chart_of_amounts_is_drawn_on_its_own_scale() -> None:
    drawn = draw_chart(AREA, None)
    assert drawn.png.startswith(b"\x89PNG")


def test_markdown_gives_a_chart_of_amounts_as_a_table_of_its_digits() -> None:

    lines = _chart(AREA)
    assert any("1250.5" in line and "甲乡" in line for line in lines)
    assert any("300.25" in line for line in lines)
