"""Binding a template to results: the text shown, the number behind it, and where it came from."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core import InvalidInput
from antidrug_core.reports import (
    Chart,
    ChartTemplate,
    Fill,
    NamedListTemplate,
    Paragraph,
    ParagraphTemplate,
    ReportData,
    ReportTemplate,
    SectionTemplate,
    Table,
    TableTemplate,
    bind_report,
    describe_definition,
    render_markdown,
)

from .conftest import COUNTY, DEFINITIONS, H1, H2, TOWNSHIPS, made_result, tree


def template(*blocks: object, appendix: bool = True) -> ReportTemplate:
    return ReportTemplate(
        name="probe",
        title="{division}{period}禁毒工作总结",
        description="",
        sections=[SectionTemplate("一、{division}", list(blocks))],  # type: ignore[arg-type]
        appendix=appendix,
    )


def data(**changes: object) -> ReportData:
    results = [
        made_result("face_check_rate", numerator=11, denominator=12),
        made_result("face_check_rate", TOWNSHIPS[0], numerator=5, denominator=5),
        made_result("face_check_rate", TOWNSHIPS[1], numerator=6, denominator=7),
        made_result("care_rate", numerator=8, denominator=12),
        made_result("care_rate", TOWNSHIPS[0], numerator=3, denominator=5),
        made_result("care_rate", TOWNSHIPS[1], numerator=5, denominator=7),
        made_result("urine_test_rate", numerator=4, denominator=5),
        made_result("lost_contact_found_rate", numerator=0, denominator=0),
        made_result("managed", numerator=12),
        made_result("transfers_in", numerator=3),
    ]
    previous = [
        made_result("face_check_rate", period=H1, numerator=9, denominator=12),
        made_result("managed", period=H1, numerator=10),
    ]
    base = ReportData(
        division=COUNTY,
        period=H2,
        tree=tree(),
        definitions=DEFINITIONS,
        results=results,
        previous=previous,
        source="--db sqlite:///x.db",
    )
    return attrs.evolve(base, **changes)


def paragraph(report_template: ReportTemplate, bound: ReportData | None = None) -> Paragraph:
    block = bind_report(report_template, bound or data()).sections[0].blocks[0]
    assert isinstance(block, Paragraph)
    return block


def test_titles_and_headings_take_the_divisions_name_and_the_period_in_words() -> None:
    report = bind_report(template("x"), data())
    assert report.title == "某县2025年下半年禁毒工作总结"
    assert report.sections[0].heading == "一、某县"


def test_a_rate_reads_as_a_percentage_and_keeps_its_provenance() -> None:
    bound = paragraph(template("见面核查率{face_check_rate}。"))
    figure = bound.parts[1]
    assert bound.plain == "见面核查率91.67%。"
    assert figure.number == Fraction(11, 12)  # type: ignore[union-attr]
    (source,) = figure.sources  # type: ignore[union-attr]
    assert (
        source.result.indicator,
        source.result.division,
        source.result.period,
        source.result.known_at,
    ) == (
        "face_check_rate",
        COUNTY,
        H2,
        None,
    )
    assert (source.result.numerator, source.result.denominator, source.result.display) == (11, 12, "91.67%")
    assert source.result.digest == made_result("face_check_rate", numerator=1).digest
    assert source.name == "见面核查率"
    assert source.division_name == "某县"


def test_parts_of_a_result_read_as_counts_with_units() -> None:
    bound = paragraph(
        template(
            "应检{urine_test_rate.denominator}，实检{urine_test_rate.numerator}，"
            "未检{urine_test_rate.shortfall}，在管{managed}，转入{transfers_in}，约{transfers_in 人 余}。"
        )
    )
    assert bound.plain == "应检5人，实检4人，未检1人，在管12人，转入3人次，约3人。"


def test_a_change_is_said_against_the_previous_period() -> None:
    bound = paragraph(template("较上期{face_check_rate.change}，在管人员{managed.change}。"))
    assert bound.plain == "较上期提高16.67个百分点，在管人员增加2人。"
    change = bound.parts[1]
    assert [s.result.period for s in change.sources] == [H1, H2]  # type: ignore[union-attr]


def test_without_a_previous_period_no_change_is_invented() -> None:
    bound = paragraph(template("较上期{face_check_rate.change}。"), data(previous=None))
    assert bound.plain == "较上期（上期无记录，不作比较）。"


def test_a_paragraph_about_nobody_gives_way_to_its_otherwise() -> None:
    lost = ParagraphTemplate(
        "脱失人员查找率{lost_contact_found_rate}。",
        when="lost_contact_found_rate",
        otherwise="{period}无脱失人员。",
    )
    assert paragraph(template(lost)).plain == "2025年下半年无脱失人员。"
    shown = ParagraphTemplate("转入{transfers_in}。", when="transfers_in", otherwise="无转入。")
    assert paragraph(template(shown)).plain == "转入3人次。"


def test_a_paragraph_without_otherwise_is_left_out_when_it_would_say_nothing() -> None:
    report = bind_report(
        template(ParagraphTemplate("{lost_contact_found_rate}", when="lost_contact_found_rate")), data()
    )
    assert report.sections[0].blocks == ()


def test_fields_to_fill_are_kept_as_fields_never_as_text() -> None:
    bound = paragraph(template("问题：{fill:problems 工作中存在的问题}"))
    assert bound.parts[1] == Fill("problems", "工作中存在的问题")
    assert bound.plain == "问题：【待填写：工作中存在的问题】"


def test_a_table_gives_each_division_below_then_the_whole() -> None:
    table = bind_report(template(TableTemplate(["face_check_rate", "care_rate"], "{period}比率")), data())
    block = table.sections[0].blocks[0]
    assert isinstance(block, Table)
    assert block.header == ("区划", "见面核查率", "关爱帮扶率")
    assert block.rows == (
        ("甲镇", "100%", "60%"),
        ("乙乡", "85.71%", "71.43%"),
        ("某县（合计）", "91.67%", "66.67%"),
    )


def test_charts_carry_exact_values_names_and_codes() -> None:
    report = bind_report(
        template(
            ChartTemplate("by_division", ["face_check_rate", "care_rate"], "按区划"),
            ChartTemplate("change", ["face_check_rate"], "对比"),
        ),
        data(),
    )
    by_division, change = report.sections[0].blocks
    assert isinstance(by_division, Chart)
    assert isinstance(change, Chart)
    assert by_division.categories == ("甲镇", "乙乡")
    assert by_division.category_codes == TOWNSHIPS
    assert [s.code for s in by_division.series] == ["face_check_rate", "care_rate"]
    assert by_division.series[1].values == (Fraction(3, 5), Fraction(5, 7))
    assert [s.label for s in change.series] == ["2025年上半年", "2025年下半年"]
    assert [s.values for s in change.series] == [(Fraction(3, 4),), (Fraction(11, 12),)]


def test_a_change_chart_without_a_previous_period_says_so() -> None:
    report = bind_report(template(ChartTemplate("change", ["face_check_rate"], "对比")), data(previous=None))
    chart = report.sections[0].blocks[0]
    assert isinstance(chart, Chart)
    assert len(chart.series) == 1
    assert chart.note == "上一期没有任何记录，不作比较。"


def test_named_lists_appear_only_when_asked_for() -> None:
    named = NamedListTemplate("lost_contact_at_end", "initial_population", "名单")
    assert bind_report(template(named), data()).sections[0].blocks == ()
    asked = data(named_lists={("lost_contact_at_end", "initial_population"): ("张* 110105********1234",)})
    (block,) = bind_report(template(named), asked).sections[0].blocks
    assert block.entries == ("张* 110105********1234",)  # type: ignore[union-attr]


def test_the_appendix_lists_every_figure_once_with_its_definition_and_command() -> None:
    report = bind_report(template("{face_check_rate}，{face_check_rate}，{managed}，{fill:x 某事}"), data())
    assert [entry.figure.key for entry in report.appendix] == ["face_check_rate", "managed"]
    first = report.appendix[0]
    assert first.command == (
        "antidrug rates --db sqlite:///x.db --period 2025-07-01/2025-12-31 --division 522631 "
        "--indicator face_check_rate --explain face_check_rate"
    )
    assert "face_check" in first.definition
    assert "status_in" not in first.definition, "the definition is said in words"


def test_the_appendix_names_known_at_in_its_commands() -> None:
    known_at = dt.datetime(2026, 1, 5, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    results = [attrs.evolve(r, known_at=known_at) for r in data().results]
    report = bind_report(template("{face_check_rate}"), data(results=results, known_at=known_at))
    assert "--known-at 2026-01-05T12:00:00+08:00" in report.appendix[0].command
    assert report.appendix[0].figure.sources[0].result.known_at == known_at


def test_a_report_without_an_appendix_when_the_template_says_so() -> None:
    assert bind_report(template("{face_check_rate}", appendix=False), data()).appendix == ()


def test_a_missing_result_is_an_error_naming_the_indicator_and_division() -> None:
    with pytest.raises(InvalidInput, match="'app_login_rate' for division 522631"):
        bind_report(template("{app_login_rate}"), data())


def test_every_catalogue_definition_can_be_said_in_words() -> None:
    for definition in DEFINITIONS.values():
        words = describe_definition(definition)
        assert words.startswith(("初始人群：", "计数对象："))
        assert not re.search(r"[a-z_]+\(", words), f"{definition.id}: an op left undescribed: {words}"


@given(st.integers(0, 500), st.integers(0, 500))
def test_a_bound_rate_is_the_percentage_of_its_own_counts(numerator: int, extra: int) -> None:
    denominator = numerator + extra
    results = [made_result("care_rate", numerator=numerator, denominator=denominator)]
    bound = paragraph(template("{care_rate}"), data(results=results, previous=None))
    figure = bound.parts[0]
    expected = None if denominator == 0 else Fraction(numerator, denominator)
    assert figure.number == expected  # type: ignore[union-attr]
    assert figure.sources[0].result.net_numerator == numerator  # type: ignore[union-attr]


def test_markdown_shows_fields_to_fill_charts_as_tables_and_the_appendix() -> None:
    report = bind_report(
        template(
            "{face_check_rate}{fill:plans 计划}", ChartTemplate("by_division", ["face_check_rate"], "图")
        ),
        data(),
    )
    text = render_markdown(report)
    assert text.startswith("# 某县2025年下半年禁毒工作总结\n")
    assert "**【待填写：计划】**" in text
    assert "| 甲镇 | 100% |" in text
    assert "## 附录：数据说明" in text
    assert "`antidrug rates --db sqlite:///x.db" in text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("应做尿检{urine_test_rate.denominator}人。", "应做尿检5人。"),
        ("应做尿检{urine_test_rate.denominator}。", "应做尿检5人。"),
        ("在册{managed}人，转入{transfers_in}人次。", "在册12人，转入3人次。"),
        ("在册{managed}名。", "在册12名。"),
        ("在册人数较上期{managed.change}人。", "在册人数较上期增加2人。"),
        ("见面核查率{face_check_rate}人人关注。", "见面核查率91.67%人人关注。"),
    ],
)
def test_a_unit_written_after_a_counts_braces_is_printed_once(text: str, plain: str) -> None:
    assert paragraph(template(text)).plain == plain
