"""One converter: every record and value object survives a round trip, and the format is pinned."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.converter import record_from_data, record_to_data, structure, unstructure
from antidrug_core.model import (
    RECORD_TYPES,
    Actor,
    Division,
    FactorValue,
    InvalidInput,
    Notice,
    NoticeKind,
    Record,
    Role,
)
from antidrug_core.rules import Policy, Responsibility
from antidrug_core.testing import every_person_record_type
from antidrug_core.testing.strategies import days, division_codes, record_strategies, records

PINNED = Path(__file__).resolve().parents[1] / "data" / "records-v1.json"


def test_every_record_type_has_a_strategy() -> None:
    assert set(record_strategies()) == set(RECORD_TYPES)


@given(records())
def test_a_record_survives_a_round_trip_through_plain_data(record: Record) -> None:
    assert record_from_data(record_to_data(record)) == record


@given(records())
def test_a_record_survives_a_round_trip_through_json_text(record: Record) -> None:
    text = json.dumps(record_to_data(record), ensure_ascii=False)
    assert record_from_data(json.loads(text)) == record


@given(st.builds(Division, code=st.sampled_from(["522631", "522631101"]), name=st.just("某乡")))
def test_a_division_survives_a_round_trip(division: Division) -> None:
    assert structure(unstructure(division), Division) == division


notices = st.builds(
    Notice,
    kind=st.sampled_from(NoticeKind),
    subject=st.none() | st.sampled_from(["P1", "P2"]),
    divisions=st.frozensets(division_codes, max_size=3),
    on=days,
    message=st.text(max_size=30),
    record=st.none() | st.just("r1"),
)
actors = st.builds(
    Actor, id=st.just("u1"), role=st.sampled_from(Role), divisions=st.frozensets(division_codes, min_size=1)
)
policies = st.builds(
    Policy,
    responsible=st.sampled_from(Responsibility),
    test_window_days=st.integers(0, 30),
    missed_after_days=st.integers(0, 90),
    time_zone=st.sampled_from(["Asia/Shanghai", "Asia/Urumqi"]),
)


@pytest.mark.parametrize(
    "values",
    [notices, actors, policies, st.builds(FactorValue, st.just("work"), st.just("stable"))],
    ids=["notice", "actor", "policy", "factor-value"],
)
@given(data=st.data())
def test_a_value_object_survives_a_round_trip_as_plain_json_data(
    values: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    value = data.draw(values)
    plain = json.loads(json.dumps(unstructure(value), ensure_ascii=False))
    assert structure(plain, type(value)) == value


def test_the_serialised_form_of_every_record_type_is_pinned() -> None:
    sample = every_person_record_type("P9", "522631101", "522631102")
    written = [record_to_data(r) for r in sample]
    if os.environ.get("ANTIDRUG_UPDATE_PINS") == "1":  # a deliberate format change rewrites the pin
        PINNED.write_text(json.dumps(written, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert written == json.loads(PINNED.read_text(encoding="utf-8"))
    assert [record_from_data(d) for d in json.loads(PINNED.read_text(encoding="utf-8"))] == sample


def test_a_transfer_uses_the_short_words_of_the_dataset_format() -> None:
    transfer = next(
        r
        for r in every_person_record_type("P9", "522631101", "522631102")
        if r.type_tag == "transfer_requested"
    )
    data = record_to_data(transfer)
    assert (data["from"], data["to"]) == ("522631101", "522631102")
    assert "from_division" not in data


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"on": "2023-02-30"}, "on", "not a date that exists"),
        ({"on": "2023/02/03"}, "on", "YYYY-MM-DD"),
        ({"recorded_at": "2023-01-01T09:00:00"}, "recorded_at", "no UTC offset"),
        ({"method": "phone"}, "method", "not one of: home_visit, video_call, office_visit"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"type": "séance"}, "type", "unknown record type"),
        ({"person": 7}, "person", "not a text"),
        ({"id": " "}, "id", "must not be empty"),
    ],
)
def test_bad_plain_data_is_refused_naming_the_field_and_the_reason(
    change: dict[str, object], field: str, reason: str
) -> None:
    data: dict[str, object] = {
        "type": "face_check",
        "id": "r1",
        "person": "P1",
        "on": "2023-02-03",
        "recorded_at": "2023-02-03T09:00:00+08:00",
        "recorded_by": "u1",
        "method": "home_visit",
        **change,
    }
    with pytest.raises(InvalidInput) as raised:
        record_from_data(data, row=4)
    problem = raised.value.problems[0]
    assert (problem.field, problem.row) == (field, 4)
    assert reason in problem.reason


def test_a_missing_field_is_named() -> None:
    with pytest.raises(InvalidInput) as raised:
        record_from_data(
            {
                "type": "status_changed",
                "id": "r1",
                "person": "P1",
                "on": "2023-02-03",
                "recorded_at": "2023-02-03T09:00:00+08:00",
                "recorded_by": "u1",
            }
        )
    assert [(p.field, p.reason) for p in raised.value.problems] == [("status", "is required")]
