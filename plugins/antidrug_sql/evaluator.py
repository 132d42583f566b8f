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

Anything it does not translate makes it return None, and the reference
evaluator answers. The differential tests in ``tests/sql`` hold it to the
reference evaluator on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.indicators import EvaluationRequest, IndicatorDefinition, IndicatorResult, View, digest
from antidrug_core.indicators.reference import Counts, result_from_counts
from antidrug_core.model import DivisionCode, DivisionTree, SubjectKind, is_within
from antidrug_core.ports import Recorder, Scope
from antidrug_core.rules import Responsibility
from antidrug_sql.engines import restore_session_setting, unavailable
from antidrug_sql.facts import VOID_DEPTH_LIMIT, FactsQuery, Question, slice_parameters, void_depth
from antidrug_sql.recorder import SqlRecorder
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, STREAMS
from antidrug_sql.translation import (
    WIDTH,
    Plan,
    Tally,
    Untranslatable,
    people_tally,
    transfer_tally,
    translate,
)

__all__ = ["evaluate_indicators"]


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

    def count(people: tuple[str | None, str | None]) -> _Counted | None:
        return _count(recorder, attrs.evolve(question, people=people), plan, definitions, cooperating)

    counted = _in_slices(recorder, count, slices, scope) if slices != 1 else None
    if counted is None:
        counted = count((None, None))
    if counted is None:
        return None
    direct = counted.sizes
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
class _Counted:
    """What one read of the store found: the population sizes by division counted in directly,
    and the chain head it read at (every commit moves it)."""

    sizes: dict[DivisionCode, list[int]]
    head: int


def _count(
    recorder: SqlRecorder,
    question: Question,
    plan: Plan,
    definitions: Sequence[IndicatorDefinition],
    cooperating: bool,
) -> _Counted | None:
    """The sizes of every population, for the people of ``question``, in one snapshot; None when
    a chain of voids is too long to follow."""
    direct: dict[DivisionCode, list[int]] = {}
    with _snapshot(recorder) as connection:
        head = int(
            connection.execute(sa.select(CHAIN_HEAD.c.sequence).where(CHAIN_HEAD.c.id == 1)).scalar() or 0
        )
        depth = void_depth(connection, question)
        if depth >= VOID_DEPTH_LIMIT:
            return None
        dialect = recorder.backend.name
        key = _StatementsKey.of(dialect, question, depth, definitions, cooperating)
        tallies = _KEPT_STATEMENTS.get(
            key, lambda: _build_statements(dialect, question, depth, plan, definitions, cooperating)
        )
        bounds = slice_parameters(question.people)
        for tally in tallies:
            _add(direct, tally, connection.execute(tally.statement, bounds).all(), len(definitions))
    return _Counted(direct, head)


def _build_statements(
    dialect: str,
    question: Question,
    depth: int,
    plan: Plan,
    definitions: Sequence[IndicatorDefinition],
    cooperating: bool,
) -> tuple[Tally, ...]:
    """The statements that count the people of ``question`` (and their accepted transfers)."""
    query = FactsQuery(
        question,
        dialect,
        void_depth=depth,
        record_tests=plan.record_tests,
        due_kinds=plan.due_kinds,
        fulfilment=plan.fulfilment,
        places=cooperating,
    )
    tallies = [people_tally(query, plan, definitions, cooperating=cooperating)]
    transfers = transfer_tally(query, plan, definitions, cooperating=cooperating)
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

    @classmethod
    def of(
        cls,
        dialect: str,
        question: Question,
        depth: int,
        definitions: Sequence[IndicatorDefinition],
        cooperating: bool,
    ) -> _StatementsKey:
        lower, upper = question.people
        return cls(
            dialect,
            attrs.evolve(question, people=(None, None)),
            (lower is not None, upper is not None),
            depth,
            tuple(digest(definition) for definition in definitions),
            cooperating,
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
        self.most = most
        self._kept: OrderedDict[_StatementsKey, tuple[Tally, ...]] = OrderedDict()
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
                found = self._kept[key] = build()
            self._kept.move_to_end(key)
            while len(self._kept) > self.most:
                self._kept.popitem(last=False)
            return found


_KEPT_STATEMENTS = _KeptStatements(most=8)
"""Eight sets of statements: 3 to 6 MiB each (most on MariaDB), two or three per read of a county."""


def _in_slices(
    recorder: SqlRecorder,
    count: Callable[[tuple[str | None, str | None]], _Counted | None],
    slices: int | None,
    scope: Scope,
) -> _Counted | None:
    """Every slice of people counted in a thread of its own, and the sizes added; None to count in
    one read instead (one slice would do, or a commit came between the slices' reads).

    The people of different slices are different people, so adding their
    sizes is exact; each slice reads its own snapshot, so the slices must all
    have read at the same chain head to have seen the same store.
    """
    bounds = _slice_bounds(recorder, slices, scope)
    if len(bounds) < 2:
        return None
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        counted = list(pool.map(count, bounds))
    if any(c is None for c in counted) or len({c.head for c in counted if c is not None}) != 1:
        return None
    sizes: dict[DivisionCode, list[int]] = {}
    for part in counted:
        assert part is not None
        for division, found in part.sizes.items():
            total = sizes.get(division)
            sizes[division] = found if total is None else [a + b for a, b in zip(total, found, strict=True)]
    return _Counted(sizes, counted[0].head if counted[0] is not None else 0)


def _slice_bounds(
    recorder: SqlRecorder, slices: int | None, scope: Scope
) -> list[tuple[str | None, str | None]]:
    """``[lower, upper)`` person ids of slices holding about as many people each (of the scope's
    people, when there is a scope)."""
    if scope is None:
        subjects = (
            sa.select(STREAMS.c.subject.label("subject"))
            .where(STREAMS.c.kind == SubjectKind.PERSON.value)
            .subquery()
        )
        per_slice = PEOPLE_PER_SLICE.get(recorder.backend.name)
    else:  # the subjects with an access division in the scope, from the (division, subject) index
        subjects = (
            sa.select(ACCESS.c.subject.label("subject"))
            .where(ACCESS.c.division.in_(sorted(scope)))
            .subquery()
        )
        per_slice = SCOPE_PEOPLE_PER_SLICE
    with _snapshot(recorder) as connection:
        people = int(connection.execute(sa.select(sa.func.count()).select_from(subjects)).scalar() or 0)
        if slices is None:
            if per_slice is None:
                return []
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
    return list(itertools.pairwise(edges))


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


def _add(direct: dict[DivisionCode, list[int]], tally: Tally, rows: Sequence[Any], definitions: int) -> None:
    """Add each row's population sizes to its division's (a division has a row per part and side).

    A division where no one is in any initial population is left out, as
    the reference evaluator never meets it.
    """
    for row in rows:
        side, division, sums = row[0], row[1], [int(v or 0) for v in row[2:]]
        layout = tally.layout[side]
        sizes = [
            sum(sums[position] for position in positions)
            for per_definition in layout
            for positions in per_definition
        ]
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
