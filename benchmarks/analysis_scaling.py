"""Read+analyse of an L and an XL snapshot in one process (issue 7's XL/L ratio).

    python benchmarks/analysis_scaling.py L.zip XL.zip [--l-runs 3] [--xl-runs 1]

The target: XL (100,000 members) takes at most 6 times as long as L (20,000),
five times the members, so anything worse than linear shows. Best of N of
each, wall clock and CPU time of this process; then the process's peak
resident memory, which is XL's (the target: under 4 GB).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from reporter.analyze import analyze
from reporter.snapshot import read_snapshot


def best_of(runs: int, path: Path) -> tuple[float, float, int]:
    """The least wall-clock and CPU seconds of ``runs`` reads+analyses; members."""
    wall = cpu = float("inf")
    members = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        members = len(analyze(read_snapshot(path)).members)
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("large", type=Path, help="the L snapshot")
    parser.add_argument("extra_large", type=Path, help="the XL snapshot")
    parser.add_argument("--l-runs", type=int, default=3)
    parser.add_argument("--xl-runs", type=int, default=1)
    args = parser.parse_args()

    before = os.getloadavg()[0]
    large = best_of(args.l_runs, args.large)
    extra = best_of(args.xl_runs, args.extra_large)
    after = os.getloadavg()[0]
    # ru_maxrss is in kilobytes on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)

    for name, runs, (wall, cpu, members) in (
        ("L", args.l_runs, large),
        ("XL", args.xl_runs, extra),
    ):
        print(
            f"{name}: {members} members, read+analyse best of {runs} "
            f"{wall:.2f} s (CPU {cpu:.2f} s)"
        )
    print(
        f"XL/L {extra[0] / large[0]:.2f}x (CPU {extra[1] / large[1]:.2f}x); "
        f"peak RSS {peak:.2f} GiB; load average {before:.2f} to {after:.2f}"
    )


if __name__ == "__main__":
    main()
