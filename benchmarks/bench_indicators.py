"""The indicator catalogue over a synthetic province: fast evaluator, hand-written SQL, reference evaluator.

``python -m benchmarks indicators [--people 1000000] [--cache .bench] [--period 2025H2] [--db URL]``
builds (or reuses, from the cache folder, or the schema or database of that
name on the server ``--db`` names) a store of a synthetic province —
``SyntheticSpec.provincial``: a million people, about twelve million records,
1,500 townships in 100 counties of 7 cities — through the store's bulk
path, then runs on that same database, one after the other:

1. the fast evaluator (``antidrug_sql.evaluator``, through
   ``evaluate_in_store``) on the people's definitions, then the whole
   catalogue through ``evaluate_in_store`` (the units' figures by the
   reference evaluator beside it), at every division, every level; and on
   SQLite the whole catalogue again as the command line reads it, its store
   opened for processes of its own (``StoreContext.processes``);
2. hand-written SQL, one query per indicator (``HAND_WRITTEN``), giving the
   same figures, which are checked against the fast evaluator's (written for
   SQLite's dialect: on the servers this step is left out and says so);
3. the reference evaluator streaming the person files, in a process of its
   own so that its peak memory is its own; its figures are checked too.

It prints the three side by side, the ratio of the fast evaluator to the
hand-written SQL, and whether the goals are met: the fast evaluator within
1.5 × the hand-written SQL and under 20 s; the reference evaluator under
3 minutes with a peak memory under 2 GiB.

``--engines sqlite,postgresql,mysql`` runs it on each engine, each in a process
of its own, and prints the engines side by side; every engine's figures must
equal the reference evaluator's.

``--counties 10`` makes the province of fewer, larger counties (15 townships
each, as in the default), so that the county after a day's work (``--day``)
is a tenth of the province rather than a hundredth: the shape where a
planner is most tempted to read a range of the province instead of looking
the county's people up.

The day's people stay in the store, which the next run keeps, its day's people
after them: a store is made only once. Engines whose stores hold different
days are said to, and their figures are not compared.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from antidrug_core.bootstrap import open_store
from antidrug_core.indicators import (
    EvaluationRequest,
    IndicatorResult,
    Period,
    evaluate_in_store,
    indicator_definitions,
)
from antidrug_core.indicators.reference import with_policy
from antidrug_core.model import Actor, Division, DivisionTree, Role, StoreUnavailable, SubjectKind
from antidrug_core.ports import BulkRecorder, StreamAppend
from antidrug_core.store import new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records, townships
from antidrug_sql.evaluator import forget_kept_counts
from antidrug_sql.recorder import SqlRecorder
from antidrug_sql.slices import evaluate_in_processes
from benchmarks.engines import Place, run_side_by_side

_PROVINCIAL = inspect.signature(SyntheticSpec.provincial).parameters
DEFAULT_COUNTIES: int = _PROVINCIAL["counties"].default
"""The synthetic province's counties unless ``--counties`` says otherwise (``SyntheticSpec.provincial``'s)."""
TOWNSHIPS_PER_COUNTY: int = _PROVINCIAL["townships"].default // DEFAULT_COUNTIES
"""Townships per county, kept as in the default province whatever ``--counties`` is."""
GOAL_FAST_SECONDS = 20.0
GOAL_FAST_RATIO = 1.5
GOAL_REFERENCE_SECONDS = 180.0
GOAL_REFERENCE_BYTES = 2 << 30
MANAGED = "('community_detox', 'community_rehab', 'maintenance_treatment', 'registered')"


# --- the province ------------------------------------------------------------------------------


COUNT_PEOPLE = "SELECT count(*) FROM antidrug_streams WHERE kind = 'person'"
"""The query of how many people a store holds (it may hold earlier runs' days' people too)."""


def _appends(spec: SyntheticSpec) -> Iterator[StreamAppend]:
    for records in person_records(spec):
        yield new_stream(records[0].subject, records, spec.policy)


def province(spec: SyntheticSpec, cache: Path, db: str | None) -> tuple[Place, float | None]:
    """The store of ``spec`` (in ``cache``, or on the server of ``db``), made unless a complete one
    is there; and how long making took.

    A store holding more people than ``spec`` is the province with the people of earlier runs'
    days' work after it (``a_day``), each appended in one transaction: it is kept, not made again
    (ten minutes at a million people, most of it generating the records)."""
    cache.mkdir(parents=True, exist_ok=True)
    shape = "" if spec.counties == DEFAULT_COUNTIES else f"-{spec.counties}counties"
    name = f"indicators-{spec.people}{shape}-seed{spec.seed}"
    place = Place(db or f"sqlite:///{cache / 'bench.db'}", name)
    if place.engine != "sqlite":
        place = Place(db or "", f"antidrug_bench_{spec.people}{shape.replace('-', '_')}_seed{spec.seed}")
    url = place.url
    if place.count(COUNT_PEOPLE) >= spec.people:
        try:
            with open_store(url, policy=spec.policy, create=False):
                return place, None
        except StoreUnavailable as error:
            print(f"  the cached store cannot be used ({error}); making it again", flush=True)
    place.make()
    print(f"  making the province: {spec.people:,} people into {place.engine} {name} …", flush=True)
    started = time.perf_counter()
    last = started

    def progress(people: int, records: int) -> None:
        nonlocal last
        if time.perf_counter() - last >= 30:
            last = time.perf_counter()
            print(f"  … {people:,} people, {records:,} records", flush=True)

    with open_store(url, policy=spec.policy) as store:
        recorder = store.recorder
        assert isinstance(recorder, BulkRecorder), "the SQL store plugin is not installed"
        recorder.bulk_append(_appends(spec), divisions=divisions(spec), progress=progress)
    return place, time.perf_counter() - started


# --- the three ways ------------------------------------------------------------------------------


def _request(period: Period) -> EvaluationRequest:
    return EvaluationRequest(period=period)


@attrs.frozen
class Day:
    """What ``a_day`` measured."""

    records: int
    """Records appended."""
    appended: float
    """Seconds appending them."""
    first: float
    """Seconds of the county's first read in the process, before the day (all its people)."""
    again: float
    """Seconds of the county's read after the day (the people the day changed)."""
    whole: float
    """Seconds of a read of all the county's people after the day, counts kept forgotten."""
    results: int
    """The county's results after the day."""
    same: bool
    """Whether the read after the day and the whole read gave the same results."""


def a_day(spec: SyntheticSpec, url: str, people: int, *, first: int) -> Day:
    """One county's catalogue as a platform's process reads it: once, then after a day's work
    (``people`` new people after the ``first`` the store holds) again, then all of its people again
    to check.

    The read after the day reads only the people whose records came with it (the counts of the
    first read are kept in the process, ``antidrug_sql.evaluator``); it builds the statements that
    list them, as the first day of a process would.
    """
    larger = attrs.evolve(spec, people=first + people)
    appends = [new_stream(r[0].subject, r, spec.policy) for r in person_records(larger, first=first)]
    county = sorted({code[:6] for code in townships(spec)})[0]
    actor = Actor(id="county", role=Role.OFFICER, divisions={county})
    with open_store(url, create=False) as store:
        recorder = store.recorder
        assert isinstance(recorder, BulkRecorder), "the SQL store plugin is not installed"

        def county_catalogue() -> tuple[float, list[IndicatorResult]]:
            with store.unit_of_work(actor) as uow:
                started = time.perf_counter()
                results = evaluate_in_store(uow, _request(Period.parse("2025H2")))
                return time.perf_counter() - started, results

        first, _before = county_catalogue()
        started = time.perf_counter()
        written = recorder.bulk_append(appends)
        appended = time.perf_counter() - started
        again, results = county_catalogue()
        forget_kept_counts()
        whole, everyone = county_catalogue()
    return Day(written, appended, first, again, whole, len(results), results == everyone)


def fast(
    url: str, period: Period, *, people_only: bool = False, processes: bool = False
) -> tuple[float, float, list[IndicatorResult]]:
    """``evaluate_in_store`` as a host calls it (or, with ``processes``, as the command line does,
    its store opened for processes of its own): the whole catalogue, or only the people's
    definitions (which the fast evaluator answers alone); the seconds it took, and the processor
    seconds of this process and the processes it started (on SQLite all the work; on a server,
    not the server's)."""
    with (
        open_store(url, create=False, processes=processes) as store,
        store.unit_of_work(Actor.local_administrator()) as uow,
    ):
        request = _request(period)
        if people_only:
            chosen = tuple(
                d.id for d in indicator_definitions(store.plugins) if d.subject is SubjectKind.PERSON
            )
            request = EvaluationRequest(period=period, indicators=chosen)
        started, processor = time.perf_counter(), _processor_seconds()
        results = evaluate_in_store(uow, request)
        return time.perf_counter() - started, _processor_seconds() - processor, results


def _processor_seconds() -> float:
    """This process's processor seconds and those of the processes it started and has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def reference(url: str, period: Period, workers: int | None) -> dict[str, Any]:
    """The reference evaluator over every file, read and counted in ``workers`` processes (None: one
    per processor), run in a process of its own so that its peak memory is its own."""
    with open_store(url, create=False) as store, store.unit_of_work(Actor.local_administrator()) as uow:
        policy = uow.policy
        request = with_policy(_request(period), policy)
        recorder = store.recorder
        assert isinstance(recorder, SqlRecorder), "the SQL store plugin is not installed"
        started = time.perf_counter()
        results = evaluate_in_processes(
            url,
            recorder,
            indicator_definitions(store.plugins),
            request,
            DivisionTree(uow.divisions()),
            policy=policy,
            workers=workers,
        )
        seconds = time.perf_counter() - started
    mine, workers_usage = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    own = mine.ru_maxrss * 1024
    largest_worker = workers_usage.ru_maxrss * 1024
    return {
        "seconds": seconds,
        "cpu": mine.ru_utime + mine.ru_stime + workers_usage.ru_utime + workers_usage.ru_stime,
        "peak_bytes": max(own, largest_worker),
        "workers": workers or len(os.sched_getaffinity(0)),
        "results": len(results),
        "digest": digest(results),
    }


def digest(results: Iterable[IndicatorResult]) -> str:
    """A digest of every figure (the six counts and the display of each result), in order."""
    hashed = hashlib.sha256()
    for r in results:
        hashed.update(f"{r.division}|{r.indicator}|{r.counts}|{r.display}\n".encode())
    return hashed.hexdigest()


# --- hand-written SQL, one query per indicator, in each engine's dialect ------------------------------
#
# What a developer who knows this schema would write, for the store's household-first policy:
# window functions for "the latest record", IN-lists for "has a record", each person's latest place
# and status gathered by grouping (joined instead, SQLite scanned a table expression for every
# person), and the voids followed two levels deep (the province has no deeper chains). Each query
# returns, per responsible division, the initial population, the denominator, the exception and the
# numerator. Written once and said in each dialect by ``_Dialect``: SQLite's text dates, ``+column``
# (no index) and scalar ``min``; PostgreSQL's ``FILTER`` (booleans do not add up) and date
# arithmetic; MariaDB's back-quoted names and intervals, and no ``MATERIALIZED``.


@attrs.frozen
class _Dialect:
    name: str

    def sql(self, text: str) -> str:
        """``text`` (written with SQLite's quoting) in this dialect."""
        if self.name != "sqlite":
            text = text.replace("+d.type", "d.type").replace("+t.type", "t.type").replace("+x.type", "x.type")
        if self.name == "mysql":
            text = text.replace('"on"', "`on`").replace("AS MATERIALIZED (", "AS (")
            # MariaDB 10.11's split materialization pushes a semi-join's key into a derived table
            # whose rows a window function numbers: lost_contact_at_end found 1 person of 20.
            text = f"SET STATEMENT optimizer_switch='split_materialized=off' FOR {text}"
        return text

    def count(self, condition: str) -> str:
        """How many rows meet ``condition`` (a truth value)."""
        if self.name == "postgresql":
            return f"count(*) FILTER (WHERE {condition})"
        return f"sum({condition})"

    def window(self, day: str, sign: str) -> str:
        """``day`` moved by the test window (``sign`` is ``-`` or ``+``)."""
        if self.name == "sqlite":
            return f"date({day}, '{sign}' || :window || ' days')"
        if self.name == "postgresql":
            return f"({day} {sign} CAST(:window AS integer))"
        return f"({day} {sign} INTERVAL :window DAY)"

    def least(self, first: str, second: str) -> str:
        return f"min({first}, {second})" if self.name == "sqlite" else f"least({first}, {second})"


_EFFECTIVE = "id NOT IN (SELECT id FROM voided)"
_COMMON = f"""
voided AS MATERIALIZED (
  SELECT v.voids AS id FROM antidrug_records v
  WHERE v.voids IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM antidrug_records w WHERE w.voids = v.id
      AND NOT EXISTS (SELECT 1 FROM antidrug_records x WHERE x.voids = w.id))
),
registration AS MATERIALIZED (
  SELECT subject, household FROM (
    SELECT subject, household,
           row_number() OVER (PARTITION BY subject ORDER BY "on", recorded_at, id) AS n
    FROM antidrug_records WHERE type = 'person_registered' AND {_EFFECTIVE}
  ) AS t WHERE n = 1
),
household_change AS MATERIALIZED (
  SELECT subject, household FROM (
    SELECT subject, household,
           row_number() OVER (PARTITION BY subject ORDER BY "on" DESC, recorded_at DESC, id DESC) AS n
    FROM antidrug_records WHERE type = 'household_changed' AND "on" <= :end AND {_EFFECTIVE}
  ) AS t WHERE n = 1
),
first_answer AS MATERIALIZED (
  SELECT * FROM (
    SELECT subject, id, type, "on", recorded_at, request,
           row_number() OVER (PARTITION BY request ORDER BY "on", recorded_at, id) AS n
    FROM antidrug_records
    WHERE type IN ('transfer_accepted', 'transfer_rejected') AND {_EFFECTIVE}
  ) AS t WHERE n = 1
),
accepted AS MATERIALIZED (
  SELECT a.subject, a.id, a."on", a.recorded_at, q.from_division, q.to_division
  FROM first_answer a JOIN antidrug_records q ON q.id = a.request
  WHERE a.type = 'transfer_accepted' AND q.type = 'transfer_requested' AND q.{_EFFECTIVE}
),
moved AS MATERIALIZED (
  SELECT subject, to_division FROM (
    SELECT subject, to_division,
           row_number() OVER (PARTITION BY subject ORDER BY "on" DESC, recorded_at DESC, id DESC) AS n
    FROM accepted WHERE "on" <= :end
  ) AS t WHERE n = 1
),
responsible AS MATERIALIZED (
  SELECT subject, coalesce(max(moved_to), max(changed_to), max(registered_in)) AS division FROM (
    SELECT subject, to_division AS moved_to, NULL AS changed_to, NULL AS registered_in FROM moved
    UNION ALL SELECT subject, NULL, household, NULL FROM household_change
    UNION ALL SELECT subject, NULL, NULL, household FROM registration
  ) AS t GROUP BY subject HAVING count(registered_in) > 0
),
status AS MATERIALIZED (
  SELECT subject, status FROM (
    SELECT subject, status,
           row_number() OVER (PARTITION BY subject ORDER BY "on" DESC, recorded_at DESC, id DESC) AS n
    FROM antidrug_records WHERE type = 'status_changed' AND "on" <= :end AND {_EFFECTIVE}
  ) AS t WHERE n = 1
),
managed AS MATERIALIZED (
  SELECT subject, max(division) AS division, max(status) AS status FROM (
    SELECT subject, division, NULL AS status FROM responsible
    UNION ALL SELECT subject, NULL, status FROM status
  ) AS t GROUP BY subject HAVING count(division) > 0
),
lost_events AS MATERIALIZED (
  SELECT subject, type, "on", recorded_at, id FROM antidrug_records
  WHERE type IN ('lost_contact', 'contact_restored') AND "on" <= :end AND {_EFFECTIVE}
),
lost_at_end AS (
  SELECT subject FROM (
    SELECT subject, type,
           row_number() OVER (PARTITION BY subject ORDER BY "on" DESC, recorded_at DESC, id DESC) AS n
    FROM lost_events
  ) AS t WHERE n = 1 AND type = 'lost_contact'
),
lost_before AS (
  SELECT subject FROM (
    SELECT subject, type,
           row_number() OVER (PARTITION BY subject ORDER BY "on" DESC, recorded_at DESC, id DESC) AS n
    FROM lost_events WHERE "on" < :start
  ) AS t WHERE n = 1 AND type = 'lost_contact'
)
"""


def _with(select: str) -> str:
    return f"WITH {_COMMON} {select}"


def _records(condition: str) -> str:
    """The people with an effective record meeting ``condition``."""
    return f"(SELECT subject FROM antidrug_records WHERE {condition} AND {_EFFECTIVE})"


def _in_period(type_: str, extra: str = "") -> str:
    return _records(f"type = '{type_}' AND \"on\" BETWEEN :start AND :end{extra}")


def _by_end(types: str) -> str:
    return _records(f'type IN ({types}) AND "on" <= :end')


_INSTALLED, _NOTIFIED, _FOUND = "'app_installed'", "'licence_notified'", "'licence_found'"


def hand_written_queries(dialect: str) -> dict[str, str]:
    """One query per indicator of the catalogue, in ``dialect``: rows of (division, IP, D, DE, N)."""
    d = _Dialect(dialect)

    def rate(numerator: str) -> str:
        return _with(
            f"SELECT division, count(*), count(*), 0, {d.count(f'subject IN {numerator}')} "
            f"FROM managed WHERE status IN {MANAGED} GROUP BY division"
        )

    def test_rate(kind: str) -> str:
        due = _in_period("test_due", f" AND kind = '{kind}'")
        done = _in_period("test_done", f" AND kind = '{kind}'")
        unexcused = _records(
            f"type = 'test_due' AND kind = '{kind}' AND \"on\" BETWEEN :start AND :end AND id NOT IN "
            "(SELECT due FROM antidrug_records WHERE type = 'test_excused' "
            f'AND "on" <= :end AND {_EFFECTIVE})'
        )
        return _with(
            f"SELECT division, count(*), {d.count('due')}, {d.count('due AND NOT done AND NOT unexcused')}, "
            f"{d.count('due AND done')} "
            f"FROM (SELECT division, subject IN {due} AS due, subject IN {done} AS done, "
            f"subject IN {unexcused} AS unexcused FROM managed WHERE status IN {MANAGED}) AS t "
            "GROUP BY division"
        )

    def counted(condition: str) -> str:
        return _with(
            "SELECT division, count(*), count(*), 0, count(*) "
            f"FROM managed WHERE {condition} GROUP BY division"
        )

    def items(condition: str) -> str:
        """Records meeting ``condition``, dated in the period, counted at their subject's division
        (one lookup per person: ``condition`` names a test's kind, so the person's tests index serves)."""
        return _with(
            "SELECT division, sum(items), sum(items), 0, sum(items) FROM ("
            "SELECT r.division, (SELECT count(*) FROM antidrug_records x WHERE x.subject = r.subject "
            f'AND {condition} AND x."on" BETWEEN :start AND :end AND x.{_EFFECTIVE}) AS items '
            "FROM responsible r) AS t WHERE items > 0 GROUP BY division"
        )

    due_tests = f"""antidrug_records d WHERE d.subject = m.subject AND +d.type = 'test_due'
      AND d."on" BETWEEN :start AND :end AND d.{_EFFECTIVE}"""
    named = f"""(SELECT min(t."on") FROM antidrug_records t
               WHERE t.subject = d.subject AND +t.type = 'test_done' AND t.due = d.id AND t.{_EFFECTIVE})"""
    on = 'd."on"'
    window = f"{d.window(on, '-')} AND {d.least(d.window(on, '+'), ':end')}"
    on_time = f"""CASE WHEN {named} IS NOT NULL
         THEN {named} BETWEEN {window}
         ELSE EXISTS (SELECT 1 FROM antidrug_records t
               WHERE t.subject = d.subject AND +t.type = 'test_done' AND t.due IS NULL AND t.kind = d.kind
                 AND t."on" BETWEEN {window}
                 AND t.{_EFFECTIVE})
    END"""
    excused = f"""d.id IN (SELECT e.due FROM antidrug_records e
      WHERE e.type = 'test_excused' AND e."on" <= :end AND e.{_EFFECTIVE})"""
    adherence = _with(
        f"""
SELECT division, sum(due), sum(due), sum(excused), sum(on_time) FROM (
  SELECT m.division, (SELECT count(*) FROM {due_tests}) AS due,
    (SELECT count(*) FROM {due_tests} AND {on_time}) AS on_time,
    (SELECT count(*) FROM {due_tests} AND NOT ({on_time}) AND {excused}) AS excused
  FROM managed m WHERE m.status IN {MANAGED}
) AS t WHERE due > 0 GROUP BY division
"""
    )
    lost_found = _with(
        "SELECT division, count(*), count(*), 0, "
        f"{d.count('subject NOT IN (SELECT subject FROM lost_at_end)')} "
        "FROM responsible WHERE subject IN (SELECT subject FROM lost_before) "
        "OR subject IN (SELECT subject FROM lost_events WHERE type = 'lost_contact' AND \"on\" >= :start) "
        "GROUP BY division"
    )

    def transfers(side: str) -> str:
        return _with(
            f"SELECT a.{side}, count(*), count(*), 0, count(*) FROM accepted a "
            'WHERE a."on" BETWEEN :start AND :end AND a.subject IN (SELECT subject FROM registration) '
            f"GROUP BY a.{side}"
        )

    def among(condition: str, numerator: str) -> str:
        """A rate whose denominator is the managed people meeting ``condition``."""
        return _with(
            f"SELECT division, count(*), {d.count('chosen')}, 0, "
            f"{d.count(f'chosen AND subject IN {numerator}')} "
            f"FROM (SELECT division, subject, subject IN {condition} AS chosen "
            f"FROM managed WHERE status IN {MANAGED}) AS t GROUP BY division"
        )

    queries = {
        "face_check_rate": rate(_in_period("face_check")),
        "risk_assessment_rate": rate(_in_period("risk_assessed")),
        "tiered_control_rate": rate(_by_end("'risk_assessed', 'control_level_set'")),
        "care_rate": rate(_in_period("care_provided")),
        "urine_test_rate": test_rate("urine"),
        "hair_test_rate": test_rate("hair"),
        "test_adherence": adherence,
        "app_install_rate": rate(_by_end("'app_installed'")),
        "app_login_rate": among(_by_end(_INSTALLED), _in_period("app_login")),
        "lost_contact_found_rate": lost_found,
        "licence_notified_rate": among(_by_end(_FOUND), _by_end(_NOTIFIED)),
        "managed": counted(f"status IN {MANAGED}"),
        "managed_registered": counted("status = 'registered'"),
        "managed_community_detox": counted("status = 'community_detox'"),
        "managed_community_rehab": counted("status = 'community_rehab'"),
        "managed_maintenance_treatment": counted("status = 'maintenance_treatment'"),
        "abstinent_3y": counted("status = 'abstinent_3y'"),
        "newly_registered": _with(
            "SELECT division, count(*), count(*), 0, count(*) FROM responsible "
            f"WHERE subject IN {_in_period('person_registered')} GROUP BY division"
        ),
        "transfers_in": transfers("to_division"),
        "transfers_out": transfers("from_division"),
        "lost_contact_at_end": _with(
            "SELECT division, count(*), count(*), 0, count(*) FROM responsible "
            "WHERE subject IN (SELECT subject FROM lost_at_end) GROUP BY division"
        ),
        "urine_tests_due": items("x.type = 'test_due' AND x.kind = 'urine'"),
        "urine_tests_done": items("x.type = 'test_done' AND x.kind = 'urine'"),
        "hair_tests_due": items("x.type = 'test_due' AND x.kind = 'hair'"),
        "hair_tests_done": items("x.type = 'test_done' AND x.kind = 'hair'"),
        "positive_tests": items("+x.type = 'test_done' AND x.kind IS NOT NULL AND x.result = 'positive'"),
    }
    return {indicator: d.sql(query) for indicator, query in queries.items()}


HAND_WRITTEN = tuple(hand_written_queries("sqlite"))
"""The indicators written by hand (each engine's queries give the same figures)."""


def hand_written(
    place: Place, period: Period, window: int
) -> tuple[float, dict[str, dict[str, tuple[int, ...]]]]:
    """Every indicator by its own query, on the store of ``place``; each division's figures with those
    below it added."""
    found: dict[str, dict[str, tuple[int, ...]]] = {}
    engine = place.engine
    start: object = period.start.isoformat() if engine == "sqlite" else period.start
    end: object = period.end.isoformat() if engine == "sqlite" else period.end
    parameters = {"start": start, "end": end, "window": window}
    queries = hand_written_queries(engine)
    started = time.perf_counter()
    answers = place.answers(
        ["SELECT code, name, parent FROM antidrug_divisions", *queries.values()], parameters
    )
    tree = DivisionTree(Division(code=code, name=name, parent=parent) for code, name, parent in next(answers))
    for indicator, rows in zip(queries, answers, strict=True):
        totals: dict[str, list[int]] = {}
        for division, *sizes in rows:
            for above in tree.lineage(division):
                total = totals.setdefault(above, [0, 0, 0, 0])
                for position, size in enumerate(sizes):
                    total[position] += int(size or 0)
        found[indicator] = {code: tuple(sizes) for code, sizes in totals.items()}
    return time.perf_counter() - started, found


def disagreements(results: list[IndicatorResult], hand: dict[str, dict[str, tuple[int, ...]]]) -> list[str]:
    """Where the hand-written figures (IP, D, DE, N) differ from the fast evaluator's."""
    found: list[str] = []
    for r in results:
        expected = (r.initial_population, r.denominator, r.denominator_exception, r.numerator)
        got = hand[r.indicator].get(r.division, (0, 0, 0, 0))
        if got != expected:
            found.append(f"{r.indicator} at {r.division}: hand-written {got}, fast {expected}")
    return found


# --- the run -------------------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks indicators")
    parser.add_argument(
        "--people", type=int, default=1_000_000, help="people in the province (default 1000000)"
    )
    parser.add_argument(
        "--cache", default=".bench", help="folder of the province's SQLite store, reused (default .bench)"
    )
    parser.add_argument(
        "--counties",
        type=int,
        default=DEFAULT_COUNTIES,
        help=f"counties in the province, {TOWNSHIPS_PER_COUNTY} townships each (default {DEFAULT_COUNTIES})",
    )
    parser.add_argument("--period", default="2025H2", help="the period evaluated (default 2025H2)")
    parser.add_argument("--db", default=None, help="the engine and server (default: SQLite in the cache)")
    parser.add_argument(
        "--engines",
        default=None,
        help="run on each of these engines side by side (e.g. sqlite,postgresql,mysql)",
    )
    parser.add_argument("--json", action="store_true", help="print the measures as JSON last")
    parser.add_argument(
        "--day",
        type=int,
        default=300,
        help="new people in the day's work (default 300; 0: no incremental step)",
    )
    parser.add_argument(
        "--hand",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the hand-written SQL (--no-hand: leave it out)",
    )
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the reference evaluator (--no-reference: leave it out)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes the reference evaluator reads and counts the files in (default: one per processor)",
    )
    parser.add_argument(
        "--reference-of", help=argparse.SUPPRESS
    )  # the child process: run the reference evaluator
    args, _ = parser.parse_known_args(argv)
    period = Period.parse(args.period)
    if args.reference_of:
        print(json.dumps(reference(args.reference_of, period, args.workers or None)))
        return 0
    if args.engines:
        cache = Path(args.cache)
        passed = ["--people", str(args.people), "--cache", str(cache), "--period", args.period]
        passed += ["--counties", str(args.counties)]
        passed += ["--day", str(args.day), "--workers", str(args.workers)]
        passed += [
            "--hand" if args.hand else "--no-hand",
            "--reference" if args.reference else "--no-reference",
        ]
        found = run_side_by_side("benchmarks.bench_indicators", args.engines.split(","), passed, cache)
        side_by_side(found)
        return 0 if all(m["status"] == 0 for m in found) else 1
    measures = run(args, period)
    if args.json:
        print(json.dumps(measures))
    return 0 if measures["agree"] else 1


def run(args: argparse.Namespace, period: Period) -> dict[str, Any]:
    """The benchmark on one engine; what it measured."""
    spec = SyntheticSpec.provincial(
        people=args.people, counties=args.counties, townships=args.counties * TOWNSHIPS_PER_COUNTY
    )
    place, made = province(spec, Path(args.cache), args.db)
    url = place.url
    people = place.count(COUNT_PEOPLE)
    records = place.count("SELECT max(sequence) FROM antidrug_records")
    earlier = people - spec.people
    print(
        f"indicators: {people:,} people"
        + (f" ({earlier:,} of them from earlier runs' days' work)" if earlier else "")
        + f", {records:,} records, {len(divisions(spec)):,} divisions "
        f"({len(townships(spec)):,} townships), period {period}, on {place.engine}"
        + (f"; the store was made in {made:.0f} s" if made is not None else "; the store was in the cache")
        + (f"; server {settings}" if (settings := place.settings()) else "")
    )

    load_before = os.getloadavg()[0]
    people_seconds, people_processor, people_results = fast(url, period, people_only=True)
    fast_seconds, fast_processor, results = fast(url, period)
    print(
        f"  fast evaluator      {people_seconds:8.1f} s  the people's definitions, "
        f"{len(people_results):,} results ({people_processor:.1f} s of this process's processor time)"
    )
    print(
        f"  whole catalogue     {fast_seconds:8.1f} s  through evaluate_in_store, {len(results):,} results "
        f"({fast_processor:.1f} s of this process's processor time)"
    )
    hand_seconds: float | None = None
    differing: list[str] = []
    processes_seconds: float | None = None
    if place.engine == "sqlite":  # the servers read in their own processes either way
        processes_seconds, processes_processor, processes_results = fast(url, period, processes=True)
        print(
            f"  whole catalogue     {processes_seconds:8.1f} s  as the command line reads it, its slices in "
            f"processes of their own ({processes_processor:.1f} s of processor time, theirs included)"
        )
        if digest(processes_results) != digest(results):
            differing.append("the whole catalogue read in processes")
    if args.hand:
        hand_seconds, hand = hand_written(place, period, spec.policy.test_window_days)
        differing += disagreements([r for r in results if r.indicator in HAND_WRITTEN], hand)
        ratio = people_seconds / hand_seconds
        print(
            f"  hand-written SQL    {hand_seconds:8.1f} s  {len(HAND_WRITTEN)} queries, one per indicator, "
            f"in {place.engine}'s dialect"
        )
        print(
            f"  fast / hand-written {ratio:8.2f}    "
            f"(goal at most {GOAL_FAST_RATIO}: {_met(ratio <= GOAL_FAST_RATIO)})"
        )
        note = "agree" if not differing else f"DISAGREE on {len(differing)} results, e.g. {differing[0]}"
        print(f"  figures: the hand-written queries {note} with the fast evaluator", flush=True)
    reference_run: dict[str, Any] | None = None
    if args.reference:
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_indicators",
                "--reference-of",
                url,
                "--period",
                args.period,
                "--workers",
                str(args.workers),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        reference_run = json.loads(child.stdout.strip().splitlines()[-1])
        same = reference_run["digest"] == digest(results)
        print(
            f"  reference evaluator {reference_run['seconds']:8.1f} s  reading and counting the files in "
            f"{reference_run['workers']} process(es) ({reference_run['cpu']:.0f} s of processor time), "
            f"peak memory {reference_run['peak_bytes'] / 2**20:,.0f} MiB (the largest process)"
        )
        print(
            f"  reference evaluator under {GOAL_REFERENCE_SECONDS / 60:.0f} min: "
            f"{_met(reference_run['seconds'] < GOAL_REFERENCE_SECONDS)}; "
            f"peak memory under {GOAL_REFERENCE_BYTES / 2**30:.0f} GiB: "
            f"{_met(reference_run['peak_bytes'] < GOAL_REFERENCE_BYTES)}; its figures "
            f"{'agree' if same else 'DISAGREE'} on all {reference_run['results']:,} results",
            flush=True,
        )
        if not same:
            differing.append("the reference evaluator's figures")
    day: Day | None = None
    if args.day > 0:
        day = a_day(spec, url, args.day, first=people)
        print(
            f"  a day's work        {day.appended:8.1f} s  {day.records:,} records of {args.day:,} "
            f"new people appended; one county's catalogue {day.first:.2f} s before it (all its people), "
            f"{day.again:.2f} s after it (goal well under 1 s; {day.results:,} results), "
            f"{day.whole:.2f} s reading all its people again: "
            + ("the same results" if day.same else "DIFFERENT results")
        )
        if not day.same:
            differing.append("the county after a day, against a read of all its people")
    print(
        f"  whole catalogue under {GOAL_FAST_SECONDS:.0f} s: {_met(fast_seconds < GOAL_FAST_SECONDS)}"
        + (
            ""
            if processes_seconds is None
            else f"; in processes, as the command line reads: {_met(processes_seconds < GOAL_FAST_SECONDS)}"
        )
    )
    load_after = os.getloadavg()[0]
    print(f"  load average {load_before:.1f} before, {load_after:.1f} after (two processors)", flush=True)
    return {
        "people": people,
        "records": records,
        "fast_people": people_seconds,
        "whole": fast_seconds,
        "whole_processor": fast_processor,
        "whole_processes": processes_seconds,
        "hand": hand_seconds,
        "reference": reference_run["seconds"] if reference_run else None,
        "reference_cpu": reference_run["cpu"] if reference_run else None,
        "reference_peak_bytes": reference_run["peak_bytes"] if reference_run else None,
        "reference_workers": reference_run["workers"] if reference_run else None,
        "load": f"{load_before:.0f}–{load_after:.0f}",
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "results": len(results),
        "digest": digest(results),
        "agree": not differing,
        "day_records": day.records if day else None,
        "day_append": day.appended if day else None,
        "county_first": day.first if day else None,
        "county": day.again if day else None,
        "county_whole": day.whole if day else None,
    }


def _seconds(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def side_by_side(found: list[dict[str, Any]]) -> None:
    """The engines' figures and times in one table (Markdown, for docs/storage.md)."""
    print(
        "\n| engine | fast evaluator, people (s) | whole catalogue (s) | in processes (s) "
        "| hand-written SQL (s) | reference (s) | peak MiB (fast / reference) | a day: appended (s) "
        "| one county: first read (s) | one county after the day (s) | one county, all its people again (s) "
        "| load average | agree |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for m in found:
        if m.get("failed"):
            print(f"| {m['engine']} | failed | | | | | | | | | | | |")
            continue
        reference_peak = m["reference_peak_bytes"]
        peaks = f"{m['peak_bytes'] / 2**20:,.0f} / " + (
            "—" if reference_peak is None else f"{reference_peak / 2**20:,.0f}"
        )
        print(
            f"| {m['engine']} | {m['fast_people']:.1f} | {m['whole']:.1f} | "
            f"{_seconds(m['whole_processes'])} | {_seconds(m['hand'])} | "
            f"{_seconds(m['reference'])} | {peaks} | {_seconds(m['day_append'])} | "
            f"{_seconds(m['county_first'], 2)} | {_seconds(m['county'], 2)} | "
            f"{_seconds(m['county_whole'], 2)} | {m['load']} | {'yes' if m['agree'] else 'NO'} |"
        )
    ran = [m for m in found if not m.get("failed")]
    if len({m["people"] for m in ran}) > 1:
        # Each run's day adds people to its engine's store: stores run apart hold different days.
        held = ", ".join(f"{m['engine']} {m['people']:,}" for m in ran)
        print(f"\nthe engines' stores hold different people ({held}): their figures are not compared")
    else:
        digests = {m["digest"] for m in ran}
        print(f"\nevery engine's figures {'are the same' if len(digests) == 1 else 'DIFFER'}")
    by = {m["engine"]: m for m in ran}
    if "sqlite" in by and "postgresql" in by:
        ratio = by["postgresql"]["whole"] / by["sqlite"]["whole"]
        print(
            f"PostgreSQL's whole catalogue: {ratio:.2f} × SQLite's (goal at most 1.5: {_met(ratio <= 1.5)}), "
            f"{by['postgresql']['whole']:.1f} s (goal under 30 s: {_met(by['postgresql']['whole'] < 30)})"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
