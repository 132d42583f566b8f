"""The reference evaluator, rule by rule, on person files built by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from antidrug_core import hookimpl
from antidrug_core.indicators import (
    AllOf,
    AnyOf,
    Basis,
    DueExcused,
    DueTests,
    EvaluationRequest,
    EveryDueExcused,
    HasRecord,
    IndicatorDefinition,
    InLostContact,
    Not,
    Period,
    StatusIn,
    Unit,
    View,
    When,
    Where,
    evaluate_files,
    indicator_definitions,
    indicator_registry,
    standard_catalogue,
)
from antidrug_core.indicators.facts import PersonFacts
from antidrug_core.indicators.reference import holds
from antidrug_core.model import (
    ContactRestored,
    Division,
    DivisionTree,
    FaceCheck,
    InvalidInput,
    LostContact,
    Status,
    StatusChanged,
    TestDone,
    TestDue,
    TestExcused,
    TransferAccepted,
    TransferRequested,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.testing import History

H1 = Period.parse("2023H1")
POLICY = Policy()
TREE = DivisionTree(
    [
        Division(code="522631", name="某县"),
        Division(code="522631101", name="甲乡"),
        Division(code="522631102", name="乙镇"),
    ]
)


def facts(history: History, period: Period = H1, policy: Policy = POLICY) -> PersonFacts:
    return PersonFacts(history.file(), period, policy)


def person(status: Status | None = Status.REGISTERED, **places: Any) -> History:
    history = History("P1", **places)
    if status is not None:
        history.add(StatusChanged, "2020-01-01", status=status)
    return history


def evaluate(histories: list[History], definition: IndicatorDefinition, **request: Any) -> dict[str, Any]:
    results = evaluate_files(
        [h.file() for h in histories],
        [definition],
        EvaluationRequest(period=H1, **request),
        TREE,
        policy=request.get("policy") or POLICY,
    )
    return {r.division: r for r in results}


def local(**fields: Any) -> IndicatorDefinition:
    return IndicatorDefinition(
        id="local", version=1, name_zh="本地", name_en="Local", unit=Unit.PERCENT, **fields
    )


def test_someone_without_any_status_is_not_in_the_managed_population() -> None:
    managed = StatusIn({Status.REGISTERED, Status.COMMUNITY_DETOX})
    assert not holds(managed, facts(person(status=None)))
    assert holds(managed, facts(person()))


def test_has_record_looks_at_dates_and_field_values() -> None:
    history = person()
    history.add(TestDone, "2023-03-01", kind="hair", result="positive")
    urine = HasRecord(("test_done",), When.PERIOD, Where.of(kind=["urine"]))
    hair_positive = HasRecord(("test_done",), When.PERIOD, Where.of(kind=["hair"], result=["positive"]))
    assert not holds(urine, facts(history))
    assert holds(hair_positive, facts(history))
    assert not holds(hair_positive, facts(history, Period.parse("2023Q2")))
    assert holds(HasRecord(("test_done",), When.BY_PERIOD_END), facts(history, Period.parse("2023Q2")))


def test_composition() -> None:
    history = person()
    history.add(FaceCheck, "2023-03-01", method="home_visit")
    checked = HasRecord(("face_check",), When.PERIOD)
    lost = InLostContact(When.PERIOD)
    assert holds(AllOf(()), facts(history))
    assert not holds(AnyOf(()), facts(history))
    assert holds(AnyOf((lost, checked)), facts(history))
    assert not holds(AllOf((lost, checked)), facts(history))
    assert holds(Not(lost), facts(history))


def test_lost_contact_spells_against_the_period() -> None:
    history = person()
    history.add(LostContact, "2022-12-01")
    history.add(ContactRestored, "2023-01-01")
    assert holds(InLostContact(When.PERIOD), facts(history))  # found on the first day
    assert not holds(InLostContact(When.PERIOD), facts(history, Period.parse("2023-01-02/2023-06-30")))
    assert not holds(InLostContact(When.PERIOD_END), facts(history))
    assert holds(InLostContact(When.PERIOD_END), facts(history, Period.parse("2022-12-01/2022-12-31")))


def test_every_due_excused_needs_something_due() -> None:
    history = person()
    assert not holds(EveryDueExcused(None), facts(history))
    due = history.add(TestDue, "2023-03-01", kind="hair")
    history.add(TestExcused, "2023-03-02", due=due.id, reason="住院")
    assert holds(EveryDueExcused(None), facts(history))
    assert not holds(EveryDueExcused(None), facts(history, Period.parse("2023-03-01/2023-03-01")))


def test_a_local_event_based_indicator_can_exclude_excused_tests() -> None:
    history = person()
    excused = history.add(TestDue, "2023-03-01", kind="urine")
    history.add(TestExcused, "2023-03-01", due=excused.id, reason="住院")
    history.add(TestDue, "2023-04-01", kind="urine")
    definition = local(basis=Basis.EVENT, items=DueTests(), denominator_exclusion=DueExcused())
    result = evaluate([history], definition)["522631101"]
    assert (result.initial_population, result.denominator, result.denominator_exclusion) == (2, 2, 1)
    assert (result.numerator, result.value) == (1, 1)


def test_a_definition_without_an_initial_criterion_counts_everyone_attributed() -> None:
    results = evaluate([person(Status.DECEASED)], local())
    assert results["522631101"].initial_population == 1
    assert results["522631"].initial_population == 1
    assert results["522631102"].initial_population == 0


def test_a_person_not_yet_known_at_known_at_is_not_counted() -> None:
    history = person()  # registered 2020-01-01, recorded at 09:00 that day
    known_at = dt.datetime(2019, 12, 31, tzinfo=dt.UTC)
    results = evaluate_files(
        [history.file(known_at)],
        [local()],
        EvaluationRequest(period=H1, known_at=known_at),
        TREE,
        policy=POLICY,
    )
    assert all(r.initial_population == 0 for r in results)
    assert {r.known_at for r in results} == {known_at}


def test_residence_first_falls_back_to_the_household_place() -> None:
    residence = Policy(responsible=Responsibility.RESIDENCE_FIRST)
    moved = person(household="522631101", residence="522631102")
    assert facts(moved, policy=residence).responsible_at_end() == "522631102"
    assert facts(person(household="522631101"), policy=residence).responsible_at_end() == "522631101"


def test_a_transfer_item_counts_where_the_transfer_says_but_a_co_managers_view_counts_the_person() -> None:
    history = person(household="522631101", residence="522631102")
    request = history.add(TransferRequested, "2023-02-01", from_division="522631101", to_division="522631")
    history.add(TransferAccepted, "2023-02-03", request=request.id)
    transfers_in = next(d for d in standard_catalogue() if d.id == "transfers_in")
    responsible = evaluate([history], transfers_in)
    assert responsible["522631"].numerator == 1
    assert responsible["522631101"].numerator == 0
    cooperating = evaluate([history], transfers_in, view=View.COOPERATING)
    # On 06-30 the county is responsible; 甲乡 (household) and 乙镇 (residence) co-manage.
    assert {code: r.numerator for code, r in cooperating.items()} == {
        "522631": 0,
        "522631101": 1,
        "522631102": 1,
    }


def test_the_catalogue_is_registered_through_the_hook_and_a_host_can_replace_an_entry() -> None:
    face = next(d for d in standard_catalogue() if d.id == "face_check_rate")
    stricter = IndicatorDefinition(
        id="face_check_rate",
        version=2,
        name_zh="见面核查率",
        name_en="Face-check rate",
        unit=Unit.PERCENT,
        initial=face.initial,
        numerator=HasRecord(("face_check",), When.PERIOD, Where.of(method=["home_visit"])),
    )

    class Replacing:
        @hookimpl
        def antidrug_register_indicators(self, registry: Any) -> None:
            registry.add(stricter, replace=True)

    class Clashing:
        @hookimpl
        def antidrug_register_indicators(self, registry: Any) -> None:
            registry.add(stricter)

    found = indicator_definitions(make_plugin_manager(plugins=[Replacing()], entry_points=False))
    assert [d.id for d in found] == [d.id for d in standard_catalogue()]
    assert found[0] == stricter
    with pytest.raises(InvalidInput, match="already registered"):
        indicator_definitions(make_plugin_manager(plugins=[Clashing()], entry_points=False))
    assert indicator_definitions(make_plugin_manager(entry_points=False)) == standard_catalogue()
    assert len(indicator_registry()) == 0
