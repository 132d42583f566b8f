"""The dataset format: every error docs/reference/dataset.md names is one, named by index and field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from antidrug_core.interchange import DATASET_FORMAT, read_dataset, write_dataset
from antidrug_core.model import FaceCheck, InvalidInput, PersonRegistered, RecordVoided, Status, StatusChanged
from antidrug_core.rules import Responsibility

GOOD: dict[str, Any] = {
    "format": DATASET_FORMAT,
    "time_zone": "Asia/Shanghai",
    "policy": {"responsible": "residence_first", "test_window_days": 5},
    "divisions": [
        {"code": "522631", "name": "某县"},
        {"code": "522631101", "name": "某乡", "parent": "522631"},
        {"code": "522631102", "name": "某镇", "parent": "522631"},
    ],
    "people": [
        {"id": "P1", "household": "522631101", "residence": "522631102", "registered_on": "2019-05-01"},
        {"id": "P2", "household": "522631102"},
    ],
    "records": [
        {
            "id": "r1",
            "type": "status_changed",
            "person": "P1",
            "on": "2019-05-01",
            "status": "community_detox",
            "recorded_at": "2019-05-02T09:00:00+08:00",
        },
        {"type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"},
        {"type": "face_check", "person": "P1", "on": "2023-03-05", "voids": "records[1]"},
        {
            "id": "t1",
            "type": "transfer_requested",
            "person": "P2",
            "on": "2023-02-01",
            "from": "522631102",
            "to": "522631101",
        },
        {"type": "transfer_accepted", "person": "P2", "on": "2023-02-03", "request": "t1"},
        {"id": "d1", "type": "test_due", "person": "P2", "on": "2023-03-01", "kind": "urine"},
        {"type": "test_excused", "person": "P2", "on": "2023-03-01", "due": "d1", "reason": "住院"},
    ],
}


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        read_dataset(data)
    return [(p.field, p.reason) for p in raised.value.problems]


def with_change(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    target: Any = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if isinstance(target, list):
        target.append(value) if last == "+" else target.__setitem__(int(last), value)
    else:
        target[last] = value
    return data


def test_a_good_dataset_is_read_with_its_policy_registrations_and_defaults() -> None:
    dataset = read_dataset(GOOD)
    assert dataset.policy.responsible is Responsibility.RESIDENCE_FIRST
    assert dataset.policy.test_window_days == 5
    registrations = [r for r in dataset.records if isinstance(r, PersonRegistered)]
    assert [(r.person, r.on.isoformat()) for r in registrations] == [
        ("P1", "2019-05-01"),
        ("P2", "2023-02-01"),
    ]
    check = next(r for r in dataset.records if isinstance(r, FaceCheck))
    assert (check.id, check.recorded_at.isoformat()) == ("records[1]", "2023-03-01T00:00:00+08:00")
    void = next(r for r in dataset.records if isinstance(r, RecordVoided))
    assert void.voids == "records[1]"
    status = next(r for r in dataset.records if isinstance(r, StatusChanged))
    assert status.status is Status.COMMUNITY_DETOX


def test_a_registration_is_known_whenever_the_persons_records_are() -> None:
    dataset = read_dataset(GOOD)
    [p1] = [r for r in dataset.records if isinstance(r, PersonRegistered) and r.person == "P1"]
    assert p1.recorded_at.isoformat() == "2019-05-01T00:00:00+08:00"
    for file in dataset.files(known_at=p1.recorded_at):
        if file.person == "P1":
            assert file.registration == p1


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "records.+",
            {"type": "face_check", "person": "P1", "on": "2023-02-30", "method": "home_visit"},
            ("records[7].on", "'2023-02-30' is not a date that exists"),
        ),
        (
            "records.+",
            {"type": "face_check", "person": "P1", "on": "2023-02-03", "method": "home_visit", "x": 1},
            ("records[7].x", "unknown field"),
        ),
        (
            "records.+",
            {"type": "séance", "person": "P1", "on": "2023-02-03"},
            ("records[7].type", "unknown record type 'séance'"),
        ),
        (
            "records.+",
            {"type": "face_check", "person": "P9", "on": "2023-02-03", "method": "home_visit"},
            ("records[7].person", "unknown person 'P9'"),
        ),
        (
            "records.+",
            {"type": "residence_changed", "person": "P1", "on": "2023-02-03", "residence": "522631999"},
            ("records[7].residence", "unknown division code '522631999'"),
        ),
        (
            "records.+",
            {"type": "face_check", "person": "P1", "on": "2023-02-03", "voids": "zz"},
            ("records[7].voids", "there is no record 'zz' of this person to void"),
        ),
        (
            "records.+",
            {"type": "test_done", "person": "P1", "on": "2023-02-03", "voids": "r1"},
            ("records[7].type", "voids 'r1', which is a status_changed, not a test_done"),
        ),
        (
            "records.+",
            {
                "type": "test_done",
                "person": "P2",
                "on": "2023-02-03",
                "kind": "urine",
                "result": "negative",
                "due": "zz",
            },
            ("records[7].due", "there is no due test 'zz' for this person"),
        ),
        (
            "records.+",
            {"id": "r1", "type": "app_login", "person": "P1", "on": "2023-02-03"},
            ("records[7].id", "'r1' is already used by records[0]"),
        ),
        (
            "people.+",
            {"id": "P3", "household": "110105"},
            ("people[2].household", "unknown division code '110105'"),
        ),
        (
            "people.+",
            {"id": "P3", "household": "522631101", "nickname": "x"},
            ("people[2].nickname", "unknown field"),
        ),
        (
            "divisions.+",
            {"code": "5226311019", "name": "x"},
            ("divisions[3].code", "'5226311019' is not a division code of 6, 9 or 12 digits"),
        ),
        (
            "policy.responsible",
            "village_first",
            ("policy.responsible", "'village_first' is not one of: household_first, residence_first"),
        ),
        (
            "format",
            "antidrug-dataset/2",
            ("format", "must be 'antidrug-dataset/1', not 'antidrug-dataset/2'"),
        ),
        ("time_zone", "Mars/Olympus", ("time_zone", "'Mars/Olympus' is not a known time zone")),
    ],
)
def test_each_kind_of_error_is_named_by_index_and_field(
    path: str, value: Any, expected: tuple[str, str]
) -> None:
    assert problems_of(with_change(path, value)) == [expected]


def test_every_error_is_reported_not_only_the_first() -> None:
    data = copy.deepcopy(GOOD)
    data["records"] += [
        {"type": "face_check", "person": "P1", "on": "2023-13-01", "method": "home_visit"},
        {"type": "face_check", "person": "P1", "on": "2023-03-01", "method": "telepathy"},
        {"type": "lost_contact", "person": "P7", "on": "2023-03-01"},
    ]
    assert [field for field, _ in problems_of(data)] == [
        "records[7].on",
        "records[8].method",
        "records[9].person",
    ]


def test_voids_may_not_go_round_in_a_circle() -> None:
    data = copy.deepcopy(GOOD)
    data["records"] += [
        {"id": "a", "type": "app_login", "person": "P1", "on": "2023-03-01", "voids": "b"},
        {"id": "b", "type": "app_login", "person": "P1", "on": "2023-03-01", "voids": "a"},
    ]
    assert ("records[7].voids", "voids form a cycle") in problems_of(data)


def test_a_dataset_survives_a_round_trip_through_its_own_writer() -> None:
    first = read_dataset(GOOD)
    written = write_dataset(first.records, divisions=first.divisions, policy=first.policy)
    again = read_dataset(json.loads(json.dumps(written, ensure_ascii=False)))
    assert set(again.records) == set(first.records)
    assert again.policy == first.policy
    assert again.divisions == first.divisions
    assert written["records"][2] == {  # a pure void is written in the form it was read
        "type": "face_check",
        "id": "records[2]",
        "person": "P1",
        "on": "2023-03-05",
        "recorded_at": "2023-03-05T00:00:00+08:00",
        "recorded_by": "dataset",
        "voids": "records[1]",
    }
