"""Spreadsheets in and out: a workbook becomes a dataset; each mistake is named by sheet, row and column."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from antidrug_core.cli import main
from antidrug_core.interchange import read_dataset, write_dataset
from antidrug_core.interchange.spreadsheet import (
    SHEETS,
    Cell,
    dataset_to_workbook,
    read_workbook,
    workbook_template,
)
from antidrug_core.model import (
    RECORD_TYPES,
    FaceCheck,
    InvalidInput,
    RecordVoided,
    Status,
    StatusChanged,
    TestDone,
)
from antidrug_core.rules import Responsibility
from antidrug_core.testing.datasets import dataset_documents

COUNTY, TOWNSHIP = "522631", "522631101"


def filled_workbook() -> dict[str, list[list[Cell]]]:
    book = workbook_template()
    book["设置"][1] = ["责任地规则", "居住地为主"]
    book["区划"] += [[522631, "某县", None], [522631101.0, "某乡", "522631"]]
    book["人员"] += [["P1", TOWNSHIP, TOWNSHIP, None, dt.datetime(2021, 3, 1)]]
    book["状态变更"] += [["s1", "P1", "2021/3/1", None, None, None, "社区戒毒"]]
    book["见面核查"] += [
        ["c1", "P1", dt.date(2023, 3, 1), "2023-03-02 10:00", "王专干", None, "上门走访", "在家"],
        [None, None, None, None, None, None, None, None],  # a blank row is skipped
        ["c2", "P1", "2023年4月1日", None, None, None, "视频通话", None],
    ]
    book["作废"] += [["v1", "P1", "2023-04-02", None, None, "c2", "录入错误"]]
    book["应检"] += [["d1", "P1", "2023-03-01", None, None, None, "尿检", None]]
    book["检测"] += [["t1", "P1", "2023-03-03", None, None, None, "尿检", "阴性", "d1"]]
    return book


def test_every_record_type_has_a_sheet() -> None:
    assert {type for spec in SHEETS for type in spec.types} == set(RECORD_TYPES)


def test_a_filled_workbook_becomes_a_valid_dataset_with_chinese_words_translated() -> None:
    dataset = read_workbook(filled_workbook())
    assert dataset.policy.responsible is Responsibility.RESIDENCE_FIRST
    by_id = {r.id: r for r in dataset.records}
    assert isinstance(by_id["s1"], StatusChanged)
    assert by_id["s1"].status is Status.COMMUNITY_DETOX
    check = by_id["c1"]
    assert isinstance(check, FaceCheck)
    assert (check.method, check.note, check.recorded_by) == ("home_visit", "在家", "王专干")
    assert check.recorded_at == dt.datetime(2023, 3, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert by_id["c2"].on == dt.date(2023, 4, 1)
    assert isinstance(by_id["v1"], RecordVoided)
    assert isinstance(by_id["t1"], TestDone)
    assert [d.code for d in dataset.divisions] == [COUNTY, TOWNSHIP]


@pytest.mark.parametrize(
    ("sheet", "row", "expected"),
    [
        (
            "见面核查",
            ["c9", "P1", "2023-03-01", None, None, None, "打电话", None],
            ("见面核查!5", "核查方式", "'打电话' is not one of: 上门走访、视频通话、来所核查"),
        ),
        (
            "见面核查",
            ["c9", "P1", "2023-02-30", None, None, None, "上门走访", None],
            ("见面核查!5", "日期", "'2023-02-30' is not a date (write 2023-03-01)"),
        ),
        (
            "见面核查",
            ["c9", "P7", "2023-03-01", None, None, None, "上门走访", None],
            ("见面核查!5", "人员编号", "unknown person 'P7'"),
        ),
        (
            "见面核查",
            ["c9", "P1", "2023-03-01", None, None, None, None, None],
            ("见面核查!5", "核查方式", "is required"),
        ),
        (
            "检测",
            ["t9", "P1", "2023-03-03", None, None, None, "尿检", "阴性", "d9"],
            ("检测!3", "应检编号", "there is no due test 'd9' for this person"),
        ),
        (
            "人员",
            ["P2", "522631999", None, None, None],
            ("人员!3", "户籍地", "unknown division code '522631999'"),
        ),
    ],
)
def test_a_mistake_is_named_by_sheet_row_and_column(
    sheet: str, row: list[Cell], expected: tuple[str, str, str]
) -> None:
    book = filled_workbook()
    book[sheet].append(row)
    with pytest.raises(InvalidInput) as raised:
        read_workbook(book)
    assert [(p.row, p.field, p.reason) for p in raised.value.problems] == [expected]


def test_unknown_sheets_and_columns_are_named() -> None:
    book = filled_workbook()
    book["出勤"] = [["日期"]]
    book["见面核查"][0] = [*book["见面核查"][0], "备注2"]
    with pytest.raises(InvalidInput) as raised:
        read_workbook(book)
    problems = {(p.row, p.field): p.reason for p in raised.value.problems}
    assert problems[("出勤", "")].startswith("unknown sheet '出勤'")
    assert problems[("见面核查!1", "备注2")].startswith("unknown column")


def test_every_mistake_is_reported_at_once() -> None:
    book = filled_workbook()
    book["见面核查"] += [
        ["x1", "P1", "昨天", None, None, None, "上门走访", None],
        ["x2", "P1", "2023-05-01", None, None, None, "托梦", None],
    ]
    with pytest.raises(InvalidInput) as raised:
        read_workbook(book)
    assert [p.row for p in raised.value.problems] == ["见面核查!5", "见面核查!6"]  # row 3 is blank


@settings(max_examples=40, deadline=None)
@given(dataset_documents())
def test_a_dataset_survives_a_round_trip_through_a_workbook(given_document: dict[str, Any]) -> None:
    dataset = read_dataset(given_document)
    document = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
    again = read_workbook(dataset_to_workbook(document))
    assert set(again.records) == set(dataset.records)
    assert again.policy == dataset.policy


# --- the command line, through the .xlsx plugin and CSV files --------------------------------


def test_a_template_converts_to_an_empty_dataset_and_a_workbook_round_trips(tmp_path: Path) -> None:
    template = tmp_path / "模板.xlsx"
    assert main(["convert", "--template", "-o", str(template)]) == 0
    assert main(["convert", str(template), "-o", str(tmp_path / "empty.json")]) == 0
    assert json.loads((tmp_path / "empty.json").read_text(encoding="utf-8"))["records"] == []

    dataset = read_workbook(filled_workbook())
    source = tmp_path / "dataset.json"
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


def test_csv_sheets_from_a_chinese_excel_are_read(tmp_path: Path) -> None:
    (tmp_path / "区划.csv").write_bytes("区划代码,名称\n522631101,某乡\n".encode("gb18030"))
    (tmp_path / "人员.csv").write_text("人员编号,户籍地\nP1,522631101\n", encoding="utf-8-sig")
    (tmp_path / "见面核查.csv").write_text(
        "人员编号,日期,核查方式\nP1,2023-03-01,上门走访\n", encoding="utf-8"
    )
    output = tmp_path / "out.json"
    assert (
        main(
            [
                "convert",
                *(str(tmp_path / f) for f in ("区划.csv", "人员.csv", "见面核查.csv")),
                "-o",
                str(output),
            ]
        )
        == 0
    )
    document = json.loads(output.read_text(encoding="utf-8"))
    assert [r["method"] for r in document["records"]] == ["home_visit"]


def test_a_workbook_with_mistakes_writes_nothing_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "人员.csv").write_text("人员编号,户籍地\nP1,522631101\n", encoding="utf-8")
    output = tmp_path / "out.json"
    assert main(["convert", str(tmp_path / "人员.csv"), "-o", str(output)]) == 2
    assert not output.exists()
    assert "人员!2: 户籍地: unknown division code '522631101'" in capsys.readouterr().err
