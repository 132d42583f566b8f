"""The ``antidrug`` command line.

Each subcommand lives in its own module under ``antidrug_core.commands`` and
adds itself to the parser with a ``register(subparsers)`` function; this
module only assembles them and turns the library's errors into one clear
message and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from antidrug_core.commands.terminal import printable
from antidrug_core.model import AntidrugError, InvalidInput

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "antidrug_core.commands.people",
    "antidrug_core.commands.tests",
    "antidrug_core.commands.rates",
    "antidrug_core.commands.ratings",
    "antidrug_core.commands.store",
    "antidrug_core.commands.report",
    "antidrug_core.commands.demo",
    "antidrug_core.commands.convert",
    "antidrug_core.commands.chemicals",
    "antidrug_core.commands.conformance",
    "antidrug_core.commands.catalogue",
    "antidrug_core.commands.keys",
    "antidrug_core.commands.retention",
    "antidrug_core.commands.sealing",
)
"""The modules that each add subcommands; a new command is a new module listed here."""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="antidrug",
        description="禁毒工作: records, auditable rates and work summaries.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except InvalidInput as error:
        for problem in error.problems:
            print(f"antidrug: {printable(str(problem))}", file=sys.stderr)
        return 2
    except AntidrugError as error:
        print(f"antidrug: {printable(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
