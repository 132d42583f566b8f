"""The ``antidrug-rates/1`` document (docs/reference/results.md), and CSV and text tables of it for people.

JSON is the normative form: ``format``, ``period``, ``known_at`` and one
entry per result with every gross count, ``value`` (the exact decimal, or
rounded half-up to 12 places; null without a value) and ``display``. We
add ``policy`` (the settings used), ``input`` (what the figures were
computed from), ``organisation`` when one organisation's records were kept,
and per result the two net counts (docs/reference/indicators.md: results
report them), ``unit`` and ``view``; ``reason``
appears when there is no value. ``--explain`` adds ``evidence``
to the results of the indicator explained.

Results are listed by division code, then in catalogue order; evidence
subjects by key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from antidrug_core.indicators.definitions import POPULATIONS, IndicatorDefinition, Unit
from antidrug_core.indicators.evidence import Explanation, RecordRef, Subject
from antidrug_core.indicators.numbers import value_text
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import IndicatorResult
from antidrug_core.model import DivisionCode
from antidrug_core.rules.policy import Policy

__all__ = [
    "RATES_FORMAT",
    "evidence_data",
    "rates_csv",
    "rates_document",
    "rates_table",
    "result_data",
]

RATES_FORMAT = "antidrug-rates/1"

_SHORT = {
    "initial_population": "IP",
    "denominator": "D",
    "denominator_exclusion": "DX",
    "denominator_exception": "DE",
    "numerator": "N",
    "numerator_exclusion": "NX",
}


def result_data(result: IndicatorResult) -> dict[str, Any]:
    """One result as an ``antidrug-rates/1`` entry."""
    data: dict[str, Any] = {
        "indicator": result.indicator,
        "version": result.version,
        "digest": result.digest,
        "division": result.division,
        "initial_population": result.initial_population,
        "denominator": result.denominator,
        "denominator_exclusion": result.denominator_exclusion,
        "denominator_exception": result.denominator_exception,
        "numerator": result.numerator,
        "numerator_exclusion": result.numerator_exclusion,
        "value": _value(result),
        "display": result.display,
        "net_denominator": result.net_denominator,
        "net_numerator": result.net_numerator,
    }
    if result.reason is not None:
        data["reason"] = result.reason
    data["unit"] = str(result.unit)
    data["view"] = str(result.view)
    return data


def _value(result: IndicatorResult) -> str | bool | None:
    """``value`` in JSON: the exact decimal as text; a flag as ``true``/``false`` (reference: results)."""
    if result.value is None:
        return None
    if result.unit is Unit.FLAG:
        return bool(result.value)
    return value_text(result.value)


def _record_data(ref: RecordRef) -> dict[str, Any]:
    return {"id": ref.id, "type": ref.type, "on": ref.on.isoformat(), "note": ref.note}


def _subject_data(subject: Subject) -> dict[str, Any]:
    data: dict[str, Any] = {"key": subject.key, str(subject.kind): subject.subject}
    if subject.item is not None:
        data["item"] = _record_data(subject.item)
    if subject.identity is not None:
        data["identity"] = subject.identity
    data["division"] = subject.division
    data["attribution"] = subject.attribution
    data["populations"] = list(subject.populations)
    if subject.adds is not None:
        data["adds"] = subject.adds
    data["checks"] = [
        {
            "population": check.population,
            "criterion": check.criterion,
            "met": check.met,
            "because": check.because,
            "records": [_record_data(r) for r in check.records],
        }
        for check in subject.checks
    ]
    return data


def evidence_data(explanation: Explanation) -> dict[str, Any]:
    """The evidence of one result: the members of each population, and every subject's checks."""
    data: dict[str, Any] = {
        "populations": {label: list(keys) for label, keys in explanation.populations.items()}
    }
    if explanation.definition.distinct is not None:
        data["values"] = list(explanation.values)
    if explanation.sealed or explanation.sealed_values:
        # Sealed files (封存) count in the result; the evidence gives their number, never who.
        data["sealed"] = dict(explanation.sealed)
        if explanation.definition.distinct is not None:
            data["sealed_values"] = explanation.sealed_values
    data["subjects"] = [_subject_data(s) for s in explanation.subjects]
    return data


def _policy_data(policy: Policy) -> dict[str, Any]:
    return {
        "responsible": str(policy.responsible),
        "test_window_days": policy.test_window_days,
        "time_zone": policy.time_zone,
    }


def rates_document(
    period: Period,
    known_at: dt.datetime | None,
    policy: Policy,
    results: Sequence[IndicatorResult],
    explanations: Sequence[Explanation] = (),
    source: Mapping[str, Any] | None = None,
    *,
    organisation: str | None = None,
) -> dict[str, Any]:
    """The ``antidrug-rates/1`` document, ready for ``json.dump``.

    Args:
        source: What the figures were computed from, so that anyone holding
            the same input can tell (``input``: a dataset file's digest, or a
            store's audit chain head; docs/reference/results.md).
        organisation: The one organisation whose records organisation figures
            kept (``--organisation``); the document says so, since those
            figures are not the division's whole.
    """
    evidence = {(e.result.indicator, e.result.division): e for e in explanations}
    entries = []
    for result in results:
        entry = result_data(result)
        explanation = evidence.get((result.indicator, result.division))
        if explanation is not None:
            entry["evidence"] = evidence_data(explanation)
        entries.append(entry)
    document: dict[str, Any] = {
        "format": RATES_FORMAT,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "known_at": known_at.isoformat() if known_at is not None else None,
        "policy": _policy_data(policy),
        **({"input": dict(source)} if source is not None else {}),
    }
    if organisation is not None:
        document["organisation"] = organisation
    document["results"] = entries
    return document


# --- CSV ------------------------------------------------------------------------------------------

_RESULT_COLUMNS = (
    "period_start",
    "period_end",
    "known_at",
    "view",
    "division",
    "division_name",
    "indicator",
    "name",
    "version",
    "digest",
    "unit",
    *POPULATIONS,
    "net_denominator",
    "net_numerator",
    "value",
    "display",
    "reason",
)

_EVIDENCE_COLUMNS = (
    "indicator",
    "division",
    "key",
    "kind",
    "subject",
    "identity",
    "counted_in",
    "attribution",
    "populations",
    "population",
    "criterion",
    "met",
    "because",
    "records",
)


def _names(definitions: Sequence[IndicatorDefinition]) -> dict[str, str]:
    return {d.id: d.name_zh for d in definitions}


def rates_csv(
    results: Sequence[IndicatorResult],
    *,
    definitions: Sequence[IndicatorDefinition] = (),
    division_names: Mapping[DivisionCode, str] | None = None,
    explanations: Sequence[Explanation] = (),
) -> str:
    """Results as CSV, one row each; with explanations, the evidence instead, one row per check.

    A CSV file holds one table, so evidence (which has another shape) replaces
    the results rather than following them; each evidence row names its
    indicator and division.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if explanations:
        writer.writerow(_EVIDENCE_COLUMNS)
        for explanation in explanations:
            for subject in explanation.subjects:
                for check in subject.checks:
                    writer.writerow(
                        [
                            explanation.result.indicator,
                            explanation.result.division,
                            subject.key,
                            str(subject.kind),
                            subject.subject,
                            subject.identity or "",
                            subject.division,
                            subject.attribution,
                            " ".join(subject.populations),
                            check.population,
                            check.criterion,
                            "yes" if check.met else "no",
                            check.because,
                            "; ".join(f"{r.id} {r.type} {r.on} {r.note}" for r in check.records),
                        ]
                    )
            for population, count in explanation.sealed.items():
                row = [explanation.result.indicator, explanation.result.division, "(sealed)", "person"]
                because = f"{count} sealed files (封存) counted, not named"
                writer.writerow([*row, "", "", "", "", population, population, "", "", because, ""])
        return out.getvalue()
    names = _names(definitions)
    division_names = division_names or {}
    writer.writerow(_RESULT_COLUMNS)
    for r in results:
        writer.writerow(
            [
                r.period.start.isoformat(),
                r.period.end.isoformat(),
                r.known_at.isoformat() if r.known_at else "",
                str(r.view),
                r.division,
                division_names.get(r.division, ""),
                r.indicator,
                names.get(r.indicator, ""),
                r.version,
                r.digest,
                str(r.unit),
                *r.counts,
                r.net_denominator,
                r.net_numerator,
                _csv_value(r),
                r.display,
                r.reason or "",
            ]
        )
    return out.getvalue()


def _csv_value(result: IndicatorResult) -> str:
    value = _value(result)
    return "" if value is None else str(value).lower() if isinstance(value, bool) else value


# --- text table -------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def _grid(rows: list[list[str]], numeric: set[int]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(c, widths[i], i in numeric) for i, c in enumerate(row)).rstrip() for row in rows]


def rates_table(
    period: Period,
    known_at: dt.datetime | None,
    policy: Policy,
    results: Sequence[IndicatorResult],
    *,
    definitions: Sequence[IndicatorDefinition] = (),
    division_names: Mapping[DivisionCode, str] | None = None,
    explanations: Sequence[Explanation] = (),
) -> str:
    """Results as an aligned text table for a terminal, then any evidence, person by person."""
    names = _names(definitions)
    division_names = division_names or {}
    known = known_at.isoformat() if known_at else "(everything recorded)"
    window = policy.test_window_days
    lines = [
        f"{RATES_FORMAT}  period {period}  known at {known}",
        f"policy: {policy.responsible}, test window ±{window} days, time zone {policy.time_zone}",
        "",
    ]
    header = ["division", "name", "indicator", "指标", *(_SHORT[p] for p in POPULATIONS), "net", "value"]
    rows = [header]
    for r in results:
        rows.append(
            [
                r.division,
                division_names.get(r.division, ""),
                r.indicator,
                names.get(r.indicator, ""),
                str(r.initial_population),
                str(r.denominator),
                str(r.denominator_exclusion),
                str(r.denominator_exception),
                str(r.numerator),
                str(r.numerator_exclusion),
                _net(r),
                r.display + (" (cooperating view)" if str(r.view) == "cooperating" else ""),
            ]
        )
    lines += _grid(rows, numeric=set(range(4, 12)))
    for explanation in explanations:
        lines += ["", *_explanation_lines(explanation, division_names)]
    return "\n".join(lines) + "\n"


def _net(result: IndicatorResult) -> str:
    """The table's ``net`` column: N − NX for counts, sums and flags (of items or subjects), N − NX over
    D − DX − DE for rates."""
    if result.unit in (Unit.PERCENT, Unit.RATIO):
        return f"{result.net_numerator}/{result.net_denominator}"
    return str(result.net_numerator)


_SUMMARY = {
    Unit.COUNT: "N − NX",
    Unit.SUM: "Σ over N − NX",
    Unit.FLAG: "flag from N − NX",
}


def _explanation_lines(explanation: Explanation, division_names: Mapping[DivisionCode, str]) -> list[str]:
    r = explanation.result
    d = explanation.definition
    name = division_names.get(r.division, "")
    lines = [
        f"== {d.id} {d.name_zh} — {r.division} {name} — {r.period} ({r.view})",
        f"   definition v{d.version} {r.digest}",
        "   "
        + "  ".join(
            f"{_SHORT[p]} {len(explanation.populations[p]) + explanation.sealed.get(p, 0)}"
            for p in POPULATIONS
        )
        + (
            f"  → {r.net_numerator}/{r.net_denominator} = {r.display}"
            if r.unit in (Unit.PERCENT, Unit.RATIO)
            else f"  → {_SUMMARY[r.unit]} = {r.display}"
        )
        + (f" ({r.reason})" if r.reason else ""),
    ]
    if explanation.sealed:
        counted = "  ".join(f"{_SHORT[p]} {n}" for p, n in explanation.sealed.items())
        lines.append(f"   of which sealed files (封存), counted but not named: {counted}")
    for subject in explanation.subjects:
        who = subject.subject + (f" {subject.identity}" if subject.identity else "")
        what = f"{subject.item.id} ({subject.item.type} {subject.item.on}) of {who}" if subject.item else who
        inside = " ".join(_SHORT[p] for p in subject.populations) or "not in IP"
        adds = f" (adds {subject.adds})" if subject.adds is not None else ""
        lines.append(f"   {what}: {inside}{adds}")
        lines.append(f"      {subject.attribution}")
        for check in subject.checks:
            mark = "✓" if check.met else "✗"
            lines.append(f"      {mark} {_SHORT[check.population]} {check.criterion}: {check.because}")
            for ref in check.records:
                lines.append(f"          {ref.id} {ref.type} {ref.on}: {ref.note}")
    return lines
