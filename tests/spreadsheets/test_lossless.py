"""Round trips lose nothing: dataset → workbook → dataset, and store → export → load → export, keep
every field of every record (who recorded it and when, an assessment's factors, rule set, proposed
level, confirmer, reason, explanation and local mark …)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from antidrug_core.commands.store import export_document, load_dataset
from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.interchange.spreadsheet import dataset_to_workbook, read_workbook
from antidrug_core.model import InvalidInput, LevelMark
from antidrug_core.testing import open_memory_store
from antidrug_core.testing.datasets import dataset_documents

EVERYTHING = dataset_documents(max_people=4, late_registrations=True, every_field=True)


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """A written dataset with its records in one order (sheets and stores keep their own)."""
    return {**document, "records": sorted(document["records"], key=lambda r: (r["person"], r["id"]))}


def written(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the library writes it, in the order it reads it (voids after what they void)."""
    dataset = read_dataset(document)
    return write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVERYTHING)
def test_a_dataset_through_a_workbook_and_back_is_the_same_dataset(document: dict[str, Any]) -> None:
    first = written(document)
    again = read_workbook(dataset_to_workbook(first))
    second = write_dataset(again.records, divisions=again.divisions, policy=again.policy)
    assert canonical(second) == canonical(first)
    assert set(again.records) == set(read_dataset(document).records)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVERYTHING)
def test_a_store_exported_loaded_and_exported_again_gives_the_same_file(document: dict[str, Any]) -> None:
    first = written(document)
    with open_memory_store() as store:
        load_dataset(store, read_dataset(first))
        exported = export_document(store, sealed_reason="无损往返检查")
    with open_memory_store() as store:
        load_dataset(store, read_dataset(exported))
        again = export_document(store, sealed_reason="无损往返检查")
    assert canonical(exported) == canonical(first)
    assert canonical(again) == canonical(exported)


def test_the_fields_users_lost_are_in_the_file_and_the_workbook() -> None:
    document = {
        "format": "antidrug-dataset/1",
        "divisions": [{"code": "522631101", "name": "甲乡"}],
        "people": [
            {
                "id": "P1",
                "household": "522631101",
                "registered_on": "2023-01-05",
                "recorded_at": "2023-01-06T09:00:00+08:00",
                "recorded_by": "王专干",
            }
        ],
        "records": [
            {
                "id": "a1",
                "type": "risk_assessed",
                "person": "P1",
                "on": "2023-03-01",
                "recorded_at": "2023-03-01T10:00:00+08:00",
                "recorded_by": "李社工",
                "level": "high",
                "factors": [
                    {"factor": "drug_type", "value": "synthetic"},
                    {"factor": "work", "value": "stable"},
                ],
                "rule_set": "national@1",
                "proposed_level": "medium",
                "confirmed_by": "王专干",
                "reason": "近期与吸毒人员交往",
                "explanation": ["建议等级 medium，得分 8。"],
                "mark": {"scheme": "letters", "mark": "A"},
            }
        ],
    }
    book = dataset_to_workbook(written(document))
    header, row = book["风险评估"][0], book["风险评估"][1]
    cells = dict(zip(header, row, strict=True))
    assert cells["评估因素"] == "drug_type=synthetic；work=stable"
    assert (cells["规则版本"], cells["建议等级"], cells["确认人"]) == ("national@1", "中", "王专干")
    assert (cells["调整理由"], cells["建议说明"], cells["本地等级"]) == (
        "近期与吸毒人员交往",
        "建议等级 medium，得分 8。",
        "letters:A",
    )
    assert (cells["录入时间"], cells["录入人"]) == ("2023-03-01T10:00:00+08:00", "李社工")
    people = dict(zip(book["人员"][0], book["人员"][1], strict=True))
    assert (people["录入时间"], people["录入人"]) == ("2023-01-06T09:00:00+08:00", "王专干")
    assert written(document)["records"] == write_dataset(read_workbook(book).records)["records"]


def test_a_level_written_in_a_schemes_marks_keeps_its_mark() -> None:
    book = dataset_to_workbook(written({"format": "antidrug-dataset/1", "divisions": [], "people": []}))
    book["区划"].append(["522631101", "甲乡"])
    book["人员"].append(["P1", "522631101"])
    book["管控等级"] += [
        ["c1", "P1", "2023-03-01", None, None, None, "C2"],
        ["c2", "P1", "2023-04-01", None, None, None, "红"],
    ]
    dataset = read_workbook(book)
    marks = {r.id: (r.level.value, r.mark) for r in dataset.records if r.type_tag == "control_level_set"}  # type: ignore[attr-defined]
    assert marks == {
        "c1": ("low", LevelMark("letters", "C2")),
        "c2": ("high", LevelMark("colours", "红")),
    }
    again = dataset_to_workbook(write_dataset(dataset.records, divisions=dataset.divisions))
    assert [row[-2:] for row in again["管控等级"][1:]] == [[None, "letters:C2"], [None, "colours:红"]]
    book["管控等级"].append(["c3", "P1", "2023-05-01", None, None, None, "紫"])
    with pytest.raises(InvalidInput, match="'紫' is not one of: 高、中、低, nor a mark of a level scheme"):
        read_workbook(book)
