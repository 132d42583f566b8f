"""Templates as data: placeholders, and every problem named with the template and its place."""

from __future__ import annotations

import pytest

from antidrug_core import InvalidInput
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.reports import (
    ChartTemplate,
    NamedListTemplate,
    ParagraphTemplate,
    ReportTemplate,
    SectionTemplate,
    TableTemplate,
    check_template,
    referenced_indicators,
    report_renderers,
    report_templates,
    template_problems,
)
from antidrug_core.reports.formatting import Approximation
from antidrug_core.reports.templates import FigureSlot, FillSlot, VariableSlot, parse
from antidrug_reports import annual_template, half_year_template

from .conftest import DEFINITIONS


def template(*paragraphs: object, name: str = "probe") -> ReportTemplate:
    return ReportTemplate(
        name=name,
        title="{division}{period}",
        description="",
        sections=[SectionTemplate("一、", list(paragraphs))],  # type: ignore[arg-type]
    )


def test_a_text_splits_into_literals_figures_fields_and_variables() -> None:
    pieces, problems = parse(
        "截至{end}，尿检率{urine_test_rate}，应检{urine_test_rate.denominator 人}；"
        "{fill:plans 下一步工作计划}"
    )
    assert problems == []
    assert pieces == [
        "截至",
        VariableSlot("end"),
        "，尿检率",
        FigureSlot("urine_test_rate", None, None, Approximation.EXACT),
        "，应检",
        FigureSlot("urine_test_rate", "denominator", "人", Approximation.EXACT),
        "；",
        FillSlot("plans", "下一步工作计划"),
    ]


def test_a_count_may_ask_for_an_approximation() -> None:
    pieces, _ = parse("覆盖{transfers_in 人次 逾}")
    assert pieces[1] == FigureSlot("transfers_in", None, "人次", Approximation.OVER)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{}", "empty placeholder"),
        ("{fill:plans}", "needs a key and a label"),
        ("{Face}", "not an indicator id"),
        ("{face_check_rate.total}", "'total' is not one of"),
        ("{transfers_in 人 人次}", "one unit"),
        ("尿检率{urine_test_rate", "unmatched"),
    ],
)
def test_a_placeholder_that_cannot_be_read_is_named(text: str, reason: str) -> None:
    assert any(reason in problem for problem in parse(text)[1])


def test_a_template_naming_a_figure_the_catalogue_lacks_names_the_template_and_the_figure() -> None:
    broken = template("禁种铲毒踏查{eradication_area}亩。", name="county_wording")
    with pytest.raises(InvalidInput) as raised:
        check_template(broken, DEFINITIONS)
    (problem,) = raised.value.problems
    assert problem.row == "county_wording"
    assert problem.field == "sections[0].blocks[0]"
    assert "'county_wording'" in problem.reason
    assert "'eradication_area'" in problem.reason


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("{face_check_rate 人}", "a rate takes no unit"),
        ("{managed.value}", "is a count, it has no rate"),
        (ParagraphTemplate("x", when="nothing_here"), "catalogue lacks"),
        (TableTemplate(["managed"], "t"), "is a count"),
        (ChartTemplate("change", [], "t"), "names no indicator"),
        (NamedListTemplate("lost_contact_at_end", "everyone", "t"), "not a population"),
    ],
)
def test_blocks_that_cannot_be_bound_are_refused(block: object, reason: str) -> None:
    problems = template_problems(template(block), DEFINITIONS)
    assert any(reason in p.reason for p in problems), problems


def test_titles_take_variables_but_no_figures() -> None:
    bad = ReportTemplate(name="t", title="{face_check_rate}", description="", sections=[])
    assert any("only variables" in p.reason for p in template_problems(bad, DEFINITIONS))


def test_a_chart_kind_is_one_the_renderers_draw() -> None:
    with pytest.raises(ValueError, match="pie"):
        ChartTemplate("pie", ["face_check_rate"], "t")


@pytest.mark.parametrize("made", [half_year_template, annual_template])
def test_the_shipped_templates_bind_to_the_standard_catalogue(made: object) -> None:
    shipped = made()  # type: ignore[operator]
    assert template_problems(shipped, DEFINITIONS) == []
    used = referenced_indicators(shipped)
    # The people's summaries; the units' rates belong to the emergency-management bureau's summary.
    rates = [i for i, d in DEFINITIONS.items() if d.unit.value == "percent" and d.subject.value == "person"]
    assert set(rates) <= set(used), "every rate about people is in the summary"


def test_the_shipped_templates_leave_problems_and_plans_to_people() -> None:
    for made in (half_year_template, annual_template):
        texts = [
            block.text
            for section in made().sections
            for block in section.blocks
            if isinstance(block, ParagraphTemplate)
        ]
        assert any("{fill:problems" in text for text in texts)
        assert any("{fill:plans" in text for text in texts)
        assert any("{fill:campaign_sessions" in text for text in texts)


def test_the_plugin_contributes_templates_and_renderers_through_the_hooks() -> None:
    plugins = make_plugin_manager()
    assert {"half_year", "annual"} <= set(report_templates(plugins).names())
    assert {"md", "html", "docx"} <= set(report_renderers(plugins).names())


def test_without_plugins_markdown_is_still_there() -> None:
    plugins = make_plugin_manager(entry_points=False)
    assert report_renderers(plugins).names() == ["md"]
    assert report_templates(plugins).names() == []


def test_a_host_replaces_a_shipped_template_on_purpose_only() -> None:
    from antidrug_core import hookimpl

    ours = template("见面核查率{face_check_rate}。", name="half_year")

    class Quiet:
        @hookimpl
        def antidrug_register_templates(self, registry: object) -> None:
            registry.add(ours)  # type: ignore[attr-defined]

    class Deliberate:
        @hookimpl
        def antidrug_register_templates(self, registry: object) -> None:
            registry.add(ours, replace=True)  # type: ignore[attr-defined]

    with pytest.raises(InvalidInput, match="already registered"):
        report_templates(make_plugin_manager(plugins=[Quiet()]))
    assert report_templates(make_plugin_manager(plugins=[Deliberate()])).get("half_year") is ours
