"""``antidrug rates``: the catalogue's figures for a dataset file or a store, as ``antidrug-rates/1``.

``antidrug rates --dataset FILE --period 2023-01-01/2023-06-30 [--known-at T]
[--division CODE] [--indicator ID] [--organisation ID] [--view cooperating] [--explain ID]
--format json|csv|table``, or ``--db URL`` instead of ``--dataset``. A
dataset with any error prints every error (``records[12].on: …``) and
evaluates nothing. The JSON names its input (the dataset file's digest, or
the store's audit chain head) and each definition's digest, so that
``antidrug rates verify RESULTS --dataset FILE`` can recompute it
(docs/reference/results.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from antidrug_core.clock import zone
from antidrug_core.commands.common import (
    DEFAULT_DB,
    load_dataset_file_with_digest,
    local_actor,
    open_cli_store,
)
from antidrug_core.commands.verify import register_verify
from antidrug_core.indicators import (
    EvaluationRequest,
    Explanation,
    IndicatorDefinition,
    IndicatorResult,
    Period,
    View,
    evaluate_dataset,
    evaluate_in_store,
    explain_dataset,
    explain_in_store,
    indicator_definitions,
    rates_csv,
    rates_document,
    rates_table,
    select_definitions,
)
from antidrug_core.model import DivisionCode, InvalidInput, Problem, division_code
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import AuditableRecorder
from antidrug_core.rules.policy import Policy
from antidrug_core.store import Store

__all__ = ["parse_known_at", "register"]


def register(subparsers: Any) -> None:
    """Add ``rates`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rates",
        help="compute the indicator catalogue by division and period (antidrug-rates/1)",
        description=(
            "Compute every indicator of the catalogue for every division (each level adds up the "
            "divisions below it) over a closed period of local dates, as antidrug-rates/1."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="FILE", help="an antidrug-dataset/1 JSON file")
    source.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help=f"a store URL instead of a dataset (default {DEFAULT_DB})",
    )
    parser.add_argument(
        "--period",
        default=None,
        help="required: START/END as YYYY-MM-DD/YYYY-MM-DD (both days included), 2023H1, 2023Q3, 2023",
    )
    parser.add_argument(
        "--known-at",
        metavar="T",
        default=None,
        help="use only records recorded by T (ISO 8601, e.g. 2023-07-05T12:00:00+08:00; "
        "without an offset, in the data's time zone)",
    )
    parser.add_argument(
        "--division",
        metavar="CODE",
        action="append",
        default=None,
        help="report only this division (repeatable)",
    )
    parser.add_argument(
        "--indicator",
        metavar="ID",
        action="append",
        default=None,
        help="report only this indicator (repeatable)",
    )
    parser.add_argument(
        "--organisation",
        metavar="ID",
        default=None,
        help="keep only this organisation's records in organisation figures (activities, funding …)",
    )
    parser.add_argument(
        "--view",
        choices=[v.value for v in View],
        default=View.RESPONSIBLE.value,
        help="responsible (default; divisions add up) or cooperating (a co-managing division's own people)",
    )
    parser.add_argument(
        "--explain", metavar="ID", default=None, help="add the evidence behind this indicator"
    )
    parser.add_argument("--format", choices=["json", "csv", "table"], default="json")
    parser.set_defaults(run=run)
    # ``antidrug rates verify RESULTS --dataset FILE``: recompute a results document
    # (commands/verify.py); optional, so ``antidrug rates --period …`` works as before.
    actions = parser.add_subparsers(
        dest="rates_command",
        metavar="[verify RESULTS --dataset FILE]",
        required=False,
        help="instead of computing: recompute a results document and confirm it or name each difference",
    )
    register_verify(actions)


def parse_known_at(text: str | None, time_zone: str) -> dt.datetime | None:
    """``--known-at``: an ISO 8601 instant; without an offset it is read in ``time_zone``
    (a bare date is the start of that day there, as a record without ``recorded_at`` is).

    Raises:
        InvalidInput: the text is not an ISO 8601 date or timestamp.
    """
    if text is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.of(
            "--known-at", f"{text!r} is not an ISO 8601 timestamp (e.g. 2023-07-05T12:00:00+08:00)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone(time_zone))
    return instant


def _request(args: argparse.Namespace, time_zone: str) -> EvaluationRequest:
    problems: list[Problem] = []
    period: Period | None = None
    try:
        period = Period.parse(args.period)
    except InvalidInput as error:
        problems.extend(Problem("--period", p.reason) for p in error.problems)
    known_at: dt.datetime | None = None
    try:
        known_at = parse_known_at(args.known_at, time_zone)
    except InvalidInput as error:
        problems.extend(error.problems)
    divisions: list[DivisionCode] = []
    for code in args.division or ():
        try:
            divisions.append(division_code(code))
        except InvalidInput as error:
            problems.extend(Problem("--division", p.reason) for p in error.problems)
    if problems or period is None:
        raise InvalidInput(problems)
    return EvaluationRequest(
        period=period,
        known_at=known_at,
        indicators=tuple(args.indicator) if args.indicator else None,
        divisions=tuple(divisions) if args.division else None,
        view=View(args.view),
        organisation=args.organisation,
    )


def _check_explain(args: argparse.Namespace, definitions: list[IndicatorDefinition]) -> None:
    if args.explain is None:
        return
    select_definitions(definitions, [args.explain])
    if args.indicator and args.explain not in args.indicator:
        raise InvalidInput.of(
            "--explain", f"{args.explain!r} is not among the indicators asked for with --indicator"
        )


def _store_source(store: Store) -> dict[str, Any]:
    """A store's input: where its audit chain ends (never its URL, which may hold a password)."""
    recorder = store.recorder
    if not isinstance(recorder, AuditableRecorder):
        return {"kind": "store", "chain_head": None}
    head = recorder.chain_head()
    return {"kind": "store", "chain_head": {"sequence": head.sequence, "hash": head.hash.hex()}}


def run(args: argparse.Namespace) -> int:
    if args.period is None:
        raise InvalidInput.of("--period", "is required (START/END, 2023H1, 2023Q3 or 2023)")
    if args.dataset is not None:
        dataset, input_digest = load_dataset_file_with_digest(args.dataset)
        source: dict[str, Any] = {"kind": "dataset", "digest": input_digest}
        definitions = indicator_definitions(make_plugin_manager())
        policy = dataset.policy
        request = _request(args, policy.time_zone)
        _check_explain(args, definitions)
        results = evaluate_dataset(dataset, request, definitions=definitions)
        explanations = (
            explain_dataset(dataset, request, args.explain, definitions=definitions) if args.explain else []
        )
        names = {d.code: d.name for d in dataset.divisions}
    else:
        args.db = args.db or DEFAULT_DB
        with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
            definitions = indicator_definitions(store.plugins)
            policy = store.policy
            request = _request(args, policy.time_zone)
            _check_explain(args, definitions)
            results = evaluate_in_store(uow, request)
            explanations = explain_in_store(uow, request, args.explain) if args.explain else []
            names = {d.code: d.name for d in uow.divisions()}
            source = _store_source(store)
    _print(args.format, request, policy, results, definitions, names, explanations, source)
    return 0


def _print(
    form: str,
    request: EvaluationRequest,
    policy: Policy,
    results: list[IndicatorResult],
    definitions: list[IndicatorDefinition],
    names: dict[DivisionCode, str],
    explanations: list[Explanation],
    source: dict[str, Any],
) -> None:
    if form == "json":
        document = rates_document(
            request.period,
            request.known_at,
            policy,
            results,
            explanations,
            source,
            organisation=request.organisation,
        )
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif form == "csv":
        sys.stdout.write(
            rates_csv(results, definitions=definitions, division_names=names, explanations=explanations)
        )
    else:
        sys.stdout.write(
            rates_table(
                request.period,
                request.known_at,
                policy,
                results,
                definitions=definitions,
                division_names=names,
                explanations=explanations,
            )
        )
