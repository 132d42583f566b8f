"""``antidrug seal`` and ``antidrug unseal``: seal a person's file by decision (封存), or open it again;
``antidrug audit sealed-reads``: every query of a sealed file the store entered in its ledger."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store
from antidrug_core.commands.terminal import printable
from antidrug_core.model import FileSealed, FileUnsealed, PersonId, StoreUnavailable
from antidrug_core.ports import SealedReadRecorder
from antidrug_core.services import seal_file, unseal_file

__all__ = ["register", "register_audit"]


def _decision(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--person", required=True, metavar="ID", help="the pseudonymous person id")
    parser.add_argument(
        "--basis", required=True, metavar="TEXT", help="the legal basis, e.g. 治安管理处罚法第一百三十六条"
    )
    parser.add_argument(
        "--reason", required=True, metavar="TEXT", help="why; entered in the ledger and kept on the record"
    )
    parser.add_argument(
        "--on",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="from when (default today)",
    )


def register(subparsers: Any) -> None:
    """Add ``seal`` and ``unseal`` to the command line."""
    seal: argparse.ArgumentParser = subparsers.add_parser(
        "seal",
        help="seal a person's file by decision (封存; roles that may seal files)",
        description="Seal a person's file from a date by an authorised decision (治安管理处罚法 art. 136). "
        "Routine views then answer as if the person did not exist; figures still count the file. The "
        "decision is a record in the person's stream (in the audit chain); opening the file for it is "
        "entered in the ledger. A file is also sealed by rule, some years after the person was concluded "
        "abstinent_3y (see docs: Sealed files).",
    )
    _decision(seal)
    seal.set_defaults(run=run_seal)
    unseal: argparse.ArgumentParser = subparsers.add_parser(
        "unseal",
        help="open a sealed file again by decision (解除封存; roles that may seal files)",
        description="Open a sealed person's file again from a date by an authorised decision, e.g. after a "
        "relapse found after the seal. The decision is a record in the person's stream.",
    )
    _decision(unseal)
    unseal.set_defaults(run=run_unseal)


def register_audit(audit_commands: Any) -> None:
    """Add ``audit sealed-reads`` to the ``audit`` command."""
    reads: argparse.ArgumentParser = audit_commands.add_parser(
        "sealed-reads",
        help="list every query of a sealed file: who, when, which person, why",
        description="List the queries of sealed files the store entered in its ledger (oldest first). "
        "antidrug audit verify checks the same entries against the ledger's hash chain.",
    )
    add_db_option(reads)
    reads.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    reads.set_defaults(run=run_sealed_reads)


def _cell(text: str) -> str:
    """A table cell: escaped for the terminal, on one line."""
    return " ".join(printable(text).split())


def run_seal(args: argparse.Namespace) -> int:
    return _decide(args, seal_file, "sealed the file of {person} from {on}")


def run_unseal(args: argparse.Namespace) -> int:
    return _decide(args, unseal_file, "opened the file of {person} again from {on}")


def _decide(args: argparse.Namespace, decide: Callable[..., FileSealed | FileUnsealed], done: str) -> int:
    """Enter a sealing decision (``seal`` and ``unseal`` take the same arguments) and say what was done."""
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        made = decide(uow, PersonId(args.person), basis=args.basis, reason=args.reason, on=args.on)
        uow.commit()
    print(done.format(person=printable(made.person), on=made.on) + f" (record {printable(made.id)})")
    return 0


def run_sealed_reads(args: argparse.Namespace) -> int:
    with open_cli_store(args, create=False) as store:
        recorder = store.recorder
        if not isinstance(recorder, SealedReadRecorder):
            raise StoreUnavailable(f"{store.url}: this store keeps no record of queries of sealed files")
        reads = recorder.sealed_reads()
    if args.json:
        for read in reads:
            at = read.at.isoformat() if read.at is not None else None
            print(json.dumps({"at": at, **read.data(), "person": read.person}, ensure_ascii=False))
        return 0
    print("at\tby\trole\tperson\tpurpose\treason")
    for read in reads:
        at = read.at.isoformat(timespec="seconds") if read.at is not None else "-"
        fields = (read.by, read.role, read.person, read.purpose, read.reason)
        print(at + "\t" + "\t".join(_cell(field) for field in fields))
    return 0
