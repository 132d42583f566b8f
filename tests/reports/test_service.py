"""Making a report from a store: checked first, computed from the actor's people, said plainly when empty."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from stdnum.cn import ric

from antidrug_core import Actor, Identity, InvalidInput, PermissionDenied, Role, open_store
from antidrug_core.indicators import EvaluationRequest, Period, evaluate_in_store
from antidrug_core.reports import (
    Figure,
    NamedList,
    ReportTemplate,
    SectionTemplate,
    Table,
    cited_entries,
    make_report,
    render,
)
from antidrug_core.reports import Paragraph as ReportParagraph
from antidrug_core.store import Store
from antidrug_core.synthetic import person_id

from .conftest import COUNTY, H1, H2, IDENTITY_NUMBER, SMALL_SPEC, load


def test_every_figure_of_the_half_year_summary_comes_from_the_division_and_period(
    county_store: Store,
) -> None:
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
    figures = list(report.figures())
    assert len(figures) > 30
    for figure in figures:
        assert figure.sources[-1].result.division == COUNTY
        assert figure.sources[-1].result.period == H2
        if figure.key.endswith(".change"):
            assert [s.result.period for s in figure.sources] == [H1, H2]
    assert report.title == f"{report.division_name}2025年下半年禁毒工作总结及2026年上半年工作计划"
    assert {fill.key for fill in report.fills()} >= {"organisation", "problems", "plans", "campaign_sessions"}


def test_the_report_says_what_the_evaluator_says(county_store: Store) -> None:
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
        results = evaluate_in_store(uow, EvaluationRequest(period=H2, divisions=(COUNTY,)))
    by_id = {r.indicator: r for r in results}
    for figure in report.figures():
        source = figure.sources[-1]
        result = by_id[source.result.indicator]
        assert (
            source.result.numerator,
            source.result.denominator,
            source.result.value,
            source.result.digest,
        ) == (
            result.numerator,
            result.denominator,
            result.value,
            result.digest,
        )


def test_the_rates_table_has_each_township_then_the_county(county_store: Store) -> None:
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
    (table,) = [b for s in report.sections for b in s.blocks if isinstance(b, Table)]
    assert len(table.rows) == SMALL_SPEC.townships + 1
    assert table.rows[-1][0].endswith("（合计）")


def test_a_period_in_which_the_store_holds_no_records_is_said_plainly(county_store: Store) -> None:
    with county_store.unit_of_work(Actor.local_administrator()) as uow, pytest.raises(InvalidInput) as raised:
        make_report(uow, "half_year", Period.parse("2000H1"), COUNTY)
    (problem,) = raised.value.problems
    assert problem.field == "period"
    assert "holds no records dated in 2000年上半年" in problem.reason
    assert "no report was written" in problem.reason


def test_a_division_with_no_one_in_it_is_said_plainly_too(county_store: Store) -> None:
    with (
        county_store.unit_of_work(Actor.local_administrator()) as uow,
        pytest.raises(InvalidInput, match="no records"),
    ):
        make_report(uow, "half_year", H2, "522631299")


def test_a_template_naming_a_figure_the_catalogue_lacks_fails_before_anything_else(
    county_store: Store,
) -> None:
    broken = ReportTemplate(
        name="county_special",
        title="{division}",
        description="",
        sections=[SectionTemplate("一、", ["铲除毒品原植物{eradicated_plants}株。"])],
    )
    with county_store.unit_of_work(Actor.local_administrator()) as uow, pytest.raises(InvalidInput) as raised:
        make_report(
            uow, broken, Period.parse("2000H1"), COUNTY
        )  # no records then either: the template is first
    assert "'county_special'" in str(raised.value)
    assert "'eradicated_plants'" in str(raised.value)


def test_an_unknown_template_name_lists_the_known_ones(county_store: Store) -> None:
    with county_store.unit_of_work(Actor.local_administrator()) as uow, pytest.raises(InvalidInput) as raised:
        make_report(uow, "quarterly", H2, COUNTY)
    assert "'quarterly'" in str(raised.value)
    assert "half_year" in str(raised.value)


def test_an_actor_reports_only_on_divisions_it_covers(county_store: Store) -> None:
    township = sorted(d for d in SMALL_SPEC_TOWNSHIPS())[0]
    officer = Actor(id="o1", role=Role.OFFICER, divisions={township})
    with county_store.unit_of_work(officer) as uow:
        with pytest.raises(PermissionDenied, match="outside its divisions"):
            make_report(uow, "half_year", H2, COUNTY)
        report = make_report(uow, "half_year", H2, township)
    assert report.division == township


def SMALL_SPEC_TOWNSHIPS() -> list[str]:  # noqa: N802 - reads as the constant it stands for
    from antidrug_core.synthetic import townships

    return townships(SMALL_SPEC)


def test_known_at_reproduces_the_report_as_it_could_have_been_written_then(county_store: Store) -> None:
    then = dt.datetime(2025, 11, 15, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        past = make_report(uow, "half_year", H2, COUNTY, known_at=then)
        now = make_report(uow, "half_year", H2, COUNTY)
    assert all(f.sources[-1].result.known_at == then for f in past.figures())
    assert all("--known-at 2025-11-15T12:00:00+08:00" in e.command for e in past.appendix)
    face_then = next(f for f in past.figures() if f.key == "face_check_rate").sources[0]
    face_now = next(f for f in now.figures() if f.key == "face_check_rate").sources[0]
    assert face_then.result.numerator < face_now.result.numerator, (
        "checks after 15 November were not known then"
    )


# --- named lists --------------------------------------------------------------------------


def resident_ids() -> Iterator[str]:
    for number in itertools.count(1):
        body = (
            f"110105{(dt.date(1980, 1, 1) + dt.timedelta(days=number)).strftime('%Y%m%d')}{number % 1000:03d}"
        )
        yield body + ric.calc_check_digit(body + "0")  # stdnum reads the check digit's place too


@pytest.fixture(scope="module")
def named_store() -> Iterator[Store]:
    """The small county again, every person with a (made-up) name and identity number."""
    store = open_store("memory://")
    load(store)
    numbers = resident_ids()
    with store.unit_of_work(Actor.local_administrator()) as uow:
        for index in range(SMALL_SPEC.people):
            person = person_id(SMALL_SPEC, index)
            if not uow.exists(person):  # sealed (封存): written to only once opened with a reason
                uow.sealed_file(person, "补录身份信息")
            uow.set_identity(person, Identity(f"张{'三四五六'[index % 4]}", next(numbers)))
        uow.commit()
    yield store
    store.close()


def test_named_lists_need_a_role_that_may_see_identities(named_store: Store) -> None:
    auditor = Actor(id="a1", role=Role.AUDITOR, divisions={COUNTY})
    with named_store.unit_of_work(auditor) as uow, pytest.raises(PermissionDenied):
        make_report(uow, "half_year", H2, COUNTY, named_lists=True)


def test_without_asking_a_report_names_no_one(named_store: Store) -> None:
    officer = Actor(id="o1", role=Role.OFFICER, divisions={COUNTY})
    with named_store.unit_of_work(officer) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
    assert not [b for s in report.sections for b in s.blocks if isinstance(b, NamedList)]
    text = render(report, "md", named_store.plugins).decode()
    assert "张" not in text.replace("张次", "")
    assert not IDENTITY_NUMBER.search(text)


def test_named_lists_are_masked_in_every_format(named_store: Store) -> None:
    officer = Actor(id="o1", role=Role.OFFICER, divisions={COUNTY})
    with named_store.unit_of_work(officer) as uow:
        report = make_report(uow, "half_year", H2, COUNTY, named_lists=True)
        at_end = evaluate_in_store(
            uow, EvaluationRequest(period=H2, indicators=("lost_contact_at_end",), divisions=(COUNTY,))
        )
    (named,) = [b for s in report.sections for b in s.blocks if isinstance(b, NamedList)]
    assert len(named.entries) == at_end[0].numerator
    assert named.entries, "the synthetic county has someone still lost at the end of 2025"
    for entry in named.entries:
        name, number = entry.split(" ")
        assert name == "张*"
        assert number.startswith("110105")
        assert "********" in number
    for format in ("md", "html"):
        text = render(report, format, named_store.plugins).decode()
        assert named.entries[0] in text
        assert not IDENTITY_NUMBER.search(text)


@pytest.mark.parametrize(
    ("numbers", "mark"),
    [((3,), "[3]"), ((1, 2), "[1,2]"), ((10, 11, 12, 13), "[10-13]"), ((3, 10, 11, 12), "[3,10-12]")],
)
def test_a_paragraph_cites_its_appendix_entries_in_one_compact_mark(
    numbers: tuple[int, ...], mark: str
) -> None:
    figures = [
        Figure(key=f"k{n}", label="l", text=f"{n}人", number=None, rule="r", sources=()) for n in numbers
    ]
    paragraph = ReportParagraph((figures[0], "，", *figures[1:], "。"))
    assert (
        cited_entries({(f.key, f.text): n for f, n in zip(figures, numbers, strict=True)}, paragraph) == mark
    )
    assert cited_entries({}, paragraph) is None
