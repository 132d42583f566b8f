"""Charts: PNGs of exact rates, in Chinese when a font allows, by code (never tofu) when not."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from matplotlib import get_data_path

from antidrug_core.reports import Chart, Series
from antidrug_reports.charts import _covers, draw_chart, find_cjk_font

CHART = Chart(
    kind="by_division",
    title="按区划",
    categories=("甲镇", "乙乡"),
    category_codes=("522631101", "522631102"),
    series=(
        Series("见面核查率", "face_check_rate", (Fraction(11, 12), Fraction(1))),
        Series("关爱帮扶率", "care_rate", (None, Fraction(1, 3))),
    ),
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_without_a_chinese_font_a_chart_is_labelled_by_code() -> None:
    drawn = draw_chart(CHART, None)
    assert drawn.by_code
    width, height = png_size(drawn.png)
    assert width > 400
    assert height > 200


def test_a_fallback_font_of_placeholder_boxes_is_not_taken_for_a_chinese_one() -> None:
    last_resort = f"{get_data_path()}/fonts/ttf/LastResortHE-Regular.ttf"
    assert not _covers(last_resort)


def test_a_chinese_font_found_on_the_machine_has_real_glyphs() -> None:
    found = find_cjk_font()
    if found is None:
        pytest.fail("no font with Chinese glyphs is installed: install Debian's fonts-wqy-microhei")
    assert _covers(found)
    drawn = draw_chart(CHART, found)
    assert not drawn.by_code
    png_size(drawn.png)


def test_many_divisions_are_drawn_as_horizontal_bars_down_the_page() -> None:
    many = Chart(
        kind="by_division",
        title="t",
        categories=tuple(f"{n}镇" for n in range(20)),
        category_codes=tuple(f"522631{n:03d}" for n in range(101, 121)),
        series=tuple(
            Series(name, code, tuple(Fraction(n, 20) for n in range(20)))
            for name, code in (
                ("见面核查率", "face_check_rate"),
                ("风险评估率", "risk_assessment_rate"),
                ("关爱帮扶率", "care_rate"),
            )
        ),
    )
    width, height = png_size(draw_chart(many, None).png)
    assert height > width


def test_the_same_chart_draws_the_same_picture() -> None:
    assert draw_chart(CHART, None).png == draw_chart(CHART, None).png
    assert io.BytesIO(draw_chart(CHART, None).png).getbuffer().nbytes > 1000
