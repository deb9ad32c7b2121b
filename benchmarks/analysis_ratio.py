"""Read+analyse of one snapshot beside json.loads of its entries (issue 7's ratio).

    python benchmarks/analysis_ratio.py SNAPSHOT.zip [--runs N]

A quick check of the "analysis at most 3x json.loads" target on a snapshot
already collected (run.py collects one per size): best of N (3) of each, by
wall clock (the target's measure) and by CPU time of this process, which
other work on the machine disturbs less. The load average is printed beside.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from reporter.analyze import analyze
from reporter.snapshot import read_snapshot


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """The least wall-clock and the least CPU seconds of ``runs`` calls."""
    wall = cpu = float("inf")
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with zipfile.ZipFile(args.snapshot) as archive:
        raw = [archive.read(n) for n in archive.namelist() if n != "manifest.json"]

    def parse() -> None:
        for data in raw:
            json.loads(data)

    findings: list[int] = []

    def read_and_analyse() -> None:
        findings[:] = [len(analyze(read_snapshot(args.snapshot)).findings)]

    before = os.getloadavg()[0]
    loads, loads_cpu = best_of(args.runs, parse)
    best, best_cpu = best_of(args.runs, read_and_analyse)
    after = os.getloadavg()[0]
    print(
        f"json.loads best of {args.runs} {loads:.2f} s (CPU {loads_cpu:.2f} s); "
        f"read+analyse best of {args.runs} {best:.2f} s (CPU {best_cpu:.2f} s); "
        f"ratio {best / loads:.2f}x (CPU {best_cpu / loads_cpu:.2f}x); "
        f"{findings[0]} findings; load average {before:.2f} to {after:.2f}"
    )


if __name__ == "__main__":
    main()
