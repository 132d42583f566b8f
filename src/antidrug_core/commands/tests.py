"""``antidrug tests due``: the due tests nobody has taken, as of any date, pseudonymised.

A county worker asks "who has not been tested" for a date and a township;
the answer is derived from the records like every other state, so the list
of last month can be reproduced today.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store
from antidrug_core.model import DivisionCode, InvalidInput, TestKind, division_code
from antidrug_core.rules.policy import Policy
from antidrug_core.services import OUTSTANDING, OutstandingTest, outstanding_tests
from antidrug_core.state import DueStatus

__all__ = ["STATUS_LABELS", "register", "tests_document", "tests_table"]

STATUS_LABELS: dict[DueStatus, str] = {
    DueStatus.DUE: "应检（窗口内）",
    DueStatus.OVERDUE: "逾期未检",
    DueStatus.MISSED: "漏检",
}
"""How each status of an outstanding test reads in the table."""

_KIND_LABELS = {TestKind.URINE: "尿检", TestKind.HAIR: "毛发检测"}
_CHOICES = [s.value for s in (DueStatus.OVERDUE, DueStatus.MISSED, DueStatus.DUE)]


def register(subparsers: Any) -> None:
    """Add ``tests`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tests", help="due tests not taken (尿检, 毛发检测), as of a date", description=__doc__
    )
    commands = parser.add_subparsers(dest="tests_command", metavar="COMMAND", required=True)
    due = commands.add_parser(
        "due",
        help="list due tests not taken or excused: due, overdue and missed",
        description="List the due tests nobody has taken or excused as of a date, by responsible "
        "division (pseudonymous ids only). Without --status: due (window open), overdue and missed.",
    )
    add_db_option(due)
    due.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the date the tests are judged on")
    due.add_argument(
        "--division", metavar="CODE", default=None, help="only people this division (or one below) manages"
    )
    due.add_argument(
        "--status",
        choices=_CHOICES,
        action="append",
        default=None,
        help="only tests that stand so (repeatable): overdue (window closed), missed (overdue longer "
        "than the policy allows), due (window open)",
    )
    due.add_argument("--format", choices=["table", "json"], default="table")
    due.set_defaults(run=run_due)


def _arguments(args: argparse.Namespace) -> tuple[dt.date, DivisionCode | None]:
    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise InvalidInput.of("--as-of", f"{args.as_of!r} is not a date (YYYY-MM-DD)") from None
    division: DivisionCode | None = None
    if args.division is not None:
        try:
            division = division_code(args.division)
        except InvalidInput as error:
            raise InvalidInput.of("--division", error.problems[0].reason) from None
    return as_of, division


def run_due(args: argparse.Namespace) -> int:
    as_of, division = _arguments(args)
    statuses = frozenset(DueStatus(s) for s in args.status) if args.status else OUTSTANDING
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        if division is not None and division not in {d.code for d in uow.divisions()}:
            known = {t.division for t in outstanding_tests(uow, as_of)}
            if not any(code == division or code.startswith(division) for code in known):
                raise InvalidInput.of("--division", f"unknown division code {division!r}")
        found = outstanding_tests(uow, as_of, statuses=statuses, division=division)
        names = {d.code: d.name for d in uow.divisions()}
        policy = store.policy
    if args.format == "json":
        json.dump(
            tests_document(as_of, division, statuses, found, policy), sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
    else:
        sys.stdout.write(tests_table(as_of, division, found, policy, names))
    return 0


def _window_end(test: OutstandingTest, policy: Policy) -> dt.date:
    return test.test.due.on + dt.timedelta(days=policy.test_window_days)


def tests_document(
    as_of: dt.date,
    division: DivisionCode | None,
    statuses: frozenset[DueStatus],
    found: list[OutstandingTest],
    policy: Policy,
) -> dict[str, Any]:
    """The list as ``antidrug-tests-due/1`` JSON: pseudonymous ids, no names or numbers."""
    return {
        "format": "antidrug-tests-due/1",
        "as_of": as_of.isoformat(),
        "division": division,
        "statuses": sorted(s.value for s in statuses),
        "test_window_days": policy.test_window_days,
        "tests": [
            {
                "person": t.person,
                "division": t.division,
                "due": t.test.due.id,
                "kind": t.test.due.kind.value,
                "due_on": t.test.due.on.isoformat(),
                "window_ends": _window_end(t, policy).isoformat(),
                "status": t.test.status.value,
            }
            for t in found
        ],
    }


def tests_table(
    as_of: dt.date,
    division: DivisionCode | None,
    found: list[OutstandingTest],
    policy: Policy,
    names: dict[DivisionCode, str],
) -> str:
    """The list as a Chinese table, one line per due test."""
    where = f"{names.get(division, division)}（{division}）" if division else "全部区划"
    lines = [f"截至{as_of.isoformat()}，{where}未完成的检测：{len(found)}人次"]
    if found:
        lines.append("人员编号\t责任区划\t检测\t应检日期\t窗口截止\t状态")
        for t in found:
            lines.append(
                "\t".join(
                    [
                        t.person,
                        f"{names.get(t.division, '')}（{t.division}）"
                        if names.get(t.division)
                        else t.division,
                        _KIND_LABELS[t.test.due.kind],
                        t.test.due.on.isoformat(),
                        _window_end(t, policy).isoformat(),
                        STATUS_LABELS[t.test.status],
                    ]
                )
            )
    return "\n".join(lines) + "\n"
