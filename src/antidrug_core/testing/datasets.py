"""Hypothesis strategies for valid datasets and indicator definitions, for laws and differential tests.

The documents are small and dense around the first half of 2023 (the
``PERIOD`` most tests evaluate): people with status changes on both sides
of the period end (and now and then no status at all), place changes,
face checks, assessments, care, tests due, done and excused, lost contact
and its end, transfers accepted and rejected (now and then answered twice),
the app and driving licences, records recorded late, registrations
corrected or recorded late, and voids: retractions and corrections, voids
of voids that restore the original, and the original voided again. Every
document passes ``interchange.read_dataset``, so two evaluators (the
reference one and a storage plugin's fast one) can be held to the same
answers on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    Not,
    StatusIn,
    When,
    Where,
)
from antidrug_core.indicators.definitions import Basis, DueTests, IndicatorDefinition, Rounding, Unit
from antidrug_core.indicators.period import Period
from antidrug_core.model import (
    CareMeasure,
    FaceCheckMethod,
    RiskLevel,
    Status,
    TestKind,
    TestResult,
    registration_id,
)

__all__ = ["COUNTY", "DIVISIONS", "PERIOD", "TOWNSHIPS", "criteria", "dataset_documents", "definitions"]

PERIOD = Period(dt.date(2023, 1, 1), dt.date(2023, 6, 30))
"""The period the documents are dense around."""

COUNTY = "522631"
TOWNSHIPS = ("522631101", "522631102", "522631103")
NEIGHBOUR_TOWNSHIP = "522632101"
DIVISIONS: tuple[dict[str, str], ...] = (
    {"code": COUNTY, "name": "某县"},
    {"code": TOWNSHIPS[0], "name": "甲乡"},
    {"code": TOWNSHIPS[1], "name": "乙镇"},
    {"code": TOWNSHIPS[2], "name": "丙街道"},
    {"code": "522632", "name": "邻县"},
    {"code": NEIGHBOUR_TOWNSHIP, "name": "丁乡"},
)
"""A county with three townships, and a neighbouring county with one."""

_PLACES = (*TOWNSHIPS, NEIGHBOUR_TOWNSHIP)
_FIRST = dt.date(2022, 9, 1)
_LAST = dt.date(2023, 9, 30)
_CST = dt.timezone(dt.timedelta(hours=8))
_MOMENTS = (dt.datetime(2022, 9, 1), dt.datetime(2023, 11, 30))
"""The range of recording times drawn (as local times in China Standard Time)."""
_PLACE_CHANGES = ("household_changed", "residence_changed", "activity_changed")
_place = st.sampled_from(_PLACES)

# Dates cluster on the period's edges, where off-by-one mistakes live.
_EDGES = (
    PERIOD.start - dt.timedelta(days=1),
    PERIOD.start,
    PERIOD.end,
    PERIOD.end + dt.timedelta(days=1),
)
days = st.one_of(st.sampled_from(_EDGES), st.dates(min_value=_FIRST, max_value=_LAST))

_SIMPLE = ("face_check", "risk_assessed", "control_level_set", "care_provided", "app_installed", "app_login")


def _content(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    if kind == "face_check":
        return {"method": draw(st.sampled_from([m.value for m in FaceCheckMethod]))}
    if kind in ("risk_assessed", "control_level_set"):
        return {"level": draw(st.sampled_from([lv.value for lv in RiskLevel]))}
    if kind == "care_provided":
        return {"measure": draw(st.sampled_from([m.value for m in CareMeasure]))}
    return {}


@st.composite
def _person(
    draw: st.DrawFn, person: str, void_again: bool, late_registrations: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    household = draw(st.sampled_from(_PLACES))
    entry: dict[str, Any] = {"id": person, "household": household}
    residence = draw(st.none() | st.sampled_from(_PLACES))
    if residence is not None:
        entry["residence"] = residence
    if draw(st.booleans()):
        entry["activity"] = draw(st.sampled_from(_PLACES))
    if draw(st.booleans()):
        entry["registered_on"] = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=_LAST)).isoformat()
    if late_registrations and draw(st.integers(0, 7)) == 0:  # the registration itself entered late
        entry["recorded_at"] = draw(
            st.datetimes(_MOMENTS[0], _MOMENTS[1], timezones=st.just(_CST))
        ).isoformat()

    records: list[dict[str, Any]] = []

    def add(tag: str, on: dt.date, **fields: Any) -> str:
        record_id = f"{person}-{len(records) + 1}"
        record: dict[str, Any] = {
            "id": record_id,
            "type": tag,
            "person": person,
            "on": on.isoformat(),
            **fields,
        }
        delay = draw(st.sampled_from([None, None, 0, 3, 20, 60]))
        if delay is not None:
            recorded = dt.datetime.combine(on, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=8)))
            record["recorded_at"] = (recorded + dt.timedelta(days=delay)).isoformat()
        records.append(record)
        return record_id

    statuses = [s.value for s in Status]
    if draw(st.integers(0, 7)) > 0:  # now and then someone with no status at all
        add(
            "status_changed",
            draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=_FIRST)),
            status=draw(st.sampled_from(statuses)),
        )
    for _ in range(draw(st.integers(0, 2))):
        add("status_changed", draw(days), status=draw(st.sampled_from(statuses)))
    for _ in range(draw(st.integers(0, 2))):
        change = draw(st.sampled_from(_PLACE_CHANGES))
        place = draw((st.none() if change == "activity_changed" else st.nothing()) | st.sampled_from(_PLACES))
        add(change, draw(days), **({} if place is None else {change.removesuffix("_changed"): place}))
    if draw(st.integers(0, 9)) == 0:  # the registration corrected, perhaps twice
        correction = add(
            "person_registered", draw(days), voids=registration_id(person), household=draw(_place)
        )
        if draw(st.booleans()):
            add("person_registered", draw(days), voids=correction, household=draw(_place))
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(_SIMPLE))
        add(kind, draw(days), **_content(draw, kind))
    dues: list[tuple[str, str, dt.date]] = []
    for _ in range(draw(st.integers(0, 3))):
        test_kind = draw(st.sampled_from([k.value for k in TestKind]))
        due_on = draw(days)
        dues.append((add("test_due", due_on, kind=test_kind), test_kind, due_on))
    for _ in range(draw(st.integers(0, 3))):
        fields: dict[str, Any] = {"result": draw(st.sampled_from([r.value for r in TestResult]))}
        taken = draw(days)
        if len(dues) > 0 and draw(st.booleans()):
            due_id, test_kind, due_on = draw(st.sampled_from(dues))
            if draw(st.booleans()):
                fields["due"] = due_id
            # near the due date, inside or just outside the window
            taken = due_on + dt.timedelta(days=draw(st.integers(-9, 9)))
        else:
            test_kind = draw(st.sampled_from([k.value for k in TestKind]))
        add("test_done", taken, kind=test_kind, **fields)
    for due_id, _kind, _on in dues:
        if draw(st.booleans()):
            add("test_excused", draw(days), due=due_id, reason="住院")
    for _ in range(draw(st.integers(0, 3))):
        add(draw(st.sampled_from(["lost_contact", "contact_restored"])), draw(days))
    for kind in ("licence_found", "licence_notified"):
        if draw(st.integers(0, 3)) == 0:
            add(kind, draw(days))
    for _ in range(draw(st.integers(0, 2))):
        origin, target = draw(st.lists(st.sampled_from(_PLACES), min_size=2, max_size=2, unique=True))
        request = add("transfer_requested", draw(days), **{"from": origin, "to": target})
        answer = draw(st.sampled_from([None, "transfer_accepted", "transfer_accepted", "transfer_rejected"]))
        if answer is not None:
            add(answer, draw(days), request=request)
            if draw(st.integers(0, 3)) == 0:  # answered twice: the first answer is the one that counts
                add(
                    draw(st.sampled_from(["transfer_accepted", "transfer_rejected"])),
                    draw(days),
                    request=request,
                )
    voidable = [r for r in records if r["type"] != "person_registered"]
    if voidable:
        targets = draw(st.lists(st.sampled_from(voidable), max_size=2, unique_by=lambda r: str(r["id"])))
        for target in targets:
            tag, original = target["type"], target["id"]
            # a retraction, or a correction: a record of the same type with content, in its place
            content = _corrected(draw, target) if draw(st.booleans()) else {}
            void = add(tag, draw(days), voids=original, **content)
            chains = ["", "", "restored", "restored and undone", *(["voided again"] if void_again else [])]
            chain = draw(st.sampled_from(chains))
            if chain:
                undo = add(tag, draw(days), voids=void)  # the void voided: the original counts again
                if chain == "voided again":
                    add(tag, draw(days), voids=original)
                elif chain == "restored and undone":
                    add(tag, draw(days), voids=undo)  # the first void counts again
    return entry, records


def _corrected(draw: st.DrawFn, record: dict[str, Any]) -> dict[str, Any]:
    """The content of a correction of ``record``: its own, with a value drawn anew where it can be."""
    content = {
        k: v for k, v in record.items() if k not in ("id", "type", "person", "on", "recorded_at", "voids")
    }
    if record["type"] in _SIMPLE:
        content.update(_content(draw, record["type"]))
    elif record["type"] == "status_changed":
        content["status"] = draw(st.sampled_from([s.value for s in Status]))
    elif record["type"] == "test_done":
        content["result"] = draw(st.sampled_from([r.value for r in TestResult]))
    return content


@st.composite
def dataset_documents(
    draw: st.DrawFn, max_people: int = 6, *, void_again: bool = False, late_registrations: bool = False
) -> dict[str, Any]:
    """A valid ``antidrug-dataset/1`` document (as parsed JSON) with up to ``max_people`` people.

    Two kinds of history are drawn only when asked for:

    * ``void_again``: a record voided, restored by a void of its void, and
      voided once more. Valid, but only in the order it was recorded (a unit
      of work given the second void of the original before the void of the
      void refuses it), so only for loaders that keep no order.
    * ``late_registrations``: people whose registration was entered late
      (``people[].recorded_at``, an extension of the format that not every
      converter carries).
    """
    people: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, max_people))):
        entry, own = draw(_person(f"P{index + 1}", void_again, late_registrations))
        people.append(entry)
        records.extend(own)
    order = draw(st.permutations(range(len(records)))) if records else []
    return {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "policy": {
            "responsible": draw(st.sampled_from(["household_first", "residence_first"])),
            "test_window_days": draw(st.sampled_from([0, 3, 7])),
        },
        "divisions": [dict(d) for d in DIVISIONS],
        "people": people,
        "records": [records[i] for i in order],
    }


# --- indicator definitions ------------------------------------------------------------------------

_CRITERION_TYPES = (
    "face_check",
    "risk_assessed",
    "control_level_set",
    "care_provided",
    "app_installed",
    "app_login",
)


def _leaf_criteria() -> st.SearchStrategy[Criterion]:
    return st.one_of(
        st.builds(StatusIn, st.sets(st.sampled_from(Status), min_size=1)),
        st.builds(
            HasRecord,
            st.lists(st.sampled_from(_CRITERION_TYPES), min_size=1, max_size=2),
            st.sampled_from([When.PERIOD, When.BY_PERIOD_END]),
        ),
        st.builds(
            HasRecord,
            st.just(("test_done",)),
            st.sampled_from([When.PERIOD, When.BY_PERIOD_END]),
            st.sampled_from([Where(), Where.of(kind=["urine"]), Where.of(result=["positive", "invalid"])]),
        ),
        st.builds(InLostContact, st.sampled_from([When.PERIOD, When.PERIOD_END])),
        st.builds(EveryDueExcused, st.none() | st.sampled_from(TestKind)),
    )


def criteria() -> st.SearchStrategy[Criterion]:
    """Person criteria, composed with ``all_of``, ``any_of`` and ``not``."""
    return st.recursive(
        _leaf_criteria(),
        lambda inner: st.one_of(
            st.builds(AllOf, st.lists(inner, max_size=3)),
            st.builds(AnyOf, st.lists(inner, max_size=3)),
            st.builds(Not, inner),
        ),
        max_leaves=4,
    )


def _item_criteria() -> st.SearchStrategy[Criterion]:
    about_item = st.sampled_from([FulfilledInWindow(), DueExcused()])
    return st.one_of(
        about_item,
        criteria(),
        st.builds(Not, about_item),
        st.builds(AllOf, st.lists(about_item | criteria(), max_size=2)),
    )


@st.composite
def definitions(draw: st.DrawFn) -> IndicatorDefinition:
    """A valid local indicator definition: person-based, or event-based over due tests."""
    optional = st.none() | criteria()
    event = draw(st.booleans())
    later = (st.none() | _item_criteria()) if event else optional
    # Sums and flags need items with a field to add up: tests/indicators/test_subjects.py draws those.
    unit = draw(st.sampled_from([Unit.PERCENT, Unit.RATIO, Unit.COUNT]))
    return IndicatorDefinition(
        id=draw(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)),
        version=draw(st.integers(1, 5)),
        name_zh="本地指标",
        name_en="A local indicator",
        unit=unit,
        basis=Basis.EVENT if event else Basis.PERSON,
        items=DueTests(draw(st.none() | st.sampled_from(TestKind))) if event else None,
        initial=draw(optional),
        denominator=draw(later),
        denominator_exclusion=draw(later),
        numerator=draw(later),
        denominator_exception=draw(later),
        numerator_exclusion=draw(later),
        decimals=draw(st.integers(0, 4)),
        rounding=draw(st.sampled_from(Rounding)),
        higher_is_better=draw(st.none() | st.booleans()),
    )
