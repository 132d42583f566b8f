"""Run the named benchmarks (all by default) and print what they measure."""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS: dict[str, str] = {
    "demo": "benchmarks.bench_demo",
    "synthetic": "benchmarks.bench_synthetic",
    "load": "benchmarks.bench_load",
    "indicators": "benchmarks.bench_indicators",
}
"""Benchmark name → module with a ``main(argv) -> int``; each benchmark adds itself here."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})")
    args, rest = parser.parse_known_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    status = 0
    for name in args.names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        status |= importlib.import_module(BENCHMARKS[name]).main(rest)
    return status


if __name__ == "__main__":
    sys.exit(main())
