"""The activities and their reach by key date and by channel, charted in every summary of the seeds.

The dataset is the shipped conformance case ``activity_breakdown`` (its figures worked out by
hand there). Each bar is a figure of its own (``activities_on_0626`` …) traced in the appendix;
the Word document is opened and every bar's figure found in it, and the Markdown and HTML say
the same. A host's own key date gets a bar of its own; a chart of more key dates than a page
holds is split into 图N（续）.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from docx import Document

import antidrug_memory
import antidrug_reports
from antidrug_core import Actor, open_store
from antidrug_core.commands.conformance import shipped_cases
from antidrug_core.commands.store import load_dataset
from antidrug_core.indicators import indicator_definitions
from antidrug_core.indicators.period import Period
from antidrug_core.interchange import read_dataset
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.reports import Chart, Report, make_report, render
from antidrug_core.rules import RuleRegistry
from antidrug_core.rules.prevention import KeyDate
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, at

H1 = Period.parse("2023H1")
TEMPLATES = ["street_annual", "township_half_year", "forestry_annual", "emergency_annual"]


def case_dataset() -> dict[str, Any]:
    (case,) = [
        c for c in shipped_cases() if c.name == "activity_breakdown.activities_by_key_date_and_channel"
    ]
    return dict(case.dataset)


def opened(*extra: object, dataset: dict[str, Any] | None = None) -> Store:
    plugins = make_plugin_manager(entry_points=False, plugins=[antidrug_memory, antidrug_reports, *extra])
    store = open_store("memory://", clock=FixedClock(at("2024-01-10")), plugins=plugins)
    load_dataset(store, read_dataset(dataset or case_dataset()))
    return store


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with opened() as made:
        yield made


def report(store: Store, template: str, division: str = "522631", organisation: str | None = None) -> Report:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        return make_report(uow, template, H1, division, organisation=organisation)


def breakdowns(made: Report) -> list[Chart]:
    return [chart for chart in made.charts() if chart.kind == "breakdown"]


def bars(chart: Chart) -> dict[str, Any]:
    return dict(zip(chart.categories, chart.series[0].values, strict=True))


def docx_text(store: Store, made: Report) -> str:
    document = Document(io.BytesIO(render(made, "docx", store.plugins)))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_county_sees_each_key_date_the_other_days_and_each_channel(store: Store) -> None:
    by_key_date, reach_by_key_date, by_channel, reach_by_channel = breakdowns(report(store, "street_annual"))
    assert (by_key_date.unit, reach_by_key_date.unit, by_channel.unit) == ("场次", "人次", "场次")
    sessions = bars(by_key_date)
    # Worked out in the case: 0305 a1 2; 0626 a2 1 + b1 3; the month b2 4; other days a3 1 + a4 2.
    assert sessions == {
        "3·5 学雷锋纪念日": 2,
        "3·8 国际妇女节": 0,
        "5·12 防灾减灾日": 0,
        "6·1 禁毒法实施纪念日": 0,  # a6 is voided
        "6·3 虎门销烟纪念日": 0,
        "6·26 国际禁毒日": 4,
        "全民禁毒宣传月": 4,
        "其他日期": 3,
    }
    assert sum(sessions.values()) == 13  # the key-date parts and the other days are the whole
    assert bars(reach_by_key_date)["6·26 国际禁毒日"] == 3200
    channels = bars(by_channel)
    assert (channels["进校园"], channels["进农村"], channels["网络宣传"], channels["进场所"]) == (4, 8, 3, 0)
    assert bars(reach_by_channel)["进农村"] == 6700
    assert by_channel.note is not None
    assert "各渠道之和可大于合计" in by_channel.note


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_bar_is_a_figure_traced_in_the_appendix_and_found_in_the_word_document(
    store: Store, template: str
) -> None:
    made = report(store, template)
    charts = breakdowns(made)
    assert [(c.series[0].code, c.category_codes[-1]) for c in charts] == [
        ("activities", "no key_date"),
        ("activity_reach", "no key_date"),
        ("activities", "other"),
        ("activity_reach", "other"),
    ]
    traced = {entry.figure.key: entry for entry in made.appendix}
    text = docx_text(store, made)
    for chart in charts:
        assert len(chart.figures) == len(chart.categories)
        for figure, value in zip(chart.figures, chart.series[0].values, strict=True):
            assert figure.number == value
            entry = traced[figure.key]
            assert entry.figure == figure
            assert f"（{figure.key}）：{figure.text}" in text
            assert f"--indicator {figure.key} --explain {figure.key}" in entry.command
    assert "宣传活动场次（6·26 国际禁毒日）（activities_on_0626）：4场次" in text
    assert "覆盖人次（其他日期）（activity_reach_on_other_days）：3400人次" in text
    assert "覆盖人次（进农村）（activity_reach_via_village）：6700人次" in text
    # The caption cites the bars' appendix entries, as a paragraph cites its figures.
    first = min(traced[f.key].number for f in charts[0].figures)
    lines = text.splitlines()
    captions = [line for line in lines if "宣传活动场次（按重要节点）" in line and line.startswith("图")]
    assert captions
    assert f"[{first}-" in captions[0]
    markdown = render(made, "md", store.plugins).decode("utf-8")
    assert "| 6·26 国际禁毒日 | 4 |" in markdown
    assert "宣传活动场次（6·26 国际禁毒日）（activities_on_0626）：4场次" in markdown
    html = render(made, "html", store.plugins).decode("utf-8")
    assert "宣传覆盖人次（按宣传渠道）" in html


def test_one_bureaus_bars_keep_only_its_records(store: Store) -> None:
    by_key_date = breakdowns(report(store, "forestry_annual", organisation="FOR"))[0]
    assert bars(by_key_date)["6·26 国际禁毒日"] == 3  # b1 only; GOV1's a2 is left out
    assert bars(by_key_date)["其他日期"] == 0
    made = report(store, "forestry_annual", organisation="FOR")
    entry = next(e for e in made.appendix if e.figure.key == "activities_on_0626")
    assert "--organisation FOR" in entry.command


class ProvinceKeyDates:
    """A province that marks 清明 (4·5) and, for the test of long charts, thirty local days."""

    def __init__(self, days: int = 0) -> None:
        self.days = days

    @hookimpl
    def antidrug_register_rules(self, registry: RuleRegistry) -> None:
        registry.key_dates.add(KeyDate("0405", "清明节禁毒宣传", 4, 5))
        for day in range(1, self.days + 1):
            registry.key_dates.add(KeyDate(f"local_{day:02d}", f"本地宣传日{day}", 10, day))


def test_a_hosts_own_key_date_gets_its_own_figure_and_bar() -> None:
    dataset = case_dataset()
    dataset["records"] = [
        *dataset["records"],
        {
            "type": "activity_held",
            "id": "q1",
            "organisation": "GOV1",
            "on": "2023-04-05",
            "theme": "清明节禁毒宣传",
            "channels": ["village"],
            "key_date": "0405",
            "sessions": 2,
            "reach": 600,
        },
    ]
    with opened(ProvinceKeyDates(), dataset=dataset) as store:
        ids = {d.id for d in indicator_definitions(store.plugins)}
        assert {"activities_on_0405", "activity_reach_on_0405"} <= ids
        sessions = bars(breakdowns(report(store, "street_annual"))[0])
        assert sessions["4·5 清明节禁毒宣传"] == 2
        assert list(sessions)[-1] == "其他日期"  # the other days stay last
        assert sum(sessions.values()) == 15


def test_a_chart_of_more_key_dates_than_a_page_holds_goes_on_as_its_continuation() -> None:
    with opened(ProvinceKeyDates(days=30)) as store:
        made = report(store, "street_annual")
        assert len(breakdowns(made)[0].categories) == 39
        text = docx_text(store, made)
    continued = [line for line in text.splitlines() if "（续）" in line and "按重要节点" in line]
    assert continued
