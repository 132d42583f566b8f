"""What several subcommands share: the store option, the actor, reading files."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from antidrug_core.bootstrap import open_store
from antidrug_core.commands.terminal import printable
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.model import Actor, InvalidInput
from antidrug_core.model.limits import NESTING_DEPTH
from antidrug_core.store import Store

__all__ = [
    "DEFAULT_DB",
    "add_db_option",
    "load_dataset_file",
    "load_dataset_file_with_digest",
    "local_actor",
    "open_cli_store",
    "progress",
    "write_atomically",
    "write_file",
]

DEFAULT_DB = "sqlite:///antidrug.db"
"""The embedded default: a SQLite file in the working folder."""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db URL``, defaulting to the embedded SQLite file."""
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help=f"store URL (default {DEFAULT_DB}; also memory://, postgresql+psycopg://…, mysql+pymysql://…)",
    )


def open_cli_store(args: argparse.Namespace, *, create: bool = True) -> Store:
    """The store ``--db`` names; the command line's own process, so the store may read in
    processes of its own (``StoreContext.processes``)."""
    return open_store(args.db, create=create, processes=True)


def local_actor() -> Actor:
    """A command-line user acts on their own database as its administrator."""
    return Actor.local_administrator("antidrug-cli")


def load_dataset_file(path: str) -> Dataset:
    """Read and validate a dataset file; every problem is reported, nothing is used if any.

    Raises:
        InvalidInput: for a missing file, bad JSON, or any problem in the dataset.
    """
    return load_dataset_file_with_digest(path)[0]


def load_dataset_file_with_digest(path: str) -> tuple[Dataset, str]:
    """A dataset file, validated, and ``sha256:`` with the hex SHA-256 of the very bytes read.

    The digest is taken of the bytes parsed, read once, so that a results
    document names exactly the input its figures came from.

    Raises:
        InvalidInput: for a missing file, bad JSON, or any problem in the dataset.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput.of("--dataset", f"{path}: {error.strerror}") from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput.of("--dataset", f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InvalidInput.of("--dataset", f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise InvalidInput.of(
            "--dataset", f"{path}: nests deeper than a dataset can ({NESTING_DEPTH} levels)"
        ) from None
    if _depth(data) > NESTING_DEPTH:
        raise InvalidInput.of(
            "--dataset", f"{path}: nests deeper than a dataset can ({NESTING_DEPTH} levels)"
        )
    return read_dataset(data), "sha256:" + hashlib.sha256(raw).hexdigest()


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, counted without recursion (a hostile file must not overflow the stack)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest > NESTING_DEPTH:
            return deepest
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            pending.extend((v, depth + 1) for v in item)
    return deepest


def progress(message: str) -> None:
    """A line of progress for people watching, on standard error so output stays clean."""
    print(printable(message), file=sys.stderr, flush=True)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, then put it in place in one step.

    A failure halfway never leaves half a document where the user expects a
    whole one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    write_atomically(path, lambda temporary: temporary.write_bytes(data))
