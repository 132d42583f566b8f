"""Indicator definitions as SQL: criteria become conditions on per-person facts, populations become sums.

``translate`` reads every definition first and says which facts the
evaluation needs (``Plan``); ``people_tally`` and ``transfer_tally`` then
turn each definition's populations, gated as
``indicators.reference.membership`` gates them, into
``SUM(CASE WHEN … THEN … ELSE 0 END)`` columns grouped by the division a
person (or item) counts in directly. A criterion, item source or ``where``
it does not know raises ``Untranslatable``, and the reference evaluator
answers instead: a fast answer is never a guess. So does any field of a
definition, item source or criterion this translation was not written for,
unless it is at its default (``_check_known``): a definition over units or
organisations, or a figure that is a sum or a flag, is said by fields that a
count or rate of people leaves at their defaults.

A population is a conjunction of criteria, each met or not met (IP is
``initial``; D is ``initial`` and ``denominator``; N is D, not DX, and
``numerator`` …). Equal conjunctions are summed once, so the six
populations of a count, which are the same people, cost one sum.

Items: a person's records of a kind (``RecordsInPeriod``) are a count on
the person's row; due tests are counted per person by kind, fulfilment and
excuse (``facts.DUE_COUNTS``), and a criterion about the due test is decided
for each of those four groups; a transfer is a row of its own, counted at
the division it names.

Every condition here is two-valued (never NULL), so ``Not`` means exactly
what the reference evaluator's ``not`` means.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.sql.elements import False_

from antidrug_core.converter import plain_field_name
from antidrug_core.indicators import (
    AcceptedTransfers,
    AllOf,
    AnyOf,
    Basis,
    Criterion,
    Direction,
    DueExcused,
    DueTests,
    EveryDueExcused,
    FulfilledInWindow,
    HasRecord,
    IndicatorDefinition,
    InLostContact,
    Not,
    RecordsInPeriod,
    StatusIn,
    Unit,
    When,
    Where,
)
from antidrug_core.indicators.criteria import walk
from antidrug_core.model import RECORD_TYPES, SubjectKind, TestKind, division_code
from antidrug_sql.facts import (
    DUE_COUNTS,
    PERSON_RECORD_TYPES,
    FactsQuery,
    RecordTest,
    status_mask,
)
from antidrug_sql.tables import content_columns

__all__ = ["WIDTH", "Plan", "Tally", "Untranslatable", "people_tally", "transfer_tally", "translate"]

WIDTH = 6
"""Population sizes per definition: IP, D, DX, DE, N, NX (``definitions.POPULATIONS``)."""

Condition = sa.ColumnElement[bool]
Literal = tuple[Criterion, bool]
"""A criterion, met (True) or not met (False)."""
Population = frozenset[Literal] | None
"""The criteria a member meets or does not meet; None when the population is empty by definition."""

_LOST_IN_PERIOD = RecordTest(("lost_contact",), When.PERIOD)
_COLUMNS = {column.name: column for column in content_columns()}
_HOME = "home"


class Untranslatable(Exception):
    """A definition uses something this evaluator does not translate; the reference evaluator answers."""


_KNOWN_FIELDS: dict[type, frozenset[str]] = {
    IndicatorDefinition: frozenset(
        {
            "id",
            "version",
            "name_zh",
            "name_en",
            "unit",
            "basis",
            "items",
            "initial",
            "denominator",
            "denominator_exclusion",
            "numerator",
            "denominator_exception",
            "numerator_exclusion",
            "decimals",
            "rounding",
            "higher_is_better",
            "description",
        }
    ),
    DueTests: frozenset({"kind"}),
    RecordsInPeriod: frozenset({"types", "where"}),
    AcceptedTransfers: frozenset({"direction"}),
    StatusIn: frozenset({"statuses"}),
    HasRecord: frozenset({"types", "when", "where"}),
    InLostContact: frozenset({"when"}),
    EveryDueExcused: frozenset({"kind"}),
    FulfilledInWindow: frozenset(),
    DueExcused: frozenset(),
    AllOf: frozenset({"criteria"}),
    AnyOf: frozenset({"criteria"}),
    Not: frozenset({"criterion"}),
}
"""The fields of each class this translation reads: written out, not derived, so that a field
added later (a population of units, a figure that sums a field) is noticed."""

_UNITS = frozenset({Unit.PERCENT, Unit.RATIO, Unit.COUNT})
"""The units of figure the translated sums give: rates and counts of people or items."""
_BASES = frozenset({Basis.PERSON, Basis.EVENT})


def _check_known(value: object) -> None:
    """Refuse a definition, item source or criterion of a class, or with a field set, that this
    translation was not written for.

    Raises:
        Untranslatable: naming the class or the field.
    """
    cls = type(value)
    known = _KNOWN_FIELDS.get(cls)
    if known is None:
        raise Untranslatable(f"{cls.__name__} is not known to the SQL translation")
    for field in attrs.fields(typing.cast(Any, cls)):
        if field.name in known:
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class at run time
            default = None if default.takes_self else default.factory()
        if default is attrs.NOTHING or getattr(value, field.name) != default:
            raise Untranslatable(f"{cls.__name__}.{field.name} is not known to the SQL translation")


@attrs.frozen
class Plan:
    """What the facts must hold for a set of definitions."""

    record_tests: tuple[RecordTest, ...]
    """Record tests whose records are counted per person (or asked as "at least one")."""
    due_kinds: tuple[TestKind, ...]
    """Kinds whose due tests are counted per person."""
    fulfilment: bool
    """Whether a due test's fulfilment is asked."""
    transfers: bool
    """Whether accepted transfers are counted."""
    mysql: bool
    """Whether ``where`` conditions were read for MariaDB/MySQL."""


# --- what is needed -------------------------------------------------------------------------------


def translate(definitions: Sequence[IndicatorDefinition], *, mysql: bool = False) -> Plan:
    """The facts ``definitions`` need.

    Args:
        definitions: What is evaluated.
        mysql: Whether the database is MariaDB/MySQL, whose text comparisons
            ignore case and trailing spaces.

    Raises:
        Untranslatable: a criterion, item source or ``where`` condition has no translation.
    """
    tests: dict[RecordTest, None] = {}
    due_kinds: set[TestKind] = set()
    fulfilment = transfers = False
    for definition in definitions:
        _check_known(definition)
        if definition.unit not in _UNITS or definition.basis not in _BASES:
            raise Untranslatable(f"a figure in {definition.unit} over {definition.basis}")
        source = definition.items
        # Only figures about people, as rates or counts of people or items, are translated; units,
        # organisations, sums, flags and distinct counts are left to the reference evaluator.
        if (
            definition.subject is not SubjectKind.PERSON
            or definition.unit in (Unit.SUM, Unit.FLAG)
            or definition.distinct is not None
        ):
            raise Untranslatable(f"{definition.id}: a {definition.subject} {definition.unit} figure")
        if source is not None:
            _check_known(source)
        if (definition.basis is Basis.PERSON) != (source is None):
            raise Untranslatable("a definition whose basis and items disagree")
        match source:
            case None:
                pass
            case DueTests(kind=kind):
                due_kinds |= set(TestKind) if kind is None else {kind}
            case RecordsInPeriod(types=types, where=where):
                tests[_record_test(types, When.PERIOD, where, mysql=mysql)] = None
            case AcceptedTransfers():
                transfers = True
            case _:
                raise Untranslatable(f"item source {source!r}")
        for _label, criterion in definition.criteria():
            for inner in walk(criterion):
                _check_known(inner)
                match inner:
                    case HasRecord(types=types, when=when, where=where):
                        tests[_record_test(types, when, where, mysql=mysql)] = None
                    case InLostContact(when=When.PERIOD):
                        tests[_LOST_IN_PERIOD] = None
                    case InLostContact(when=When.PERIOD_END):
                        pass
                    case EveryDueExcused(kind=kind):
                        due_kinds |= set(TestKind) if kind is None else {kind}
                    case FulfilledInWindow() | DueExcused():
                        if not isinstance(source, DueTests):
                            raise Untranslatable(f"{inner.op} outside an indicator of due tests")
                        fulfilment = fulfilment or isinstance(inner, FulfilledInWindow)
                    case StatusIn() | AllOf() | AnyOf() | Not():
                        pass
                    case _:
                        raise Untranslatable(f"criterion {inner!r}")
    kinds = tuple(k for k in TestKind if k in due_kinds)
    return Plan(tuple(tests), kinds, fulfilment, transfers, mysql)


def _record_test(types: tuple[str, ...], when: When, where: Where, *, mysql: bool) -> RecordTest:
    """The record test of a ``HasRecord`` or ``RecordsInPeriod``, with ``where`` on typed columns.

    A field compares exactly when it is an enumeration (values are checked
    against it when the definition is made), a division code (values that
    are not codes can match nothing) or a record id; free text is left to
    the reference evaluator on MariaDB/MySQL, whose collations would match
    ``"住院 "`` to ``"住院"``.
    """
    if when not in (When.PERIOD, When.BY_PERIOD_END):
        raise Untranslatable(f"has_record at {when}")
    if not set(types) <= PERSON_RECORD_TYPES:
        raise Untranslatable(f"records of {', '.join(types)}, which are not all in person files")
    conditions: list[tuple[str, tuple[str, ...]]] = []
    for field, values in where:
        names = set()
        for tag in types:
            cls = RECORD_TYPES[tag]
            names |= {a.name for a in attrs.fields(cls) if plain_field_name(cls, a.name) == field}
        if len(names) != 1:
            raise Untranslatable(f"where on {field!r} of {', '.join(types)}")
        (name,) = names
        column = _COLUMNS.get(name)
        if column is None or (column.kind == "text" and mysql):
            raise Untranslatable(f"where on {field!r}, which has no exact typed column")
        if column.kind == "division":
            values = tuple(v for v in values if _is_code(v))
        conditions.append((name, values))
    return RecordTest(types, when, tuple(conditions))


def _is_code(value: str) -> bool:
    try:
        division_code(value)
    except ValueError:
        return False
    return True


# --- populations ------------------------------------------------------------------------------------


def populations(definition: IndicatorDefinition) -> list[Population]:
    """IP, D, DX, DE, N, NX as conjunctions, gated as ``reference.membership`` gates them.

    A criterion left out lets everyone through for IP, D and N and no one for
    DX, DE and NX (so a population needing it is empty).
    """

    def given(criterion: Criterion | None, absent: bool) -> frozenset[Literal] | None:
        if criterion is None:
            return frozenset() if absent else None
        return frozenset({(criterion, True)})

    def unless(criterion: Criterion | None) -> frozenset[Literal]:
        return frozenset() if criterion is None else frozenset({(criterion, False)})

    def both(*parts: frozenset[Literal] | None) -> Population:
        if any(part is None for part in parts):
            return None
        return frozenset().union(*(part for part in parts if part is not None))

    ip = given(definition.initial, True)
    d = both(ip, given(definition.denominator, True))
    dx = both(d, given(definition.denominator_exclusion, False))
    not_dx = unless(definition.denominator_exclusion)
    n = both(d, not_dx, given(definition.numerator, True))
    de = both(d, not_dx, unless(definition.numerator), given(definition.denominator_exception, False))
    if definition.numerator is None:  # everyone in D − DX is in N, so no one is left for DE
        de = None
    nx = both(n, given(definition.numerator_exclusion, False))
    return [ip, d, dx, de, n, nx]


def _about_items(population: frozenset[Literal]) -> bool:
    return any(
        isinstance(inner, FulfilledInWindow | DueExcused)
        for criterion, _ in population
        for inner in walk(criterion)
    )


class _Conditions:
    """Criteria as conditions on a row of facts; ``item`` decides the criteria about a due test."""

    def __init__(
        self, plan: Plan, query: FactsQuery, facts: sa.FromClause, item: tuple[bool, bool] | None = None
    ) -> None:
        self.plan = plan
        self.query = query
        self.facts = facts
        self.item = item

    def of(self, criterion: Criterion) -> Condition:
        facts = self.facts
        match criterion:
            case StatusIn(statuses=statuses):
                if not statuses:
                    return sa.false()
                return facts.c.status_bit.bitwise_and(status_mask(statuses)) != 0
            case HasRecord(types=types, when=when, where=where):
                return facts.c[self.query.column(_record_test(types, when, where, mysql=self.plan.mysql))] > 0
            case InLostContact(when=When.PERIOD):
                return sa.or_(facts.c.lost_before == 1, facts.c[self.query.column(_LOST_IN_PERIOD)] > 0)
            case InLostContact():
                return facts.c.lost_at_end == 1
            case EveryDueExcused(kind=kind):
                kinds = TestKind if kind is None else (kind,)
                column = self.query.due_count_column
                due = sum((facts.c[column("all", k)] for k in kinds), sa.literal(0))
                excused = sum((facts.c[column("excused", k)] for k in kinds), sa.literal(0))
                return sa.and_(due > 0, excused == due)
            case AllOf(criteria=criteria):
                return sa.and_(*(self.of(c) for c in criteria)) if criteria else sa.true()
            case AnyOf(criteria=criteria):
                return sa.or_(*(self.of(c) for c in criteria)) if criteria else sa.false()
            case Not(criterion=inner):
                return sa.not_(self.of(inner))
            case FulfilledInWindow() | DueExcused() if self.item is not None:
                is_fulfilled, is_excused = self.item
                holds = is_fulfilled if isinstance(criterion, FulfilledInWindow) else is_excused
                return sa.true() if holds else sa.false()
        raise Untranslatable(f"criterion {criterion!r}")

    def of_all(self, population: frozenset[Literal]) -> Condition:
        met = [
            self.of(c) if positive else sa.not_(self.of(c)) for c, positive in sorted(population, key=repr)
        ]
        if any(isinstance(condition, False_) for condition in met):
            return sa.false()  # said plainly, so that a sum that can never count is left out
        return sa.and_(*met) if met else sa.true()


# --- sums ------------------------------------------------------------------------------------------------


@attrs.define
class Tally:
    """A statement whose rows are ``(side, division, sum…)``, and where each definition's sizes are in them.

    ``layout[side][definition][population]`` lists the positions (after
    ``side`` and ``division``) of the sums that add up to that population's
    size in a row of that side; an empty list is a size of 0.

    Made ``per_person`` (``people_tally``, ``transfer_tally``), the rows are
    ``(side, division, person, value…)``, ungrouped: each row's own values, whose
    sum over a person's rows is that person's part of a total, to be taken out
    when their records change (``antidrug_sql.evaluator``). The evaluator adds
    them up itself: grouped by person, the database only sorted rows that are
    mostly one a person already, and the servers' sums came back as decimals.
    """

    statement: sa.CompoundSelect[Any] | sa.Select[Any]
    layout: dict[str, list[list[list[int]]]]


class _Sums:
    """The sums of one statement, each made once however many populations need it."""

    def __init__(self, plan: Plan, *, per_row: bool = False) -> None:
        """Args:
        per_row: Each row's own value (``weight`` where the condition holds, else NULL) instead of
            a sum, for a statement that is not grouped.
        """
        self.filtered = not plan.mysql  # SQLite and PostgreSQL have FILTER; MariaDB/MySQL do not
        self.per_row = per_row
        self.columns: list[sa.ColumnElement[Any]] = []
        self._index: dict[Any, int] = {}

    def add(self, key: Any, condition: Condition, weight: Any) -> int:
        """The position of the sum of ``weight`` over the rows meeting ``condition`` (NULL for none;
        ``per_row``: the row's ``weight`` where it meets ``condition``, else NULL)."""
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.columns)
            total: sa.ColumnElement[Any]
            if self.per_row:
                total = sa.case((condition, weight))
            elif not self.filtered:
                total = sa.func.sum(sa.case((condition, weight), else_=0))
            elif isinstance(weight, int) and weight == 1:
                total = sa.func.count().filter(condition)
            else:
                total = sa.func.sum(weight).filter(condition)
            self.columns.append(total.label(f"s{found}"))
        return found


def _due_weights(
    query: FactsQuery, facts: sa.FromClause, kind: TestKind
) -> dict[tuple[bool, bool], sa.ColumnElement[Any]]:
    """How many of a person's due tests of ``kind`` are (fulfilled, excused), from the four counts."""
    every, fulfilled, excused, both = (facts.c[query.due_count_column(count, kind)] for count in DUE_COUNTS)
    return {
        (True, True): both,
        (True, False): fulfilled - both,
        (False, True): excused - both,
        (False, False): every - fulfilled - excused + both,
    }


def _layout_person(
    plan: Plan,
    query: FactsQuery,
    definitions: Sequence[IndicatorDefinition],
    facts: sa.FromClause,
    sums: _Sums,
) -> list[list[list[int]]]:
    people = _Conditions(plan, query, facts)
    layout: list[list[list[int]]] = []
    for definition in definitions:
        source = definition.items
        positions: list[list[int]] = []
        for population in populations(definition):
            if population is None or isinstance(source, AcceptedTransfers):
                positions.append([])
                continue
            if source is None:
                positions.append([sums.add((population, None), people.of_all(population), 1)])
            elif isinstance(source, RecordsInPeriod):
                column = query.column(_record_test(source.types, When.PERIOD, source.where, mysql=plan.mysql))
                positions.append([sums.add((population, column), people.of_all(population), facts.c[column])])
            else:
                assert isinstance(source, DueTests)
                kinds = TestKind if source.kind is None else (source.kind,)
                found: list[int] = []
                for kind in kinds:
                    if not _about_items(population):
                        every = facts.c[query.due_count_column("all", kind)]
                        found.append(sums.add((population, kind), people.of_all(population), every))
                        continue
                    for item, weight in _due_weights(query, facts, kind).items():
                        condition = _Conditions(plan, query, facts, item).of_all(population)
                        if isinstance(condition, False_):
                            continue  # a due test that cannot be in the population: no sum for it
                        found.append(sums.add((population, kind, item), condition, weight))
                positions.append(found)
        layout.append(positions)
    return layout


def _homes(facts: sa.FromClause, cooperating: bool) -> tuple[sa.FromClause, sa.ColumnElement[Any]]:
    """The rows of ``facts`` with the division each counts in directly: the responsible division,
    or, in the cooperating view, one row per other place of the person (each place once)."""
    if not cooperating:
        return facts, facts.c.responsible
    responsible, household = facts.c.responsible, facts.c.household
    residence, activity = facts.c.residence, facts.c.activity
    places = (
        (household, [household != responsible]),
        (residence, [residence.is_not(None), residence != responsible, residence != household]),
        (
            activity,
            [
                activity.is_not(None),
                activity != responsible,
                activity != household,
                sa.or_(residence.is_(None), activity != residence),
            ],
        ),
    )
    expanded = sa.union_all(
        *(sa.select(facts, place.label("home")).where(*conditions) for place, conditions in places)
    ).subquery("homes")
    return expanded, expanded.c.home


def people_tally(
    query: FactsQuery,
    plan: Plan,
    definitions: Sequence[IndicatorDefinition],
    *,
    cooperating: bool,
    per_person: bool = False,
) -> Tally:
    """The sizes of every population of people, records and due tests, by division counted in
    (and by person, ``per_person``)."""
    source, division = _homes(query.people(shared=cooperating), cooperating)
    sums = _Sums(plan, per_row=per_person)
    layout = _layout_person(plan, query, definitions, source, sums)
    if not sums.columns:
        sums.add("none", sa.false(), 0)
    persons = [source.c.person] if per_person else []
    statement = sa.select(
        sa.literal(_HOME).label("side"), division.label("division"), *persons, *sums.columns
    ).select_from(source)
    return Tally(statement if per_person else statement.group_by(division), {_HOME: layout})


def transfer_tally(
    query: FactsQuery,
    plan: Plan,
    definitions: Sequence[IndicatorDefinition],
    *,
    cooperating: bool,
    per_person: bool = False,
) -> Tally | None:
    """The sizes of every population of accepted transfers, by the division each is counted in:
    the receiving or sending division it names (in the cooperating view: where its person is),
    and by person, ``per_person``."""
    if not plan.transfers:
        return None
    transfers = query.transfers()
    sides: list[tuple[str, sa.ColumnElement[Any], Direction | None]]
    if cooperating:
        source, home = _homes(transfers, True)
        sides = [(_HOME, home, None)]
    else:
        source = transfers
        sides = [
            (Direction.IN.value, transfers.c.to_division, Direction.IN),
            (Direction.OUT.value, transfers.c.from_division, Direction.OUT),
        ]
    conditions = _Conditions(plan, query, source)
    sums = _Sums(plan, per_row=per_person)
    layouts: dict[str, list[list[list[int]]]] = {}
    for side, _division, direction in sides:
        layout: list[list[list[int]]] = []
        for definition in definitions:
            items = definition.items
            mine = isinstance(items, AcceptedTransfers) and direction in (None, items.direction)
            layout.append(
                [
                    [sums.add(population, conditions.of_all(population), 1)]
                    if mine and population is not None
                    else []
                    for population in populations(definition)
                ]
            )
        layouts[side] = layout
    persons = [source.c.person] if per_person else []
    if query.dialect == "mysql" and len(sides) > 1:
        return Tally(_sides_in_one_read(source, sides, persons, sums.columns), layouts)
    statements: list[sa.Select[Any]] = []
    for side, division, _direction in sides:
        statement = sa.select(
            sa.literal(side).label("side"), division.label("division"), *persons, *sums.columns
        ).select_from(source)
        statements.append(statement if per_person else statement.group_by(division))
    return Tally(statements[0] if len(statements) == 1 else sa.union_all(*statements), layouts)


def _sides_in_one_read(
    source: sa.FromClause,
    sides: Sequence[tuple[str, sa.ColumnElement[Any], Direction | None]],
    persons: Sequence[sa.ColumnElement[Any]],
    columns: Sequence[sa.ColumnElement[Any]],
) -> sa.Select[Any]:
    """Every side's sums from one read of ``source``, each transfer taken once per side (with
    ``persons``: each row's own values, ungrouped, as ``Tally`` says).

    MariaDB makes a table expression again for every reference: as one
    statement per side joined by ``UNION ALL``, it found the accepted
    transfers twice, 0.26 s of a county slice at a million people.
    """
    names = sa.union_all(*(sa.select(sa.literal(side).label("side")) for side, _d, _dir in sides)).subquery(
        "sides"
    )
    division = sa.case(*((names.c.side == side, column) for side, column, _dir in sides))
    statement = sa.select(names.c.side, division.label("division"), *persons, *columns).select_from(
        source.join(names, sa.true())
    )
    return statement if persons else statement.group_by(names.c.side, division)
