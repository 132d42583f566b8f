"""The fast evaluator: every definition for every division from the SQL store's own tables.

Offered through the ``antidrug_evaluate_indicators`` hook (first result
wins). For its own recorders, and only for definitions it can translate in
full, it answers exactly what the reference evaluator
(``antidrug_core.indicators.reference``) answers for the same request —
every gross count and every display string — in one statement:

1. ``facts``: what every criterion asks of each person in scope, as known at
   ``known_at`` and as of the period end (``antidrug_sql.facts``);
2. ``count_statement``: the population sizes of every definition, per
   division a person or item counts in directly (``antidrug_sql.translation``);
3. here, in Python: adding each division's sizes to every division above it
   (each person has one responsible division, so the sets are disjoint and
   the sum is the union), and the results made with the reference
   evaluator's own ``result_from_counts``, so rounding and reasons are the
   same code.

An actor's scope (a county, a township) keeps its counts person by person
in the process between reads of the same question, and a later read reads
again only the people whose records came since (``_kept_sizes``).

Anything it does not translate makes it return None, and the reference
evaluator answers. The differential tests in ``tests/sql`` hold it to the
reference evaluator on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import attrs
import sqlalchemy as sa

from antidrug_core.indicators import EvaluationRequest, IndicatorDefinition, IndicatorResult, View, digest
from antidrug_core.indicators.reference import Counts, result_from_counts
from antidrug_core.ledger import EntryKind
from antidrug_core.model import DivisionCode, DivisionTree, SubjectKind, is_within
from antidrug_core.ports import Recorder, Scope
from antidrug_core.rules import Responsibility
from antidrug_sql.chain import chunks
from antidrug_sql.engines import restore_session_setting, unavailable
from antidrug_sql.facts import (
    LISTED_PARAMETER,
    VOID_DEPTH_LIMIT,
    FactsQuery,
    Question,
    slice_parameters,
    void_depth,
)
from antidrug_sql.recorder import SqlRecorder
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, LEDGER, RECORDS, STREAMS
from antidrug_sql.translation import (
    WIDTH,
    Plan,
    Tally,
    Untranslatable,
    people_tally,
    transfer_tally,
    translate,
)

__all__ = ["evaluate_indicators", "forget_kept_counts"]


PEOPLE_PER_SLICE = {"sqlite": 250_000, "postgresql": 50_000, "mysql": 50_000}
"""A store of more people than this is read in slices of people, each in a thread (and connection) of
its own, one per processor: every engine runs the evaluator's statement on one processor (PostgreSQL's
plan for it has no parallel workers). Measured at
100,000 people with the machine's two processors busy with other work (load average 16): MariaDB
90 s in one read, 49 s in two; PostgreSQL 23–27 s, 17–21 s."""

SCOPE_PEOPLE_PER_SLICE = 4_000
"""An actor's scope of more people than this is read in slices too, each in a thread of its own (one
per processor). A county's catalogue after a day's work at a million people (8,370 people in the
county) took 1.5 s on SQLite read whole: the people's statement 0.8 s and the transfers' 0.5 s,
each on one processor while the other was idle. Its slices are cut among the scope's own people,
from the access index, so cutting costs little however large the store."""

MOST_SLICES = 4
"""A cap on the threads (and connections) one evaluation opens; measured only on two processors."""

JIT_OFF = "SET LOCAL jit = off"
"""PostgreSQL: no just-in-time compilation in the evaluation's transaction (``_snapshot``)."""

RANDOM_PAGE_COST = "SET LOCAL random_page_cost = 1.1"
"""PostgreSQL: a page read out of order costs the planner about what one read in order does, as for a
store on solid-state disks or in memory (``_snapshot``)."""

NO_DERIVED_MERGE = "SET SESSION optimizer_switch = 'derived_merge=off'"
"""MariaDB: each derived table made once, not merged into the query that reads it (``_snapshot``)."""


def evaluate_indicators(
    recorder: Recorder,
    scope: Scope,
    request: EvaluationRequest,
    definitions: Sequence[IndicatorDefinition],
    tree: DivisionTree,
    *,
    slices: int | None = None,
) -> list[IndicatorResult] | None:
    """What ``evaluate_in_store`` would answer, computed in the database; None to let the reference
    evaluator answer (another store's recorder, or a definition this evaluator does not translate).

    Args:
        slices: Read the people in this many slices, each in a thread of its
            own; None decides by the store's engine and size (``PEOPLE_PER_SLICE``),
            or by the number of people in an actor's scope (``SCOPE_PEOPLE_PER_SLICE``).
    """
    policy = request.policy
    if not isinstance(recorder, SqlRecorder) or policy is None:
        return None
    dialect = recorder.backend.name
    try:
        plan = translate(definitions, mysql=dialect == "mysql")
    except Untranslatable:
        return None
    question = Question(
        start=request.period.start,
        end=request.period.end,
        known_at=request.known_at,
        residence_first=policy.responsible is Responsibility.RESIDENCE_FIRST,
        test_window_days=policy.test_window_days,
        scope=scope,
    )
    cooperating = request.view is View.COOPERATING
    reading = _Reading(recorder, question, plan, definitions, cooperating)
    direct = _kept_sizes(reading) if scope is not None and slices is None else None
    if direct is None:
        direct = _sizes(reading, slices)
    if direct is None:
        return None
    present = {
        division: sizes
        for division, sizes in direct.items()
        if any(sizes[index * WIDTH] for index in range(len(definitions)))
    }
    totals = present if cooperating else _added_upward(present, tree)
    if request.divisions is not None:
        codes = sorted(set(request.divisions))
    else:
        codes = [
            code
            for code in sorted({d.code for d in tree} | set(totals))
            if scope is None or any(is_within(code, division) for division in scope)
        ]
    empty = [0] * (len(definitions) * WIDTH)
    digests = [digest(definition) for definition in definitions]
    results: list[IndicatorResult] = []
    for code in codes:
        sizes = totals.get(code, empty)
        for index, definition in enumerate(definitions):
            counts: Counts = tuple(sizes[index * WIDTH : (index + 1) * WIDTH])  # type: ignore[assignment]
            results.append(
                result_from_counts(
                    definition, code, counts, request, policy, definition_digest=digests[index]
                )
            )
    return results


@attrs.frozen
class _Stamp:
    """Where in the store a read was: the chain head (every commit moves it) and the ledger's last
    entry, each with its hash, which stands for everything in its chain up to it."""

    head: int
    head_hash: bytes | None
    ledger: int
    ledger_hash: bytes | None


@attrs.frozen
class _Read:
    """What one read found: each statement's rows, in one snapshot at ``stamp``."""

    stamp: _Stamp
    rows: tuple[tuple[Tally, Sequence[Any]], ...]
    listed: tuple[str, ...] = ()
    """The people it was asked about (all of them in scope when empty)."""
    depth: int = 0
    """The longest chain of voids it followed, which its statements were built for."""


@attrs.frozen
class _Reading:
    """One evaluation's question, and how to read its counts from the store."""

    recorder: SqlRecorder
    question: Question
    plan: Plan
    definitions: Sequence[IndicatorDefinition]
    cooperating: bool

    def read(
        self,
        people: tuple[str | None, str | None] = (None, None),
        *,
        per_person: bool = False,
        since: _Stamp | None = None,
    ) -> _Read | None:
        """Every statement's rows for the people of ``people`` (a slice's bounds), or, given the
        ``since`` of kept counts, for the people whose records came after it, in one snapshot; None
        when a chain of voids is too long to follow, or when the store changed since ``since`` in a
        way that kept counts cannot follow (``_followable``)."""
        recorder = self.recorder
        question = attrs.evolve(self.question, people=people)
        listed: list[str] = []
        with _snapshot(recorder) as connection:
            stamp = _stamp_of(connection)
            if since is not None:
                if not _followable(connection, since, stamp):
                    return None
                listed = _changed_since(connection, since, stamp)
                question = attrs.evolve(question, listed=True)
                if not listed:
                    return _Read(stamp, ())
            # Each statement runs once, or once per list of at most LISTED_PER_STATEMENT people.
            listings: list[list[str] | None] = (
                [list(chunk) for chunk in chunks(listed, LISTED_PER_STATEMENT)] if question.listed else [None]
            )
            depth = max(void_depth(connection, question, listing) for listing in listings)
            if depth >= VOID_DEPTH_LIMIT:
                return None
            tallies = self.tallies(question, depth, per_person=per_person)
            parameters = slice_parameters(question.people)
            found: list[tuple[Tally, Sequence[Any]]] = []
            for tally in tallies:
                rows: list[Any] = []
                for listing in listings:
                    values = parameters if listing is None else {**parameters, LISTED_PARAMETER: listing}
                    rows += connection.execute(tally.statement, values).all()
                found.append((tally, rows))
        return _Read(stamp, tuple(found), tuple(listed), depth)

    def tallies(self, question: Question, depth: int, *, per_person: bool) -> tuple[Tally, ...]:
        """The statements of ``question`` for chains of voids ``depth`` long, built once and kept."""
        dialect = self.recorder.backend.name
        key = _StatementsKey.of(dialect, question, depth, self.definitions, self.cooperating, per_person)
        return _KEPT_STATEMENTS.get(
            key,
            lambda: _build_statements(
                dialect, question, depth, self.plan, self.definitions, self.cooperating, per_person
            ),
        )


def _stamp_of(connection: sa.Connection) -> _Stamp:
    """Where the store is, read in the snapshot the counts are read in, so that the two agree."""
    row = connection.execute(
        sa.select(CHAIN_HEAD.c.sequence, CHAIN_HEAD.c.ledger_sequence).where(CHAIN_HEAD.c.id == 1)
    ).first()
    if row is None:
        return _Stamp(0, None, 0, None)
    head, ledger = int(row.sequence), int(row.ledger_sequence or 0)
    return _Stamp(head, _hash_at(connection, RECORDS, head), ledger, _hash_at(connection, LEDGER, ledger))


def _hash_at(connection: sa.Connection, table: sa.Table, sequence: int) -> bytes | None:
    """The hash of the record or ledger entry at ``sequence`` (None: there is none)."""
    found = connection.execute(sa.select(table.c.hash).where(table.c.sequence == sequence)).scalar()
    return bytes(found) if found is not None else None


def _sizes(reading: _Reading, slices: int | None) -> dict[DivisionCode, list[int]] | None:
    """The population sizes by division counted in directly, read whole or in slices; None to let
    the reference evaluator answer."""
    reads = None
    if slices != 1:
        _people, bounds = _slice_bounds(reading.recorder, slices, reading.question.scope)
        reads = _in_slices(reading, bounds)
    if reads is None:
        read = reading.read()
        if read is None:
            return None
        reads = [read]
    direct: dict[DivisionCode, list[int]] = {}
    for read in reads:
        for tally, rows in read.rows:
            for row in rows:
                _add(direct, tally.layout[row[0]], row[1], row[2:], len(reading.definitions))
    return direct


KEPT_PEOPLE = 50_000
"""An actor's scope of at most this many people has its counts kept, person by person, between reads
of the same question in the same process (``_kept_sizes``); a larger scope is read whole each time."""

LISTED_PER_STATEMENT = 1_000
"""The most people one statement of a kept count's update lists (an ``IN`` list; more run in turn)."""

FOLLOWED_ENTRIES = frozenset(
    {
        EntryKind.COMMIT,
        EntryKind.LOAD,
        EntryKind.IDENTITY,
        EntryKind.ERASURE,
        EntryKind.SEALED_READ,
        EntryKind.DIVISION,
        EntryKind.RATING_SCHEME,
    }
)
"""The ledger entries a kept count follows: records appended (whose people are read again) and what
no count reads (identities, their erasure, a sealed read, a division's name, a rating scheme). A new
policy or an upgrade makes the next read whole."""

_Part = tuple[int, str, DivisionCode, tuple[Any, ...]]
"""One row of a person's counts: the statement (its index), the side, the division, the values."""


@attrs.frozen
class _Kept:
    """A scope's counts at ``stamp``: each person's rows, and their totals by statement, side and
    division.

    The totals could be summed from the people's rows, but are kept beside them so that a read
    after a day's work touches only the changed people's rows, not the scope's.
    """

    stamp: _Stamp
    layouts: tuple[dict[str, list[list[list[int]]]], ...]
    people: dict[str, tuple[_Part, ...]]
    totals: dict[tuple[int, str, DivisionCode], tuple[Any, ...]]

    @classmethod
    def of(cls, reads: Sequence[_Read]) -> _Kept:
        """The counts of whole reads (the slices of one scope, all at one chain head).

        A ledger entry that changes no count (a sealed read) may come between the slices' reads:
        the earliest ledger head is kept, so the next read checks every entry after it.
        """
        stamp = min((read.stamp for read in reads), key=lambda found: found.ledger)
        layouts = tuple(tally.layout for tally, _rows in reads[0].rows)
        empty = cls(stamp, layouts, {}, {})
        return functools.reduce(_Kept.changed, reads, empty)

    def changed(self, read: _Read) -> _Kept:
        """These counts with the people ``read`` was about read again (all of its people when it
        lists none): each one's old rows taken out of the totals and the new ones added.

        A value whose condition does not hold is NULL: the values are kept as the driver gives
        them and made integers only in ``sizes``. A whole read's rows are added column by column
        (twelve thousand people's rows of eighty values: 0.35 s row by row).
        """
        people = dict(self.people)
        totals = dict(self.totals)
        for person in read.listed:
            for index, side, division, sums in people.pop(person, ()):
                key = (index, side, division)
                totals[key] = tuple(a - (b or 0) for a, b in zip(totals[key], sums, strict=True))
        found: dict[str, list[_Part]] = {}
        added: dict[tuple[int, str, DivisionCode], list[tuple[Any, ...]]] = {}
        for index, (_tally, rows) in enumerate(read.rows):
            for row in rows:
                side, division, person, sums = row[0], row[1], row[2], tuple(row[3:])
                found.setdefault(person, []).append((index, side, division, sums))
                added.setdefault((index, side, division), []).append(sums)
        for person, parts in found.items():
            people[person] = tuple(parts)
        for key, rows in added.items():
            column_sums = tuple(sum(filter(None, column)) for column in zip(*rows, strict=True))
            total = totals.get(key)
            if total is not None:
                column_sums = tuple(a + b for a, b in zip(total, column_sums, strict=True))
            totals[key] = column_sums
        return _Kept(read.stamp, self.layouts, people, totals)

    def sizes(self, definitions: int) -> dict[DivisionCode, list[int]]:
        """The population sizes by division counted in directly, as ``_sizes`` gives them."""
        direct: dict[DivisionCode, list[int]] = {}
        for (index, side, division), sums in self.totals.items():
            _add(direct, self.layouts[index][side], division, sums, definitions)
        return direct


def _kept_sizes(reading: _Reading) -> dict[DivisionCode, list[int]] | None:
    """The sizes for an actor's scope from the counts kept at the last read of the same question,
    with only the people whose records came since read again; or from a whole read of the scope,
    then kept. None to read the scope as ``_sizes`` does (a scope of more than ``KEPT_PEOPLE``), or
    to let the reference evaluator answer.

    A platform asks the same county and period again and again, and between two asks a day's work
    changes a few of the county's people. Every record comes with a higher chain sequence, and a
    person's records and access divisions change only with records appended to their own stream,
    so the people whose counts may have changed are the subjects of the records after the kept
    chain head: those are read again, in the same snapshot that says where the head is. The
    record and the ledger entry at the kept heads must still have the kept hashes (each stands for
    its whole chain up to it, the kept policy included: a store made again, or put back from a
    backup, is read whole), and the ledger since then may hold only ``FOLLOWED_ENTRIES``. Nothing
    is kept in the store: the counts live in this process, beside the recorder, and every figure
    is still the store's as it is.
    """
    recorder, question = reading.recorder, reading.question
    # The depth of voids is left out (0): it is how far the province's longest chain of voids goes,
    # and a person's counts are the same read at any depth that reaches their own chains.
    key = _StatementsKey.of(
        recorder.backend.name, question, 0, reading.definitions, reading.cooperating, per_person=True
    )
    kept = _KEPT_COUNTS.get(recorder, key)
    if kept is not None:
        read = reading.read(per_person=True, since=kept.stamp)
        if read is not None:
            if read.stamp != kept.stamp:
                kept = kept.changed(read)
                _KEPT_COUNTS.put(recorder, key, kept)
            return kept.sizes(len(reading.definitions))
    people, bounds = _slice_bounds(recorder, None, question.scope)
    if people > KEPT_PEOPLE:
        return None
    reads = _in_slices(reading, bounds, per_person=True)
    if reads is None:
        read = reading.read(per_person=True)
        if read is None:
            return None
        reads = [read]
    kept = _Kept.of(reads)
    _KEPT_COUNTS.put(recorder, key, kept)
    return kept.sizes(len(reading.definitions))


def _followable(connection: sa.Connection, since: _Stamp, now: _Stamp) -> bool:
    """Whether the store at ``now`` is the store at ``since`` with records appended and nothing
    else a count reads changed (``_kept_sizes``)."""
    if now.head < since.head or now.ledger < since.ledger:
        return False
    if _hash_at(connection, RECORDS, since.head) != since.head_hash:
        return False
    if _hash_at(connection, LEDGER, since.ledger) != since.ledger_hash:
        return False
    kinds = connection.execute(
        sa.select(LEDGER.c.kind)
        .where(LEDGER.c.sequence > since.ledger, LEDGER.c.sequence <= now.ledger)
        .distinct()
    ).scalars()
    return all(kind in FOLLOWED_ENTRIES for kind in kinds)


def _changed_since(connection: sa.Connection, since: _Stamp, now: _Stamp) -> list[str]:
    """The subjects of the records after ``since``'s chain head, up to ``now``'s."""
    subjects = connection.execute(
        sa.select(RECORDS.c.subject)
        .where(RECORDS.c.sequence > since.head, RECORDS.c.sequence <= now.head)
        .distinct()
    ).scalars()
    return sorted(str(subject) for subject in subjects)


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Recent(Generic[_Key, _Value]):
    """At most ``most`` values, the least recently used forgotten first (the caller locks)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._values: OrderedDict[_Key, _Value] = OrderedDict()

    def get(self, key: _Key) -> _Value | None:
        found = self._values.get(key)
        if found is not None:
            self._values.move_to_end(key)
        return found

    def put(self, key: _Key, value: _Value) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.most:
            self._values.popitem(last=False)


class _KeptCounts:
    """The counts of the latest reads of each recorder's scopes (``_kept_sizes``), forgotten with
    the recorder, the least recently used beyond ``most`` a recorder."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._kept: weakref.WeakKeyDictionary[SqlRecorder, _Recent[_StatementsKey, _Kept]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, recorder: SqlRecorder, key: _StatementsKey) -> _Kept | None:
        with self._lock:
            kept = self._kept.get(recorder)
            return kept.get(key) if kept is not None else None

    def put(self, recorder: SqlRecorder, key: _StatementsKey, counts: _Kept) -> None:
        """Keep ``counts`` unless counts of a later chain head are kept already (a slower read of
        the same question, in another thread, may end after a faster, later one)."""
        with self._lock:
            kept = self._kept.setdefault(recorder, _Recent(self.most))
            found = kept.get(key)
            kept.put(key, counts if found is None or found.stamp.head <= counts.stamp.head else found)

    def forget(self) -> None:
        """Forget every kept count (the next read of every scope is whole)."""
        with self._lock:
            self._kept.clear()


_KEPT_COUNTS = _KeptCounts(most=8)
"""Eight scopes' counts a recorder: about 1 KiB a person of the scope."""


def forget_kept_counts() -> None:
    """Forget the counts kept between reads (``_kept_sizes``), so that the next read of every scope
    reads all of its people: for a test of the statements, or a host that wants the memory back."""
    _KEPT_COUNTS.forget()


def _build_statements(
    dialect: str,
    question: Question,
    depth: int,
    plan: Plan,
    definitions: Sequence[IndicatorDefinition],
    cooperating: bool,
    per_person: bool,
) -> tuple[Tally, ...]:
    """The statements that count the people of ``question`` (and their accepted transfers), by
    division (and by person, ``per_person``)."""
    query = FactsQuery(
        question,
        dialect,
        void_depth=depth,
        record_tests=plan.record_tests,
        due_kinds=plan.due_kinds,
        fulfilment=plan.fulfilment,
        places=cooperating,
    )
    tallies = [people_tally(query, plan, definitions, cooperating=cooperating, per_person=per_person)]
    transfers = transfer_tally(query, plan, definitions, cooperating=cooperating, per_person=per_person)
    if transfers is not None:
        tallies.append(transfers)
    return tuple(tallies)


@attrs.frozen
class _StatementsKey:
    """What decides the statements of a read: everything in them but the values of a slice's bounds."""

    dialect: str
    question: Question
    """With ``people`` left out: only whether each bound is there changes the statements."""
    bounded: tuple[bool, bool]
    void_depth: int
    definitions: tuple[str, ...]
    """The definitions' digests, in order (the plan is translated from them)."""
    cooperating: bool
    per_person: bool

    @classmethod
    def of(
        cls,
        dialect: str,
        question: Question,
        depth: int,
        definitions: Sequence[IndicatorDefinition],
        cooperating: bool,
        per_person: bool,
    ) -> _StatementsKey:
        lower, upper = question.people
        return cls(
            dialect,
            attrs.evolve(question, people=(None, None)),
            (lower is not None, upper is not None),
            depth,
            tuple(digest(definition) for definition in definitions),
            cooperating,
            per_person,
        )


class _KeptStatements:
    """The statements of the latest reads, kept for the next read that asks the same.

    Building a catalogue's statements is Python work (thousands of
    expression objects): 0.05 to 0.13 s each time, and a county's two
    slices built theirs at once, each waiting for the other's hold on the
    interpreter (0.2 s of a county's 0.85 s on MariaDB at a million people).
    A platform asks the same county and period again and again, and every
    slice of a read with the same bounds present asks the same statement
    with other values of the bounds (``slice_parameters``). The statements
    are immutable, so threads share them; the engine keeps their compiled
    SQL.
    """

    def __init__(self, most: int) -> None:
        self._kept: _Recent[_StatementsKey, tuple[Tally, ...]] = _Recent(most)
        self._lock = threading.Lock()

    def get(self, key: _StatementsKey, build: Callable[[], tuple[Tally, ...]]) -> tuple[Tally, ...]:
        """The statements kept for ``key``, or those ``build`` makes (then kept), forgetting the least
        recently used beyond ``most``.

        One build at a time: the slices of a read that ask the same wait for the first to build
        it rather than build it again (building holds the interpreter either way).
        """
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                found = build()
                self._kept.put(key, found)
            return found


_KEPT_STATEMENTS = _KeptStatements(most=8)
"""Eight sets of statements: 3 to 6 MiB each (most on MariaDB), two or three per read of a county."""


def _in_slices(
    reading: _Reading, bounds: Sequence[tuple[str | None, str | None]], *, per_person: bool = False
) -> list[_Read] | None:
    """Every slice of people read in a thread of its own; None to read in one go instead (one
    slice would do, a chain of voids is too long, or a commit came between the slices' reads).

    The people of different slices are different people, so adding their
    sizes is exact; each slice reads its own snapshot, so the slices must all
    have read at the same chain head to have seen the same store.
    """
    if len(bounds) < 2:
        return None
    reads: list[_Read | None]
    if _in_processes(reading.recorder):
        from antidrug_sql.slices import read_in_processes  # the module that may start processes

        reads = read_in_processes(reading, bounds, per_person=per_person)
    else:
        with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
            reads = list(pool.map(lambda people: reading.read(people, per_person=per_person), bounds))
    found = [read for read in reads if read is not None]
    if len(found) != len(reads) or len({read.stamp.head for read in found}) != 1:
        return None
    return found


def _in_processes(recorder: SqlRecorder) -> bool:
    """Whether slices are read in processes of their own: where the store was opened for it
    (``StoreContext.processes``) and is a SQLite file.

    Two connections in two threads of one process wait on each other: SQLite
    keeps its memory statistics under one lock for the whole process, taken
    at every allocation. At a million people two processes read the people's
    statement in 21–23 s, two threads in 26–34 s (``docs/storage.md``). The
    servers do the work in their own processes already. A SQLite store is a
    file (``engines.backend_of`` refuses ``:memory:``), but a URI may still ask
    for a database in memory, which another process would not see.
    """
    in_memory = recorder.engine.url.query.get("mode") == "memory"
    return recorder.processes and recorder.backend.name == "sqlite" and not in_memory


def _slice_bounds(
    recorder: SqlRecorder, slices: int | None, scope: Scope
) -> tuple[int, list[tuple[str | None, str | None]]]:
    """How many people there are (in the scope, when there is one), and the ``[lower, upper)`` person
    ids of slices holding about as many of them each (none when one read will do)."""
    per_slice = PEOPLE_PER_SLICE.get(recorder.backend.name) if scope is None else SCOPE_PEOPLE_PER_SLICE
    subjects = _subjects(scope)
    with _snapshot(recorder) as connection:
        people = int(connection.execute(sa.select(sa.func.count()).select_from(subjects)).scalar() or 0)
        if slices is None:
            if per_slice is None:
                return people, []
            slices = min(_processors(), MOST_SLICES, people // per_slice)
        cuts: list[str] = []
        for k in range(1, slices):  # rising offsets give the cuts in the database's own order
            cut = connection.execute(
                sa.select(subjects.c.subject)
                .order_by(subjects.c.subject)
                .limit(1)
                .offset(people * k // slices)
            ).scalar()
            if cut is not None and (not cuts or cut != cuts[-1]):
                cuts.append(str(cut))
    edges: list[str | None] = [None, *cuts, None]
    return people, list(itertools.pairwise(edges))


def _subjects(scope: Scope) -> sa.Subquery:
    """The people's ids (with an access division in ``scope``, from the (division, subject) index)."""
    if scope is None:
        return (
            sa.select(STREAMS.c.subject.label("subject"))
            .where(STREAMS.c.kind == SubjectKind.PERSON.value)
            .subquery()
        )
    return sa.select(ACCESS.c.subject.label("subject")).where(ACCESS.c.division.in_(sorted(scope))).subquery()


def _processors() -> int:
    """The processors this process may run on (a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def _snapshot(recorder: SqlRecorder) -> Iterator[sa.Connection]:
    """One read transaction that sees one state of the store in every statement.

    SQLite's read transaction is a snapshot already; the servers run at
    READ COMMITTED, where each statement would see the latest commit, so the
    evaluation asks for REPEATABLE READ (a snapshot on both PostgreSQL and
    InnoDB). It takes no locks a writer would wait for.

    On PostgreSQL the transaction also turns off just-in-time compilation
    (``jit``): the evaluator's one statement is large and its estimated cost
    high, so PostgreSQL compiled it every time, which took 7.6 of the 8.8 s
    the statement ran for 20,000 people; run without it, the plan is the same.
    And it plans with pages read out of order costing 1.1 instead of the
    installed 4 (``random_page_cost``, whose default assumes spinning disks):
    with 4, a county's slice read the records of everyone in the slice's id
    range (half the province) and kept the county's people, rather than
    looking each of them up through ``(subject, version)``. At 100,000
    people in 10 counties a county's catalogue took 0.62–0.80 s with 4 and
    0.31–0.41 s with 1.1; the province's took the same (1.66–1.79 s against
    1.65–1.98 s), runs alternated.

    On MariaDB the session does not merge derived tables (``derived_merge``):
    merged, each person's facts (the status, the responsible division) were
    worked out again inside every one of the forty-odd sums that read them,
    which was 0.36 of a county slice's 0.96 s at a million people. The switch
    comes back before the connection returns to the pool; a connection that
    cannot take it back is not used again.
    """
    name = recorder.backend.name
    try:
        with recorder.engine.connect() as connection:
            if name != "sqlite":
                connection.execution_options(isolation_level="REPEATABLE READ")
            switches = None
            try:
                with connection.begin():
                    if name == "postgresql":
                        connection.exec_driver_sql(JIT_OFF)
                        connection.exec_driver_sql(RANDOM_PAGE_COST)
                    elif name == "mysql":
                        switches = connection.exec_driver_sql("SELECT @@session.optimizer_switch").scalar()
                        connection.exec_driver_sql(NO_DERIVED_MERGE)
                    yield connection
            finally:
                if switches is not None:
                    restore_session_setting(connection, "SET SESSION optimizer_switch = %s", (str(switches),))
    except sa.exc.OperationalError as error:
        raise unavailable(recorder.url, error, recorder.backend) from None


def _add(
    direct: dict[DivisionCode, list[int]],
    layout: list[list[list[int]]],
    division: DivisionCode,
    sums: Sequence[Any],
    definitions: int,
) -> None:
    """Add one row's sums, laid out by its side's ``layout``, to its division's population sizes
    (a division has a row per part and side).

    A division where no one is in any initial population is left out, as
    the reference evaluator never meets it.
    """
    values = [int(v or 0) for v in sums]
    sizes = [sum(values[p] for p in positions) for per_definition in layout for positions in per_definition]
    assert len(sizes) == definitions * WIDTH
    total = direct.get(division)
    direct[division] = sizes if total is None else [a + b for a, b in zip(total, sizes, strict=True)]


def _added_upward(direct: dict[DivisionCode, list[int]], tree: DivisionTree) -> dict[DivisionCode, list[int]]:
    """Each division's sizes plus those of every division below it."""
    totals: dict[DivisionCode, list[int]] = {}
    for division, sizes in direct.items():
        for above in tree.lineage(division):
            total = totals.get(above)
            if total is None:
                totals[above] = list(sizes)
            else:
                totals[above] = [a + b for a, b in zip(total, sizes, strict=True)]
    return totals
