"""Units and organisations in the dataset format: listed like people, their records named by their field."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from antidrug_core.bootstrap import open_store
from antidrug_core.commands.store import export_document, load_dataset
from antidrug_core.interchange import DATASET_FORMAT, read_dataset, write_dataset
from antidrug_core.interchange.spreadsheet import dataset_to_workbook, read_workbook
from antidrug_core.model import (
    InvalidInput,
    OrganisationKind,
    OrganisationRegistered,
    RecordVoided,
    SubjectKind,
    UnitChanged,
    UnitClosed,
    UnitRegistered,
    UnitRole,
)
from antidrug_core.state import unit_in_scope_on, unit_on

TOWNSHIP = "522631101"

UNITS_ONLY: dict[str, Any] = {
    "format": DATASET_FORMAT,
    "divisions": [
        {"code": "522631", "name": "某县"},
        {"code": TOWNSHIP, "name": "某乡", "parent": "522631"},
    ],
    "units": [
        {
            "id": "U1",
            "name": "某化工有限公司",
            "uscc": "91350100M000100Y43",
            "division": TOWNSHIP,
            "roles": ["use", "storage"],
            "since": "2020-03-01",
        },
        {"id": "U2", "name": "某试剂经营部", "division": TOWNSHIP, "roles": ["trade"]},
    ],
    "organisations": [
        {"id": "O1", "name": "某县应急管理局", "kind": "department", "division": "522631"},
    ],
    "records": [
        {"id": "c1", "type": "unit_changed", "unit": "U1", "on": "2023-02-01", "name": "某化工科技有限公司"},
        {"type": "unit_changed", "unit": "U1", "on": "2023-02-02", "voids": "c1"},
        {"id": "x1", "type": "unit_closed", "unit": "U2", "on": "2023-06-30"},
        {"type": "organisation_changed", "organisation": "O1", "on": "2023-03-01", "name": "某县应急局"},
    ],
}


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        read_dataset(data)
    return [(p.field, p.reason) for p in raised.value.problems]


def test_a_dataset_of_only_units_and_organisations_is_valid() -> None:
    dataset = read_dataset(UNITS_ONLY)
    assert dataset.people() == []
    assert dataset.subjects(SubjectKind.UNIT) == ["U1", "U2"]
    assert dataset.subjects(SubjectKind.ORGANISATION) == ["O1"]
    first = dataset.records[0]
    assert isinstance(first, UnitRegistered)
    assert (first.id, first.on, first.roles) == (
        "U1:registered",
        dt.date(2020, 3, 1),
        {UnitRole.USE, UnitRole.STORAGE},
    )
    organisation = next(r for r in dataset.records if isinstance(r, OrganisationRegistered))
    assert organisation.kind is OrganisationKind.DEPARTMENT


def test_a_unit_records_void_is_a_void_in_the_units_stream() -> None:
    dataset = read_dataset(UNITS_ONLY)
    void = next(r for r in dataset.records if isinstance(r, RecordVoided))
    assert (void.subject_kind, void.subject, void.voids) == (SubjectKind.UNIT, "U1", "c1")
    (file,) = [f for f in dataset.subject_files(SubjectKind.UNIT) if f.subject == "U1"]
    assert [type(r) for r in file] == [UnitRegistered]


def test_a_closed_unit_leaves_scope_from_its_closing_day() -> None:
    dataset = read_dataset(UNITS_ONLY)
    files = {f.subject: f for f in dataset.subject_files(SubjectKind.UNIT)}
    u1, u2 = files["U1"], files["U2"]
    assert not unit_in_scope_on(u1, dt.date(2020, 2, 29))  # before ``since``
    assert unit_in_scope_on(u1, dt.date(2023, 12, 31))
    assert unit_in_scope_on(u2, dt.date(2023, 6, 29))
    assert not unit_in_scope_on(u2, dt.date(2023, 6, 30))
    state = unit_on(u1, dt.date(2023, 12, 31))
    assert state is not None
    assert state.name == "某化工有限公司"  # the change was voided


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("units.0.uscc", "91350100M000100Y44", ("units[0].uscc", "check fails")),
        ("units.0.division", "522631199", ("units[0].division", "unknown division code '522631199'")),
        ("units.0.roles", ["refining"], ("units[0].roles", "'refining' is not one of")),
        ("units.1.id", "O1", ("organisations[0].id", "'O1' is already listed as units[1]")),
        ("units.0.colour", "red", ("units[0].colour", "unknown field")),
        ("organisations.0.kind", "club", ("organisations[0].kind", "'club' is not one of")),
        ("records.2.unit", "U9", ("records[2].unit", "unknown unit 'U9'")),
        ("records.3.organisation", "U1", ("records[3].organisation", "unknown organisation 'U1'")),
        ("records.1.voids", "zz", ("records[1].voids", "there is no record 'zz' of this unit to void")),
    ],
)
def test_each_mistake_in_units_and_organisations_is_named_by_index_and_field(
    path: str, value: Any, expected: tuple[str, str]
) -> None:
    data = copy.deepcopy(UNITS_ONLY)
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    found = problems_of(data)
    assert any(field == expected[0] and expected[1] in reason for field, reason in found), found


def test_one_id_is_one_subject_across_the_three_lists() -> None:
    data = copy.deepcopy(UNITS_ONLY)
    data["people"] = [{"id": "U1", "household": TOWNSHIP}]
    assert ("units[0].id", "'U1' is already listed as people[0]") in problems_of(data)


def test_a_dataset_writes_back_to_the_same_records() -> None:
    dataset = read_dataset(UNITS_ONLY)
    document = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
    assert [u["id"] for u in document["units"]] == ["U1", "U2"]
    assert document["units"][0]["roles"] == ["storage", "use"]
    again = read_dataset(json.loads(json.dumps(document)))
    assert again.records == dataset.records


def test_rating_schemes_travel_with_the_dataset_and_bad_ones_are_named() -> None:
    data = copy.deepcopy(UNITS_ONLY)
    scheme = {
        "id": "demo_star@1",
        "name": "示例星级评定",
        "items": [
            {"id": "organisation", "name": "组织领导", "max": 50},
            {"id": "work", "name": "工作机制", "max": 50},
        ],
        "stars": [{"stars": 1, "min": 60}, {"stars": 2, "min": 80}],
    }
    data["rating_schemes"] = [scheme]
    dataset = read_dataset(data)
    assert [s.id for s in dataset.rating_schemes] == ["demo_star@1"]
    written = write_dataset(
        dataset.records, divisions=dataset.divisions, rating_schemes=dataset.rating_schemes
    )
    assert read_dataset(json.loads(json.dumps(written))).rating_schemes == dataset.rating_schemes
    data["rating_schemes"] = [scheme, {**scheme, "stars": [{"stars": 1, "min": 120}]}]
    found = problems_of(data)
    assert [field for field, _ in found] == ["rating_schemes[1]"], found


def test_units_and_organisations_load_into_a_store_and_export_again() -> None:
    dataset = read_dataset(UNITS_ONLY)
    store = open_store("memory://")
    result = load_dataset(store, dataset)
    assert (result.people, result.units, result.organisations) == (0, 2, 1)
    assert result.summary() == "0 people, 2 units, 1 organisations and 7 records"
    exported = export_document(store)
    assert read_dataset(json.loads(json.dumps(exported))).records == dataset.records


def test_a_workbook_carries_units_and_organisations_and_names_a_bad_cell() -> None:
    document = write_dataset(read_dataset(UNITS_ONLY).records, divisions=read_dataset(UNITS_ONLY).divisions)
    book = dataset_to_workbook(document)
    assert book["单位"][1][:5] == ["U1", "某化工有限公司", "91350100M000100Y43", TOWNSHIP, "储存、使用"]
    # Sheets come in their own order (voids on 作废), so compare the records by id.
    read_back = sorted(read_workbook(book).records, key=lambda r: r.id)
    assert read_back == sorted(read_dataset(UNITS_ONLY).records, key=lambda r: r.id)
    book["单位"][2][4] = "炼制"
    with pytest.raises(InvalidInput) as raised:
        read_workbook(book)
    problem = raised.value.problems[0]  # then U2's records, which name a unit that did not read
    assert (problem.row, problem.field) == ("单位!3", "涉及环节")
    assert "炼制" in problem.reason


def test_a_unit_change_and_closing_are_records_of_the_unit() -> None:
    dataset = read_dataset(UNITS_ONLY)
    kinds = {type(r) for r in dataset.records if r.subject_kind is SubjectKind.UNIT}
    assert {UnitRegistered, UnitChanged, UnitClosed, RecordVoided} <= kinds
