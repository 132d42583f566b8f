"""What the criteria ask of every person at once: ``antidrug_core.state`` as set-based SQL.

The reference evaluator builds one ``PersonFile`` at a time and asks it
questions (``indicators.facts.PersonFacts``). Here the same questions are
answered for every person in one pass over ``antidrug_records``, grouped by
subject: each answer is an aggregate of the person's records, so the table
is read once, in the order of its ``(subject, version)`` index, and no
derived table is ever joined to another. Only people's records are read: the
table also holds units' and organisations' streams, whose records are left
out because only the kinds of a person's records are named
(``PERSON_RECORD_TYPES``: a record's type says what kind of subject it is
about). Each answer mirrors a function of the core:

* **Known and in effect** (``PersonFile.build``): a record counts when it was
  recorded by ``known_at``, is not a pure void, and is not voided by a void
  that is itself in effect (voiding a void restores the original). Chains
  of voids are followed to their full, measured depth (``void_depth``).
* **The latest record on or before a day** (``latest_on_or_before``), in
  canonical order (``on``, ``recorded_at``, ``id``): the ``MAX`` of a key
  made of the date, the recording time and the id as fixed-width or
  order-keeping text, with the value wanted appended at a fixed width
  (``_key``); the first registration is the ``MIN``.
* **Places and the responsible division** (``state.places``): the
  registration's places, each overridden by its latest change; the
  receiving division of the latest transfer accepted by the period end
  (each request taking its first answer), else the policy's place.
* **Lost contact** (``state.lost_contact_spells``): after each
  ``lost_contact`` or ``contact_restored`` the person is lost exactly when
  that event was a ``lost_contact``, so "in lost contact at the period end"
  is "the last such event on or before the end was ``lost_contact``", and
  "at any time in the period" is "lost after the last event before the
  start, or lost on a day of the period".
* **Due tests** (``state.fulfilment``): a test naming the due test fulfils
  it (the first such, so the earliest); failing that, a test of the same
  kind naming none, within the window. Each person's due tests of the
  period are counted by kind, and by whether fulfilled in time and whether
  excused by the period end, so that an indicator of due tests is a sum of
  these counts.
* **Counts** (``FactsQuery._count_columns``): how many of a person's records pass
  each record test. On SQLite the counts of one type share an integer, a
  field each (``FactsQuery._packed``), exact however many records a person
  has: a person with more than a field holds is counted again by subqueries.

Nothing here runs a query; ``antidrug_sql.evaluator`` does.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.indicators import When
from antidrug_core.model import RECORD_TYPES, PersonRecord, Status, TestKind
from antidrug_sql.portable import (
    DateText,
    DaysBetween,
    HexText,
    InstantText,
    StoredDate,
    Unindexed,
    code_point_order,
)
from antidrug_sql.tables import (
    ACCESS,
    DIVISION_LENGTH,
    RECORD_TYPE_CODES,
    RECORDS,
    TYPE_ON_INDEX,
    content_columns,
)

__all__ = [
    "DUE_COUNTS",
    "PERSON_RECORD_TYPES",
    "SLICE_PARAMETERS",
    "VOID_DEPTH_LIMIT",
    "FactsQuery",
    "Question",
    "RecordTest",
    "due_column",
    "due_test",
    "slice_parameters",
    "status_mask",
    "void_depth",
]

VOID_DEPTH_LIMIT = 32
"""Longer chains of voids than this are left to the reference evaluator (people never make them)."""

DUE_COUNTS = ("all", "fulfilled", "excused", "both")
"""Per kind, a person's due tests of the period: all of them, those fulfilled in time, those
excused by the period end, and those both fulfilled and excused (``due_column``)."""

_REGISTERED = "person_registered"
_HISTORY = (
    "status_changed",
    "household_changed",
    "residence_changed",
    "activity_changed",
    "lost_contact",
    "contact_restored",
    "transfer_accepted",
)
"""Kinds of record whose history before the period decides a fact at its end."""
_LOST_EVENTS = ("lost_contact", "contact_restored")
_VOIDED = "voided"

PERSON_RECORD_TYPES: frozenset[str] = frozenset(
    tag for tag, cls in RECORD_TYPES.items() if issubclass(cls, PersonRecord)
)
"""The record types of person files (a void belongs to any stream and is never counted itself)."""

_STATUS_WIDTH = next(c.length for c in content_columns() if c.name == "status") or 32

Condition = sa.ColumnElement[bool]
Row = Any
"""An aliased ``antidrug_records`` (SQLAlchemy's alias types say no more than this)."""


@attrs.frozen
class Question:
    """What is asked: the period, the moment the data is taken as known, the policy, the scope."""

    start: dt.date
    end: dt.date
    known_at: dt.datetime | None
    residence_first: bool
    """The residence is responsible when known (else the household)."""
    test_window_days: int
    scope: frozenset[str] | None
    """Only people with an access division among these (None: everyone)."""
    people: tuple[str | None, str | None] = (None, None)
    """Only people whose id is in ``[lower, upper)`` (None: unbounded), to read a store in slices."""
    listed: bool = False
    """Only the people listed in the parameter ``LISTED_PARAMETER`` (those whose records changed
    since a kept count, ``antidrug_sql.evaluator``)."""


@attrs.frozen
class RecordTest:
    """A test of one record row: of ``types``, dated as ``when`` says, with ``where`` column values."""

    types: tuple[str, ...]
    when: When
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(column, allowed values) pairs; every one must hold."""


def due_column(count: str, kind: TestKind) -> str:
    """The name of a per-person count of due tests (``count`` is one of ``DUE_COUNTS``)."""
    return f"due_{count}_{kind.value}"


def due_test(kind: TestKind) -> RecordTest:
    """The due tests of ``kind`` dated in the period, as a record test (their count is ``all``)."""
    return RecordTest(("test_due",), When.PERIOD, (("kind", (kind.value,)),))


def status_mask(statuses: Iterable[Status]) -> int:
    """The bits of ``statuses`` in the facts' ``status_bit``: one bit a status, in ``Status``'s order."""
    order = list(Status)
    return sum(1 << order.index(status) for status in set(statuses))


def _flag(condition: Condition) -> sa.ColumnElement[int]:
    """1 where ``condition`` holds, else 0 (never NULL)."""
    return sa.case((condition, 1), else_=0)


def _known(row: Row, question: Question) -> list[Condition]:
    if question.known_at is None:
        return []
    return [row.c.recorded_at <= question.known_at]


def void_depth(connection: sa.Connection, question: Question, listed: Sequence[str] | None = None) -> int:
    """The length of the longest chain of voids known at ``question.known_at`` (0: no voids), of
    the whole store's records or only of the ``listed`` people's.

    At least ``VOID_DEPTH_LIMIT`` when a chain is that long (or loops).

    A void names a record of its own subject, so the chains a few people's counts
    read are all among their own records: a read of a kept count's changed people
    (``Question.listed``) looks only there. The store's voids took MariaDB 0.64 s
    at a million people, most of such a read.
    """
    void = RECORDS.alias("void")
    of_listed = () if listed is None else (void.c.subject.in_(listed),)
    chain = (
        sa.select(void.c.id, sa.literal(1).label("depth"))
        .where(void.c.voids.is_not(None), *of_listed, *_known(void, question))
        .cte("chain", recursive=True)
    )
    voider = RECORDS.alias("voider")
    chain = chain.union_all(
        sa.select(voider.c.id, chain.c.depth + 1).where(
            # Implied by the next condition, but said: without it MariaDB read every record for
            # the recursive step (24.6 s at a million people) instead of the few voids (0.02 s).
            voider.c.voids.is_not(None),
            voider.c.voids == chain.c.id,
            chain.c.depth < VOID_DEPTH_LIMIT,
            *_known(voider, question),
        )
    )
    found = connection.execute(sa.select(sa.func.max(chain.c.depth))).scalar()
    return int(found or 0)


SLICE_PARAMETERS = ("slice_lower", "slice_upper")
"""The names of a slice's bounds (``Question.people``) in the statements: a statement built for one
slice runs for another slice with the same bounds given (``slice_parameters``)."""


LISTED_PARAMETER = "listed_people"
"""The name of the list of people a ``Question.listed`` statement reads (an expanding parameter)."""


def slice_parameters(people: tuple[str | None, str | None]) -> dict[str, str]:
    """The values of a slice's bounds, by their names in the statements (the unbounded left out)."""
    return {name: bound for name, bound in zip(SLICE_PARAMETERS, people, strict=True) if bound is not None}


class FactsQuery:
    """The per-person facts of one evaluation, as SQL for the translation to count over.

    Args:
        question: Period, ``known_at``, policy and scope.
        dialect: ``sqlite``, ``postgresql`` or ``mysql``.
        void_depth: The longest chain of voids (``void_depth``); 0 when there are none.
        record_tests: Tests whose records are counted per person, each becoming a
            column named by ``column`` ("at least one" is a count above 0).
        due_kinds: Kinds whose due tests are counted (``due_column``).
        fulfilment: Whether the due tests' fulfilment is asked (the counts
            ``fulfilled`` and ``both`` are 0 otherwise).
        places: Whether the household, residence and activity place at the
            period end are wanted besides the responsible division.
    """

    def __init__(
        self,
        question: Question,
        dialect: str,
        *,
        void_depth: int,
        record_tests: Sequence[RecordTest],
        due_kinds: Sequence[TestKind],
        fulfilment: bool,
        places: bool,
    ) -> None:
        self.question = question
        self.dialect = dialect
        self.due_kinds = tuple(due_kinds)
        self.record_tests = tuple(dict.fromkeys([*record_tests, *(due_test(k) for k in self.due_kinds)]))
        self.fulfilment = fulfilment
        self.places = places
        self._void_depth = void_depth
        # MariaDB runs a subquery of a grouped select for every group: there the latest transfer
        # is looked up after grouping, only for people with an accepted one (``_facts``).
        self._moved_after_grouping = dialect == "mysql"
        self._voided = self._voided_ids(void_depth) if void_depth and dialect != "mysql" else None
        self._excused_table: sa.CTE | None = None
        self._packs = _packs(self._count_groups()) if dialect == "sqlite" else None

    def column(self, test: RecordTest) -> str:
        """The column counting a person's records that pass ``test``."""
        return f"records_{self.record_tests.index(test)}"

    def due_count_column(self, count: str, kind: TestKind) -> str:
        """The column of a per-person count of due tests of ``kind`` (``count`` one of
        ``DUE_COUNTS``): all of them are the record test ``due_test(kind)``'s own count, which
        a second column would only repeat (and on SQLite read out of its pack again)."""
        return self.column(due_test(kind)) if count == DUE_COUNTS[0] else due_column(count, kind)

    # --- records in effect --------------------------------------------------------------

    def effective(self, row: Row, *, scanned: bool = False) -> list[Condition]:
        """Conditions for ``row`` to count: known by ``known_at``, not a void, not voided.

        On SQLite and PostgreSQL "not voided" is "not among the voided records", one table of
        the statement. MariaDB made that table again for every run of a subquery that uses it
        (every due test, every transfer): at a million people, a county's statement read the
        province's voids tens of thousands of times (102 s). There it is "no void in effect
        names it", a lookup in the voids index, which reads the province's voids once.

        ``scanned``: ``row`` is the table the statement itself reads record after record (not a
        subquery's). Its type is then asked by its code (``_of_type``). SQLite looks each record
        up in an index of the voided records that it builds once for the statement (``NOT
        EXISTS``), half the instructions of the list lookup of ``NOT IN``: 5 % of the people's
        statement at a million people. In a subquery run once per row it would build that index
        again on every run, so there it stays ``NOT IN``.
        """
        not_a_void = sa.not_(_of_type(row, (_VOIDED,))) if scanned else row.c.type != _VOIDED
        conditions = [not_a_void, *_known(row, self.question)]
        if self._voided is not None and scanned and self.dialect == "sqlite":
            conditions.append(~sa.exists().where(self._voided.c.sequence == row.c.sequence))
        elif self._voided is not None:
            conditions.append(row.c.sequence.not_in(sa.select(self._voided.c.sequence)))
        elif self._void_depth:
            conditions.append(self._in_effect(row, self._void_depth))
        return conditions

    def _in_effect(self, void: Row, remaining: int) -> Condition:
        """Whether the void ``void`` is itself in effect: no void of it is (``remaining`` levels up)."""
        if remaining <= 0:
            return sa.true()
        voider = RECORDS.alias()
        return ~sa.exists().where(
            voider.c.voids == void.c.id,
            *_known(voider, self.question),
            self._in_effect(voider, remaining - 1),
        )

    def _voided_ids(self, depth: int) -> sa.CTE:
        """The records voided by a void in effect, by their sequence (integers compare fastest)."""
        void = RECORDS.alias("void")
        voided = RECORDS.alias("voided_record")
        targets = sa.select(void.c.voids).where(
            void.c.voids.is_not(None), *_known(void, self.question), self._in_effect(void, depth - 1)
        )
        return sa.select(voided.c.sequence).where(voided.c.id.in_(targets)).cte("voided")

    def test(self, row: Row, test: RecordTest) -> Condition:
        """Whether ``row`` passes ``test`` (its type, its date, its column values)."""
        return sa.and_(_of_type(row, test.types), self._dated(row, test))

    def _dated(self, row: Row, test: RecordTest) -> Condition:
        """Whether ``row``, of one of the types of ``test``, passes the rest of it: its date, its
        column values."""
        question = self.question
        conditions: list[Condition] = [StoredDate(row.c.on) <= question.end]
        if test.when is When.PERIOD:
            conditions.append(StoredDate(row.c.on) >= question.start)
        for column, values in test.where:
            conditions.append(row.c[column].in_(values))
        return sa.and_(*conditions)

    # --- the latest of a kind: MAX of an ordering key with the value at its end --------------

    def _key(self, row: Row, values: Sequence[tuple[sa.ColumnElement[Any], int]]) -> sa.ColumnElement[str]:
        """``on``, ``recorded_at``, the hex id, ``!``, then each value padded to its width.

        The date and time have fixed widths and the hex id keeps the ids' order
        and holds nothing below ``0`` (so below ``!``), so keys order as
        ``canonical_order`` orders the records; the values only follow.
        """
        key: sa.ColumnElement[str] = (
            DateText(row.c.on) + InstantText(row.c.recorded_at) + HexText(row.c.id) + sa.literal("!")
        )
        for value, width in values:
            key = key + sa.func.substr(sa.func.coalesce(value, "") + sa.literal(" " * width), 1, width)
        return key

    def _latest(self, condition: Condition, key: sa.ColumnElement[str], *, first: bool = False) -> Any:
        """The greatest (or, with ``first``, the least) key of the rows meeting ``condition``."""
        ordered = code_point_order(key.self_group(), self.dialect)
        return self._over(sa.func.min if first else sa.func.max, ordered, condition)

    def _over(self, function: Any, value: sa.ColumnElement[Any], condition: Condition) -> Any:
        """``function(value)`` over the rows meeting ``condition`` (NULL when none does).

        ``FILTER`` where the engine has it: SQLite then skips the aggregate
        for the other rows, which is most of the cost of a pass.
        """
        if self.dialect == "mysql":
            return function(sa.case((condition, value)))
        return function(value).filter(condition)

    def _count(self, condition: Condition) -> Any:
        """How many rows meet ``condition`` (0 when none does)."""
        if self.dialect == "mysql":
            return sa.func.sum(_flag(condition))
        return sa.func.count().filter(condition)

    def _value(self, key: sa.ColumnElement[Any], from_end: int, width: int) -> sa.ColumnElement[Any]:
        """The value ``from_end`` characters before the end of ``key``, or NULL for an empty one."""
        return sa.func.nullif(sa.func.trim(self._padded(key, from_end, width)), "")

    def _padded(self, key: sa.ColumnElement[Any], from_end: int, width: int) -> sa.ColumnElement[Any]:
        """The ``width`` characters ``from_end`` before the end of ``key``: a value as the key
        holds it, padded with spaces (compared with a padded literal, it needs no trimming).

        SQLite counts a negative start from the end, which spares a call of
        ``length`` for every value of every person; PostgreSQL has no such start.
        """
        if self.dialect == "sqlite":
            return sa.func.substr(key, -from_end, width)
        return sa.func.substr(key, sa.func.length(key) - (from_end - 1), width)

    # --- the aggregates of one person --------------------------------------------------------

    def _aggregates(self, row: Row) -> list[sa.ColumnElement[Any]]:
        question = self.question
        dated = StoredDate(row.c.on) <= question.end
        places = DIVISION_LENGTH
        registration = self._key(
            row, [(row.c.household, places), (row.c.residence, places), (row.c.activity, places)]
        )
        status = self._key(row, [(row.c.status, _STATUS_WIDTH)])
        columns: list[sa.ColumnElement[Any]] = [
            self._latest(_of_type(row, (_REGISTERED,)), registration, first=True).label("registration"),
            self._latest(sa.and_(_of_type(row, ("status_changed",)), dated), status).label("status_key"),
            self._over(sa.func.max, DateText(row.c.on), sa.and_(_relapse(row), dated)).label("relapse_on"),
        ]
        for type_, column in (
            ("household_changed", row.c.household),
            ("residence_changed", row.c.residence),
            ("activity_changed", row.c.activity),
        ):
            key = self._key(row, [(column, places)])
            columns.append(self._latest(sa.and_(_of_type(row, (type_,)), dated), key).label(f"{type_}_key"))
        lost = sa.case((_of_type(row, ("lost_contact",)), "L"), else_="R")
        before_start = StoredDate(row.c.on) < question.start
        for label, before in (("lost_before_key", before_start), ("lost_end_key", dated)):
            key = self._key(row, [(lost, 1)])
            columns.append(self._latest(sa.and_(_of_type(row, _LOST_EVENTS), before), key).label(label))
        answered = self._count(sa.and_(_of_type(row, ("transfer_accepted",)), dated))
        if self._moved_after_grouping:
            columns.append(answered.label("answered"))
        else:
            columns.append(sa.case((answered > 0, self._moved_to(row.c.subject))).label("moved_to"))
        if self._packs is None:
            for group in self._count_groups():
                conditions = self._count_conditions(group, row)
                columns += [self._count(c).label(n) for n, c in zip(group.columns, conditions, strict=True)]
            return columns
        for number, pack in enumerate(self._packs):
            if _alone(pack):
                ((group, _),) = pack
                columns.append(self._count(self._count_conditions(group, row)[0]).label(group.columns[0]))
            else:
                columns.append(sa.func.coalesce(self._packed(row, pack), 0).label(f"pack_{number}"))
        columns.append(sa.func.count().label("records_read"))
        return columns

    # --- counts, those of one type packed in one integer on SQLite --------------------------------

    def _count_groups(self) -> list[_CountGroup]:
        """Every count of a person's records, in groups made together: a record test's one count,
        and a kind of due tests' fulfilled, excused and both."""
        groups = [_CountGroup(test.types, (self.column(test),), test) for test in self.record_tests]
        groups += [
            _CountGroup(("test_due",), tuple(due_column(c, kind) for c in DUE_COUNTS[1:]), kind)
            for kind in self.due_kinds
        ]
        return groups

    def _pack_value(self, group: _CountGroup, row: Row, shifts: Sequence[int]) -> sa.ColumnElement[int]:
        """What ``row``, of one of the group's types, adds to its pack: each count it is counted in,
        shifted to its field (``shifts``, in the order of ``group.columns``)."""
        if isinstance(group.source, RecordTest):
            return _shifted(_flag(self._dated(row, group.source)), shifts[0])
        kind = group.source
        _due, fulfilled, excused = self._due(row, kind)
        f, e = _flag(fulfilled), _flag(excused)
        # Each flag written once, as SQL computes every occurrence: ``fulfilled`` is a look at the
        # person's tests, which the counts of the fulfilled and of both made twice for every due
        # test. f·(2^s0 + e·2^s2) + e·2^s1: fulfilled, excused, both.
        flags = f * (sa.literal(1 << shifts[0]) + _shifted(e, shifts[2])) + _shifted(e, shifts[1])
        return sa.case((self._due_dated(row, kind), flags), else_=0)

    def _count_conditions(self, group: _CountGroup, row: Row) -> list[Condition]:
        """For each of the group's counts, whether ``row`` is counted in it (its type tested too)."""
        if isinstance(group.source, RecordTest):
            return [self.test(row, group.source)]
        due, fulfilled, excused = self._due(row, group.source)
        return [sa.and_(due, fulfilled), sa.and_(due, excused), sa.and_(due, excused, fulfilled)]

    def _packed(self, row: Row, pack: _Pack) -> sa.ColumnElement[int]:
        """The sum of a pack's fields over the person's records of its type: each adds 1 in each
        field it is counted in.

        On SQLite every aggregate looks at every record the statement reads
        (about 280 instructions a record, however simple its filter): a pack
        looks once for counts that looked one each, and asks whether a due
        test was fulfilled once where two counts asked it. A pack is of one
        type: packs of several, a record's type found in a ``CASE``, cost more
        than they saved (``docs/storage.md``).
        """
        value = functools.reduce(
            operator.add, (self._pack_value(group, row, shifts) for group, shifts in pack)
        )
        return sa.func.sum(value).filter(_of_type(row, pack[0][0].types))

    def _count_columns(self, grouped: sa.Subquery) -> dict[str, sa.ColumnElement[Any]]:
        """Each count of the person's records by its column: as grouped, or out of its pack.

        A field holds at most the person's records read, so none carries
        into the next below ``2 ** PACKED_FIELD_BITS`` of them; a person with
        more (none a real store has) is counted again, exactly, by a subquery
        of their own records for each count.
        """
        if self._packs is None:
            return {name: grouped.c[name] for group in self._count_groups() for name in group.columns}
        counted: dict[str, sa.ColumnElement[Any]] = {}
        mask = (1 << PACKED_FIELD_BITS) - 1
        few = grouped.c.records_read < 1 << PACKED_FIELD_BITS
        for number, pack in enumerate(self._packs):
            if _alone(pack):
                name = pack[0][0].columns[0]
                counted[name] = grouped.c[name]
                continue
            packed = grouped.c[f"pack_{number}"]
            for group, shifts in pack:
                again = RECORDS.alias("again")
                conditions = self._count_conditions(group, again)
                for name, shift, condition in zip(group.columns, shifts, conditions, strict=True):
                    exact = _by_person(
                        sa.select(sa.func.count()).where(
                            again.c.subject == grouped.c.person, condition, *self.effective(again)
                        ),
                        again,
                    ).scalar_subquery()
                    field = packed.bitwise_rshift(shift) if shift else packed
                    counted[name] = sa.case((few, field.bitwise_and(mask)), else_=exact)
        return counted

    def _due(self, row: Row, kind: TestKind) -> tuple[Condition, Condition, Condition]:
        """Whether ``row`` is a due test of ``kind`` in the period; whether it was fulfilled; whether
        it was excused (the last two asked only of a due test)."""
        due = sa.and_(_of_type(row, ("test_due",)), self._due_dated(row, kind))
        fulfilled = self._fulfilled(row) if self.fulfilment else sa.false()
        return due, fulfilled, row.c.id.in_(self._excused(row))

    def _due_dated(self, row: Row, kind: TestKind) -> Condition:
        """Whether a due test ``row`` is of ``kind`` and dated in the period."""
        question = self.question
        on = StoredDate(row.c.on)
        return sa.and_(on >= question.start, on <= question.end, row.c.kind == kind.value)

    def _moved_to(self, person: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
        """The receiving division of the person's latest transfer accepted by the period end.

        A transfer is accepted when the first effective answer to its
        effective request accepts it (``state.transfers``).
        """
        question = self.question
        answer = RECORDS.alias("answer")
        request = RECORDS.alias("request")
        earlier = RECORDS.alias("earlier")
        latest = (
            sa.select(request.c.to_division)
            .select_from(answer.join(request, request.c.id == answer.c.request))
            .where(
                answer.c.subject == person,
                Unindexed(answer.c.type) == "transfer_accepted",
                answer.c.on <= question.end,
                *self.effective(answer),
                request.c.subject == person,
                Unindexed(request.c.type) == "transfer_requested",  # found by its id
                *self.effective(request),
                ~self._answered_before(earlier, answer),
            )
            .order_by(answer.c.on.desc(), answer.c.recorded_at.desc(), answer.c.id.desc())
            .limit(1)
        )
        return _by_person(latest, answer).scalar_subquery()

    def _answered_before(self, earlier: Row, answer: Row) -> sa.Exists:
        """Whether an effective answer to ``answer``'s request comes before ``answer``."""
        found = sa.select(earlier.c.id).where(
            earlier.c.subject == answer.c.subject,
            earlier.c.request == answer.c.request,
            Unindexed(earlier.c.type).in_(("transfer_accepted", "transfer_rejected")),
            *self.effective(earlier),
            _before(earlier, answer),
        )
        return _by_person(found, earlier).exists()

    def _excused(self, due: Row) -> sa.Select[Any]:
        """The ids of due tests excused by the period end (on MariaDB, among ``due``'s person's).

        On SQLite and PostgreSQL one table of the statement (materialized),
        of the people it reads, which every kind's counts look into: as a subquery in each of them,
        SQLite read the province's excuses once per kind and count, which
        was two thirds of a county's statement at a million people.
        """
        excuse = RECORDS.alias("excuse")
        if self.dialect == "mysql":
            # MariaDB makes a table expression again for every reference, and drove this one
            # through the access table per excuse. Uncorrelated, the subquery read the
            # province's excuses in each of four counts (0.46 s of a county's 2.3 s at a
            # million people); correlated, each due test looks among its own person's excuses
            # (the (subject, type) index).
            excuses = sa.select(excuse.c.due).where(
                excuse.c.subject == due.c.subject,
                Unindexed(excuse.c.type) == "test_excused",
                excuse.c.on <= self.question.end,
                *self.effective(excuse),
            )
            return _by_person(excuses, excuse)
        if self._excused_table is None:
            excused = sa.select(excuse.c.due).where(
                excuse.c.type == "test_excused",
                excuse.c.on <= self.question.end,
                *self.effective(excuse),
                *self._in_scope(excuse.c.subject),
            )
            self._excused_table = excused.cte("excused").prefix_with("MATERIALIZED")
        return sa.select(self._excused_table.c.due)

    def _fulfilled(self, due: Row) -> Condition:
        """Whether the due test ``due`` was fulfilled, by a test taken within its window and on or
        before the period end (``FulfilledInWindow``), from one look at the person's tests."""
        question = self.question
        window = question.test_window_days
        test = RECORDS.alias("test")
        named_on = sa.func.min(sa.case((test.c.due == due.c.id, test.c.on)))
        unnamed = sa.func.max(
            _flag(
                sa.and_(
                    test.c.due.is_(None),
                    test.c.kind == due.c.kind,
                    StoredDate(test.c.on) <= question.end,
                    sa.func.abs(DaysBetween(test.c.on, due.c.on)) <= window,
                )
            )
        )
        verdict = sa.case(
            (
                named_on.is_not(None),
                _flag(
                    sa.and_(named_on <= question.end, sa.func.abs(DaysBetween(named_on, due.c.on)) <= window)
                ),
            ),
            else_=unnamed,
        )
        tests = sa.select(verdict).where(
            test.c.subject == due.c.subject,
            test.c.kind.is_not(None),  # every test has one: it lets the person-tests index serve
            Unindexed(test.c.type) == "test_done",
            *self.effective(test),
        )
        found = _by_person(tests, test).scalar_subquery()
        return sa.func.coalesce(found, 0) == 1

    # --- one row per person, or per transfer --------------------------------------------------

    def _in_scope(self, person: sa.ColumnElement[Any]) -> list[Condition]:
        """The people asked about: in the slice, and with an access division in the scope."""
        question = self.question
        lower, upper = question.people

        def in_slice(subject: sa.ColumnElement[Any]) -> list[Condition]:
            return [
                *(() if lower is None else (subject >= sa.bindparam(SLICE_PARAMETERS[0], lower),)),
                *(() if upper is None else (subject < sa.bindparam(SLICE_PARAMETERS[1], upper),)),
            ]

        def listed(subject: sa.ColumnElement[Any]) -> list[Condition]:
            if not question.listed:
                return []
            return [subject.in_(sa.bindparam(LISTED_PARAMETER, expanding=True))]

        conditions = [*in_slice(person), *listed(person)]
        if question.scope is not None:
            # The slice's bounds in the scope's lookup too: PostgreSQL read the whole scope's
            # people from the access index, and each slice's records, before keeping its own.
            visible = sa.select(ACCESS.c.subject).where(
                ACCESS.c.division.in_(sorted(question.scope)),
                *in_slice(ACCESS.c.subject),
                *listed(ACCESS.c.subject),
            )
            conditions.append(person.in_(visible))
        return conditions

    def _kept(self, statement: sa.Select[Any], name: str, *, shared: bool) -> sa.FromClause:
        """``statement`` as a table whose rows are each computed once, however many sums read them
        (each reading would otherwise take the status and places out of their keys again).

        ``shared``: read by more than one query (a table expression, materialized);
        else a subquery behind ``OFFSET 0``, which neither SQLite nor PostgreSQL
        merges into the query reading it, so rows stream through unstored.
        """
        if shared:
            table = statement.cte(name)
            if self.dialect in ("sqlite", "postgresql"):
                table = table.prefix_with("MATERIALIZED")
            return table
        if self.dialect in ("sqlite", "postgresql"):
            statement = statement.offset(0)
        return statement.subquery(name)

    def _facts(self, grouped: sa.Subquery, extra: Sequence[str]) -> sa.Select[Any]:
        """The facts read out of the aggregates: status, places, responsible division, lost contact."""
        question = self.question
        places = DIVISION_LENGTH
        registration = grouped.c.registration
        registered = [self._value(registration, 3 * places, places)]
        registered.append(self._value(registration, 2 * places, places))
        registered.append(self._value(registration, places, places))
        household = sa.func.coalesce(
            self._value(grouped.c.household_changed_key, places, places), registered[0]
        )
        residence = sa.func.coalesce(
            self._value(grouped.c.residence_changed_key, places, places), registered[1]
        )
        activity = sa.case(
            (
                grouped.c.activity_changed_key.is_not(None),
                self._value(grouped.c.activity_changed_key, places, places),
            ),
            else_=registered[2],
        )
        by_policy = sa.func.coalesce(residence, household) if question.residence_first else household
        if self._moved_after_grouping:
            moved_to: sa.ColumnElement[Any] = sa.case(
                (grouped.c.answered > 0, self._moved_to(grouped.c.person))
            )
        else:
            moved_to = grouped.c.moved_to
        counted = self._count_columns(grouped)
        columns: list[sa.ColumnElement[Any]] = [
            *(grouped.c[name] for name in extra),
            self._status_bit(grouped).label("status_bit"),
            sa.func.coalesce(moved_to, by_policy).label("responsible"),
            _flag(self._padded(grouped.c.lost_before_key, 1, 1) == "L").label("lost_before"),
            _flag(self._padded(grouped.c.lost_end_key, 1, 1) == "L").label("lost_at_end"),
            *(counted[self.column(test)].label(self.column(test)) for test in self.record_tests),
            *(
                counted[due_column(c, k)].label(due_column(c, k))
                for k in self.due_kinds
                for c in DUE_COUNTS[1:]
            ),
        ]
        if self.places:
            columns += [
                household.label("household"),
                residence.label("residence"),
                activity.label("activity"),
            ]
        return sa.select(*columns).where(registration.is_not(None))

    def _status_bit(self, grouped: sa.Subquery) -> sa.ColumnElement[int]:
        """The status at the period end (``state.status_on``) as its bit (``status_mask``; 0 for
        none): the latest change's, except that ``abstinent_3y`` followed by a relapse dated on or
        after it (by the end) is ``registered``.

        A criterion on the status is one test of these bits, rather than
        the status compared with a list of them: the counting query tests a
        person's status for most of its sums, and on SQLite each list was a
        lookup of its own (3 % of the whole statement at a million people,
        ``docs/storage.md``). The status is compared as the key holds it,
        padded, so that it is cut out of the key once and never trimmed.
        """
        key = grouped.c.status_key
        changed_on = sa.func.substr(key, 1, 10)  # the key begins with the date
        bits: dict[str, Any] = {each.value.ljust(_STATUS_WIDTH): status_mask((each,)) for each in Status}
        bits[Status.ABSTINENT_3Y.value.ljust(_STATUS_WIDTH)] = sa.case(
            (grouped.c.relapse_on >= changed_on, status_mask((Status.REGISTERED,))),
            else_=status_mask((Status.ABSTINENT_3Y,)),
        )
        return sa.case(bits, value=self._padded(key, _STATUS_WIDTH, _STATUS_WIDTH), else_=0)

    def people(self, *, shared: bool = False) -> sa.FromClause:
        """One row per registered person in scope: ``person`` and the facts (``shared``: read by
        more than one query)."""
        row = RECORDS.alias("record")
        grouped = _by_person(
            sa.select(row.c.subject.label("person"), *self._aggregates(row))
            .where(self._may_decide(row), *self.effective(row, scanned=True), *self._in_scope(row.c.subject))
            .group_by(row.c.subject),
            row,
        ).subquery("per_person")
        return self._kept(self._facts(grouped, ["person"]), "people", shared=shared)

    def _may_decide(self, row: Row) -> Condition:
        """The records an aggregate may read: the person's registration, whatever its date, and
        person records dated by the period end, either in the period or of a kind asked about before it.

        Every aggregate says for itself which records it takes; this only
        spares the rest (most of the history before the period, and the kinds
        no aggregate reads) from being offered to each of them, and keeps
        units' and organisations' records out, so that every group is a
        person's. The kinds are named rather than the others left out: on
        SQLite a list of the 26 kinds of other subjects cost 1.4 % more of
        the statement at a million people than the few kinds read in the
        period (``docs/storage.md``).
        """
        question = self.question
        history = {
            *_HISTORY,
            *(t for test in self.record_tests if test.when is not When.PERIOD for t in test.types),
        } & PERSON_RECORD_TYPES
        in_period = {
            t for test in self.record_tests if test.when is When.PERIOD for t in test.types
        } & PERSON_RECORD_TYPES
        on = StoredDate(row.c.on)
        return sa.or_(
            _of_type(row, (_REGISTERED,)),
            sa.and_(
                on <= question.end,
                sa.or_(
                    sa.and_(on >= question.start, _of_type(row, in_period)),
                    _of_type(row, history),
                    _relapse(row),
                ),
            ),
        )

    def transfers(self) -> sa.FromClause:
        """One row per transfer accepted in the period: ``from_division``, ``to_division`` and the
        facts of its person (a transfer counts for its person's criteria, at its own divisions)."""
        question = self.question
        answer = RECORDS.alias("answer")
        request = RECORDS.alias("request")
        earlier = RECORDS.alias("earlier")
        accepted = (
            sa.select(
                answer.c.id.label("answer"),
                answer.c.subject.label("person"),
                request.c.from_division,
                request.c.to_division,
            )
            .select_from(answer.join(request, request.c.id == answer.c.request))
            .where(
                answer.c.type == "transfer_accepted",
                answer.c.on >= question.start,
                answer.c.on <= question.end,
                *self.effective(answer),
                request.c.subject == answer.c.subject,
                Unindexed(request.c.type) == "transfer_requested",  # found by its id
                *self.effective(request),
                ~self._answered_before(earlier, answer),
                *self._in_scope(answer.c.subject),
            )
            .subquery("accepted")
        )
        row = RECORDS.alias("record")
        grouped = _by_person(
            sa.select(
                accepted.c.answer,
                accepted.c.from_division,
                accepted.c.to_division,
                row.c.subject.label("person"),  # whose latest transfer, after grouping
                *self._aggregates(row),
            )
            .select_from(accepted.join(row, row.c.subject == accepted.c.person))
            .where(*self.effective(row, scanned=True))
            .group_by(accepted.c.answer, accepted.c.from_division, accepted.c.to_division, row.c.subject),
            row,
        ).subquery("per_transfer")
        facts = self._facts(grouped, ["from_division", "to_division", "person"])
        return self._kept(facts, "transfers", shared=True)


PACKED_FIELD_BITS = 15
"""The width of each count in a pack (``FactsQuery._packed``). A field holds at most the person's
records read, so it never carries below 32,768 of them; more, and the counts are made again."""

PACK_FIELDS = 4
"""The counts in a pack: four fields of 15 bits stay within SQLite's 64-bit integers."""


@attrs.frozen
class _CountGroup:
    """Counts made together for a record of one of ``types`` (``FactsQuery._count_groups``): a record
    test's, or the fulfilled, excused and both of a kind of due tests."""

    types: tuple[str, ...]
    columns: tuple[str, ...]
    """The columns of the counts, in the facts."""
    source: RecordTest | TestKind


_Pack = list[tuple[_CountGroup, tuple[int, ...]]]
"""Count groups summed in one integer, each with the shifts of its counts' fields."""


def _packs(groups: Sequence[_CountGroup]) -> list[_Pack]:
    """``groups`` in packs of at most ``PACK_FIELDS`` counts, each group's counts in one pack, and
    every group of a pack of the same types: one filter on the type serves the whole pack."""
    packs: list[_Pack] = []
    used = PACK_FIELDS
    for group in sorted(groups, key=lambda g: g.types):
        if used + len(group.columns) > PACK_FIELDS or packs[-1][0][0].types != group.types:
            packs.append([])
            used = 0
        shifts = tuple(PACKED_FIELD_BITS * (used + k) for k in range(len(group.columns)))
        packs[-1].append((group, shifts))
        used += len(group.columns)
    return packs


def _alone(pack: _Pack) -> bool:
    """Whether ``pack`` holds one count, which is then counted as it is."""
    return len(pack) == 1 and len(pack[0][0].columns) == 1


def _shifted(value: sa.ColumnElement[int], shift: int) -> sa.ColumnElement[int]:
    return value * (1 << shift) if shift else value


def _by_person(statement: sa.Select[Any], *rows: Row) -> sa.Select[Any]:
    """``statement``, which reads ``rows`` one person at a time, kept off ``(type, on)`` on MariaDB.

    A person's records of a type are a few, found through ``(subject, type)``.
    In a small store MariaDB's statistics preferred a type's records across
    the whole store, read again for each due test (``tests/sql/test_query_plans.py``).
    An index hint says it for MariaDB alone; the other engines see no hint.
    """
    for row in rows:
        statement = statement.with_hint(row, f"IGNORE INDEX ({TYPE_ON_INDEX})", dialect_name="mysql")
    return statement


def _of_type(row: Row, types: Iterable[str]) -> Condition:
    """Whether ``row`` is of one of ``types``, asked by its code.

    For a record read from the table: its code is in the row beside the type's
    name, and comparing integers rather than texts took 15 % of the people's
    statement's instructions away on SQLite (``RECORD_TYPE_CODES``). Where an
    index holds the type's name (``(type, on)``, the tests and excuses
    indexes), a lookup asks by the name, which the index answers without the row.
    """
    codes = sorted(RECORD_TYPE_CODES[t] for t in types)
    column: sa.ColumnElement[int] = row.c.type_code
    condition: Condition = column == codes[0] if len(codes) == 1 else column.in_(codes)
    return condition


def _relapse(row: Row) -> Condition:
    """``row`` is evidence of renewed use (``state.relapses``): a positive test or a relapse found."""
    return sa.or_(
        _of_type(row, ("relapse_found",)),
        sa.and_(_of_type(row, ("test_done",)), row.c.result == "positive"),
    )


def _before(first: Row, second: Row) -> Condition:
    """``first`` comes before ``second`` in canonical order (``on``, ``recorded_at``, ``id``)."""
    return sa.or_(
        first.c.on < second.c.on,
        sa.and_(
            first.c.on == second.c.on,
            sa.or_(
                first.c.recorded_at < second.c.recorded_at,
                sa.and_(first.c.recorded_at == second.c.recorded_at, first.c.id < second.c.id),
            ),
        ),
    )
