"""Hypothesis strategies for records and value objects, for property tests.

Every record type in ``model.RECORD_TYPES`` has a strategy here; a test
fails when a new type is added without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from antidrug_core.model import (
    RECORD_TYPES,
    CareMeasure,
    Division,
    FaceCheckMethod,
    FactorValue,
    FollowUpMethod,
    LevelMark,
    Record,
    RiskLevel,
    SeriousBreachKind,
    Status,
    TestKind,
    TestResult,
)

__all__ = ["DIVISIONS", "days", "division_codes", "instants", "record_strategies", "records"]

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
offsets = st.sampled_from([dt.timezone(dt.timedelta(hours=8)), dt.UTC, dt.timezone(dt.timedelta(hours=-5))])
instants = st.builds(
    lambda day, seconds, tz: dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=seconds),
    days,
    st.integers(0, 86_399),
    offsets,
)
short_text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
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
        "voided": {"voids": ids, "reason": st.none() | short_text},
    }
    return content.get(tag, {})


def _record_strategy(cls: type[Record]) -> st.SearchStrategy[Record]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": ids,
        "person": people,
        "on": days,
        "recorded_at": instants,
        "recorded_by": ids,
        "voids": st.none() | ids,
        **_content(cls.type_tag),
    }
    build: Callable[..., Record] = cls
    return st.fixed_dictionaries(fields).map(lambda values: build(**values))


def record_strategies() -> dict[str, st.SearchStrategy[Record]]:
    """A strategy for every record type, by tag."""
    return {tag: _record_strategy(cls) for tag, cls in RECORD_TYPES.items()}


def records() -> st.SearchStrategy[Record]:
    """Any record of any type (valid as a value; not necessarily valid in a person file)."""
    return st.one_of(*record_strategies().values())
