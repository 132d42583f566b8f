"""``antidrug chemicals check`` on a dataset file, and the dataset's chemical rules (names, measures)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core import services
from antidrug_core.cli import main
from antidrug_core.commands.chemicals import ledger_document, ledger_table
from antidrug_core.interchange import read_dataset
from antidrug_core.model import Actor, InvalidInput, Role, UnitRole
from antidrug_core.rules import NATIONAL_CATALOGUE
from antidrug_core.testing import FixedClock, at, open_memory_store

D = dt.date.fromisoformat


def dataset(*records: dict[str, Any], policy: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "format": "antidrug-dataset/1",
        "policy": policy or {},
        "divisions": [
            {"code": "522631", "name": "某县"},
            {"code": "522631101", "name": "甲乡", "parent": "522631"},
        ],
        "units": [
            {
                "id": "U1",
                "name": "某化工有限公司",
                "division": "522631101",
                "roles": ["use"],
                "since": "2020-03-01",
            },
            {"id": "U2", "name": "某学校实验室", "division": "522631101", "roles": ["use"]},
        ],
        "organisations": [{"id": "O1", "name": "某县应急管理局", "kind": "department", "division": "522631"}],
        "records": list(records),
    }


def entry(
    record_id: str, unit: str, on: str, chemical: str, movement: str, quantity: Any, measure: str
) -> dict[str, Any]:
    return {
        "type": "ledger_entry",
        "id": record_id,
        "unit": unit,
        "on": on,
        "chemical": chemical,
        "movement": movement,
        "quantity": quantity,
        "measure": measure,
    }


SAMPLE = dataset(
    {
        "type": "licence_granted",
        "id": "G1",
        "unit": "U1",
        "on": "2023-01-01",
        "licence": "purchase_filing",
        "number": "F-1",
        "chemicals": ["硫酸"],
        "until": "2023-12-31",
    },
    entry("L1", "U1", "2023-01-01", "硫酸", "opening", "100", "kg"),
    entry("L2", "U1", "2023-02-01", "7664-93-9", "received", "0.5", "t"),
    entry("L3", "U1", "2023-03-01", "硫酸", "used", "120", "kg"),
    {
        "type": "stock_counted",
        "id": "C1",
        "unit": "U1",
        "on": "2023-03-31",
        "chemical": "硫酸",
        "quantity": "479",
        "measure": "kg",
    },
    entry("L4", "U2", "2023-04-01", "丙酮", "received", "2.5", "L"),
    {
        "type": "inspected",
        "id": "I1",
        "unit": "U2",
        "on": "2023-05-01",
        "organisation": "O1",
        "items": {"ledger": "fail"},
    },
    {
        "type": "rectification_ordered",
        "id": "R1",
        "unit": "U2",
        "on": "2023-05-01",
        "inspection": "I1",
        "item": "ledger",
        "due": "2023-05-31",
    },
)


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    status = main(["chemicals", "check", "--dataset", str(path), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_check_prints_every_finding_as_antidrug_chemical_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(tmp_path, capsys, SAMPLE, "--as-of", "2023-12-31", "--format", "json")
    assert status == 0
    document = json.loads(out)
    assert (document["format"], document["as_of"], document["known_at"]) == (
        "antidrug-chemical-checks/1",
        "2023-12-31",
        None,
    )
    assert [(f["unit"], f["chemical"], f["kind"], f["record"], f["on"]) for f in document["findings"]] == [
        ("U1", "7664-93-9", "count_mismatch", "C1", "2023-03-31"),
        ("U2", "67-64-1", "no_purchase_authority", "L4", "2023-04-01"),
        ("U2", None, "rectification_overdue", "R1", "2023-05-01"),
    ]
    assert document["findings"][0]["detail"] == "counted 479 kg, ledger balance 480 kg: -1 kg"
    assert document["findings"][1]["detail"] == (
        "category 3: no purchase_permit or purchase_filing valid on 2023-04-01"
    )
    assert document["findings"][2]["detail"] == "ledger: due 2023-05-31, not done"


def test_check_prints_a_table_in_chinese_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(tmp_path, capsys, SAMPLE, "--as-of", "2023-12-31")
    assert status == 0
    assert "账物不符" in out
    assert "无购买许可或备案" in out
    assert "逾期未整改" in out
    assert "共 3 个问题。" in out


def test_check_uses_only_what_was_known_at_the_moment_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = dict(SAMPLE)
    late["records"] = [
        *SAMPLE["records"],
        {
            **entry("L5", "U1", "2023-03-31", "硫酸", "used", "1", "kg"),
            "recorded_at": "2024-01-10T09:00:00+08:00",
        },
    ]
    _, out, _ = run(tmp_path, capsys, late, "--as-of", "2023-12-31", "--format", "json")
    assert [f["kind"] for f in json.loads(out)["findings"]] == [
        "no_purchase_authority",
        "rectification_overdue",
    ]
    _, out, _ = run(
        tmp_path, capsys, late, "--as-of", "2023-12-31", "--known-at", "2024-01-05", "--format", "json"
    )
    document = json.loads(out)
    assert document["known_at"] == "2024-01-05T00:00:00+08:00"
    assert next(f["kind"] for f in document["findings"]) == "count_mismatch"


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        (
            entry("X", "U1", "2023-01-01", "水", "received", "1", "kg"),
            "records[0].chemical",
            "is not in the chemical catalogue",
        ),
        (
            entry("X", "U1", "2023-01-01", "硫酸", "received", 1.5, "kg"),
            "records[0].quantity",
            "must be written exactly",
        ),
        (
            entry("X", "U1", "2023-01-01", "硫酸", "received", "1", "斤"),
            "records[0].measure",
            "is not one of",
        ),
        (entry("X", "U3", "2023-01-01", "硫酸", "received", "1", "kg"), "records[0].unit", "unknown unit"),
    ],
)
def test_a_bad_chemical_record_is_refused_naming_its_index_and_field(
    record: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_dataset(dataset(record))
    assert any(p.field == field and reason in p.reason for p in caught.value.problems), caught.value.problems


def test_a_mass_and_a_volume_of_one_chemical_at_one_unit_are_refused_naming_the_later_record() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_dataset(
            dataset(
                entry("A", "U1", "2023-01-01", "硫酸", "opening", "1", "kg"),
                entry("B", "U1", "2023-01-02", "硫酸", "used", "1", "L"),
                entry("C", "U2", "2023-01-02", "硫酸", "opening", "1", "L"),
            )
        )
    (problem,) = caught.value.problems
    assert problem.field == "records[1].measure"
    assert "keeps 7664-93-9 by mass (record A)" in problem.reason


def test_a_licence_names_its_chemicals_in_chinese_or_by_id_and_keeps_the_ids() -> None:
    read = read_dataset(
        dataset(
            {
                "type": "licence_granted",
                "id": "G",
                "unit": "U1",
                "on": "2023-01-01",
                "licence": "purchase_permit",
                "number": "P",
                "chemicals": ["麻黄素类", "108-24-7"],
            }
        )
    )
    grant = next(r for r in read.records if r.id == "G")
    assert grant.chemicals == frozenset({"ephedrines", "108-24-7"})  # type: ignore[attr-defined]


def test_the_dataset_policy_may_set_the_days_to_report_a_loss() -> None:
    assert read_dataset(dataset(policy={"incident_report_days": 3})).policy.incident_report_days == 3
    with pytest.raises(InvalidInput, match=r"policy\.incident_report_days"):
        read_dataset(dataset(policy={"incident_report_days": "one"}))


def test_the_ledger_document_and_table_carry_balances_movements_and_counts() -> None:
    store = open_memory_store(clock=FixedClock(at("2023-07-01")))
    officer = Actor(id="o", role=Role.OFFICER, divisions={"522631"})
    with store.unit_of_work(officer) as uow:
        unit = services.register_unit(
            uow, name="某公司", division="522631101", roles=[UnitRole.USE], on=D("2023-01-01")
        )
        services.record_movement(
            uow, unit, chemical="丙酮", movement="opening", quantity="2500", measure="mL", on=D("2023-01-01")
        )
        services.record_movement(
            uow, unit, chemical="丙酮", movement="used", quantity="0.5", measure="L", on=D("2023-01-02")
        )
        services.record_stock_count(uow, unit, chemical="丙酮", quantity="2", measure="L", on=D("2023-01-31"))
        uow.commit()
    with store.unit_of_work(officer) as uow:
        ledger = services.unit_ledger(uow, unit, D("2023-12-31"))
    document = ledger_document(ledger, None, NATIONAL_CATALOGUE)
    (acetone,) = document["chemicals"]
    assert (acetone["chemical"], acetone["name"], acetone["measure"], acetone["balance"]) == (
        "67-64-1",
        "丙酮",
        "L",
        "2",
    )
    assert [m["balance"] for m in acetone["movements"]] == ["2.5", "2"]
    assert acetone["counts"][0]["matched"] is True
    table = ledger_table(ledger, None, NATIONAL_CATALOGUE)
    assert "丙酮（67-64-1）  结存 2 L" in table
    assert "期初结存" in table
    assert "相符" in table


def test_a_quantity_in_a_dataset_is_a_decimal_string_and_an_order_names_a_failed_item() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_dataset(
            dataset(
                entry("A", "U1", "2023-01-01", "硫酸", "opening", 100, "kg"),
                {
                    "type": "inspected",
                    "id": "I",
                    "unit": "U1",
                    "on": "2023-02-01",
                    "organisation": "O1",
                    "items": {"ledger": "pass", "storage": "fail"},
                },
                {
                    "type": "rectification_ordered",
                    "id": "R",
                    "unit": "U1",
                    "on": "2023-02-01",
                    "inspection": "I",
                    "item": "ledger",
                    "due": "2023-03-01",
                },
            )
        )
    assert [(p.field, p.reason) for p in caught.value.problems] == [
        ("records[0].quantity", '100 must be a decimal string, like "100"'),
        ("records[2].item", "inspection 'I' did not find ledger failing"),
    ]


def test_a_store_gives_the_ledger_and_the_checks_of_its_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(SAMPLE, ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["load", "--db", url, "--dataset", str(path)]) == 0
    capsys.readouterr()
    assert (
        main(
            ["chemicals", "ledger", "--db", url, "--unit", "U1", "--as-of", "2023-12-31", "--format", "json"]
        )
        == 0
    )
    ledger = json.loads(capsys.readouterr().out)
    (acid,) = ledger["chemicals"]
    assert (acid["chemical"], acid["balance"], acid["measure"]) == ("7664-93-9", "480", "kg")
    assert [c["matched"] for c in acid["counts"]] == [False]
    assert main(["chemicals", "ledger", "--db", url, "--unit", "U1", "--as-of", "2023-12-31"]) == 0
    assert "硫酸（7664-93-9）  结存 480 kg" in capsys.readouterr().out
    assert main(["chemicals", "check", "--db", url, "--as-of", "2023-12-31", "--format", "json"]) == 0
    from_store = json.loads(capsys.readouterr().out)
    _, out, _ = run(tmp_path, capsys, SAMPLE, "--as-of", "2023-12-31", "--format", "json")
    assert from_store == json.loads(out)
    assert main(["chemicals", "ledger", "--db", url, "--unit", "U9", "--as-of", "2023-12-31"]) == 1
