"""Bulk loading: records per second and peak memory for a synthetic province, on any engine.

``python -m benchmarks load [--people 1000000] [--db URL] [--folder DIR] [--keep]`` streams
people from ``antidrug_core.synthetic`` through the SQL store's set-based bulk
path (``bulk_append``: one transaction, versions, access sets, the kept policy
and the hash chain) into a fresh store — a SQLite file by default, or a new
schema (PostgreSQL) or database (MariaDB) on the server ``--db`` names — then
reports:

- records/s overall (making the people included), and for the store alone;
- where the store's time went: making rows, the writer process inserting them,
  building the indexes, committing, and emptying the write-ahead log;
- peak memory of this process and of the writer process it started (their sum
  bounds the peak of the two together), and the size of the database;
- on PostgreSQL, a plain ``COPY`` of the same rows into tables without
  indexes or keys, measured in the same run: the load's floor.

``--engines sqlite,postgresql,mysql`` runs the load on each engine, each in a
process of its own, and prints them side by side.

"The store alone" is honest about the second process: the people are made in
this process, so the time spent making them is taken off the elapsed time,
but the writer inserts meanwhile. So the store's time is the larger of the
elapsed time without making people, and the time the writer was busy (the
elapsed time without the time it waited for rows): either one can be what
the load waits on.

The goal is at least 100,000 records/s on a 2-core machine with peak memory
under 1 GiB, for one million people and about ten million records; on
PostgreSQL also within 2 × the plain ``COPY``, and MariaDB within 2 ×
PostgreSQL's time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from antidrug_core.bootstrap import open_store
from antidrug_core.ports import BulkRecorder, StreamAppend
from antidrug_core.store import new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from benchmarks.engines import BackendTime, Place, engine_of, plain_copy, run_side_by_side

GOAL_RECORDS_PER_SECOND = 100_000
GOAL_PEAK_BYTES = 1 << 30
GOAL_COPY_RATIO = 2.0
GOAL_MYSQL_RATIO = 2.0


class TimedPeople:
    """The synthetic people as stream appends, timing how long making them takes."""

    def __init__(self, spec: SyntheticSpec) -> None:
        self.spec = spec
        self.seconds = 0.0
        self.processor = 0.0

    def __iter__(self) -> Iterator[StreamAppend]:
        people = person_records(self.spec)
        policy = self.spec.policy
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            records = next(people, None)
            if records is None:
                self.seconds += time.perf_counter() - started
                self.processor += time.process_time() - cpu
                return
            append = new_stream(records[0].subject, records, policy)
            self.seconds += time.perf_counter() - started
            self.processor += time.process_time() - cpu
            yield append


def _peak_bytes(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024


def load(args: argparse.Namespace) -> dict[str, Any]:
    """Load the province into a new store at ``args.db``; print and return what was measured."""
    spec = SyntheticSpec.provincial(people=args.people)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="antidrug-bench-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{folder / 'load.db'}"
    engine = engine_of(db)
    place = Place(db, "load" if engine == "sqlite" else f"antidrug_bench_load_{uuid.uuid4().hex[:8]}")
    place.make()
    settings = place.settings()
    print(
        f"load: {args.people:,} people into {engine} ({place.name}) on {os.cpu_count()} cores"
        + (f"; server {settings}" if settings else ""),
        flush=True,
    )
    copy_seconds: float | None = None
    copy_processor: float | None = None
    server: BackendTime | None = None
    load_average = [os.getloadavg()[0]]
    try:
        with open_store(place.url) as store:
            recorder = store.recorder
            assert isinstance(recorder, BulkRecorder), "the SQL store plugin is not installed"
            people = TimedPeople(spec)
            last_report = time.perf_counter()
            if engine == "postgresql":
                server = BackendTime(recorder.engine)  # type: ignore[attr-defined]

            def report(loaded: int, records: int) -> None:
                nonlocal last_report
                if time.perf_counter() - last_report >= 30:
                    last_report = time.perf_counter()
                    print(f"  … {loaded:,} people, {records:,} records", flush=True)

            started, cpu = time.perf_counter(), time.process_time()
            records = recorder.bulk_append(people, divisions=divisions(spec), progress=report)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            times = getattr(recorder, "last_load", None)
        load_average.append(os.getloadavg()[0])
        size = place.size()
        own = _peak_bytes(resource.RUSAGE_SELF)  # before the plain COPY below
        if engine == "postgresql":
            copy_seconds, copy_processor = plain_copy(place, folder)
    finally:
        if not args.keep:
            place.drop()
            if args.folder is None:
                shutil.rmtree(folder, ignore_errors=True)
    writer = _peak_bytes(resource.RUSAGE_CHILDREN)
    peak = own + writer
    without_people = elapsed - people.seconds
    store_seconds = without_people
    lines = [
        f"load: {args.people:,} people, {records:,} records in {elapsed:.1f} s "
        f"(making the people took {people.seconds:.1f} s of it); "
        f"the machine's load average {load_average[0]:.1f} before, {load_average[1]:.1f} after"
    ]
    processor_note = ""
    rows_cpu = cpu - people.processor
    server_cpu = server.seconds if server is not None else None
    if times is not None:
        busy = elapsed - times.writer_waiting if times.writer_process else without_people
        store_seconds = max(without_people, busy)
        tail = times.indexes + times.commit + times.checkpoint + times.statistics
        lines.append(
            f"  rows made and sent {without_people - tail:.1f} s"
            + (f", writer busy {busy - tail:.1f} s of it" if times.writer_process else "")
            + f"; then indexes {times.indexes:.1f} s, commit {times.commit:.1f} s, "
            f"log emptied {times.checkpoint:.1f} s, statistics {times.statistics:.1f} s"
        )
        # Processor time is what the work costs even when other programs share the cores.
        lines.append(
            f"  processor time: making people {people.processor:.1f} s, making rows {rows_cpu:.1f} s"
            + (f", writer inserting {times.writer_cpu:.1f} s" if times.writer_process else "")
            + f"; this run got {(cpu + times.writer_cpu) / elapsed:.2f} cores on average until the indexes"
        )
        dedicated = max(rows_cpu, times.writer_cpu) + tail
        processor_note = f" ({records / dedicated:,.0f} records/s by processor time, on two free cores)"
    overall = records / elapsed
    store_only = records / max(store_seconds, 1e-9)
    lines += [
        f"  overall    {overall:>10,.0f} records/s",
        f"  store only {store_only:>10,.0f} records/s (goal {GOAL_RECORDS_PER_SECOND:,}){processor_note}",
        f"  peak memory {peak / 2**20:,.0f} MiB: this process {own / 2**20:,.0f} MiB, "
        f"writer {writer / 2**20:,.0f} MiB (goal under {GOAL_PEAK_BYTES / 2**20:,.0f} MiB); "
        f"database {size / 2**30:.2f} GiB",
    ]
    if copy_seconds is not None:
        lines.append(
            f"  plain COPY of the same rows {copy_seconds:.1f} s ({records / copy_seconds:,.0f} records/s); "
            f"the store's load took {store_seconds / copy_seconds:.2f} × that "
            f"(goal at most {GOAL_COPY_RATIO})"
        )
    if server_cpu is not None and copy_processor:
        lines.append(
            f"  by processor time: the load {rows_cpu + server_cpu:.1f} s (this process making rows "
            f"{rows_cpu:.1f} s, the server's backend {server_cpu:.1f} s), "
            f"the plain COPY {copy_processor:.1f} s (the server's backend): "
            f"{(rows_cpu + server_cpu) / copy_processor:.2f} × "
            "(parallel index-build workers not counted)"
        )
    print("\n".join(lines))
    met = store_only >= GOAL_RECORDS_PER_SECOND and peak < GOAL_PEAK_BYTES
    print(f"  goal {'met' if met else 'NOT met'}", flush=True)
    return {
        "people": args.people,
        "records": records,
        "seconds": elapsed,
        "store_seconds": store_seconds,
        "making_people": people.seconds,
        "indexes": times.indexes if times is not None else None,
        "peak_bytes": peak,
        "size_bytes": size,
        "copy_seconds": copy_seconds,
        "rows_processor": rows_cpu,
        "server_processor": server_cpu,
        "copy_processor": copy_processor,
        "load_average": load_average,
    }


def side_by_side(found: list[dict[str, Any]]) -> None:
    """The engines' loads in one table (Markdown, for docs/storage.md)."""
    print(
        "\n| engine | records | load (s) | store only (s) | records/s (store) | indexes (s) "
        "| rows, processor (s) | server backend, processor (s) | peak MiB | size GiB | load average |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for m in found:
        if m.get("failed"):
            print(f"| {m['engine']} | failed | | | | | | | | | |")
            continue
        backend = m.get("server_processor")
        average = m.get("load_average") or [0.0, 0.0]
        print(
            f"| {m['engine']} | {m['records']:,} | {m['seconds']:.1f} | {m['store_seconds']:.1f} | "
            f"{m['records'] / m['store_seconds']:,.0f} | {m['indexes'] or 0:.1f} | "
            f"{m['rows_processor']:.1f} | {'—' if backend is None else f'{backend:.1f}'} | "
            f"{m['peak_bytes'] / 2**20:,.0f} | {m['size_bytes'] / 2**30:.2f} | "
            f"{average[0]:.1f} → {average[1]:.1f} |"
        )
    by = {m["engine"]: m for m in found if not m.get("failed")}
    postgresql = by.get("postgresql")
    if postgresql is not None and postgresql.get("copy_seconds"):
        ratio = postgresql["store_seconds"] / postgresql["copy_seconds"]
        print(
            f"\nPostgreSQL: plain COPY of the same rows {postgresql['copy_seconds']:.1f} s; the load is "
            f"{ratio:.2f} × that (goal at most {GOAL_COPY_RATIO}: "
            f"{'met' if ratio <= GOAL_COPY_RATIO else 'NOT met'})"
        )
        if postgresql.get("copy_processor") and postgresql.get("server_processor") is not None:
            used = postgresql["rows_processor"] + postgresql["server_processor"]
            print(
                f"By processor time: the load {used:.1f} s (rows {postgresql['rows_processor']:.1f} s, "
                f"server {postgresql['server_processor']:.1f} s), the plain COPY "
                f"{postgresql['copy_processor']:.1f} s: {used / postgresql['copy_processor']:.2f} ×"
            )
        if "mysql" in by:
            ratio = by["mysql"]["store_seconds"] / postgresql["store_seconds"]
            print(
                f"MariaDB: {ratio:.2f} × PostgreSQL's time "
                f"(goal at most {GOAL_MYSQL_RATIO}: {'met' if ratio <= GOAL_MYSQL_RATIO else 'NOT met'})"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument("--people", type=int, default=1_000_000, help="people to load (default 1000000)")
    parser.add_argument(
        "--db", default=None, help="the engine and server to load into (default: a SQLite file)"
    )
    parser.add_argument(
        "--engines",
        default=None,
        help="load into each of these engines side by side (e.g. sqlite,postgresql,mysql)",
    )
    parser.add_argument(
        "--folder", default=None, help="where to put a SQLite database (default: a temporary folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", action="store_true", help="print the measures as JSON last")
    args, _ = parser.parse_known_args(argv)
    if args.engines:
        folder = Path(args.folder or tempfile.mkdtemp(prefix="antidrug-bench-load-"))
        try:
            passed = [
                "--people",
                str(args.people),
                "--folder",
                str(folder),
                *(["--keep"] if args.keep else []),
            ]
            found = run_side_by_side("benchmarks.bench_load", args.engines.split(","), passed, folder)
        finally:
            if args.folder is None and not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        side_by_side(found)
        return 0 if all(not m.get("failed") and m["status"] == 0 for m in found) else 1
    measures = load(args)
    if args.json:
        print(json.dumps(measures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
