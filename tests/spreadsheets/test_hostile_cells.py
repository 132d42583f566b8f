"""A cell that a spreadsheet program would run as a formula is written as text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from antidrug_spreadsheets import antidrug_read_workbook, antidrug_write_workbook


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x.invalid","点击")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_formula_like_value_is_written_as_text_and_reads_back_the_same(tmp_path: Path, value: str) -> None:
    path = tmp_path / "book.xlsx"
    assert antidrug_write_workbook(str(path), {"人员": [["人员编号"], [value]]})
    cell = openpyxl.load_workbook(path)["人员"]["A2"]
    assert (cell.value, cell.data_type) == (value, "s")
    assert antidrug_read_workbook(str(path)) == {"人员": [["人员编号"], [value]]}
