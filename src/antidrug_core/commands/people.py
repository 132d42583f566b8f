"""``antidrug people``: the person files an actor may see, pseudonymised."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store
from antidrug_core.commands.terminal import printable
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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
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
