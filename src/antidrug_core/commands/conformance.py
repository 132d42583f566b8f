"""``antidrug conformance``: the hand-worked cases, for this library and for anyone else's.

``antidrug conformance list`` names the cases; ``antidrug conformance export
DIR`` writes each case as files another implementation can read (its
dataset, the question asked, the expected figures with their
justifications); ``antidrug conformance check --case NAME --results FILE``
holds another implementation's ``antidrug-rates/1`` output for that case to
the expected figures and explains each difference with the reference
evaluator's evidence; ``antidrug conformance run`` runs every case (or one)
through this library. The cases ship inside the package as data
(``antidrug_core/conformance/cases/*.json``, docs/reference/conformance.md):
adding a case is adding a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from antidrug_core.commands.common import write_file
from antidrug_core.conformance import (
    Case,
    Mismatch,
    case_from_data,
    check_document,
    check_refusal,
    expected_data,
    run_case,
)
from antidrug_core.model import InvalidInput, Problem

__all__ = ["register", "shipped_case_names", "shipped_cases"]

_PACKAGE = "antidrug_core.conformance"


def _case_files() -> list[Any]:
    folder = resources.files(_PACKAGE).joinpath("cases")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


def shipped_cases() -> list[Case]:
    """Every case shipped in the package, by name.

    Raises:
        InvalidInput: a shipped case file is malformed (each problem names the file).
    """
    cases: list[Case] = []
    problems: list[Problem] = []
    for file in _case_files():
        try:
            case = case_from_data(json.loads(file.read_text(encoding="utf-8")))
        except InvalidInput as error:
            problems.extend(Problem(f"{file.name}: {p.field}", p.reason) for p in error.problems)
            continue
        if f"{case.name}.json" != file.name:
            problems.append(Problem(f"{file.name}: name", f"{case.name!r} is not the file's name"))
        cases.append(case)
    if problems:
        raise InvalidInput(problems)
    return cases


def shipped_case_names() -> list[str]:
    """The names of the shipped cases, without reading them whole."""
    return [f.name.removesuffix(".json") for f in _case_files()]


def _case(name: str) -> Case:
    for case in shipped_cases():
        if case.name == name:
            return case
    raise InvalidInput.of("--case", f"no case {name!r} (antidrug conformance list names them)")


def register(subparsers: Any) -> None:
    """Add ``conformance`` and its subcommands to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "conformance",
        help="the hand-worked conformance cases: list, export, check another implementation, run",
        description=(
            "Hand-worked cases, each expected figure justified in words (docs/reference/conformance.md). "
            "Export them, check another implementation's antidrug-rates/1 output, or run them here."
        ),
    )
    sub = parser.add_subparsers(dest="conformance_command", metavar="SUBCOMMAND", required=True)

    listing = sub.add_parser("list", help="name every case and its title")
    listing.set_defaults(run=_list)

    export = sub.add_parser("export", help="write each case's dataset, question and expected figures")
    export.add_argument("directory", metavar="DIR", help="folder to write into (one folder per case)")
    export.set_defaults(run=_export)

    check = sub.add_parser("check", help="compare another implementation's results with a case's")
    check.add_argument("--case", required=True, metavar="NAME", help="the case the results answer")
    check.add_argument(
        "--results", required=True, metavar="FILE", help="their antidrug-rates/1 JSON output for the case"
    )
    check.set_defaults(run=_check)

    run = sub.add_parser("run", help="run the cases through this library")
    run.add_argument(
        "--case", metavar="NAME", action="append", default=None, help="only this case (repeatable)"
    )
    run.set_defaults(run=_run)


def _list(args: argparse.Namespace) -> int:
    for case in shipped_cases():
        print(f"{case.name}\t{case.title}")
    return 0


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _readme(case: Case) -> str:
    command = " ".join(
        ["antidrug rates --dataset dataset.json", *case.evaluation.arguments(), "--format json"]
    )
    lines = [f"# {case.title}", "", f"Case `{case.name}`.", "", case.about, ""]
    if case.errors:
        lines += ["The dataset must be refused, naming each of these places:", ""]
        lines += [f"- `{e.where}`: {e.why}" for e in case.errors]
    else:
        lines += ["Expected figures:", ""]
        for r in case.results:
            figures = ", ".join(f"{k} {v!r}" for k, v in r.figures.items())
            lines.append(f"- `{r.indicator}` in `{r.division}`: {figures}. {r.why}")
    if case.why:
        lines += ["", case.why]
    lines += [
        "",
        "This library answers it with:",
        "",
        f"    {command}",
        "",
        "and checks another implementation's output with:",
        "",
        f"    antidrug conformance check --case {case.name} --results THEIRS.json",
        "",
    ]
    return "\n".join(lines)


def _export(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    cases = shipped_cases()
    for case in cases:
        folder = root / case.name
        question = {
            **case.evaluation.data(),
            "policy": case.dataset.get("policy", {}),
            "command": ["antidrug", "rates", "--dataset", "dataset.json", *case.evaluation.arguments()],
        }
        write_file(folder / "dataset.json", _json(case.dataset))
        write_file(folder / "evaluate.json", _json(question))
        write_file(folder / "expected.json", _json(expected_data(case)))
        write_file(folder / "case.json", _json(dict(case.data)))
        write_file(folder / "README.md", _readme(case).encode("utf-8"))
    index = [{"name": c.name, "title": c.title, "refused": bool(c.errors)} for c in cases]
    write_file(root / "index.json", _json({"format": "antidrug-conformance-index/1", "cases": index}))
    print(f"{len(cases)} cases written to {root}", file=sys.stderr)
    return 0


def _print(case: Case, mismatches: list[Mismatch]) -> None:
    if not mismatches:
        print(f"ok    {case.name}")
        return
    print(f"FAIL  {case.name}: {len(mismatches)} difference(s)")
    for mismatch in mismatches:
        for line in mismatch.lines():
            print(f"      {line}")


def _check(args: argparse.Namespace) -> int:
    case = _case(args.case)
    try:
        document = json.loads(Path(args.results).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput.of("--results", f"{args.results}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput.of("--results", f"{args.results}: not JSON ({error.msg})") from None
    if not isinstance(document, dict):
        raise InvalidInput.of("--results", "an antidrug-rates/1 document is a JSON object")
    mismatches = check_document(case, document)
    _print(case, mismatches)
    return 1 if mismatches else 0


def run_shipped(names: list[str] | None = None) -> dict[str, list[Mismatch]]:
    """Run shipped cases (all, or those named) through this library: each case's mismatches."""
    cases = shipped_cases()
    if names is not None:
        known = {c.name for c in cases}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InvalidInput.of("--case", f"no case {', '.join(map(repr, unknown))}")
        cases = [c for c in cases if c.name in set(names)]
    outcome: dict[str, list[Mismatch]] = {}
    for case in cases:
        try:
            document = run_case(case)
        except InvalidInput as error:
            outcome[case.name] = check_refusal(case, error)
            continue
        outcome[case.name] = check_document(case, document) if not case.errors else check_refusal(case, None)
    return outcome


def _run(args: argparse.Namespace) -> int:
    outcome = run_shipped(args.case)
    by_name = {c.name: c for c in shipped_cases()}
    for name, mismatches in outcome.items():
        _print(by_name[name], mismatches)
    failed = sum(1 for m in outcome.values() if m)
    print(f"{len(outcome) - failed} of {len(outcome)} cases agree", file=sys.stderr)
    return 1 if failed else 0
