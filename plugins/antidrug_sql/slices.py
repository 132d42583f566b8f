"""A SQL store's subject files in slices, for the reference evaluator in several processes.

The reference evaluator spends its time reading each record's payload back
into a record and asking each file its questions, one file at a time on one
processor. Each file is independent, so ``evaluate_in_processes`` cuts the
people into slices of about as many each (by id, in the database's order),
and a process of its own reads and counts each slice (``StoreSlice``, a
``FileSource`` of ``antidrug_core.indicators.parallel``); the core adds the
slices' tallies. Units and organisations, a few in a province, are one more
slice.

Each slice is read in one statement of its own, so each sees one state of
the store, but two slices may see two. The chain head moves with every
commit, so when it reads the same before the first slice is started and
after the last is read, every slice saw the same store; when it does not,
the evaluation is made again, in this process, in one read.

The fast evaluator's slices of a SQLite file are read here too, each in a
process of its own, where the store was opened for it
(``StoreContext.processes``: the command line, never a host's call):
``read_in_processes``. Each process reads its slice in one snapshot and
sends back the rows of each statement with the chain head it read at; the
evaluator keeps the slices only when every one read at the same head.

This is the optional module that starts processes; the core never does
(docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import operator
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.bootstrap import open_store
from antidrug_core.indicators import EvaluationRequest, IndicatorDefinition, IndicatorResult
from antidrug_core.indicators.parallel import FileSource, evaluate_parts
from antidrug_core.model import DivisionTree, SubjectKind
from antidrug_core.ports import Scope
from antidrug_core.rules.policy import Policy
from antidrug_core.state import SubjectFile, build_file
from antidrug_sql.evaluator import _Read, _Reading, _Stamp
from antidrug_sql.facts import Question
from antidrug_sql.recorder import SqlRecorder
from antidrug_sql.rows import record_from_payload
from antidrug_sql.tables import ACCESS, CHAIN_HEAD, RECORDS, STREAMS
from antidrug_sql.translation import Plan

__all__ = ["StoreSlice", "evaluate_in_processes", "person_bounds", "read_in_processes"]

Bounds = tuple[str | None, str | None]
"""``[lower, upper)`` subject ids (None: unbounded)."""


@attrs.frozen
class StoreSlice:
    """The files of the subjects of ``kind`` with ids in ``bounds``, read from the store at ``url``
    when called (in the process that counts them). Picklable: it holds only text and values."""

    url: str
    kind: SubjectKind
    bounds: Bounds = (None, None)
    scope: frozenset[str] | None = None
    known_at: dt.datetime | None = None

    def __call__(self) -> Iterator[SubjectFile]:
        with open_store(self.url, create=False) as store:
            recorder = store.recorder
            if not isinstance(recorder, SqlRecorder):
                raise TypeError(f"{self.url} is not a SQL store")
            yield from subject_files(recorder, self.kind, self.bounds, self.scope, self.known_at)


def subject_files(
    recorder: SqlRecorder,
    kind: SubjectKind,
    bounds: Bounds,
    scope: Scope,
    known_at: dt.datetime | None,
) -> Iterator[SubjectFile]:
    """Every file of ``kind`` in ``bounds`` and ``scope``, as known at ``known_at``, in one pass over
    the records in the ``(subject, version)`` index's order."""
    lower, upper = bounds
    conditions: list[sa.ColumnElement[bool]] = []
    if lower is not None:
        conditions.append(RECORDS.c.subject >= lower)
    if upper is not None:
        conditions.append(RECORDS.c.subject < upper)
    if scope is not None:
        visible = sa.select(ACCESS.c.subject).where(ACCESS.c.division.in_(sorted(scope)))
        conditions.append(RECORDS.c.subject.in_(visible))
    statement = sa.select(RECORDS.c.subject, RECORDS.c.payload)
    if kind is SubjectKind.PERSON:  # nearly every record: one join, read in subject order
        statement = statement.select_from(RECORDS.join(STREAMS, STREAMS.c.subject == RECORDS.c.subject))
        statement = statement.where(STREAMS.c.kind == kind.value, *conditions)
    else:  # a few streams: found among the stream heads, their records looked up by subject
        of_kind = sa.select(STREAMS.c.subject).where(STREAMS.c.kind == kind.value)
        statement = statement.where(RECORDS.c.subject.in_(of_kind), *conditions)
    statement = statement.order_by(RECORDS.c.subject, RECORDS.c.version)
    with (
        recorder.reading() as connection,
        connection.execution_options(yield_per=1000).execute(statement) as result,
    ):
        current: str | None = None
        records: list[object] = []
        for subject, payload in result:
            if subject != current:
                if current is not None:
                    yield build_file(kind, current, records, known_at)  # type: ignore[arg-type]
                current, records = subject, []
            records.append(record_from_payload(payload))
        if current is not None:
            yield build_file(kind, current, records, known_at)  # type: ignore[arg-type]


def person_bounds(recorder: SqlRecorder, slices: int) -> list[Bounds]:
    """``[lower, upper)`` person ids of ``slices`` slices of about as many people each."""
    person = STREAMS.c.kind == SubjectKind.PERSON.value
    with recorder.reading() as connection:
        people = int(
            connection.execute(sa.select(sa.func.count()).select_from(STREAMS).where(person)).scalar() or 0
        )
        cuts: list[str] = []
        for k in range(1, slices):
            cut = connection.execute(
                sa.select(STREAMS.c.subject)
                .where(person)
                .order_by(STREAMS.c.subject)
                .limit(1)
                .offset(people * k // slices)
            ).scalar()
            if cut is not None and (not cuts or str(cut) > cuts[-1]):
                cuts.append(str(cut))
    edges: list[str | None] = [None, *cuts, None]
    return list(itertools.pairwise(edges))


def _head(recorder: SqlRecorder) -> int:
    with recorder.reading() as connection:
        return int(
            connection.execute(sa.select(CHAIN_HEAD.c.sequence).where(CHAIN_HEAD.c.id == 1)).scalar() or 0
        )


def evaluate_in_processes(
    url: str,
    recorder: SqlRecorder,
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    scope: Scope = None,
    workers: int | None = None,
) -> list[IndicatorResult]:
    """What ``evaluate_files`` answers over the store's files, read and counted in ``workers``
    processes (None: one per processor this process may use).

    Args:
        url: The store's URL, with whatever it needs to connect (each
            process opens the store itself).
        recorder: The store's recorder here, to cut the slices and read the
            chain head.
        scope: Only subjects with an access division among these (None: all).
    """
    workers = workers or _processors()
    kinds = sorted({d.subject for d in definitions}, key=list(SubjectKind).index)
    parts: list[FileSource] = []
    for kind in kinds:
        bounds = person_bounds(recorder, workers) if kind is SubjectKind.PERSON else [(None, None)]
        parts += [StoreSlice(url, kind, b, scope, request.known_at) for b in bounds]
    before = _head(recorder)
    if workers > 1 and len(parts) > 1:
        with _process_pool(min(workers, len(parts))) as pool:
            results = evaluate_parts(parts, definitions, request, tree, policy=policy, executor=pool)
    else:
        results = evaluate_parts(parts, definitions, request, tree, policy=policy)
    if _head(recorder) == before:
        return results
    whole = [StoreSlice(url, kind, (None, None), scope, request.known_at) for kind in kinds]
    return evaluate_parts(whole, definitions, request, tree, policy=policy)


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started afresh (``spawn``), not forked: a fork would copy the
    calling process's threads' locks and its pooled connections in whatever state they were."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the fast evaluator's slices of a SQLite file --------------------------------------------------


_SliceRows = tuple[_Stamp, int, tuple[str, ...], tuple[tuple[tuple[Any, ...], ...], ...]]
"""What a slice's process sends back: a ``_Read`` without its statements, which do not travel."""


@attrs.frozen
class _SliceRead:
    """One slice of the fast evaluator's read, made in the process that calls it. Picklable: the
    store's URL and the question, not the store."""

    url: str
    question: Question
    plan: Plan
    definitions: tuple[IndicatorDefinition, ...]
    cooperating: bool
    people: Bounds
    per_person: bool

    def __call__(self) -> _SliceRows | None:
        """The chain head read at, the depth of voids followed, the people asked about, and each
        statement's rows; None where the read in this process would be None."""
        with open_store(self.url, create=False) as store:
            recorder = store.recorder
            if not isinstance(recorder, SqlRecorder):
                raise TypeError(f"{self.url} is not a SQL store")
            reading = _Reading(recorder, self.question, self.plan, self.definitions, self.cooperating)
            read = reading.read(self.people, per_person=self.per_person)
        if read is None:
            return None
        rows = tuple(tuple(tuple(row) for row in found) for _tally, found in read.rows)
        return read.stamp, read.depth, read.listed, rows


def read_in_processes(reading: _Reading, bounds: Sequence[Bounds], *, per_person: bool) -> list[_Read | None]:
    """Each slice of ``reading`` read in a process of its own, as the threads of ``_in_slices``
    read them: the statements' rows paired again here with the statements, built here for the
    depth of voids each slice followed."""
    recorder = reading.recorder
    url = recorder.engine.url.render_as_string(hide_password=False)
    slice_reads = [
        _SliceRead(
            url,
            reading.question,
            reading.plan,
            tuple(reading.definitions),
            reading.cooperating,
            people,
            per_person,
        )
        for people in bounds
    ]
    with _process_pool(len(slice_reads)) as pool:
        answers = list(pool.map(operator.call, slice_reads))
    reads: list[_Read | None] = []
    for people, answer in zip(bounds, answers, strict=True):
        if answer is None:
            reads.append(None)
            continue
        stamp, depth, listed, rows = answer
        question = attrs.evolve(reading.question, people=people)
        tallies = reading.tallies(question, depth, per_person=per_person)
        reads.append(_Read(stamp, tuple(zip(tallies, rows, strict=True)), listed, depth))
    return reads
