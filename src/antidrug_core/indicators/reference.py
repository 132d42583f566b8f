"""The reference evaluator: plain Python an auditor can read beside docs/reference/indicators.md.

How a figure is made, in the order of the specification:

1. **Time.** Each person file is taken as known at ``known_at`` (records
   recorded at or before it; voids known by then), and every criterion is
   read as of the period ``[start, end]``, both days included
   (``PersonFacts``).
2. **Places.** The person is attributed to the responsible division on the
   period end (``PersonFacts.homes``); under the cooperating view, to each
   division that co-manages them instead.
3. **Populations.** Each criterion answers yes or no for the person (or
   item), and the populations are gated, each by its parent
   (``membership``): IP, D = IP ∩ denominator, DX = D ∩ exclusion,
   N = (D − DX) ∩ numerator, DE = (D − DX − N) ∩ exception, NX = N ∩
   numerator exclusion.
4. **Aggregation.** A division's populations are the union of those of the
   divisions below it and its own. Each person is attributed to exactly one
   responsible division, so the sets are disjoint and the union's size is
   the sum of the sizes: counting once at the responsible division and
   adding along the division tree is the union, never an average.
   Co-managing views are never added upward.
5. **Numbers.** Score = |N − NX| / |D − DX − DE| as an exact fraction; no
   value (with the reason) when the net denominator is 0
   (``result_from_counts``).

Files are read one at a time and every definition is evaluated for every
division in that one pass, so memory holds one person and the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction

import attrs

from antidrug_core.indicators._fields import matches
from antidrug_core.indicators.canonical import digest
from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
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
    Unit,
)
from antidrug_core.indicators.facts import PersonFacts
from antidrug_core.indicators.numbers import display
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult, View
from antidrug_core.model import DivisionCode, DivisionTree, Record, TestDue
from antidrug_core.rules.policy import Policy
from antidrug_core.state import PersonFile

__all__ = [
    "Counts",
    "Membership",
    "evaluate_files",
    "holds",
    "items_of",
    "membership",
    "result_from_counts",
]

Membership = tuple[bool, bool, bool, bool, bool, bool]
"""In (IP, D, DX, DE, N, NX), in the order of ``definitions.POPULATIONS``."""

Counts = tuple[int, int, int, int, int, int]
"""|IP|, |D|, |DX|, |DE|, |N|, |NX|."""


# --- 3. criteria: yes or no for one person (or one item) ---------------------------------------


def holds(criterion: Criterion, facts: PersonFacts, item: Record | None = None) -> bool:
    """Whether the person of ``facts`` (and ``item``, for item criteria) meets ``criterion``."""
    match criterion:
        case StatusIn(statuses=statuses):
            return facts.status_at_end() in statuses
        case HasRecord(types=types, when=when, where=where):
            return any(facts.dated(r, when) and matches(r, where.fields) for r in facts.records(types))
        case InLostContact(when=When.PERIOD):
            return any(facts.spell_touches_period(spell) for spell in facts.spells())
        case InLostContact():
            return any(facts.spell_open_at_end(spell) for spell in facts.spells())
        case EveryDueExcused(kind=kind):
            dues = facts.due_in_period(kind)
            excused = facts.excuses_by_end()
            return bool(dues) and all(d.id in excused for d in dues)
        case AllOf(criteria=criteria):
            return all(holds(c, facts, item) for c in criteria)
        case AnyOf(criteria=criteria):
            return any(holds(c, facts, item) for c in criteria)
        case Not(criterion=inner):
            return not holds(inner, facts, item)
        case FulfilledInWindow():
            test = facts.fulfilling_test(_due(criterion, item))
            return test is not None and facts.in_window(_due(criterion, item), test)
        case DueExcused():
            return _due(criterion, item).id in facts.excuses_by_end()
    raise TypeError(f"no rule for criterion {criterion!r}")


def _due(criterion: Criterion, item: Record | None) -> TestDue:
    if not isinstance(item, TestDue):
        raise TypeError(f"{criterion.op} is about a due test, not {item!r}")
    return item


def _met(criterion: Criterion | None, facts: PersonFacts, item: Record | None, *, absent: bool) -> bool:
    return absent if criterion is None else holds(criterion, facts, item)


def membership(
    definition: IndicatorDefinition, facts: PersonFacts, item: Record | None = None
) -> Membership | None:
    """Which populations the person (or item) is in; None when not in the initial population.

    Each population is gated by its parent, so DX ⊆ D ⊆ IP, N ⊆ D − DX,
    DE ⊆ (D − DX) − N and NX ⊆ N hold by construction.
    """
    if not _met(definition.initial, facts, item, absent=True):
        return None
    in_d = _met(definition.denominator, facts, item, absent=True)
    in_dx = in_d and _met(definition.denominator_exclusion, facts, item, absent=False)
    in_n = in_d and not in_dx and _met(definition.numerator, facts, item, absent=True)
    in_de = (
        in_d and not in_dx and not in_n and _met(definition.denominator_exception, facts, item, absent=False)
    )
    in_nx = in_n and _met(definition.numerator_exclusion, facts, item, absent=False)
    return (True, in_d, in_dx, in_de, in_n, in_nx)


def items_of(source: ItemSource, facts: PersonFacts) -> Iterator[tuple[Record, DivisionCode | None]]:
    """The items of an event-based definition for one person, each with the division it
    belongs to when that is not the person's (a transfer's receiving or sending side)."""
    match source:
        case DueTests(kind=kind):
            for due in facts.due_in_period(kind):
                yield due, None
        case RecordsInPeriod(types=types, where=where):
            for record in facts.records(types):
                if facts.dated(record, When.PERIOD) and matches(record, where.fields):
                    yield record, None
        case AcceptedTransfers(direction=direction):
            for accepted, transfer in facts.transfers_accepted_in_period():
                request = transfer.request
                yield accepted, (request.to_division if direction is Direction.IN else request.from_division)
        case _:
            raise TypeError(f"no rule for item source {source!r}")


# --- 4. counting, and aggregation up the tree ----------------------------------------------------


class _Tally:
    """Population sizes per division a person or item counts in directly, for every definition."""

    def __init__(self, definitions: int) -> None:
        self.width = definitions * 6
        self.by_division: dict[DivisionCode, list[int]] = {}

    def add(self, division: DivisionCode, index: int, member: Membership) -> None:
        row = self.by_division.get(division)
        if row is None:
            row = self.by_division[division] = [0] * self.width
        base = index * 6
        for offset, inside in enumerate(member):
            if inside:
                row[base + offset] += 1

    def aggregated(self, tree: DivisionTree, view: View) -> dict[DivisionCode, list[int]]:
        """Each division's sizes: its own plus everything below it (the cooperating view: its own only)."""
        if view is View.COOPERATING:
            return self.by_division
        totals: dict[DivisionCode, list[int]] = {}
        for division, row in self.by_division.items():
            for above in tree.lineage(division):
                total = totals.get(above)
                if total is None:
                    total = totals[above] = [0] * self.width
                for position, size in enumerate(row):
                    total[position] += size
        return totals


def _count_person(
    tally: _Tally, definitions: Sequence[IndicatorDefinition], facts: PersonFacts, view: View
) -> None:
    homes = facts.homes(view)
    if not homes:
        return
    for index, definition in enumerate(definitions):
        if definition.basis is Basis.PERSON:
            member = membership(definition, facts)
            if member is not None:
                for division in homes:
                    tally.add(division, index, member)
            continue
        assert definition.items is not None
        for item, own in items_of(definition.items, facts):
            member = membership(definition, facts, item)
            if member is None:
                continue
            for division in homes if own is None or view is View.COOPERATING else (own,):
                tally.add(division, index, member)


# --- 5. numbers -----------------------------------------------------------------------------------


def result_from_counts(
    definition: IndicatorDefinition,
    division: DivisionCode,
    counts: Counts,
    request: EvaluationRequest,
    policy: Policy,
) -> IndicatorResult:
    """The result for one definition and division from its population sizes.

    A count's value is |N − NX|. A rate's value is the exact fraction
    |N − NX| / |D − DX − DE|, and there is none (``—``, with the reason)
    when that denominator is 0: never 0 % and never 100 %.
    """
    ip, d, dx, de, n, nx = counts
    net_denominator, net_numerator = d - dx - de, n - nx
    value: Fraction | None
    reason: str | None = None
    if definition.unit is Unit.COUNT:
        value = Fraction(net_numerator)
    elif net_denominator == 0:
        value = None
        reason = (
            f"no value: the net denominator D − DX − DE is 0 (D {d}, DX {dx}, DE {de})"
            if d
            else "no value: the denominator is empty (no one meets the denominator criteria)"
        )
    else:
        value = Fraction(net_numerator, net_denominator)
    return IndicatorResult(
        indicator=definition.id,
        version=definition.version,
        digest=digest(definition),
        division=division,
        period=request.period,
        known_at=request.known_at,
        policy=policy,
        view=request.view,
        unit=definition.unit,
        initial_population=ip,
        denominator=d,
        denominator_exclusion=dx,
        denominator_exception=de,
        numerator=n,
        numerator_exclusion=nx,
        value=value,
        display=display(value, definition.unit, definition.decimals, definition.rounding),
        reason=reason,
    )


# --- the whole pass ---------------------------------------------------------------------------


def evaluate_files(
    files: Iterable[PersonFile],
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    divisions: Sequence[DivisionCode] | None = None,
) -> list[IndicatorResult]:
    """Every definition for every division, in one pass over ``files``.

    Args:
        files: Person files as known at ``request.known_at`` (built by the
            caller, streamed one at a time).
        definitions: What to evaluate, in the order results are listed.
        request: The period, ``known_at`` and view.
        tree: The division hierarchy used to add divisions up.
        policy: The settings in force (responsibility, test window).
        divisions: The divisions to report; None for every division of the
            tree and every division someone counts in.

    Returns:
        One result per division (by code) and definition (in the order given).
    """
    tally = _Tally(len(definitions))
    for file in files:
        if file.registration is None:
            continue  # not yet registered as known at ``known_at``
        _count_person(tally, definitions, PersonFacts(file, request.period, policy), request.view)
    totals = tally.aggregated(tree, request.view)
    codes = sorted({d.code for d in tree} | set(totals)) if divisions is None else list(divisions)
    empty = [0] * (len(definitions) * 6)
    results: list[IndicatorResult] = []
    for division in codes:
        row = totals.get(division, empty)
        for index, definition in enumerate(definitions):
            counts: Counts = tuple(row[index * 6 : index * 6 + 6])  # type: ignore[assignment]
            results.append(result_from_counts(definition, division, counts, request, policy))
    return results


def population_labels(member: Membership) -> tuple[str, ...]:
    """The population labels of a membership, in report order."""
    return tuple(label for label, inside in zip(POPULATIONS, member, strict=True) if inside)


def with_policy(request: EvaluationRequest, policy: Policy) -> EvaluationRequest:
    """``request`` with the policy it is evaluated under filled in."""
    return attrs.evolve(request, policy=policy)


def counts_by_label(counts: Counts) -> Mapping[str, int]:
    """Population sizes by label."""
    return dict(zip(POPULATIONS, counts, strict=True))
