"""Identities through spreadsheets: 姓名 and 身份证号 on the 人员 sheet are checked, stored only
encrypted in the store, never written to a dataset file or shown unmasked, and found again by number."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric

from antidrug_core.bootstrap import open_store
from antidrug_core.cli import main
from antidrug_core.interchange.spreadsheet import (
    read_workbook,
    read_workbook_with_identities,
    workbook_template,
)
from antidrug_core.model import Actor, InvalidInput


def number(base: str) -> str:
    """A valid resident identity number from its first 17 characters."""
    return base + ric.calc_check_digit(base + "0")


ZHANG = number("52263119850312001")
LI = number("52263119920707002")
BAD_CHECK = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")


def sheets(folder: Path, people: list[list[str]]) -> list[str]:
    """CSV sheets of a small township: 区划, 人员 (with identities) and a status each."""
    (folder / "区划.csv").write_text("区划代码,名称\n522631101,某乡\n", encoding="utf-8")
    rows = "\n".join(",".join(row) for row in people)
    (folder / "人员.csv").write_text(f"人员编号,户籍地,登记日期,姓名,身份证号\n{rows}\n", encoding="utf-8")
    status = "\n".join(f"{row[0]},2023-01-05,社区戒毒" for row in people)
    (folder / "状态变更.csv").write_text(f"人员编号,日期,状态\n{status}\n", encoding="utf-8")
    return [str(folder / f) for f in ("区划.csv", "人员.csv", "状态变更.csv")]


PEOPLE = [["P1", "522631101", "2023-01-05", "张三", ZHANG], ["P2", "522631101", "2023-01-05", "李四", LI]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def no_identity_in(*texts: str) -> None:
    for text in texts:
        for secret in (ZHANG, LI, "张三", "李四"):
            assert secret not in text


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = secrets.token_hex(32)
    monkeypatch.setenv("ANTIDRUG_IDENTITY_KEY", value)
    return value


def test_a_workbook_loads_with_identities_encrypted_and_finds_people_by_number(
    databases: Any, tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    status, out, err = run(capsys, "load", "--workbook", *sheets(tmp_path, PEOPLE), "--db", url)
    assert status == 0, err
    assert "loaded 2 people" in out
    assert "identities of 2 people stored encrypted" in out
    no_identity_in(out, err)

    status, out, err = run(capsys, "people", "find", "--db", url, "--id-number", LI, "--on", "2023-06-30")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "人员编号\t姓名\t身份证号\t状态\t责任区划\t日期"
    assert lines[1] == f"P2\t李*\t{LI[:6]}********{LI[-4:]}\tcommunity_detox\t522631101\t2023-06-30"
    no_identity_in(out, err)
    status, out, _err = run(capsys, "people", "find", "--db", url, "--id-number", ZHANG, "--format", "json")
    assert json.loads(out)["person"] == "P1"

    with open_store(url, create=False) as store, store.unit_of_work(Actor.local_administrator()) as uow:
        identity = uow.identity("P1")  # type: ignore[arg-type]
    assert identity is not None
    assert (identity.name, identity.resident_id) == ("张三", ZHANG)

    exported = tmp_path / "exported.json"
    assert run(capsys, "export", "--db", url, "-o", str(exported))[0] == 0
    no_identity_in(exported.read_text(encoding="utf-8"))

    status, _out, err = run(capsys, "people", "find", "--db", url, "--id-number", number("11010519491231002"))
    assert status == 1
    assert "no person registered with the identity number 110105********" in err


def test_loading_identities_without_the_key_is_refused_saying_how_to_give_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTIDRUG_IDENTITY_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'county.db'}"
    status, _out, err = run(capsys, "load", "--workbook", *sheets(tmp_path, PEOPLE), "--db", url)
    assert status == 1
    assert "holds names and identity numbers of 2 people" in err
    assert "set ANTIDRUG_IDENTITY_KEY" in err
    assert "secrets.token_hex(32)" in err
    with open_store(url, create=False) as store, store.unit_of_work(Actor.local_administrator()) as uow:
        assert uow.people() == []  # nothing loaded


def test_bad_numbers_are_named_by_sheet_row_and_column_without_repeating_them(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    people = [
        ["P1", "522631101", "2023-01-05", "张三", BAD_CHECK],
        ["P2", "522631101", "2023-01-05", "李四", "52263119921399002X"],
        ["P3", "522631101", "2023-01-05", "王五", "5226311992"],
        ["P4", "522631101", "2023-01-05", "赵六", ""],
        ["P5", "522631101", "2023-01-05", "钱七", LI],
        ["P6", "522631101", "2023-01-05", "孙八", LI],
    ]
    url = f"sqlite:///{tmp_path / 'county.db'}"
    status, out, err = run(capsys, "load", "--workbook", *sheets(tmp_path, people), "--db", url)
    assert status == 2
    lines = err.splitlines()
    assert "antidrug: row 人员!2: 身份证号: not a valid resident identity number: the check digit" in lines[0]
    assert "人员!3: 身份证号: not a valid resident identity number: the birth date in it" in lines[1]
    assert "人员!4: 身份证号: not a valid resident identity number: must be 18 characters" in lines[2]
    assert "人员!5: 身份证号: is needed with 姓名 (give both or neither)" in lines[3]
    assert "人员!7: 身份证号: the same number as 人员!6" in lines[4]
    assert len(lines) == 5
    no_identity_in(out, err.replace("张三", "").replace("李四", ""))
    assert BAD_CHECK not in err


def test_convert_checks_identities_but_writes_none_to_the_dataset_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.json"
    status, out, err = run(capsys, "convert", *sheets(tmp_path, PEOPLE), "-o", str(output))
    assert status == 0, err
    assert "the names and identity numbers of 2 people were checked but not written" in err
    text = output.read_text(encoding="utf-8")
    no_identity_in(text, out, err)
    assert [p["id"] for p in json.loads(text)["people"]] == ["P1", "P2"]


def test_the_template_has_the_identity_columns_and_the_reader_keeps_them_apart() -> None:
    book = workbook_template()
    assert book["人员"][0][-2:] == ["姓名", "身份证号"]
    book["区划"].append(["522631101", "某乡"])
    book["人员"].append(["P1", "522631101", None, None, "2023-01-05", None, None, "张三", ZHANG])
    dataset, identities = read_workbook_with_identities(book)
    assert dataset == read_workbook(book)
    assert {p: (i.name, i.resident_id) for p, i in identities.items()} == {"P1": ("张三", ZHANG)}
    book["人员"][1][-1] = 522631198503120011  # a number cell: spreadsheets round 18 digits
    with pytest.raises(
        InvalidInput, match="人员!2: 身份证号: not a valid resident identity number: must be text"
    ):
        read_workbook(book)
