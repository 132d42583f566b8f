"""A ledger workbook as a keeper or an inspector fills it in, read and written; every bad cell named."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from antidrug_core.cli import main
from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.interchange.spreadsheet import Cell, dataset_to_workbook, read_workbook, workbook_template
from antidrug_core.model import (
    Inspected,
    InvalidInput,
    ItemResult,
    LedgerEntry,
    LicenceGranted,
    Measure,
    Movement,
    RecordVoided,
    StockCounted,
    UnitRegistered,
)
from antidrug_core.testing.chemicals import every_chemical_record_type

TOWNSHIP = "522631101"


def ledger_workbook() -> dict[str, list[list[Cell]]]:
    book = workbook_template()
    book["区划"] += [["522631", "某县", None], [TOWNSHIP, "某乡", "522631"]]
    book["单位"] += [["U1", "某化工有限公司", None, TOWNSHIP, "使用、储存", "2020-03-01", None]]
    book["组织"] += [["O1", "某县应急管理局", "部门", "522631", None]]
    unit_record = ["U1", "2023-01-01", None, None, None]
    book["许可备案"] += [
        ["G1", *unit_record, "购买备案证明", "黔公（备）2023-01", "硫酸、丙酮", "2023-12-31"]
    ]
    book["台账"] += [
        ["L1", *unit_record, "硫酸", "期初结存", 100, "千克", None, None],
        [
            "L2",
            "U1",
            "2023-02-10",
            None,
            None,
            None,
            "7664-93-9",
            "购进",
            0.5,
            "吨",
            "某供应公司",
            "黔公（备）2023-01",
        ],
        ["L3", "U1", "2023/3/1", None, None, None, "硫酸", "领用", "120.25", "kg", None, None],
        ["L4", "U1", "2023-03-02", None, None, None, "丙酮", "购进入库", 12.5, "升", None, None],
    ]
    book["盘点"] += [["C1", "U1", "2023-03-31", None, None, None, "硫酸", 479.75, "千克"]]
    book["检查"] += [
        [
            "I1",
            "U1",
            "2023-04-08",
            None,
            "应急局王某",
            None,
            "O1",
            "合格",
            "不合格",
            "合格",
            "不适用",
            "合格",
            "合格",
        ]
    ]
    book["整改"] += [["R1", "U1", "2023-04-08", None, None, None, "I1", "台账", "2023-05-08"]]
    book["整改完成"] += [["R1D", "U1", "2023-05-06", None, None, None, "R1"]]
    book["案件报告"] += [["N1", "U1", "2023-06-01", None, None, None, "硫酸", "被盗", 1, "千克"]]
    return book


def test_a_keepers_ledger_workbook_becomes_records_with_ids_and_exact_quantities() -> None:
    dataset = read_workbook(ledger_workbook())
    by_id = {r.id: r for r in dataset.records}
    grant = by_id["G1"]
    assert isinstance(grant, LicenceGranted)
    assert grant.chemicals == frozenset({"7664-93-9", "67-64-1"})
    received = by_id["L2"]
    assert isinstance(received, LedgerEntry)
    assert (received.chemical, received.movement, received.quantity, received.measure) == (
        "7664-93-9",
        Movement.RECEIVED,
        Decimal("0.5"),
        Measure.T,
    )
    count = by_id["C1"]
    assert isinstance(count, StockCounted)
    assert count.quantity == Decimal("479.75")
    inspection = by_id["I1"]
    assert isinstance(inspection, Inspected)
    assert inspection.items.ledger is ItemResult.FAIL
    assert inspection.items.laboratory is ItemResult.NOT_APPLICABLE
    assert inspection.recorded_by == "应急局王某"


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "header", "reason"),
    [
        ("台账", 2, 6, "水", "化学品", "is not in the chemical catalogue"),
        ("台账", 3, 8, "十二", "数量", "is not a decimal number"),
        ("台账", 4, 9, "斤", "计量单位", "is not one of"),
        ("台账", 5, 7, "漏了", "摘要", "is not one of"),
        ("台账", 3, 9, "升", "计量单位", "keeps 7664-93-9 by mass"),
        ("盘点", 2, 7, -1, "数量", "must not be negative"),
        ("检查", 2, 8, "好", "台账", "is not one of"),
        ("许可备案", 2, 8, "硫酸、自来水", "品种", "'自来水' is not in the chemical catalogue"),
        ("整改", 2, 6, "I9", "检查记录编号", "no inspected record 'I9'"),
    ],
)
def test_every_bad_cell_is_named_by_sheet_row_and_column(
    sheet: str, row: int, column: int, value: Cell, header: str, reason: str
) -> None:
    book = ledger_workbook()
    book[sheet][row - 1][column] = value
    with pytest.raises(InvalidInput) as raised:
        read_workbook(book)
    assert any(
        (p.row, p.field) == (f"{sheet}!{row}", header) and reason in p.reason for p in raised.value.problems
    ), raised.value.problems


def test_the_chemical_records_survive_a_round_trip_through_a_workbook() -> None:
    records = [r for r in every_chemical_record_type() if not isinstance(r, RecordVoided) or r.unit]
    document = write_dataset(records, divisions=read_workbook(ledger_workbook()).divisions)
    book = dataset_to_workbook(document)
    assert book["台账"][1][8] == "0"  # quantities are written as the exact text, measures in Chinese
    assert book["台账"][1][9] == "千克"
    again = read_workbook(book)
    # The 单位 sheet keeps the registration's date, not the moment it was recorded: compare the rest.
    assert {r for r in again.records if not isinstance(r, UnitRegistered)} == {
        r for r in read_dataset(document).records if not isinstance(r, UnitRegistered)
    }


def test_convert_writes_and_reads_a_ledger_workbook_file(tmp_path: Path) -> None:
    source = tmp_path / "dataset.json"
    dataset = read_workbook(ledger_workbook())
    source.write_text(
        json.dumps(
            write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy),
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert main(["convert", str(source), "-o", str(tmp_path / "台账.xlsx")]) == 0
    assert main(["convert", str(tmp_path / "台账.xlsx"), "-o", str(tmp_path / "back.json")]) == 0
    back = read_dataset(json.loads((tmp_path / "back.json").read_text(encoding="utf-8")))
    assert set(back.records) == set(dataset.records)
    assert dt.date(2023, 3, 31) in {r.on for r in back.records if isinstance(r, StockCounted)}
