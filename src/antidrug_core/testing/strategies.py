"""Hypothesis strategies for records and value objects, for property tests.

Every record type in ``model.RECORD_TYPES`` has a strategy here; a test
fails when a new type is added without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from antidrug_core.model import (
    RECORD_TYPES,
    CareMeasure,
    Division,
    FaceCheckMethod,
    FactorValue,
    FollowUpMethod,
    IncidentKind,
    InspectionItem,
    ItemResult,
    LetterKind,
    LevelMark,
    LicenceKind,
    Measure,
    MeetingKind,
    Movement,
    OrganisationKind,
    OrganisationRecord,
    PersonRecord,
    PlantSpecies,
    Record,
    RiskLevel,
    SeriousBreachKind,
    Status,
    SubjectKind,
    TestKind,
    TestResult,
    UnitRecord,
    UnitRole,
)

__all__ = ["DIVISIONS", "SUBJECTS", "days", "division_codes", "instants", "record_strategies", "records"]

DIVISIONS = (
    Division(code="522631", name="某县"),
    Division(code="522631101", name="甲乡"),
    Division(code="522631102", name="乙乡"),
    Division(code="522631103", name="丙镇"),
    Division(code="522632", name="邻县"),
    Division(code="522632101", name="丁乡"),
)
"""A small county and its neighbour, for tests that need real codes."""

division_codes = st.sampled_from([d.code for d in DIVISIONS if len(d.code) == 9])
days = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2024, 12, 31))
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
people = st.sampled_from(["P1", "P2", "P3"])
units = st.sampled_from(["U1", "U2"])
organisations = st.sampled_from(["O1", "O2"])
SUBJECTS: dict[SubjectKind, st.SearchStrategy[str]] = {
    SubjectKind.PERSON: people,
    SubjectKind.UNIT: units,
    SubjectKind.ORGANISATION: organisations,
}
"""Subject ids by kind: a few of each, so streams get more than one record."""
offsets = st.sampled_from([dt.timezone(dt.timedelta(hours=8)), dt.UTC, dt.timezone(dt.timedelta(hours=-5))])
instants = st.builds(
    lambda day, seconds, tz: dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=seconds),
    days,
    st.integers(0, 86_399),
    offsets,
)
short_text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
chemicals = st.sampled_from(["7664-93-9", "67-64-1", "108-24-7", "103-79-7", "ephedrines"])
"""A few catalogue ids: one per category, and one without a CAS number."""
later_days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31))
"""Dates after every ``days``: a last valid day or a due date never comes before its record."""
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
"""Exact, positive quantities."""
counts = st.integers(0, 100_000)
decimals = st.decimals(min_value=0, max_value=Decimal("1e7"), places=2, allow_nan=False, allow_infinity=False)
channels = st.sampled_from(
    ["school", "village", "venue", "workplace", "community", "family", "online", "media", "other"]
)
key_dates = st.sampled_from(["0305", "0308", "0512", "0601", "0603", "0626", "june_month"])
volunteers = st.sampled_from(["V1", "V2", "V3", "V4"])
rating_items = st.sampled_from(["organisation", "facilities", "staff", "mechanisms"])
marks = st.none() | st.builds(
    LevelMark, st.sampled_from(["letters", "colours"]), st.sampled_from(["C2", "红"])
)


def _content(tag: str) -> dict[str, st.SearchStrategy[Any]]:
    content: dict[str, dict[str, st.SearchStrategy[Any]]] = {
        "person_registered": {
            "household": division_codes,
            "residence": st.none() | division_codes,
            "activity": st.none() | division_codes,
        },
        "status_changed": {"status": st.sampled_from(Status)},
        "residence_changed": {"residence": division_codes},
        "household_changed": {"household": division_codes},
        "activity_changed": {"activity": st.none() | division_codes},
        "transfer_requested": {"from_division": division_codes, "to_division": division_codes},
        "transfer_accepted": {"request": ids},
        "transfer_rejected": {"request": ids, "reason": st.none() | short_text},
        "face_check": {"method": st.sampled_from(FaceCheckMethod), "note": st.none() | short_text},
        "follow_up": {"method": st.sampled_from(FollowUpMethod)},
        "risk_assessed": {
            "level": st.sampled_from(RiskLevel),
            "factors": st.lists(st.builds(FactorValue, ids, ids), max_size=3).map(tuple),
            "rule_set": st.none() | st.just("national@1"),
            "proposed_level": st.none() | st.sampled_from(RiskLevel),
            "confirmed_by": st.none() | ids,
            "reason": st.none() | short_text,
            "explanation": st.lists(short_text, max_size=2).map(tuple),
            "mark": marks,
        },
        "control_level_set": {
            "level": st.sampled_from(RiskLevel),
            "reason": st.none() | short_text,
            "mark": marks,
        },
        "care_provided": {"measure": st.sampled_from(CareMeasure), "note": st.none() | short_text},
        "test_due": {"kind": st.sampled_from(TestKind), "division": st.none() | division_codes},
        "test_done": {
            "kind": st.sampled_from(TestKind),
            "result": st.sampled_from(TestResult),
            "due": st.none() | ids,
        },
        "test_excused": {"due": ids, "reason": short_text},
        "serious_breach": {"kind": st.sampled_from(SeriousBreachKind)},
        "file_sealed": {"basis": short_text, "reason": short_text},
        "file_unsealed": {"basis": short_text, "reason": short_text},
        "unit_registered": {
            "name": short_text,
            "division": division_codes,
            "roles": st.frozensets(st.sampled_from(UnitRole), min_size=1),
            "uscc": st.none() | st.just("91350100M000100Y43"),
            "since": st.none() | days,
        },
        "unit_changed": {
            "name": short_text,
            "division": st.none() | division_codes,
            "roles": st.none() | st.frozensets(st.sampled_from(UnitRole), min_size=1),
        },
        "organisation_registered": {
            "name": short_text,
            "kind": st.sampled_from(OrganisationKind),
            "division": division_codes,
        },
        "organisation_changed": {"name": short_text, "division": st.none() | division_codes},
        "licence_granted": {
            "licence": st.sampled_from(LicenceKind),
            "number": ids,
            "chemicals": st.frozensets(chemicals, min_size=1),
            "until": st.none() | later_days,
        },
        "licence_revoked": {"licence_record": ids},
        "ledger_entry": {
            "chemical": chemicals,
            "movement": st.sampled_from(Movement),
            "quantity": quantities,
            "measure": st.sampled_from(Measure),
            "counterparty": st.none() | short_text,
            "licence_number": st.none() | ids,
        },
        "stock_counted": {"chemical": chemicals, "quantity": quantities, "measure": st.sampled_from(Measure)},
        "inspected": {
            "organisation": organisations,
            "items": st.dictionaries(
                st.sampled_from(InspectionItem), st.sampled_from(ItemResult), min_size=1
            ),
        },
        "rectification_ordered": {
            "inspection": ids,
            "item": st.sampled_from(InspectionItem),
            "due_on": later_days,
        },
        "rectification_done": {"order": ids},
        "incident_reported": {
            "chemical": chemicals,
            "kind": st.sampled_from(IncidentKind),
            "quantity": quantities,
            "measure": st.sampled_from(Measure),
        },
        "activity_held": {
            "theme": short_text,
            "channels": st.lists(channels, min_size=1, max_size=3, unique=True).map(tuple),
            "key_date": st.none() | key_dates,
            "division": st.none() | division_codes,
            "sessions": st.integers(1, 50),
            "reach": counts,
            "materials": counts,
            "banners": counts,
            "posters": counts,
            "vehicles": counts,
            "volunteers": counts,
        },
        "volunteer_joined": {"volunteer": volunteers},
        "volunteer_left": {"volunteer": volunteers},
        "training_held": {"topic": short_text, "participants": counts},
        "survey_conducted": {
            "division": division_codes,
            "area_mu": decimals,
            "personnel": counts,
            "days": st.integers(1, 60),
            "place": st.none() | short_text,
        },
        "plants_found": {
            "division": division_codes,
            "species": st.sampled_from(PlantSpecies),
            "plants": st.integers(1, 10_000),
            "area_mu": st.none() | decimals,
        },
        "plants_destroyed": {"found": ids},
        "leading_group_set": {
            "leader": short_text,
            "deputies": st.lists(short_text, max_size=3, unique=True).map(tuple),
            "members": counts,
            "office": st.booleans(),
        },
        "letters_signed": {
            "kind": st.sampled_from(LetterKind),
            "count": st.integers(1, 500),
            "counterparts": st.lists(short_text, max_size=3, unique=True).map(tuple),
        },
        "funding_allocated": {"amount": decimals, "purpose": short_text},
        "meeting_held": {"kind": st.sampled_from(MeetingKind), "participants": counts},
        "rating_assessed": {
            "scheme": st.just("example_star@1"),
            "scores": st.dictionaries(rating_items, decimals.map(lambda d: d % 30), min_size=1),
        },
        "voided": {"voids": ids, "reason": st.none() | short_text},
    }
    return content.get(tag, {})


def _subject_field(cls: type[Record]) -> st.SearchStrategy[dict[str, str]]:
    """The field naming the subject: fixed by the record's base, any of the three for a void."""
    for base, kind in (
        (PersonRecord, SubjectKind.PERSON),
        (UnitRecord, SubjectKind.UNIT),
        (OrganisationRecord, SubjectKind.ORGANISATION),
    ):
        if issubclass(cls, base):
            return _naming(kind)
    return st.one_of(*(_naming(kind) for kind in SUBJECTS))


def _naming(kind: SubjectKind) -> st.SearchStrategy[dict[str, str]]:
    """``{"unit": "U1"}`` and the like: the subject field of ``kind`` with one of its ids."""
    return SUBJECTS[kind].map(lambda subject: {kind.value: subject})


def _record_strategy(cls: type[Record]) -> st.SearchStrategy[Record]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": ids,
        "on": days,
        "recorded_at": instants,
        "recorded_by": ids,
        "voids": st.none() | ids,
        **_content(cls.type_tag),
    }
    build: Callable[..., Record] = cls
    return st.tuples(st.fixed_dictionaries(fields), _subject_field(cls)).map(
        lambda values: build(**values[0], **values[1])
    )


def record_strategies() -> dict[str, st.SearchStrategy[Record]]:
    """A strategy for every record type, by tag."""
    return {tag: _record_strategy(cls) for tag, cls in RECORD_TYPES.items()}


def records() -> st.SearchStrategy[Record]:
    """Any record of any type (valid as a value; not necessarily valid in a person file)."""
    return st.one_of(*record_strategies().values())
