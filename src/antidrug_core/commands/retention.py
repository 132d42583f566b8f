"""``antidrug retention plan`` and ``antidrug retention apply``: identities erased when their period runs out.

``plan`` lists, masked, whose identity is due for erasure as of a date and
under which rule (``--all``: every person a period runs for, due or not);
``apply`` erases them (crypto-shredding: the person's data key, ciphertexts
and blind index destroyed, the records kept pseudonymous), prints only the
pseudonymous ids, and is safe to stop and run again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store
from antidrug_core.commands.terminal import printable
from antidrug_core.identity import mask_name, mask_resident_id
from antidrug_core.services.retention import RetentionCase, apply_retention, plan_retention

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``retention plan`` and ``retention apply``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "retention", help="erase identities whose retention period has run out (PIPL art. 47)"
    )
    actions = parser.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    plan = actions.add_parser(
        "plan",
        help="list, masked, whose identity would be erased as of a date, and under which rule",
        description="List the people whose identity is due for erasure as of --as-of (default today) "
        "under the retention rules in force, with the rule, the date its period runs from and the "
        "day it runs out. Names and numbers are masked; the identity key is needed to show them.",
    )
    add_db_option(plan)
    plan.add_argument("--as-of", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    plan.add_argument("--all", action="store_true", help="also people whose period runs but is not over")
    plan.add_argument("--format", choices=["table", "json"], default="table")
    plan.set_defaults(run=run_plan)
    apply = actions.add_parser(
        "apply",
        help="erase the identities due as of a date (administrator; irreversible; resumable)",
        description="Erase the identity of everyone due as of --as-of (no later than today): their data "
        "key, encrypted name and number and blind index are destroyed, their records are kept under "
        "their pseudonymous id, and each erasure is entered in the store's ledger. Safe to stop; run "
        "it again to finish. No identity key is needed. Backups: see the storage docs.",
    )
    add_db_option(apply)
    apply.add_argument("--as-of", type=dt.date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    apply.set_defaults(run=run_apply)


def _state(case: RetentionCase) -> str:
    if not case.identified:
        return "erased"
    return "erase" if case.to_erase else "keep"


def run_plan(args: argparse.Namespace) -> int:
    """Print the retention plan."""
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        as_of = args.as_of or uow.today()
        cases = [c for c in plan_retention(uow, as_of) if args.all or c.to_erase]
        rows: list[dict[str, Any]] = []
        for case in cases:
            # An erased identity has nothing to show, and a sealed file (封存) is named by its
            # pseudonymous id only: showing even a masked name needs a query with a reason.
            shown = case.identified and uow.exists(case.person)
            identity = uow.identity(case.person) if shown else None
            rows.append(
                {
                    "person": case.person,
                    "name": mask_name(identity.name) if identity else None,
                    "resident_id": mask_resident_id(identity.resident_id) if identity else None,
                    "rule": case.due.rule.id,
                    "anchor": case.due.rule.anchor.value,
                    "anchored": case.due.anchored.isoformat(),
                    "due": case.due.due.isoformat(),
                    "state": _state(case),
                }
            )
    if args.format == "json":
        print(json.dumps({"as_of": as_of.isoformat(), "people": rows}, ensure_ascii=False))
        return 0
    print(f"as of {as_of.isoformat()}: {sum(r['state'] == 'erase' for r in rows)} identities due for erasure")
    print("人员编号\t姓名\t身份证号\t规则\t起算\t起算日\t届满日\t处理")
    for row in rows:
        print(
            "\t".join(
                printable(str(row[k] or "-"))
                for k in ("person", "name", "resident_id", "rule", "anchor", "anchored", "due", "state")
            )
        )
    return 0


def run_apply(args: argparse.Namespace) -> int:
    """Erase the identities due."""
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        done = apply_retention(uow, args.as_of)
    rules = {case.person: case.due.rule.id for case in done.planned}
    for person in done.erased:
        print(f"erased\t{printable(person)}\t{rules[person]}")
    left = len(done.planned) - len(done.erased)
    print(
        f"{store.url}: {len(done.erased)} identities erased as of {args.as_of.isoformat()}"
        + (f"; {left} changed since they were read: run again to decide them" if left else "")
    )
    return 0
