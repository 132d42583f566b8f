"""``antidrug people``: the person files an actor may see, pseudonymised; ``people find`` by number."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store
from antidrug_core.commands.terminal import printable
from antidrug_core.identity import mask_name, mask_resident_id, validate_resident_id
from antidrug_core.model import InvalidInput, NotFound, PersonId
from antidrug_core.state import (
    control_level_on,
    in_lost_contact_on,
    responsible_division_on,
    status_on,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``people`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "people", help="list people under management on a date (pseudonymous ids only)"
    )
    add_db_option(parser)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    parser.add_argument(
        "--sealed-count",
        action="store_true",
        help="print only how many files in scope are sealed (封存): a number, never who",
    )
    parser.set_defaults(run=run)
    commands = parser.add_subparsers(dest="people_command", metavar="COMMAND")
    find = commands.add_parser(
        "find",
        help="find a person by resident identity number (roles that may see identities; output masked)",
        description="Find the person registered with a resident identity number, through the store's "
        "keyed blind index (the number is never stored in the clear). Shows the pseudonymous id, the "
        "masked name and number, and the person's status and responsible division. A SQL store needs "
        "the identity key (ANTIDRUG_IDENTITY_KEY or the host's antidrug_identity_key hook).",
    )
    add_db_option(find)
    find.add_argument(
        "--id-number", required=True, metavar="N", help="the 18-character resident identity number"
    )
    find.add_argument("--on", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    find.add_argument("--format", choices=["table", "json"], default="table")
    find.set_defaults(run=run_find)
    show = commands.add_parser(
        "show",
        help="one person's status and places, pseudonymous (a sealed file only with --sealed and a reason)",
        description="Show one person's status, responsible division, control level and contact on a date. "
        "A sealed file (封存) answers as a person who does not exist, unless a role that may read sealed "
        "files asks with --sealed and a --reason: the query (who, when, which person, why) is then "
        "entered in the store's ledger before anything is shown.",
    )
    add_db_option(show)
    show.add_argument("--person", required=True, metavar="ID", help="the pseudonymous person id")
    show.add_argument("--on", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD")
    show.add_argument("--sealed", action="store_true", help="an authorised query that may open a sealed file")
    show.add_argument("--reason", default=None, metavar="TEXT", help="why the sealed file is read (required)")
    show.add_argument("--format", choices=["table", "json"], default="table")
    show.set_defaults(run=run_show)


def run_find(args: argparse.Namespace) -> int:
    number = validate_resident_id(args.id_number, "--id-number")
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        person = uow.find_person(number)
        if person is None:
            raise NotFound(f"no person registered with the identity number {mask_resident_id(number)}")
        identity = uow.identity(person)
        file = uow.file(person)
        day = args.on or uow.today()
        found = {
            "person": person,
            "name": mask_name(identity.name) if identity else None,
            "resident_id": mask_resident_id(identity.resident_id) if identity else None,
            "status": status_on(file, day),
            "responsible": responsible_division_on(file, day, store.policy),
            "on": day.isoformat(),
        }
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False))
    else:
        print("人员编号\t姓名\t身份证号\t状态\t责任区划\t日期")
        print(
            "\t".join(
                str(found[k] or "-") for k in ("person", "name", "resident_id", "status", "responsible", "on")
            )
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    if args.sealed and not args.reason:
        raise InvalidInput.of("--reason", "a query of a sealed file (--sealed) must give its reason")
    if args.reason and not args.sealed:
        raise InvalidInput.of("--reason", "a reason is given with --sealed only")
    person = PersonId(args.person)
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        file = uow.sealed_file(person, args.reason) if args.sealed else uow.file(person)
        seal = uow.seal(person)
        day = args.on or uow.today()
        found = {
            "person": person,
            "status": status_on(file, day),
            "responsible": responsible_division_on(file, day, store.policy),
            "control": control_level_on(file, day),
            "lost_contact": in_lost_contact_on(file, day),
            "sealed_since": seal.since.isoformat() if seal else None,
            "sealed_by": ("rule" if seal.by_rule else seal.by.recorded_by) if seal else None,
            "basis": seal.basis if seal else None,
            "on": day.isoformat(),
        }
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False))
        return 0
    for key, value in found.items():
        shown = "yes" if value is True else "no" if value is False else str(value or "-")
        print(f"{key}\t{printable(shown)}")
    return 0


def run(args: argparse.Namespace) -> int:
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        if args.sealed_count:
            print(f"sealed\t{uow.sealed_count()}")
            return 0
        day = args.on or uow.today()
        print("person\tstatus\tresponsible\tcontrol\tlost_contact")
        for file in uow.files():
            if file.registration is None:
                continue
            print(
                f"{printable(file.person)}\t{status_on(file, day) or '-'}\t"
                f"{responsible_division_on(file, day, store.policy)}\t"
                f"{control_level_on(file, day) or '-'}\t{'yes' if in_lost_contact_on(file, day) else 'no'}"
            )
    return 0
