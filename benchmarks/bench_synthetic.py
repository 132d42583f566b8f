"""The synthetic generator's speed and memory: people and records per second, streamed.

The storage and indicator benchmarks generate a province of a million people
with it, so its throughput bounds theirs; memory must stay flat however many
people stream through.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from antidrug_core.synthetic import SyntheticSpec, person_records


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks synthetic")
    parser.add_argument("--people", type=int, default=100_000, help="people to generate (default 100000)")
    args, _ = parser.parse_known_args(argv)
    spec = SyntheticSpec.provincial(people=args.people)
    started = time.perf_counter()
    records = 0
    for person in person_records(spec):
        records += len(person)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_person = records / max(args.people, 1)
    print(
        f"synthetic: {args.people} people, {records} records ({per_person:.1f} per person) "
        f"in {elapsed:.1f} s: {records / elapsed:,.0f} records/s, peak memory {peak:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
