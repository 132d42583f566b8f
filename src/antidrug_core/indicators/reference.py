"""The reference evaluator: plain Python an auditor can read beside docs/reference/indicators.md.

How a figure is made, in the order of the specification:

1. **Time.** Each subject's file (a person's, a unit's, an organisation's)
   is taken as known at ``known_at`` (records recorded at or before it;
   voids known by then), and every criterion is read as of the period
   ``[start, end]``, both days included (``facts.facts_for``).
2. **Places.** A person is attributed to the responsible division on the
   period end (``PersonFacts.homes``); under the cooperating view, to each
   division that co-manages them instead. A unit or an organisation is
   attributed to its division on the period end; an item drawn from its
   records counts in the record's own ``division`` when it names one.
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
   Sums add up the same way; distinct values are united, never added.
5. **Numbers.** Score = |N − NX| / |D − DX − DE| as an exact fraction; no
   value (with the reason) when the net denominator is 0
   (``result_from_counts``). A count is |N − NX| (or the number of distinct
   values); a sum is Σ of a field over the items of N − NX, exact; a flag is
   yes or no from the division's own populations, which already hold
   everything below it: never a vote.

Files are read one at a time and every definition is evaluated for every
division in that one pass, so memory holds one subject and the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

import attrs

from antidrug_core.indicators._fields import field_texts, field_value, matches
from antidrug_core.indicators.canonical import digest
from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    CountsMatch,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FollowedBy,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    InScope,
    ItemField,
    Not,
    ReferencedBy,
    StatusIn,
    SubjectIn,
    When,
)
from antidrug_core.indicators.definitions import (
    POPULATIONS,
    AcceptedTransfers,
    Basis,
    Direction,
    DueTests,
    FlagRule,
    IndicatorDefinition,
    ItemSource,
    Records,
    RecordsInPeriod,
    Unit,
)
from antidrug_core.indicators.facts import OrganisationFacts, PersonFacts, SubjectFacts, UnitFacts, facts_for
from antidrug_core.indicators.numbers import display
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult, View
from antidrug_core.model import DivisionCode, DivisionTree, Record, SubjectKind, TestDue
from antidrug_core.rules.policy import Policy
from antidrug_core.state import SubjectFile, UnitFile, canonical_order
from antidrug_core.state.chemical_facts import counts_in as counts_dated_in
from antidrug_core.state.ledger import CountLine

__all__ = [
    "Counts",
    "Membership",
    "Tally",
    "contribution",
    "evaluate_files",
    "holds",
    "items_of",
    "membership",
    "result_from_counts",
    "results_of_tally",
    "tally_files",
]

Membership = tuple[bool, bool, bool, bool, bool, bool]
"""In (IP, D, DX, DE, N, NX), in the order of ``definitions.POPULATIONS``."""

Counts = tuple[int, int, int, int, int, int]
"""|IP|, |D|, |DX|, |DE|, |N|, |NX|."""


# --- 3. criteria: yes or no for one person (or one item) ---------------------------------------


def holds(criterion: Criterion, facts: SubjectFacts, item: Record | None = None) -> bool:
    """Whether the subject of ``facts`` (and ``item``, for item criteria) meets ``criterion``."""
    match criterion:
        case StatusIn(statuses=statuses):
            return _person(facts).status_at_end() in statuses
        case HasRecord(types=types, when=when, where=where):
            return any(facts.dated(r, when) and matches(r, where.fields) for r in facts.records(types))
        case InLostContact(when=When.PERIOD):
            person = _person(facts)
            return any(person.spell_touches_period(spell) for spell in person.spells())
        case InLostContact():
            person = _person(facts)
            return any(person.spell_open_at_end(spell) for spell in person.spells())
        case EveryDueExcused(kind=kind):
            dues = _person(facts).due_in_period(kind)
            excused = _person(facts).excuses_by_end()
            return bool(dues) and all(d.id in excused for d in dues)
        case AllOf(criteria=criteria):
            return all(holds(c, facts, item) for c in criteria)
        case AnyOf(criteria=criteria):
            return any(holds(c, facts, item) for c in criteria)
        case Not(criterion=inner):
            return not holds(inner, facts, item)
        case FulfilledInWindow():
            test = _person(facts).fulfilling_test(_due(criterion, item))
            return test is not None and _person(facts).in_window(_due(criterion, item), test)
        case DueExcused():
            return _due(criterion, item).id in _person(facts).excuses_by_end()
        case InScope():
            return _unit_or_organisation(facts).in_scope_at_end()
        case SubjectIn(field=field, values=values):
            state = _unit_or_organisation(facts).state_at_end()
            return any(text in values for text in field_texts(getattr(state, field, None)))
        case ItemField(field=field, values=values, when=when):
            return _item_field(field, values, when, facts, _item(criterion, item))
        case ReferencedBy(types=types, field=field, by=by):
            return any(True for _ in referencing(facts, _item(criterion, item), types, field, by))
        case FollowedBy(types=types, same=same):
            return any(True for _ in followers(facts, _item(criterion, item), types, same))
        case CountsMatch():
            return all(line.matched for line in period_counts(facts))
    raise TypeError(f"no rule for criterion {criterion!r}")


def period_counts(facts: SubjectFacts) -> tuple[CountLine, ...]:
    """The unit's stock counts dated in the period, each held against the ledger balance."""
    file = _unit_or_organisation(facts).file
    assert isinstance(file, UnitFile)
    return counts_dated_in(file, facts.start, facts.end)


def _person(facts: SubjectFacts) -> PersonFacts:
    if not isinstance(facts, PersonFacts):
        raise TypeError(f"a criterion about people asked of a {facts.kind}")
    return facts


def _unit_or_organisation(facts: SubjectFacts) -> UnitFacts | OrganisationFacts:
    if not isinstance(facts, UnitFacts | OrganisationFacts):
        raise TypeError(f"a criterion about units and organisations asked of a {facts.kind}")
    return facts


def _item(criterion: Criterion, item: Record | None) -> Record:
    if item is None:
        raise TypeError(f"{criterion.op} is about an item, and none was given")
    return item


def _item_field(
    field: str, values: tuple[str, ...], when: When | None, facts: SubjectFacts, item: Record
) -> bool:
    """The item has a value in ``field``: one of ``values`` if any, a date dated as ``when`` if given."""
    value = field_value(item, field)
    texts = field_texts(value)
    if not texts or (values and not any(text in values for text in texts)):
        return False
    return when is None or (isinstance(value, dt.date) and facts.date_is(value, when))


def referencing(
    facts: SubjectFacts, item: Record, types: tuple[str, ...], field: str, by: str | None
) -> Iterator[Record]:
    """The effective records of ``types`` naming ``item`` in ``field``, dated on or before the period
    end (and on or before the item's date ``by``, if given)."""
    limit = field_value(item, by) if by is not None else None
    for record in facts.records(types):
        if field_value(record, field) != item.id or record.on > facts.end:
            continue
        if by is not None and not (isinstance(limit, dt.date) and record.on <= limit):
            continue
        yield record


def followers(
    facts: SubjectFacts, item: Record, types: tuple[str, ...], same: tuple[str, ...]
) -> Iterator[Record]:
    """The effective records of ``types`` after ``item`` (canonical order), dated on or before the
    period end, with the item's values in the fields ``same``."""
    after = canonical_order(item)
    for record in facts.records(types):
        if canonical_order(record) <= after or record.on > facts.end:
            continue
        if all(field_value(record, f) == field_value(item, f) for f in same):
            yield record


def _due(criterion: Criterion, item: Record | None) -> TestDue:
    if not isinstance(item, TestDue):
        raise TypeError(f"{criterion.op} is about a due test, not {item!r}")
    return item


def _met(criterion: Criterion | None, facts: SubjectFacts, item: Record | None, *, absent: bool) -> bool:
    return absent if criterion is None else holds(criterion, facts, item)


def membership(
    definition: IndicatorDefinition, facts: SubjectFacts, item: Record | None = None
) -> Membership | None:
    """Which populations the subject (or item) is in; None when not in the initial population.

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


def items_of(source: ItemSource, facts: SubjectFacts) -> Iterator[tuple[Record, DivisionCode | None]]:
    """The items of an event-based definition for one subject, each with the division it
    belongs to when that is not the subject's: a transfer's receiving or sending side, or the
    ``division`` a unit's or organisation's record names for itself."""
    match source:
        case DueTests(kind=kind):
            for due in _person(facts).due_in_period(kind):
                yield due, None
        case RecordsInPeriod(types=types, where=where):
            for record in facts.records(types):
                if facts.dated(record, When.PERIOD) and matches(record, where.fields):
                    yield record, facts.item_division(record)
        case Records(types=types, when=when, date=date, where=where):
            for record in facts.records(types):
                day = field_value(record, date)
                if isinstance(day, dt.date) and facts.date_is(day, when) and matches(record, where.fields):
                    yield record, facts.item_division(record)
        case AcceptedTransfers(direction=direction):
            for accepted, transfer in _person(facts).transfers_accepted_in_period():
                request = transfer.request
                yield accepted, (request.to_division if direction is Direction.IN else request.from_division)
        case _:
            raise TypeError(f"no rule for item source {source!r}")


def contribution(
    definition: IndicatorDefinition, facts: SubjectFacts, item: Record
) -> tuple[Fraction, frozenset[tuple[str, str]]]:
    """What one item of N − NX adds besides being counted: its ``sum_of`` value (exact; an
    empty field adds 0) and its ``distinct`` keys ((subject or "", value) pairs)."""
    amount = Fraction(0)
    if definition.sum_of is not None:
        value = field_value(item, definition.sum_of)
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            amount = Fraction(value)
    keys: frozenset[tuple[str, str]] = frozenset()
    if definition.distinct is not None:
        wanted = definition.distinct.values
        owner = facts.subject if definition.distinct.per_subject else ""
        keys = frozenset(
            (owner, text)
            for text in field_texts(field_value(item, definition.distinct.field))
            if not wanted or text in wanted
        )
    return amount, keys


# --- 4. counting, and aggregation up the tree ----------------------------------------------------


class Tally:
    """Population sizes per division a subject or item counts in directly, for every definition;
    and, for sums and distinct counts, what the members of N − NX add.

    Tallies of different subjects add up exactly (``add_tally``): sizes and
    sums are added and distinct values united, so files may be counted in
    parts, in any order, and the parts' tallies added (``indicators.parallel``).
    A tally holds only counts, fractions and sets of text, so it can be
    pickled back from another process.
    """

    def __init__(self, definitions: int) -> None:
        self.width = definitions * 6
        self.by_division: dict[DivisionCode, list[int]] = {}
        self.amounts: dict[tuple[DivisionCode, int], Fraction] = {}
        self.values: dict[tuple[DivisionCode, int], set[tuple[str, str]]] = {}

    def add(self, division: DivisionCode, index: int, member: Membership) -> None:
        row = self.by_division.get(division)
        if row is None:
            row = self.by_division[division] = [0] * self.width
        base = index * 6
        for offset, inside in enumerate(member):
            if inside:
                row[base + offset] += 1

    def add_contribution(
        self, division: DivisionCode, index: int, amount: Fraction, keys: frozenset[tuple[str, str]]
    ) -> None:
        key = (division, index)
        self.amounts[key] = self.amounts.get(key, Fraction(0)) + amount
        self.values.setdefault(key, set()).update(keys)

    def add_tally(self, other: Tally) -> None:
        """Add the counts of ``other``, a tally of other subjects for the same definitions."""
        if other.width != self.width:
            raise ValueError(f"a tally of {other.width // 6} definitions added to one of {self.width // 6}")
        for division, row in other.by_division.items():
            total = self.by_division.get(division)
            if total is None:
                self.by_division[division] = list(row)
            else:
                for position, size in enumerate(row):
                    total[position] += size
        for key, amount in other.amounts.items():
            self.amounts[key] = self.amounts.get(key, Fraction(0)) + amount
        for key, values in other.values.items():
            self.values.setdefault(key, set()).update(values)

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

    def aggregated_amounts(
        self, tree: DivisionTree, view: View
    ) -> tuple[
        dict[tuple[DivisionCode, int], Fraction], dict[tuple[DivisionCode, int], set[tuple[str, str]]]
    ]:
        """Each division's sums (added up the tree) and distinct values (united up the tree)."""
        if view is View.COOPERATING:
            return self.amounts, self.values
        amounts: dict[tuple[DivisionCode, int], Fraction] = {}
        values: dict[tuple[DivisionCode, int], set[tuple[str, str]]] = {}
        for (division, index), amount in self.amounts.items():
            for above in tree.lineage(division):
                amounts[(above, index)] = amounts.get((above, index), Fraction(0)) + amount
                values.setdefault((above, index), set()).update(self.values[(division, index)])
        return amounts, values


def _aggregates(definition: IndicatorDefinition) -> bool:
    return definition.sum_of is not None or definition.distinct is not None


def _count_subject(
    tally: Tally,
    definitions: Sequence[tuple[int, IndicatorDefinition, bool]],
    facts: SubjectFacts,
    view: View,
) -> None:
    """Count one subject (and its items) in the divisions it counts in directly, for each
    ``(index, definition, whether it sums or counts distinct values)``."""
    homes = facts.homes(view)
    if not homes:
        return
    for index, definition, aggregates in definitions:
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
            counted = member[4] and not member[5]  # in N − NX
            extra = contribution(definition, facts, item) if aggregates and counted else None
            for division in homes if own is None or view is View.COOPERATING else (own,):
                tally.add(division, index, member)
                if extra is not None:
                    tally.add_contribution(division, index, *extra)


# --- 5. numbers -----------------------------------------------------------------------------------


def result_from_counts(
    definition: IndicatorDefinition,
    division: DivisionCode,
    counts: Counts,
    request: EvaluationRequest,
    policy: Policy,
    *,
    amount: Fraction = Fraction(0),
    distinct: int = 0,
    definition_digest: str | None = None,
) -> IndicatorResult:
    """The result for one definition and division from its population sizes.

    ``definition_digest`` is ``digest(definition)`` when the caller has it:
    making one result per division of a province, working it out again (the
    definition hashed and compared field by field) took longer than the rest.

    A count's value is |N − NX| (or ``distinct``, the number of distinct
    values, for a count of distinct values); a sum's is ``amount``, the exact
    Σ over N − NX. A flag is 1 (yes) or 0 (no) as its rule says. A rate's
    value is the exact fraction |N − NX| / |D − DX − DE|, and there is none
    (``—``, with the reason) when that denominator is 0: never 0 % and
    never 100 %; so is a flag ``all`` then.
    """
    ip, d, dx, de, n, nx = counts
    net_denominator, net_numerator = d - dx - de, n - nx
    value: Fraction | None
    reason: str | None = None
    if definition.unit is Unit.COUNT:
        value = Fraction(distinct if definition.distinct is not None else net_numerator)
    elif definition.unit is Unit.SUM:
        value = amount
    elif definition.unit is Unit.FLAG and definition.flag is FlagRule.ANY:
        value = Fraction(net_numerator > 0)
    elif definition.unit is Unit.FLAG and definition.flag is FlagRule.NONE:
        value = Fraction(net_numerator == 0)
    elif net_denominator == 0:
        value = None
        reason = (
            f"no value: the net denominator D − DX − DE is 0 (D {d}, DX {dx}, DE {de})"
            if d
            else "no value: the denominator is empty (no one meets the denominator criteria)"
        )
    elif definition.unit is Unit.FLAG:
        value = Fraction(net_numerator == net_denominator)
    else:
        value = Fraction(net_numerator, net_denominator)
    return IndicatorResult(
        indicator=definition.id,
        version=definition.version,
        digest=definition_digest or digest(definition),
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
    files: Iterable[SubjectFile],
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    divisions: Sequence[DivisionCode] | None = None,
    within: Callable[[DivisionCode], bool] | None = None,
) -> list[IndicatorResult]:
    """Every definition for every division, in one pass over ``files``.

    Args:
        files: Subject files (people's, units', organisations') as known at
            ``request.known_at`` (built by the caller, streamed one at a
            time); each is asked the definitions about its kind of subject.
        definitions: What to evaluate, in the order results are listed.
        request: The period, ``known_at``, view, and the one organisation
            whose records organisation figures keep (``organisation``).
        tree: The division hierarchy used to add divisions up.
        policy: The settings in force (responsibility, test window).
        divisions: The divisions to report; None for every division of the
            tree and every division someone counts in.
        within: Only the divisions it says yes to are reported (an actor's
            scope): a county's figures are not made for every division of the
            province first.

    Returns:
        One result per division (by code) and definition (in the order given).
    """
    return results_of_tally(
        tally_files(files, definitions, request, policy=policy),
        definitions,
        request,
        tree,
        policy=policy,
        divisions=divisions,
        within=within,
    )


def tally_files(
    files: Iterable[SubjectFile],
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    *,
    policy: Policy,
) -> Tally:
    """The population sizes ``files`` give every definition, by the division each counts in directly.

    The first half of ``evaluate_files``: a tally of some files added to a
    tally of the others (``Tally.add_tally``) is the tally of all of them.
    """
    tally = Tally(len(definitions))
    by_kind: dict[SubjectKind, list[tuple[int, IndicatorDefinition, bool]]] = {}
    for index, definition in enumerate(definitions):
        by_kind.setdefault(definition.subject, []).append((index, definition, _aggregates(definition)))
    for file in files:
        asked = by_kind.get(file.kind) if file.kind is not None else None
        if not asked or not counts_in(file, request):
            continue
        _count_subject(tally, asked, facts_for(file, request.period, policy), request.view)
    return tally


def results_of_tally(
    tally: Tally,
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    divisions: Sequence[DivisionCode] | None = None,
    within: Callable[[DivisionCode], bool] | None = None,
) -> list[IndicatorResult]:
    """The results of a tally of every file (the second half of ``evaluate_files``): sizes added up
    the tree, and each figure made from its division's sizes."""
    totals = tally.aggregated(tree, request.view)
    amounts, values = tally.aggregated_amounts(tree, request.view)
    codes = sorted({d.code for d in tree} | set(totals)) if divisions is None else list(divisions)
    if within is not None:
        codes = [code for code in codes if within(code)]
    empty = [0] * (len(definitions) * 6)
    digests = [digest(definition) for definition in definitions]
    results: list[IndicatorResult] = []
    for division in codes:
        row = totals.get(division, empty)
        for index, definition in enumerate(definitions):
            counts: Counts = tuple(row[index * 6 : index * 6 + 6])  # type: ignore[assignment]
            results.append(
                result_from_counts(
                    definition,
                    division,
                    counts,
                    request,
                    policy,
                    amount=amounts.get((division, index), Fraction(0)),
                    distinct=len(values.get((division, index), ())),
                    definition_digest=digests[index],
                )
            )
    return results


def counts_in(file: SubjectFile, request: EvaluationRequest) -> bool:
    """Whether a subject's file counts at all: registered as known at ``known_at``, and, when the
    request keeps one organisation's records, not another organisation's."""
    if file.opening() is None:
        return False  # not yet registered as known at ``known_at``
    return not (
        request.organisation is not None
        and file.kind is SubjectKind.ORGANISATION
        and file.subject != request.organisation
    )


def population_labels(member: Membership) -> tuple[str, ...]:
    """The population labels of a membership, in report order."""
    return tuple(label for label, inside in zip(POPULATIONS, member, strict=True) if inside)


def with_policy(request: EvaluationRequest, policy: Policy) -> EvaluationRequest:
    """``request`` with the policy it is evaluated under filled in."""
    return attrs.evolve(request, policy=policy)


def counts_by_label(counts: Counts) -> Mapping[str, int]:
    """Population sizes by label."""
    return dict(zip(POPULATIONS, counts, strict=True))
