"""Bulk loading into SQLite: records per second and peak memory for a synthetic province.

``python -m benchmarks load [--people 1000000] [--folder DIR] [--keep]`` streams
people from ``antidrug_core.synthetic`` through the SQL store's set-based bulk
path (``bulk_append``: one transaction, versions, access sets and the hash
chain) into a fresh SQLite file, then reports:

- records/s overall (generating the people included), and for the store alone
  (the time the generator took subtracted);
- peak memory of the process (``ru_maxrss``) and the size of the database.

The goal is at least 100,000 records/s on a 2-core machine with peak memory
under 1 GiB, for one million people and about ten million records.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from antidrug_core.bootstrap import open_store
from antidrug_core.ports import BulkRecorder, StreamAppend
from antidrug_core.state import PersonFile, access_divisions
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records

GOAL_RECORDS_PER_SECOND = 100_000
GOAL_PEAK_BYTES = 1 << 30


class TimedPeople:
    """The synthetic people as stream appends, timing how long making them takes."""

    def __init__(self, spec: SyntheticSpec) -> None:
        self.spec = spec
        self.seconds = 0.0

    def __iter__(self) -> Iterator[StreamAppend]:
        people = person_records(self.spec)
        policy = self.spec.policy
        while True:
            started = time.perf_counter()
            records = next(people, None)
            if records is None:
                self.seconds += time.perf_counter() - started
                return
            person = records[0].person
            append = StreamAppend(
                person=person,
                expected_version=0,
                records=tuple(records),
                access=access_divisions(PersonFile.build(person, records), policy),
            )
            self.seconds += time.perf_counter() - started
            yield append


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument("--people", type=int, default=1_000_000, help="people to load (default 1000000)")
    parser.add_argument(
        "--folder", default=None, help="where to put the database (default: a temporary folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args, _ = parser.parse_known_args(argv)
    spec = SyntheticSpec.provincial(people=args.people)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="antidrug-bench-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "load.db"
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        with open_store(f"sqlite:///{path}") as store:
            recorder = store.recorder
            assert isinstance(recorder, BulkRecorder), "the SQL store plugin is not installed"
            people = TimedPeople(spec)
            last_report = time.perf_counter()

            def report(loaded: int, records: int) -> None:
                nonlocal last_report
                if time.perf_counter() - last_report >= 30:
                    last_report = time.perf_counter()
                    print(f"  … {loaded:,} people, {records:,} records", flush=True)

            started = time.perf_counter()
            records = recorder.bulk_append(people, divisions=divisions(spec), progress=report)
            elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.glob("load.db*"))
    finally:
        if not args.keep and args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
        elif not args.keep:
            for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                made.unlink(missing_ok=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    overall = records / elapsed
    store_only = records / max(elapsed - people.seconds, 1e-9)
    print(
        f"load: {args.people:,} people, {records:,} records in {elapsed:.1f} s "
        f"(generating them took {people.seconds:.1f} s)\n"
        f"  overall    {overall:>10,.0f} records/s\n"
        f"  store only {store_only:>10,.0f} records/s (goal {GOAL_RECORDS_PER_SECOND:,})\n"
        f"  peak memory {peak / 2**20:,.0f} MiB (goal under {GOAL_PEAK_BYTES / 2**20:,.0f} MiB), "
        f"database {size / 2**30:.2f} GiB"
    )
    met = store_only >= GOAL_RECORDS_PER_SECOND and peak < GOAL_PEAK_BYTES
    print(f"  goal {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
