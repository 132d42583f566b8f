"""``antidrug catalogue``: the indicator definitions in force, in words or as data.

An auditor checking a platform asks first what its figures mean: this lists
every definition (the standard catalogue and, unless ``--standard``, the
local indicators installed plugins add) with its id, names, version, digest,
unit and criteria in words (Markdown), or as canonical data with digests
(JSON). ``--standard --format markdown --output docs/reference/catalogue.md``
writes the reference page (``nox -s catalogue``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from antidrug_core.commands.common import write_file
from antidrug_core.indicators import definition_to_data, digest, indicator_definitions
from antidrug_core.indicators.words import catalogue_page
from antidrug_core.plugins import make_plugin_manager

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``catalogue`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "catalogue",
        help="list the indicator definitions in force: ids, names, versions, digests, criteria in words",
        description=(
            "List every indicator definition in force (the standard catalogue and local indicators "
            "from installed plugins) with its id, names, version, digest, unit and criteria."
        ),
    )
    parser.add_argument(
        "--standard", action="store_true", help="only the standard catalogue, without local indicators"
    )
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
    parser.add_argument("--output", metavar="FILE", default=None, help="write here instead of printing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    definitions = indicator_definitions(None if args.standard else make_plugin_manager())
    if args.format == "markdown":
        text = catalogue_page(definitions)
    else:
        data = [{"digest": digest(d), "definition": definition_to_data(d)} for d in definitions]
        text = json.dumps({"definitions": data}, ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_file(Path(args.output), text.encode("utf-8"))
    return 0
