"""``antidrug convert``: spreadsheets to the dataset format and back, and an empty template.

``antidrug convert 工作台账.xlsx -o dataset.json`` reads a workbook (or
``人员.csv 见面核查.csv …``, one CSV file per sheet, named after it), checks
everything and writes a dataset only when nothing is wrong; otherwise every
problem is printed with its sheet, row and column. ``antidrug convert
dataset.json -o 台账.xlsx`` writes a dataset as a workbook, and
``antidrug convert --template -o 模板.xlsx`` writes the empty sheets to fill.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from antidrug_core.commands.common import load_dataset_file, progress, write_atomically, write_file
from antidrug_core.interchange import write_dataset
from antidrug_core.interchange.spreadsheet import (
    Cell,
    Workbook,
    dataset_to_workbook,
    read_workbook_with_identities,
    workbook_template,
)
from antidrug_core.model import InvalidInput
from antidrug_core.plugins import make_plugin_manager

__all__ = ["read_csv_sheet", "read_inputs", "register"]


def register(subparsers: Any) -> None:
    """Add ``convert`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "convert",
        help="spreadsheets (.xlsx, .csv) to a dataset file and back; --template for empty sheets",
        description=(
            "Turn a workbook (.xlsx, or one .csv file per sheet) into an antidrug-dataset/1 file, "
            "checking every row; or a dataset file into a workbook; or write an empty template."
        ),
    )
    parser.add_argument(
        "inputs", nargs="*", metavar="FILE", help="a .xlsx workbook, .csv sheets, or a .json dataset"
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="a .json dataset or a .xlsx workbook"
    )
    parser.add_argument("--template", action="store_true", help="write an empty workbook to fill in")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    plugins = make_plugin_manager()
    if args.template:
        if args.inputs:
            raise InvalidInput.of("--template", "takes no input files")
        _write_workbook(plugins, output, workbook_template())
        progress(f"wrote {output}")
        return 0
    if not args.inputs:
        raise InvalidInput.of("FILE", "name a workbook, CSV sheets or a dataset file to convert")
    if output.suffix.lower() == ".json":
        workbook = read_inputs(plugins, args.inputs)
        dataset, identities = read_workbook_with_identities(workbook)
        document = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
        write_file(output, (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        progress(f"wrote {output}: {len(dataset.people())} people, {len(dataset.records)} records")
        if identities:
            progress(
                f"the names and identity numbers of {len(identities)} people were checked but not written: "
                "a dataset file carries pseudonymous ids only; to keep them, load the workbook itself "
                "(antidrug load --workbook FILE, with the identity key), where they are stored encrypted"
            )
        return 0
    if len(args.inputs) != 1 or Path(args.inputs[0]).suffix.lower() != ".json":
        raise InvalidInput.of("FILE", "a workbook is written from one .json dataset file")
    dataset = load_dataset_file(args.inputs[0])
    document = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
    _write_workbook(plugins, output, dataset_to_workbook(document))
    progress(f"wrote {output}")
    return 0


def read_inputs(plugins: Any, paths: Sequence[str]) -> Workbook:
    """One workbook file, or any number of CSV sheets (each named for its sheet), as a workbook.

    Raises:
        InvalidInput: a mixture, a missing file, or a format no plugin reads.
    """
    csvs = [p for p in paths if Path(p).suffix.lower() == ".csv"]
    others = [p for p in paths if p not in csvs]
    if others and (csvs or len(others) > 1):
        raise InvalidInput.of("FILE", "convert one workbook, or any number of .csv sheets, not a mixture")
    if others:
        path = others[0]
        if not Path(path).is_file():
            raise InvalidInput.of("FILE", f"{path}: no such file")
        workbook: Workbook | None = plugins.hook.antidrug_read_workbook(path=path)
        if workbook is None:
            raise InvalidInput.of(
                "FILE", f"{path}: not a format any installed plugin reads (use .xlsx or .csv)"
            )
        return workbook
    sheets: dict[str, list[list[Cell]]] = {}
    for path in csvs:
        sheets[Path(path).stem] = read_csv_sheet(Path(path))
    return sheets


def read_csv_sheet(path: Path) -> list[list[Cell]]:
    """One sheet from a CSV file: UTF-8 (with or without Excel's mark), else GB 18030 (Excel in Chinese).

    Raises:
        InvalidInput: the file is missing or in neither encoding.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInput.of("FILE", f"{path}: {error.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise InvalidInput.of("FILE", f"{path}: neither UTF-8 nor GB 18030 text")


def _write_workbook(plugins: Any, path: Path, workbook: Workbook) -> None:
    if path.suffix.lower() == ".csv":
        raise InvalidInput.of("--output", "a workbook has many sheets; write it as .xlsx")

    def write(temporary: Path) -> None:
        if not plugins.hook.antidrug_write_workbook(path=str(temporary), workbook=workbook):
            raise InvalidInput.of("--output", f"{path}: not a format any installed plugin writes (use .xlsx)")

    write_atomically(path, write)
