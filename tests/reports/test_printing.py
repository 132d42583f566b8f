"""Every template's summary as it prints: charts on the page, in Chinese, at a readable size.

Measured on two counties — a small one (4 townships) and a wide one (45
townships, more than a page of bars) — for every template registered, so a
template added later is checked without a change here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

import pytest

from antidrug_core import Actor, open_store
from antidrug_core.reports import Chart, Report, Series, make_report, report_templates
from antidrug_core.store import Store
from antidrug_core.synthetic import SyntheticSpec
from antidrug_reports.charts import (
    CHART_DPI,
    MIN_TEXT_PT,
    PRINT_FRAME,
    draw_chart,
    packaged_cjk_font,
)
from antidrug_reports.word import WordRenderer

from .conftest import COUNTY, H2, load
from .printing import EMU_PER_MM, pictures, printable, problems_of, read_docx

WIDE_SPEC = SyntheticSpec.demo(people=600, townships=45, seed=7)
"""More townships than one page of horizontal bars holds."""


@pytest.fixture(scope="module")
def wide_store() -> Iterator[Store]:
    store = open_store("memory://")
    load(store, WIDE_SPEC)
    yield store
    store.close()


def reports(store: Store) -> list[Report]:
    """The report of every registered template for the county, 2025H2."""
    with store.unit_of_work(Actor.local_administrator()) as uow:
        names = report_templates(store.plugins).names()
        return [make_report(uow, name, H2, COUNTY) for name in names]


def test_the_packaged_font_writes_chinese() -> None:
    font = packaged_cjk_font()
    assert font is not None, "pylopdf-fonts-zh-cn is a dependency: pip install antidrug-core installs it"
    assert not draw_chart(CHART, font).by_code


@pytest.mark.parametrize("font", ["packaged", "none"])
def test_every_picture_of_every_template_fits_its_page_with_its_caption(
    county_store: Store, wide_store: Store, font: str
) -> None:
    renderer = WordRenderer(font_path=packaged_cjk_font() if font == "packaged" else None)
    measured = 0
    for report in [*reports(county_store), *reports(wide_store)]:
        document = read_docx(renderer.render(report))
        assert problems_of(document) == [], report.template
        found = list(pictures(document))
        assert len(found) >= len(list(report.charts())), report.template
        for picture in found:
            # Placed at the size it was drawn: its 9-point text prints at 9 points.
            assert picture.dpi == pytest.approx(CHART_DPI, rel=0.01)
        measured += len(found)
    assert measured >= 4


def test_a_chart_of_many_divisions_goes_on_under_a_continued_caption(wide_store: Store) -> None:
    report = reports(wide_store)[0]
    document = read_docx(WordRenderer(font_path=packaged_cjk_font()).render(report))
    captions = [picture.caption.text for picture in pictures(document) if picture.caption is not None]
    title = next(report.charts()).title
    assert captions[0] == f"图1　{title}"
    assert f"图1（续）　{title}" in captions
    assert captions[-1].startswith("图2　")
    # Each part is a whole page of bars, not a page and a stub.
    parts = [p for p in pictures(document) if p.caption is not None and p.caption.text.startswith("图1")]
    heights = [p.height / EMU_PER_MM for p in parts]
    assert max(heights) - min(heights) < 15
    width, height = printable(parts[0].section)
    assert all(p.height < height for p in parts)
    assert all(p.width <= width for p in parts)


CHART = Chart(
    kind="by_division",
    title="按区划",
    categories=("甲镇", "乙乡"),
    category_codes=("522631101", "522631102"),
    series=(Series("见面核查率", "face_check_rate", (Fraction(11, 12), Fraction(1))),),
)

RATES = ("见面核查率", "风险评估率", "分级分类率", "关爱帮扶率", "尿检率", "APP安装率", "APP登录率")


def chart_of(divisions: int, series: int) -> Chart:
    return Chart(
        kind="by_division",
        title="t",
        categories=tuple(f"第{n}街道办事处" for n in range(divisions)),
        category_codes=tuple(f"522631{n:03d}" for n in range(divisions)),
        series=tuple(
            Series(RATES[s], f"rate{s}", tuple(Fraction(n % 7 + 3, 10) for n in range(divisions)))
            for s in range(series)
        ),
    )


@pytest.mark.parametrize(("divisions", "series"), list(itertools.product([1, 5, 9, 30, 120], [1, 2, 4, 7])))
def test_charts_of_any_size_keep_their_text_readable_and_within_the_frame(
    divisions: int, series: int
) -> None:
    drawn = draw_chart(chart_of(divisions, series), packaged_cjk_font())
    assert drawn.smallest_text_pt >= MIN_TEXT_PT
    assert all(part.width_mm <= PRINT_FRAME.width_mm for part in drawn.parts)
    assert all(part.height_mm <= PRINT_FRAME.max_height_mm for part in drawn.parts)
    shown = [index for part in drawn.parts for index in range(part.first, part.first + part.count)]
    assert shown == list(range(divisions)), "every division once, in order, across the parts"
