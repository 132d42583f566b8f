"""``antidrug demo`` end to end: the goal is under a minute on a 2-core machine.

Runs the default demo (20 townships, 2,000 people, a year of records, the
SQLite store, three documents with charts) in a temporary folder and
reports the wall time and peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import sys
import tempfile
import time

from antidrug_core.cli import main as antidrug

GOAL_SECONDS = 60.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks demo")
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--townships", type=int, default=20)
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            status = antidrug(
                ["demo", "--dir", folder, "--people", str(args.people), "--townships", str(args.townships)]
            )
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "ok" if elapsed < GOAL_SECONDS and status == 0 else "MISSED"
    print(
        f"demo: {args.people} people, {args.townships} townships: {elapsed:.1f} s "
        f"(goal < {GOAL_SECONDS:.0f} s: {verdict}), peak memory {peak:.0f} MiB, exit {status}"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
