"""Definitions in words, and the catalogue page of the reference (docs/reference/catalogue.md).

An auditor reads the catalogue as a table, not as Python: each definition's
id, names, version, digest, unit and every population's criterion said in
words. The words are made from the definition data itself, so the page
cannot say one thing while the library computes another; a test holds the
committed page equal to ``catalogue_page(standard_catalogue())`` and
``antidrug catalogue --standard --format markdown --output
docs/reference/catalogue.md`` (``nox -s catalogue``) rewrites it.

A criterion or item source this module does not know (one a plugin adds) is
shown as its canonical JSON: exact, if less friendly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from antidrug_core.converter import unstructure
from antidrug_core.indicators.canonical import digest
from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    CountsMatch,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    Not,
    StatusIn,
    When,
)
from antidrug_core.indicators.definitions import (
    POPULATIONS,
    AcceptedTransfers,
    Basis,
    Direction,
    DueTests,
    IndicatorDefinition,
    ItemSource,
    RecordsInPeriod,
)
from antidrug_core.model import Status

__all__ = ["catalogue_page", "criterion_words", "definition_words", "items_words"]

_LABELS = {
    "initial_population": "IP",
    "denominator": "D",
    "denominator_exclusion": "DX",
    "denominator_exception": "DE",
    "numerator": "N",
    "numerator_exclusion": "NX",
}
_FIELDS = {
    "initial_population": "initial",
    "denominator": "denominator",
    "denominator_exclusion": "denominator_exclusion",
    "denominator_exception": "denominator_exception",
    "numerator": "numerator",
    "numerator_exclusion": "numerator_exclusion",
}
_WHEN = {
    When.PERIOD: "dated in the period",
    When.BY_PERIOD_END: "dated on or before the period end",
    When.PERIOD_END: "in effect at the period end",
}


def _code(text: str) -> str:
    return f"`{text}`"


def _raw(value: object) -> str:
    return "`" + json.dumps(unstructure(value), ensure_ascii=False, sort_keys=True) + "`"


def criterion_words(criterion: Criterion) -> str:
    """One criterion in words (``at least one face_check with method in {…} dated in the period``)."""
    match criterion:
        case StatusIn(statuses=statuses):
            ordered = [s for s in Status if s in statuses]
            return "status at the period end is " + " or ".join(_code(s.value) for s in ordered)
        case HasRecord(types=types, when=when, where=where):
            kinds = " or ".join(_code(t) for t in types)
            condition = (
                " with " + " and ".join(f"`{f}` in {{{', '.join(v)}}}" for f, v in where) if where else ""
            )
            return f"at least one {kinds} record{condition} {_WHEN[when]}"
        case InLostContact(when=when):
            if when is When.PERIOD_END:
                return "in lost contact at the period end"
            return "in lost contact at any time in the period"
        case EveryDueExcused(kind=kind):
            what = f"{kind.value} tests" if kind is not None else "tests"
            return f"had {what} due in the period, and every one was excused by the period end"
        case AllOf(criteria=inner):
            return "(" + " and ".join(criterion_words(c) for c in inner) + ")" if inner else "always"
        case AnyOf(criteria=inner):
            return "(" + " or ".join(criterion_words(c) for c in inner) + ")" if inner else "never"
        case Not(criterion=inner):
            return f"not ({criterion_words(inner)})"
        case FulfilledInWindow():
            return (
                "the due test was fulfilled, on or before the period end, by a test taken within "
                "due date ± `test_window_days`"
            )
        case DueExcused():
            return "the due test was excused, with a reason, on or before the period end"
        case CountsMatch():
            return "every `stock_counted` dated in the period equals the ledger balance at the end of its day"
    return _raw(criterion)


def items_words(items: ItemSource) -> str:
    """An event-based definition's items in words."""
    match items:
        case DueTests(kind=kind):
            what = f"{kind.value} tests" if kind is not None else "tests of any kind"
            return f"{what} due in the period (`test_due` dated in it)"
        case RecordsInPeriod(types=types, where=where):
            condition = (
                " with " + " and ".join(f"`{f}` in {{{', '.join(v)}}}" for f, v in where) if where else ""
            )
            return " or ".join(_code(t) for t in types) + f" records{condition} dated in the period"
        case AcceptedTransfers(direction=direction):
            side = "receiving (`to`)" if direction is Direction.IN else "sending (`from`)"
            return f"transfers accepted in the period, counted at the {side} division"
    return _raw(items)


def definition_words(definition: IndicatorDefinition) -> list[str]:
    """Every population of a definition in words, in gating order, one line each."""
    lines: list[str] = []
    if definition.basis is Basis.EVENT and definition.items is not None:
        lines.append(f"items: {items_words(definition.items)}, of the people in IP")
    for population in POPULATIONS:
        criterion: Criterion | None = getattr(definition, _FIELDS[population])
        label = _LABELS[population]
        if criterion is not None:
            lines.append(f"{label}: {criterion_words(criterion)}")
        elif population == "initial_population":
            lines.append(f"{label}: everyone attributed to the division")
    if definition.part_of is not None:
        part = definition.part_of
        which = "is empty" if part.value is None else f"is `{part.value}`"
        lines.append(f"part of `{part.whole}`: the items whose `{part.by}` {which} ({part.label})")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def catalogue_page(definitions: Sequence[IndicatorDefinition]) -> str:
    """The catalogue page of the reference, as Markdown."""
    out = [
        "# The catalogue",
        "",
        "<!-- Generated from the shipped definitions by `antidrug catalogue --standard --format markdown`",
        "     (nox -s catalogue). Do not edit: a test holds this page equal to the definitions. -->",
        "",
        "Every definition of the standard catalogue, as the library ships it. The criteria are",
        "said in words made from the definition data; [Indicator semantics](indicators.md)",
        "says what the words mean (gating, dates, attribution, numbers). A population the",
        "table does not name lets everyone through for IP, D and N, and no one for DX, DE",
        "and NX. A result names the `id`, `version` and `digest` of the definition it was",
        "computed with; the digest is `sha256:` and the hex SHA-256 of the definition's",
        "canonical form ([Indicator semantics](indicators.md#definitions-are-data)).",
        "",
        "| id | 中文 / English | version | unit | decimals, rounding | criteria |",
        "|---|---|---|---|---|---|",
    ]
    for d in definitions:
        criteria = "<br>".join(_cell(line) for line in definition_words(d))
        shown = f"{d.decimals}, {d.rounding.value}"
        basis = " (items)" if d.basis is Basis.EVENT else ""
        out.append(
            f"| `{d.id}` | {_cell(d.name_zh)}<br>{_cell(d.name_en)} | {d.version} | "
            f"{d.unit.value}{basis} | {shown} | {criteria} |"
        )
    out += ["", "## Digests", "", "| id | version | digest |", "|---|---|---|"]
    out += [f"| `{d.id}` | {d.version} | `{digest(d)}` |" for d in definitions]
    return "\n".join(out) + "\n"
