"""``antidrug rates verify RESULTS --dataset FILE``: recompute a results document and confirm it.

An auditor handed an ``antidrug-rates/1`` document and the dataset it claims
to come from checks, in one command, that it is what this library computes
from that dataset: the same input (the file's digest), the same definitions
(each result's id, version and digest), the same settings, and every figure
equal. Each difference is named: which result, which figure, what the
document says and what recomputing gives (docs/reference/results.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from antidrug_core.commands.common import load_dataset_file_with_digest
from antidrug_core.indicators import (
    RATES_FORMAT,
    EvaluationRequest,
    Period,
    View,
    evaluate_dataset,
    indicator_definitions,
    rates_document,
)
from antidrug_core.model import DivisionCode, InvalidInput
from antidrug_core.plugins import make_plugin_manager

__all__ = ["VERIFIED_FIGURES", "differences", "register_verify"]

VERIFIED_FIGURES: tuple[str, ...] = (
    "version",
    "digest",
    "initial_population",
    "denominator",
    "denominator_exclusion",
    "denominator_exception",
    "numerator",
    "numerator_exclusion",
    "net_denominator",
    "net_numerator",
    "value",
    "display",
    "unit",
    "view",
)
"""What must be equal in each result; ``reason`` and ``evidence`` are words, not figures."""


def register_verify(actions: Any) -> None:
    """Add ``verify`` under ``antidrug rates``."""
    parser: argparse.ArgumentParser = actions.add_parser(
        "verify",
        help="recompute an antidrug-rates/1 document from its dataset and name each differing figure",
        description=(
            "Recompute every result of an antidrug-rates/1 document from the dataset it claims to come "
            "from, and confirm it, or name each difference (input digest, definitions, settings, figures)."
        ),
    )
    parser.add_argument("results", metavar="RESULTS", help="the antidrug-rates/1 JSON document to verify")
    parser.add_argument(
        "--dataset", dest="verify_dataset", required=True, metavar="FILE", help="the antidrug-dataset/1 file"
    )
    parser.set_defaults(run=run_verify)


def _read_results(path: str) -> Mapping[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput.of("RESULTS", f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput.of("RESULTS", f"{path}: not JSON ({error})") from None
    if not isinstance(document, Mapping) or document.get("format") != RATES_FORMAT:
        raise InvalidInput.of("RESULTS", f"{path}: not an {RATES_FORMAT} document")
    return document


def _request(document: Mapping[str, Any], divisions: list[str], indicators: list[str]) -> EvaluationRequest:
    try:
        period = Period(
            dt.date.fromisoformat(document["period"]["start"]),
            dt.date.fromisoformat(document["period"]["end"]),
        )
    except (KeyError, TypeError, ValueError, InvalidInput):
        raise InvalidInput.of("RESULTS", f"period {document.get('period')!r} is not a period") from None
    known_at_text = document.get("known_at")
    try:
        known_at = dt.datetime.fromisoformat(known_at_text) if known_at_text is not None else None
    except (TypeError, ValueError):
        raise InvalidInput.of("RESULTS", f"known_at {known_at_text!r} is not an ISO 8601 instant") from None
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidInput.of("RESULTS", f"known_at {known_at_text!r} has no offset")
    views = {r.get("view", View.RESPONSIBLE.value) for r in document.get("results", [])}
    if len(views) > 1:
        raise InvalidInput.of("RESULTS", f"mixes views {sorted(views)}; one document holds one view")
    try:
        view = View(views.pop()) if views else View.RESPONSIBLE
    except ValueError:
        raise InvalidInput.of("RESULTS", "names an unknown view") from None
    return EvaluationRequest(
        period=period,
        known_at=known_at,
        indicators=tuple(indicators),
        divisions=tuple(DivisionCode(d) for d in divisions),
        view=view,
    )


def differences(document: Mapping[str, Any], dataset_path: str) -> tuple[list[str], int]:
    """Every way ``document`` differs from recomputing it from the dataset, and how many results agree.

    Raises:
        InvalidInput: the dataset is refused, or the document is not one that can be recomputed.
    """
    dataset, digest = load_dataset_file_with_digest(dataset_path)
    found: list[str] = []
    source = document.get("input")
    if not isinstance(source, Mapping):
        found.append("input: the document does not name its input, so it cannot show it came from this file")
    elif source.get("kind") != "dataset":
        found.append(f"input: the document was computed from a {source.get('kind')!r}, not a dataset file")
    elif source.get("digest") != digest:
        found.append(f"input: the document names {source.get('digest')}, this dataset is {digest}")
    results = [r for r in document.get("results", []) if isinstance(r, Mapping)]
    known_divisions = {d.code for d in dataset.divisions}
    known_indicators = {d.id for d in indicator_definitions(make_plugin_manager())}
    divisions = list(dict.fromkeys(str(r.get("division")) for r in results))
    indicators = list(dict.fromkeys(str(r.get("indicator")) for r in results))
    for code in divisions:
        if code not in known_divisions:
            found.append(f"{code}: the dataset has no such division")
    for indicator in indicators:
        if indicator not in known_indicators:
            found.append(f"{indicator}: this library has no such indicator")
    request = _request(
        document,
        [d for d in divisions if d in known_divisions],
        [i for i in indicators if i in known_indicators],
    )
    ours_document = rates_document(
        request.period,
        request.known_at,
        dataset.policy,
        evaluate_dataset(dataset, request, definitions=indicator_definitions(make_plugin_manager()))
        if request.divisions and request.indicators
        else [],
    )
    for key, want in ours_document["policy"].items():
        got = (document.get("policy") or {}).get(key)
        if got != want:
            found.append(f"policy.{key}: the document says {got!r}, the dataset's is {want!r}")
    ours = {(r["indicator"], r["division"]): r for r in ours_document["results"]}
    agreeing = 0
    for theirs in results:
        key = (str(theirs.get("indicator")), str(theirs.get("division")))
        mine = ours.get(key)
        if mine is None:
            continue  # named above: an unknown division or indicator
        wrong = [
            f"{key[0]} {key[1]} {figure}: the document says {theirs.get(figure)!r}, "
            f"recomputed {mine.get(figure)!r}"
            for figure in VERIFIED_FIGURES
            if theirs.get(figure) != mine.get(figure)
        ]
        found += wrong
        agreeing += not wrong
    return found, agreeing


def run_verify(args: argparse.Namespace) -> int:
    document = _read_results(args.results)
    found, agreeing = differences(document, args.verify_dataset)
    total = len(document.get("results", []))
    if found:
        for line in found:
            print(line)
        print(f"NOT VERIFIED: {len(found)} difference(s); {agreeing} of {total} results agree")
        return 1
    print(
        f"verified: {total} results recomputed from {args.verify_dataset} agree in every figure, "
        "definition digest and setting"
    )
    return 0
