"""The four summaries of the seeds, from a hand-worked work log: each figure found in the Word document.

The dataset is the prevention conformance case (tests/conformance/test_prevention_figures.py),
whose every figure is worked out by hand there; here each template must put those figures
where its seed shows ``xx``, as Word, HTML and Markdown, with the rest left as places to write.
"""

from __future__ import annotations

import importlib.util
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document

import antidrug_memory
import antidrug_reports
from antidrug_core import Actor, open_store
from antidrug_core.commands.store import load_dataset
from antidrug_core.indicators.period import Period
from antidrug_core.interchange import read_dataset
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.reports import Report, make_report, render
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, at

CASE = Path(__file__).resolve().parents[1] / "conformance" / "test_prevention_figures.py"
H1 = Period.parse("2023H1")


def _case() -> Any:
    spec = importlib.util.spec_from_file_location("prevention_case", CASE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    plugins = make_plugin_manager(entry_points=False, plugins=[antidrug_memory, antidrug_reports])
    with open_store("memory://", clock=FixedClock(at("2024-01-10")), plugins=plugins) as opened:
        load_dataset(opened, read_dataset(_case().document()))
        yield opened


def report(store: Store, template: str, division: str, organisation: str | None = None) -> Report:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        return make_report(uow, template, H1, division, organisation=organisation)


def docx_text(store: Store, made: Report) -> str:
    document = Document(io.BytesIO(render(made, "docx", store.plugins)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def squeeze(text: str) -> str:
    # Word splits a paragraph into runs (a figure, its citation); compare without the citations.
    return re.sub(r"\[\d+(?:[-,]\d+)*\]", "", text)


def test_the_street_summary_fills_its_seeds_figures(store: Store) -> None:
    made = report(store, "street_annual", "522631101")
    text = squeeze(docx_text(store, made))
    assert "领导小组1个" in text
    assert "培育了一支2人的禁毒义工队伍" in text  # V1, V2 on the team at 2023-06-30
    assert "开展义工培训1场次，培训30人次" in text
    assert "特色宣传活动3场次，发放宣传品1100份" in text
    assert "逾1000人次" in text  # 1700 people reached: over a thousand, as the seed writes 逾万
    assert "“六进”覆盖3个渠道" in text
    assert "使用单位0家" in text
    assert "开展易制毒化学品检查0次" in text  # the chemical figures come from the units' records
    assert "【待填写：检查次数】" not in text
    assert "模板：街道年度禁毒工作总结" in text


def test_the_township_half_year_summary_adds_activities_surveys_and_the_rating(store: Store) -> None:
    made = report(store, "township_half_year", "522631101")
    text = squeeze(docx_text(store, made))
    assert "开展禁毒宣传活动3场次，其中重要节点活动3场次" in text
    assert "开展禁种铲毒踏查1次，出动36人次，踏查面积1250.5亩" in text
    assert "发现非法种植12株，未铲除0株，零种植：否" in text
    assert "已有1个社区戒毒康复工作中心完成星级评定" in text
    assert [chart.unit for chart in made.charts()][-6:] == ["场次", "场次", "人次", "场次", "人次", "亩"]


def test_the_forestry_summary_is_the_bureaus_own_with_zero_cultivation(store: Store) -> None:
    made = report(store, "forestry_annual", "522631", organisation="FOR")
    text = squeeze(docx_text(store, made))
    assert "签订目标责任书8份" in text
    assert "落实禁毒工作经费18500元" in text
    assert "悬挂固定标语20幅" in text
    assert "挂画1500张次" in text
    assert "发放宣传资料5000份" in text
    assert "为期20天，组织120名护林员" in text
    assert "踏查面积8000亩" in text
    assert "零种植：是" in text
    area = next(chart for chart in made.charts() if chart.unit == "亩")
    assert dict(zip(area.categories, area.series[0].values, strict=True))["丙乡"] == 8000
    assert "--organisation FOR" in made.appendix[0].command


def test_the_emergency_summary_counts_commitments_and_key_date_activities(store: Store) -> None:
    made = report(store, "emergency_annual", "522631")
    text = squeeze(docx_text(store, made))
    assert "签订禁毒承诺书40份" in text
    assert "重要时间节点开展禁毒宣传活动7场次" in text
    assert "召开禁毒工作会议1次" in text


@pytest.mark.parametrize(
    "template", ["street_annual", "township_half_year", "forestry_annual", "emergency_annual"]
)
def test_every_figure_is_traced_in_the_appendix_and_no_place_is_invented(store: Store, template: str) -> None:
    made = report(store, template, "522631101" if template != "forestry_annual" else "522631")
    figures = list(made.figures())
    assert figures
    assert {entry.figure.key for entry in made.appendix} == {figure.key for figure in figures}
    for format in ("md", "html"):
        document = render(made, format, store.plugins).decode("utf-8")
        assert "待填写" in document
    assert all(fill.label for fill in made.fills())
