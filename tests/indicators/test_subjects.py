"""Indicators over any subject: units and organisations, items of their records, sums, flags and
distinct counts (docs/reference/indicators.md and its tables).

The record types below are shaped like the chemicals' and the prevention work's (the real ones arrive
with their own issues). They are registered in ``RECORD_TYPES`` only while a test runs
(``register``), under tags no real record type will take, so definitions over them are checked
like any other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import antidrug_memory
from antidrug_core.cli import main
from antidrug_core.converter import get_converter
from antidrug_core.indicators import (
    AllOf,
    Distinct,
    EvaluationRequest,
    FlagRule,
    FollowedBy,
    HasRecord,
    IndicatorDefinition,
    IndicatorResult,
    InScope,
    ItemField,
    Not,
    Period,
    Records,
    ReferencedBy,
    StatusIn,
    SubjectIn,
    Unit,
    When,
    definition_from_data,
    definition_to_data,
    evaluate_files,
    evaluate_in_store,
    explain_in_store,
    rates_document,
    standard_catalogue,
)
from antidrug_core.indicators.evidence import Explanation, explain_histories
from antidrug_core.indicators.writers import rates_table
from antidrug_core.model import (
    RECORD_TYPES,
    Actor,
    Division,
    DivisionCode,
    DivisionTree,
    InvalidInput,
    OrganisationClosed,
    OrganisationRecord,
    OrganisationRegistered,
    Record,
    RecordVoided,
    Role,
    Status,
    SubjectKind,
    UnitChanged,
    UnitClosed,
    UnitRecord,
    UnitRegistered,
    subject_registration_id,
)
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.rules import Policy
from antidrug_core.services import close_unit, register_organisation, register_unit
from antidrug_core.state import build_file
from antidrug_core.store import Store
from antidrug_core.testing import open_memory_store

LOCAL = dt.timezone(dt.timedelta(hours=8))


@attrs.frozen(kw_only=True)
class Activity(OrganisationRecord):
    """Like ``activity_held``: channels, an optional key date and division, counts."""

    type_tag: ClassVar[str] = "t_activity"
    channels: tuple[str, ...] = ()
    key_date: str | None = None
    division: DivisionCode | None = None
    sessions: int = 1
    reach: int = 0


@attrs.frozen(kw_only=True)
class Funding(OrganisationRecord):
    """Like ``funding_allocated``: an exact amount in yuan."""

    type_tag: ClassVar[str] = "t_funding"
    amount: Decimal


@attrs.frozen(kw_only=True)
class PlantsFound(OrganisationRecord):
    """Like ``plants_found``: where, and how many plants."""

    type_tag: ClassVar[str] = "t_plants_found"
    division: DivisionCode
    plants: int


@attrs.frozen(kw_only=True)
class PlantsDestroyed(OrganisationRecord):
    """Like ``plants_destroyed``: names the finding."""

    type_tag: ClassVar[str] = "t_plants_destroyed"
    found: str


@attrs.frozen(kw_only=True)
class VolunteerJoined(OrganisationRecord):
    type_tag: ClassVar[str] = "t_volunteer_joined"
    volunteer: str


@attrs.frozen(kw_only=True)
class VolunteerLeft(OrganisationRecord):
    type_tag: ClassVar[str] = "t_volunteer_left"
    volunteer: str


@attrs.frozen(kw_only=True)
class Inspected(UnitRecord):
    """Like ``inspected``."""

    type_tag: ClassVar[str] = "t_inspected"


@attrs.frozen(kw_only=True)
class RectificationOrdered(UnitRecord):
    """Like ``rectification_ordered``: put right by ``due``."""

    type_tag: ClassVar[str] = "t_rectification_ordered"
    due: dt.date


@attrs.frozen(kw_only=True)
class RectificationDone(UnitRecord):
    """Like ``rectification_done``: names the order."""

    type_tag: ClassVar[str] = "t_rectification_done"
    order: str


TEST_TYPES: tuple[type[Record], ...] = (
    Activity,
    Funding,
    PlantsFound,
    PlantsDestroyed,
    VolunteerJoined,
    VolunteerLeft,
    Inspected,
    RectificationOrdered,
    RectificationDone,
)


@pytest.fixture(autouse=True)
def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the test record types known for the test's duration."""
    get_converter()  # made first, without them: stores and files never see these types
    for cls in TEST_TYPES:
        monkeypatch.setitem(RECORD_TYPES, cls.type_tag, cls)  # type: ignore[arg-type]


def at(day: str, hour: int = 9) -> dt.datetime:
    """A recording time on ``day`` (local time)."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL)


def make(cls: type[Record], id: str, on: str, **fields: Any) -> Any:
    """A record recorded at 09:00 on its own day unless ``recorded_at`` says otherwise."""
    fields.setdefault("recorded_at", at(on))
    fields.setdefault("recorded_by", "test")
    return cls(id=id, on=dt.date.fromisoformat(on), **fields)


# --- the scene: a county, two townships, units and organisations -----------------------------------

COUNTY, EAST, WEST = "522631", "522631101", "522631102"
TREE = DivisionTree(
    [Division(code=COUNTY, name="某县"), Division(code=EAST, name="甲乡"), Division(code=WEST, name="乙镇")]
)
PERIOD = Period.parse("2023H1")
SIX = ("school", "village", "venue", "workplace", "community", "family")


def unit(id: str, division: str, *, since: str | None = None) -> Any:
    return make(
        UnitRegistered,
        subject_registration_id(id),
        "2020-01-01",
        unit=id,
        name=f"{id}化工有限公司",
        division=division,
        roles=["use"],
        since=None if since is None else dt.date.fromisoformat(since),
    )


def organisation(id: str, division: str, kind: str = "government") -> Any:
    return make(
        OrganisationRegistered,
        subject_registration_id(id),
        "2020-01-01",
        organisation=id,
        name=f"{id}",
        kind=kind,
        division=division,
    )


def define(id: str, unit: Unit, subject: SubjectKind, **fields: Any) -> IndicatorDefinition:
    extra: dict[str, Any] = {"decimals": 0, "higher_is_better": None} if unit is not Unit.PERCENT else {}
    if "items" in fields:
        extra["basis"] = "event"
    return IndicatorDefinition(
        id=id, version=1, name_zh=id, name_en=id, unit=unit, subject=subject, **extra, **fields
    )


def unit_definitions() -> list[IndicatorDefinition]:
    """docs/reference/indicators.md's unit figures, over the test record types."""
    ordered = ("t_rectification_ordered",)
    done = ("t_rectification_done",)
    return [
        next(d for d in standard_catalogue() if d.id == "precursor_units"),
        define(
            "precursor_inspection_rate",
            Unit.PERCENT,
            SubjectKind.UNIT,
            initial=InScope(),
            numerator=HasRecord(("t_inspected",), When.PERIOD),
        ),
        define(
            "rectification_rate",
            Unit.PERCENT,
            SubjectKind.UNIT,
            items=Records(ordered, When.PERIOD, date="due"),
            initial=InScope(),
            numerator=ReferencedBy(done, "order", by="due"),
        ),
        define(
            "rectifications_overdue",
            Unit.COUNT,
            SubjectKind.UNIT,
            items=Records(ordered, When.BY_PERIOD_END, date="due"),
            initial=InScope(),
            numerator=Not(ReferencedBy(done, "order")),
        ),
    ]


def organisation_definitions() -> list[IndicatorDefinition]:
    """docs/reference/indicators.md's figures of each shape, over the test record types."""
    activity = Records(("t_activity",))
    found = ("t_plants_found",)
    return [
        define("activities", Unit.SUM, SubjectKind.ORGANISATION, items=activity, sum_of="sessions"),
        define(
            "key_date_activities",
            Unit.SUM,
            SubjectKind.ORGANISATION,
            items=activity,
            sum_of="sessions",
            numerator=ItemField("key_date"),
        ),
        define(
            "funding_yuan", Unit.SUM, SubjectKind.ORGANISATION, items=Records(("t_funding",)), sum_of="amount"
        ),
        define(
            "six_entries_covered",
            Unit.COUNT,
            SubjectKind.ORGANISATION,
            items=activity,
            distinct=Distinct("channels", SIX),
        ),
        define(
            "volunteers",
            Unit.COUNT,
            SubjectKind.ORGANISATION,
            items=Records(("t_volunteer_joined",), When.BY_PERIOD_END),
            numerator=Not(FollowedBy(("t_volunteer_left",), ("volunteer",))),
            distinct=Distinct("volunteer", per_subject=True),
        ),
        define(
            "plants_not_destroyed",
            Unit.SUM,
            SubjectKind.ORGANISATION,
            items=Records(found, When.BY_PERIOD_END),
            numerator=Not(ReferencedBy(("t_plants_destroyed",), "found")),
            sum_of="plants",
        ),
        define(
            "zero_cultivation", Unit.FLAG, SubjectKind.ORGANISATION, items=Records(found), flag=FlagRule.NONE
        ),
        define("any_activity", Unit.FLAG, SubjectKind.ORGANISATION, items=activity, flag=FlagRule.ANY),
        define(
            "government_bodies",
            Unit.COUNT,
            SubjectKind.ORGANISATION,
            initial=AllOf([InScope(), SubjectIn("kind", ["government"])]),
        ),
    ]


def scene() -> list[Record]:
    """Units U1–U4 and organisations O1–O3; each expected figure below says why."""
    return [
        unit("U1", EAST),
        make(Inspected, "i1", "2023-03-01", unit="U1"),
        make(RectificationOrdered, "o1", "2023-03-01", unit="U1", due=dt.date(2023, 5, 1)),
        make(RectificationDone, "d1", "2023-04-20", unit="U1", order="o1"),
        make(RectificationOrdered, "o2", "2023-03-01", unit="U1", due=dt.date(2023, 6, 1)),
        make(RectificationDone, "d2", "2023-06-10", unit="U1", order="o2"),
        make(RectificationOrdered, "o3", "2023-03-01", unit="U1", due=dt.date(2023, 8, 1)),
        make(RectificationOrdered, "o4", "2023-03-01", unit="U1", due=dt.date(2023, 6, 15)),
        unit("U2", WEST),
        make(Inspected, "i2", "2023-02-01", unit="U2"),
        make(UnitClosed, "c2", "2023-05-01", unit="U2"),
        unit("U3", EAST, since="2023-07-01"),
        unit("U4", EAST),
        make(UnitChanged, "m4", "2023-03-01", unit="U4", division=WEST),
        organisation("O1", EAST),
        make(
            Activity,
            "a1",
            "2023-03-05",
            organisation="O1",
            channels=("school", "online"),
            key_date="0305",
            sessions=2,
        ),
        make(Activity, "a2", "2023-06-26", organisation="O1", channels=("village",), division=WEST),
        make(Activity, "a3", "2023-07-01", organisation="O1", channels=("venue",), sessions=9),
        make(Funding, "f1", "2023-02-01", organisation="O1", amount=Decimal("1200.50")),
        make(Funding, "f2", "2023-03-01", organisation="O1", amount=Decimal("0.25")),
        make(VolunteerJoined, "v1", "2022-05-01", organisation="O1", volunteer="V1"),
        make(VolunteerLeft, "v2", "2023-04-01", organisation="O1", volunteer="V1"),
        make(VolunteerJoined, "v3", "2023-01-10", organisation="O1", volunteer="V2"),
        make(VolunteerJoined, "v4", "2023-05-01", organisation="O1", volunteer="V1"),
        make(PlantsFound, "p1", "2023-04-01", organisation="O1", division=EAST, plants=30),
        make(PlantsDestroyed, "p2", "2023-04-02", organisation="O1", found="p1"),
        make(PlantsFound, "p3", "2022-09-01", organisation="O1", division=EAST, plants=5),
        organisation("O2", WEST, kind="department"),
        make(Activity, "b1", "2023-04-01", organisation="O2", channels=("school", "family"), sessions=3),
        make(Funding, "g1", "2023-04-01", organisation="O2", amount=Decimal("100.00")),
        make(VolunteerJoined, "w1", "2023-02-01", organisation="O2", volunteer="V1"),
        organisation("O3", EAST),
        make(OrganisationClosed, "x3", "2023-01-15", organisation="O3"),
    ]


def histories(records: Iterable[Record]) -> list[tuple[str, list[Record]]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        grouped[record.subject].append(record)
    return sorted(grouped.items())


def evaluate(
    records: Iterable[Record],
    definitions: Sequence[IndicatorDefinition],
    *,
    known_at: dt.datetime | None = None,
    organisation: str | None = None,
    period: Period = PERIOD,
) -> dict[tuple[str, str], IndicatorResult]:
    request = EvaluationRequest(period=period, known_at=known_at, organisation=organisation, policy=Policy())
    files = [build_file(r[0].subject_kind, s, r, known_at) for s, r in histories(records)]
    results = evaluate_files(files, definitions, request, TREE, policy=Policy())
    return {(r.indicator, r.division): r for r in results}


def figures(results: dict[tuple[str, str], IndicatorResult], indicator: str) -> tuple[str, str, str]:
    """The county's, the east township's and the west township's display, in that order."""
    return tuple(results[(indicator, d)].display for d in (COUNTY, EAST, WEST))  # type: ignore[return-value]


# --- units ---------------------------------------------------------------------------------------


def test_precursor_units_are_the_units_in_scope_at_the_period_end_in_their_division_then() -> None:
    results = evaluate(scene(), unit_definitions())
    # U1 in the east; U2 closed on 2023-05-01; U3 under supervision only from 2023-07-01;
    # U4 moved west on 2023-03-01, so it counts there. The county holds both.
    assert figures(results, "precursor_units") == ("2", "1", "1")


def test_a_unit_rate_gates_units_like_people() -> None:
    results = evaluate(scene(), unit_definitions())
    # IP: U1 (east) and U4 (west). U1 was inspected in the period, U4 was not; U2's inspection
    # does not count, since U2 is not in scope at the period end.
    assert figures(results, "precursor_inspection_rate") == ("50.00%", "100.00%", "0.00%")
    county = results[("precursor_inspection_rate", COUNTY)]
    assert (county.initial_population, county.denominator, county.numerator) == (2, 2, 1)


def test_an_event_based_unit_rate_counts_orders_due_in_the_period_done_by_their_due_date() -> None:
    results = evaluate(scene(), unit_definitions())
    # Items: o1 (due 05-01, done 04-20: on time), o2 (due 06-01, done 06-10: late), o4 (due 06-15,
    # never done); o3 is due after the period. 1/3.
    assert figures(results, "rectification_rate") == ("33.33%", "33.33%", "—")
    # Overdue at the end: due by 06-30 and not done by then: o4 only (o2 was done late, but done).
    assert figures(results, "rectifications_overdue") == ("1", "1", "0")


# --- organisations: sums, distinct counts, flags --------------------------------------------------


def test_sums_add_a_field_over_the_items_where_each_record_says_it_happened() -> None:
    results = evaluate(scene(), organisation_definitions())
    # a1 (2 sessions) in O1's east; a2 (1) was held in the west, as its division says; a3 is after
    # the period; b1 (3) is O2's, in the west.
    assert figures(results, "activities") == ("6", "2", "4")
    assert figures(results, "key_date_activities") == ("2", "2", "0")


def test_a_sum_of_decimals_is_exact_and_displays_without_trailing_zeros() -> None:
    results = evaluate(scene(), organisation_definitions())
    assert figures(results, "funding_yuan") == ("1300.75", "1200.75", "100")
    assert results[("funding_yuan", COUNTY)].value == Fraction(130075, 100)
    entry = rates_document(PERIOD, None, Policy(), [results[("funding_yuan", WEST)]])["results"][0]
    assert (entry["value"], entry["display"], entry["unit"]) == ("100", "100", "sum")


def test_distinct_values_are_united_up_the_tree_never_added() -> None:
    results = evaluate(scene(), organisation_definitions())
    # East: school (online is not one of the six). West: village, school, family. The county has
    # three channels, not 1 + 3.
    assert figures(results, "six_entries_covered") == ("3", "1", "3")


def test_volunteers_are_those_joined_and_not_left_at_the_period_end() -> None:
    results = evaluate(scene(), organisation_definitions())
    # O1: V1 joined, left, joined again; V2 joined: two. O2's V1 is another team's volunteer.
    assert figures(results, "volunteers") == ("3", "2", "1")


def test_plants_not_destroyed_by_the_period_end_are_summed_wherever_they_were_found() -> None:
    results = evaluate(scene(), organisation_definitions())
    assert figures(results, "plants_not_destroyed") == ("5", "5", "0")


def test_a_flag_is_computed_at_each_division_from_its_own_records_and_those_below() -> None:
    results = evaluate(scene(), organisation_definitions())
    # Plants were found in the east in the period: the east and the county are not free of
    # cultivation; the west is. Never a vote: one township with plants makes the county 否.
    assert figures(results, "zero_cultivation") == ("否", "否", "是")
    assert figures(results, "any_activity") == ("是", "是", "是")
    document = rates_document(PERIOD, None, Policy(), [results[("zero_cultivation", WEST)]])
    assert (document["results"][0]["value"], document["results"][0]["display"]) == (True, "是")


def test_organisations_are_counted_as_subjects_too() -> None:
    results = evaluate(scene(), organisation_definitions())
    # O1 is a government in the east; O3 is one too, but closed; O2 is a department.
    assert figures(results, "government_bodies") == ("1", "1", "0")


def test_one_organisations_records_can_be_kept_alone() -> None:
    both = evaluate(scene(), [*unit_definitions(), *organisation_definitions()])
    only = evaluate(scene(), [*unit_definitions(), *organisation_definitions()], organisation="O2")
    assert figures(only, "activities") == ("3", "0", "3")
    assert figures(only, "funding_yuan") == ("100", "0", "100")
    assert figures(only, "zero_cultivation") == ("是", "是", "是")
    assert rates_document(PERIOD, None, Policy(), [], organisation="O2")["organisation"] == "O2"
    assert "organisation" not in rates_document(PERIOD, None, Policy(), [])
    # Figures about units (and people) are not organisation figures: unchanged.
    assert figures(only, "precursor_inspection_rate") == figures(both, "precursor_inspection_rate")


def test_known_at_and_voids_hold_for_organisation_records_as_for_people() -> None:
    late = make(Activity, "a9", "2023-06-20", organisation="O1", sessions=5, recorded_at=at("2023-07-20"))
    void = make(RecordVoided, "x1", "2023-07-10", organisation="O1", voids="f1")
    records = [*scene(), late, void]
    now = evaluate(records, organisation_definitions())
    then = evaluate(records, organisation_definitions(), known_at=at("2023-07-05", 12))
    assert figures(now, "activities") == ("11", "7", "4")
    assert figures(then, "activities") == ("6", "2", "4")
    assert figures(now, "funding_yuan") == ("100.25", "0.25", "100")
    assert figures(then, "funding_yuan") == ("1300.75", "1200.75", "100")


# --- evidence ------------------------------------------------------------------------------------


def explain(definition_id: str, division: str, **request: Any) -> Explanation:
    definition = next(d for d in [*unit_definitions(), *organisation_definitions()] if d.id == definition_id)
    explanations = explain_histories(
        histories(scene()),
        definition,
        EvaluationRequest(period=PERIOD, policy=Policy(), **request),
        TREE,
        policy=Policy(),
        divisions=[division],
    )
    (explanation,) = explanations
    return explanation


def test_the_evidence_of_a_sum_names_each_record_and_what_it_adds() -> None:
    explanation = explain("funding_yuan", COUNTY)
    assert explanation.result.display == "1300.75"
    assert {(s.key, s.subject, s.adds) for s in explanation.subjects} == {
        ("f1", "O1", "1200.5"),
        ("f2", "O1", "0.25"),
        ("g1", "O2", "100"),
    }
    entry = rates_document(PERIOD, None, Policy(), [explanation.result], [explanation])["results"][0]
    (f1,) = [s for s in entry["evidence"]["subjects"] if s["key"] == "f1"]
    assert (f1["organisation"], f1["item"]["type"], f1["adds"]) == ("O1", "t_funding", "1200.5")
    assert "the organisation's division on 2023-06-30: 522631101" in f1["attribution"]


def test_the_evidence_of_a_unit_rate_names_the_units_and_why() -> None:
    explanation = explain("precursor_inspection_rate", COUNTY)
    assert explanation.populations["initial_population"] == ("U1", "U4")
    assert explanation.populations["numerator"] == ("U1",)
    (u2,) = [s for s in explanation.subjects if s.subject == "U2"]
    assert u2.populations == ()
    assert u2.checks[0].because == "closed on 2023-05-01, on or before 2023-06-30"
    (u4,) = [s for s in explanation.subjects if s.subject == "U4"]
    assert u4.division == WEST
    assert not u4.checks[-1].met


def test_the_evidence_of_a_distinct_count_lists_the_values() -> None:
    explanation = explain("six_entries_covered", COUNTY)
    assert explanation.values == ("family", "school", "village")
    assert explanation.result.display == "3"
    volunteers = explain("volunteers", EAST)
    assert volunteers.values == ("O1:V1", "O1:V2")
    (v1,) = [s for s in volunteers.subjects if s.key == "v1"]
    assert "followed by t_volunteer_left" in v1.checks[0].because


def test_the_evidence_of_an_item_criterion_says_which_record_decided() -> None:
    explanation = explain("rectification_rate", EAST)
    by_key = {s.key: s for s in explanation.subjects}
    assert by_key["o1"].populations == ("initial_population", "denominator", "numerator")
    numerator = by_key["o2"].checks[-1]
    assert not numerator.met
    assert [(r.id, r.note) for r in numerator.records] == [("d2", "dated 2023-06-10, after due of o2")]
    table = rates_table(PERIOD, None, Policy(), [explanation.result], explanations=[explanation])
    assert "o2 (t_rectification_ordered 2023-03-01) of U1" in table


def test_every_verdict_gives_the_evaluators_answer() -> None:
    definitions = [*unit_definitions(), *organisation_definitions()]
    results = evaluate(scene(), definitions)
    for definition in definitions:
        for division in (COUNTY, EAST, WEST):
            explanation = explain(definition.id, division)
            assert explanation.result == results[(definition.id, division)]
            for subject in explanation.subjects:
                for check in subject.checks:
                    if check.population in ("initial_population", "numerator"):
                        assert check.met is (check.population in subject.populations), subject


# --- definitions ---------------------------------------------------------------------------------


def test_a_definition_about_people_keeps_its_canonical_form() -> None:
    face = next(d for d in standard_catalogue() if d.id == "face_check_rate")
    assert face.subject is SubjectKind.PERSON
    assert "subject" not in definition_to_data(face)


def test_definitions_over_units_and_organisations_read_back_from_plain_data() -> None:
    for definition in [*unit_definitions(), *organisation_definitions()]:
        data = definition_to_data(definition)
        assert definition_from_data(data) == definition
        assert data["subject"] in ("unit", "organisation")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"unit": Unit.SUM, "items": Records(("t_activity",))}, "a sum adds up a field"),
        ({"unit": Unit.SUM, "items": Records(("t_activity",)), "sum_of": "channels"}, "is not a number"),
        (
            {"unit": Unit.COUNT, "initial": StatusIn({Status.REGISTERED})},
            "status_in cannot be asked of a organisation",
        ),
        ({"unit": Unit.COUNT, "items": Records(("t_inspected",))}, "is not a record of a organisation"),
        ({"unit": Unit.COUNT, "initial": ItemField("key_date")}, "cannot pick the initial population"),
        ({"unit": Unit.FLAG, "items": Records(("t_activity",))}, "a flag, and only a flag"),
        (
            {"unit": Unit.COUNT, "items": Records(("t_activity",)), "distinct": Distinct("colour")},
            "no field 'colour'",
        ),
        ({"unit": Unit.COUNT, "items": Records(("t_activity",), date="due")}, "no field 'due'"),
        ({"unit": Unit.COUNT, "initial": SubjectIn("colour", ["red"])}, "state has no field 'colour'"),
        (
            {
                "unit": Unit.COUNT,
                "items": Records(("t_activity",)),
                "numerator": ReferencedBy(("t_plants_destroyed",), "order"),
            },
            "no field 'order'",
        ),
    ],
)
def test_a_definition_over_organisations_is_checked_when_it_is_made(
    fields: dict[str, Any], problem: str
) -> None:
    unit = fields.pop("unit")
    with pytest.raises(InvalidInput, match=problem):
        define("local", unit, SubjectKind.ORGANISATION, **fields)


def test_the_rates_command_refuses_an_organisation_it_does_not_know(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.json"
    path.write_text(
        json.dumps(
            {
                "format": "antidrug-dataset/1",
                "divisions": [{"code": COUNTY, "name": "某县"}],
                "people": [],
                "records": [],
            }
        ),
        encoding="utf-8",
    )
    code = main(["rates", "--dataset", str(path), "--period", "2023H1", "--organisation", "O9"])
    assert code == 2
    assert "there is no organisation 'O9'" in capsys.readouterr().err


# --- laws ----------------------------------------------------------------------------------------

TOWNSHIPS = ("522631101", "522631102", "522631103")
LAW_TREE = DivisionTree(
    [Division(code=COUNTY, name="某县"), *(Division(code=code, name=code) for code in TOWNSHIPS)]
)
DAYS = st.dates(dt.date(2022, 10, 1), dt.date(2023, 9, 30)).map(dt.date.isoformat)
CHANNELS = st.lists(st.sampled_from([*SIX, "online"]), max_size=3, unique=True)
AMOUNTS = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def work_logs(draw: st.DrawFn) -> list[Record]:
    """Organisations in the townships with activities, funding and plants; units with inspections."""
    records: list[Record] = []
    serial = iter(range(10**6))
    for o in range(draw(st.integers(0, 4))):
        id = f"O{o}"
        records.append(organisation(id, draw(st.sampled_from(TOWNSHIPS))))
        for _ in range(draw(st.integers(0, 5))):
            records.append(
                make(
                    Activity,
                    f"a{next(serial)}",
                    draw(DAYS),
                    organisation=id,
                    channels=tuple(
                        draw(st.lists(st.sampled_from([*SIX, "online"]), max_size=3, unique=True))
                    ),
                    division=draw(st.none() | st.sampled_from(TOWNSHIPS)),
                    sessions=draw(st.integers(1, 5)),
                )
            )
        for _ in range(draw(st.integers(0, 3))):
            records.append(
                make(Funding, f"f{next(serial)}", draw(DAYS), organisation=id, amount=draw(AMOUNTS))
            )
        for _ in range(draw(st.integers(0, 2))):
            records.append(
                make(
                    PlantsFound,
                    f"p{next(serial)}",
                    draw(DAYS),
                    organisation=id,
                    division=draw(st.sampled_from(TOWNSHIPS)),
                    plants=draw(st.integers(1, 50)),
                )
            )
        if records and draw(st.booleans()):
            victim = draw(st.sampled_from([r for r in records if r.subject == id and r.voids is None]))
            if not isinstance(victim, OrganisationRegistered):
                records.append(
                    make(RecordVoided, f"x{next(serial)}", draw(DAYS), organisation=id, voids=victim.id)
                )
    for u in range(draw(st.integers(0, 4))):
        id = f"U{u}"
        records.append(unit(id, draw(st.sampled_from(TOWNSHIPS))))
        for _ in range(draw(st.integers(0, 2))):
            records.append(make(Inspected, f"i{next(serial)}", draw(DAYS), unit=id))
        if draw(st.booleans()):
            records.append(make(UnitClosed, f"c{next(serial)}", draw(DAYS), unit=id))
    return records


def law_evaluate(
    records: Sequence[Record], known_at: dt.datetime | None = None
) -> dict[tuple[str, str], IndicatorResult]:
    request = EvaluationRequest(period=PERIOD, policy=Policy(), known_at=known_at)
    files = [build_file(r[0].subject_kind, s, r, known_at) for s, r in histories(records)]
    definitions = [*unit_definitions(), *organisation_definitions()]
    results = evaluate_files(files, definitions, request, LAW_TREE, policy=Policy())
    return {(r.indicator, r.division): r for r in results}


@given(work_logs())
@settings(max_examples=60, deadline=None)
def test_sums_are_exact_and_the_county_holds_the_sum_of_its_townships(records: list[Record]) -> None:
    results = law_evaluate(records)
    voided = {r.voids for r in records if r.voids is not None}
    expected = sum(
        (
            r.amount
            for r in records
            if isinstance(r, Funding) and r.id not in voided and PERIOD.start <= r.on <= PERIOD.end
        ),
        Decimal(0),
    )
    assert results[("funding_yuan", COUNTY)].value == Fraction(expected)
    for indicator in ("funding_yuan", "activities", "plants_not_destroyed"):
        parts = sum((results[(indicator, t)].value or Fraction(0) for t in TOWNSHIPS), Fraction(0))
        assert results[(indicator, COUNTY)].value == parts
    covered = results[("six_entries_covered", COUNTY)].value
    assert covered is not None
    assert 0 <= covered <= 6
    assert covered >= max(results[("six_entries_covered", t)].value or 0 for t in TOWNSHIPS)


@given(work_logs())
@settings(max_examples=60, deadline=None)
def test_a_countys_flag_is_the_and_or_the_or_of_its_townships_never_a_vote(records: list[Record]) -> None:
    results = law_evaluate(records)
    flags = [results[("zero_cultivation", t)].value == 1 for t in TOWNSHIPS]
    assert (results[("zero_cultivation", COUNTY)].value == 1) is all(flags)
    active = [results[("any_activity", t)].value == 1 for t in TOWNSHIPS]
    assert (results[("any_activity", COUNTY)].value == 1) is any(active)


@given(work_logs())
@settings(max_examples=60, deadline=None)
def test_unit_rates_lie_between_0_and_1_and_counts_add_up(records: list[Record]) -> None:
    results = law_evaluate(records)
    for division in (COUNTY, *TOWNSHIPS):
        rate = results[("precursor_inspection_rate", division)]
        assert rate.value is None or 0 <= rate.value <= 1
        assert rate.numerator <= rate.denominator <= rate.initial_population
    units = sum(results[("precursor_units", t)].value or 0 for t in TOWNSHIPS)
    assert results[("precursor_units", COUNTY)].value == units


@given(work_logs(), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None)
def test_figures_do_not_depend_on_the_order_records_arrive_in(records: list[Record], random: Any) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)
    assert law_evaluate(shuffled) == law_evaluate(records)


# --- in a store ----------------------------------------------------------------------------------


def units_in_a_store() -> Store:
    # The memory store alone: no storage plugin's fast evaluator answers, so these are the
    # reference evaluator's figures over the store's files.
    store = open_memory_store(plugins=make_plugin_manager(plugins=[antidrug_memory], entry_points=False))
    with store.unit_of_work(Actor.local_administrator()) as uow:
        uow.add_divisions(list(TREE))
        register_unit(uow, unit="U1", name="甲化工", division=EAST, roles=["use"], on=dt.date(2022, 1, 1))
        register_unit(uow, unit="U2", name="乙化工", division=WEST, roles=["trade"], on=dt.date(2022, 1, 1))
        register_unit(uow, unit="U3", name="丙化工", division=WEST, roles=["use"], on=dt.date(2022, 1, 1))
        close_unit(uow, "U3", dt.date(2023, 3, 1))
        register_organisation(
            uow, organisation="O1", name="某乡政府", kind="government", division=EAST, on=dt.date(2022, 1, 1)
        )
        uow.commit()
    return store


def test_a_store_gives_unit_figures_beside_the_peoples_in_the_actors_divisions() -> None:
    store = units_in_a_store()
    request = EvaluationRequest(period=PERIOD)
    with store.unit_of_work(Actor.local_administrator()) as uow:
        results = {(r.indicator, r.division): r for r in evaluate_in_store(uow, request)}
    assert figures(results, "precursor_units") == ("2", "1", "1")  # U3 closed on 2023-03-01
    assert results[("managed", COUNTY)].display == "0"
    officer = Actor(id="o1", role=Role.OFFICER, divisions={EAST})
    with store.unit_of_work(officer) as uow:
        scoped = [r for r in evaluate_in_store(uow, request) if r.indicator == "precursor_units"]
        (explanation,) = explain_in_store(uow, request, "precursor_units")
    assert [(r.division, r.display) for r in scoped] == [(EAST, "1")]
    assert explanation.populations["initial_population"] == ("U1",)
    assert explanation.subjects[0].kind is SubjectKind.UNIT


def test_a_store_refuses_an_organisation_it_does_not_hold() -> None:
    store = units_in_a_store()
    with store.unit_of_work(Actor.local_administrator()) as uow:
        assert evaluate_in_store(uow, EvaluationRequest(period=PERIOD, organisation="O1"))
        with pytest.raises(InvalidInput, match="no organisation 'U1'"):
            evaluate_in_store(uow, EvaluationRequest(period=PERIOD, organisation="U1"))


@attrs.frozen(kw_only=True)
class Checked(UnitRecord):
    """Like ``inspected``: items passed or failed, and a derived count of the failures (findings)."""

    type_tag: ClassVar[str] = "t_checked"
    items: tuple[tuple[str, str], ...] = ()

    @property
    def findings(self) -> int:
        return sum(1 for _, result in self.items if result == "fail")


def test_a_sum_may_add_up_a_count_the_record_type_derives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RECORD_TYPES, Checked.type_tag, Checked)  # type: ignore[arg-type]
    findings = define(
        "precursor_findings", Unit.SUM, SubjectKind.UNIT, items=Records(("t_checked",)), sum_of="findings"
    )
    records = [
        unit("U1", EAST),
        make(Checked, "k1", "2023-03-01", unit="U1", items=(("ledger", "fail"), ("rules", "fail"))),
        make(Checked, "k2", "2023-04-01", unit="U1", items=(("ledger", "pass"), ("people", "fail"))),
    ]
    assert figures(evaluate(records, [findings]), "precursor_findings") == ("3", "3", "0")


@given(work_logs())
@settings(max_examples=40, deadline=None)
def test_known_at_after_the_last_record_gives_todays_figures_and_before_the_first_none(
    records: list[Record],
) -> None:
    everything = law_evaluate(records)
    if not records:
        return
    last = max(r.recorded_at for r in records)
    later = {key: attrs.evolve(result, known_at=None) for key, result in law_evaluate(records, last).items()}
    assert later == everything
    before = law_evaluate(records, min(r.recorded_at for r in records) - dt.timedelta(seconds=1))
    assert all(r.initial_population == 0 and r.display in ("0", "—", "否", "是") for r in before.values())
