"""``antidrug ratings``: each rated organisation with its scheme, scores, total and stars on a date.

``antidrug ratings --db URL --as-of 2023-06-30 [--known-at T] [--division CODE]
--format json|table`` (or ``--dataset FILE`` instead of ``--db``). The
rating in force is the latest assessed on or before ``--as-of``; its stars
are the scheme's (a dataset's own ``rating_schemes``, a host's through the
rules hook, or the library's example, which the output marks as such).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from antidrug_core.bootstrap import load_rules
from antidrug_core.commands.common import DEFAULT_DB, load_dataset_file, local_actor, open_cli_store
from antidrug_core.commands.rates import parse_known_at
from antidrug_core.model import InvalidInput, SubjectKind, is_within
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.state import OrganisationFile, RatedOrganisation, SubjectFile, ratings_on

__all__ = ["RATINGS_FORMAT", "ratings_document", "ratings_table", "register"]

RATINGS_FORMAT = "antidrug-ratings/1"


def register(subparsers: Any) -> None:
    """Add ``ratings`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ratings",
        help="list each rated organisation (星级评定) with scheme, scores, total and stars on a date",
        description="List every organisation with a checklist rating in force on --as-of: its scheme, "
        "each item's score, the total and the stars the scheme gives.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="FILE", help="an antidrug-dataset/1 JSON file")
    source.add_argument("--db", metavar="URL", default=None, help=f"a store URL (default {DEFAULT_DB})")
    parser.add_argument("--as-of", required=True, metavar="DATE", help="the date (YYYY-MM-DD)")
    parser.add_argument("--known-at", metavar="T", default=None, help="use only records recorded by T")
    parser.add_argument("--division", metavar="CODE", default=None, help="only organisations within CODE")
    parser.add_argument("--format", choices=["json", "table"], default="json")
    parser.set_defaults(run=run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.of("--as-of", f"{text!r} is not a date (YYYY-MM-DD)") from None


def _number(value: Decimal) -> int | str:
    """Whole points as a number, others as their exact decimal text (as scores are in the dataset)."""
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def ratings_document(rows: Sequence[RatedOrganisation], as_of: dt.date, known_at: dt.datetime | None) -> Any:
    """The ratings as plain data (``antidrug-ratings/1``)."""
    listed = []
    for row in rows:
        rating, scheme = row.rating, row.rating.scheme
        listed.append(
            {
                "organisation": row.organisation,
                "name": row.name,
                "division": row.division,
                "record": rating.record.id,
                "assessed_on": rating.record.on.isoformat(),
                "scheme": rating.record.scheme,
                "scheme_name": None if scheme is None else scheme.name,
                "example": None if scheme is None else scheme.example,
                "scores": {item: _number(score) for item, score in rating.scores.items()},
                "total": _number(rating.total),
                "maximum": None if scheme is None else _number(scheme.maximum),
                "stars": rating.stars,
            }
        )
    return {
        "format": RATINGS_FORMAT,
        "as_of": as_of.isoformat(),
        "known_at": None if known_at is None else known_at.isoformat(),
        "ratings": listed,
    }


def ratings_table(rows: Sequence[RatedOrganisation]) -> str:
    """The ratings as a text table, one line per organisation."""
    lines = ["组织\t区划\t评定细则\t各项得分\t总分\t星级"]
    for row in rows:
        rating, scheme = row.rating, row.rating.scheme
        names = {} if scheme is None else {item.id: item.name for item in scheme.items}
        scores = "，".join(
            f"{names.get(item, item)}{_number(score)}" for item, score in rating.scores.items()
        )
        stars = "未知细则" if rating.stars is None else f"{rating.stars}星" if rating.stars else "未达星级"
        title = rating.record.scheme if scheme is None else scheme.name
        lines.append(f"{row.name}\t{row.division}\t{title}\t{scores}\t{_number(rating.total)}\t{stars}")
    return "\n".join(lines)


def _within(rows: Iterable[RatedOrganisation], division: str | None) -> list[RatedOrganisation]:
    return [row for row in rows if division is None or is_within(row.division, division)]


def _organisations(files: Iterable[SubjectFile]) -> list[OrganisationFile]:
    return [f for f in files if isinstance(f, OrganisationFile)]


def _print(args: argparse.Namespace, rows: list[RatedOrganisation], as_of: dt.date, known: Any) -> int:
    if args.format == "json":
        print(json.dumps(ratings_document(rows, as_of, known), ensure_ascii=False, indent=1))
    else:
        print(ratings_table(rows))
    return 0


def run(args: argparse.Namespace) -> int:
    as_of = _date(args.as_of)
    if args.dataset is not None:
        dataset = load_dataset_file(args.dataset)
        known = parse_known_at(args.known_at, dataset.policy.time_zone)
        rules = load_rules(make_plugin_manager()).prevention.with_schemes(dataset.rating_schemes)
        rules.check(dataset.records)
        files = _organisations(dataset.subject_files(SubjectKind.ORGANISATION, known))
        rows = _within(ratings_on(files, as_of, rules.rating_schemes), args.division)
        return _print(args, rows, as_of, known)
    args.db = args.db or DEFAULT_DB
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        known = parse_known_at(args.known_at, store.policy.time_zone)
        files = _organisations(uow.subject_files(SubjectKind.ORGANISATION, known))
        rows = _within(ratings_on(files, as_of, uow.rules.prevention.rating_schemes), args.division)
    return _print(args, rows, as_of, known)
