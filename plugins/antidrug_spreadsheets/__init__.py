"""Excel workbooks (``.xlsx``) in and out, for people whose figures live in spreadsheets.

Implements ``antidrug_read_workbook`` and ``antidrug_write_workbook`` with
openpyxl (a dependency of the library), imported only when a workbook is
actually read or written, so the plugin loads with every store at no cost.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

from antidrug_core.interchange.spreadsheet import Cell, Workbook
from antidrug_core.model import InvalidInput
from antidrug_core.plugins import hookimpl

__all__ = ["antidrug_read_workbook", "antidrug_write_workbook", "column_letter"]

_SUFFIXES = (".xlsx", ".xlsm")
_NEEDS_OPENPYXL = 'reading and writing Excel files needs openpyxl: pip install "openpyxl>=3.1"'


@hookimpl
def antidrug_read_workbook(path: str) -> Workbook | None:
    """Every sheet's cell values; formulas are read as their last computed values."""
    if Path(path).suffix.lower() not in _SUFFIXES:
        return None
    try:
        import openpyxl
    except ImportError:
        raise InvalidInput.of("workbook", f"{path}: {_NEEDS_OPENPYXL}") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise InvalidInput.of("workbook", f"{path}: cannot be read as an Excel workbook ({error})") from None
    try:
        return {
            sheet.title: [[_readable(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


@hookimpl
def antidrug_write_workbook(path: str, workbook: Workbook) -> bool | None:
    """One sheet per entry, headers in bold, columns wide enough for Chinese headers."""
    if Path(path).suffix.lower() not in _SUFFIXES:
        return None
    try:
        import openpyxl
        from openpyxl.styles import Font
    except ImportError:
        raise InvalidInput.of("workbook", f"{path}: {_NEEDS_OPENPYXL}") from None
    book = openpyxl.Workbook()
    for index, (name, rows) in enumerate(workbook.items()):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        for row in rows:
            sheet.append([_writable(cell) for cell in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
                    # Text, never a formula: an id like =HYPERLINK(…) must not come alive in Excel.
                    cell.data_type = "s"
        if rows:
            for column, header in enumerate(rows[0], start=1):
                sheet.cell(row=1, column=column).font = Font(bold=True)
                sheet.column_dimensions[column_letter(column)].width = max(10, 2.2 * len(str(header or "")))
    book.save(path)
    return True


_FORMULA_STARTS = ("=", "+", "-", "@")
"""What a spreadsheet program reads as the start of a formula."""


def column_letter(index: int) -> str:
    """The letter of a 1-based column index (1 → A, 27 → AA)."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _readable(value: object) -> Cell:
    """A cell as the workbook model holds it: text, a number, a date, or nothing."""
    if value is None or isinstance(value, str | int | float | dt.date):
        return value  # datetime is a date too
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def _writable(cell: Cell) -> Cell:
    # Excel keeps no time zone: a timestamp is written as ISO text so that its offset survives.
    if isinstance(cell, dt.datetime):
        return cell.isoformat()
    return cell
