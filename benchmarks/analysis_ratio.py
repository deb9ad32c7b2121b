"""Read+analyse of one snapshot beside json.loads of its entries (issue 7's ratio).

    python benchmarks/analysis_ratio.py SNAPSHOT.zip

A quick check of the "analysis at most 3x json.loads" target on a snapshot
already collected (run.py collects one per size): best of three of each.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path

from reporter.analyze import analyze
from reporter.snapshot import read_snapshot


def main() -> None:
    path = Path(sys.argv[1])
    with zipfile.ZipFile(path) as archive:
        raw = [archive.read(n) for n in archive.namelist() if n != "manifest.json"]
    loads = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for data in raw:
            json.loads(data)
        loads = min(loads, time.perf_counter() - started)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        analysis = analyze(read_snapshot(path))
        best = min(best, time.perf_counter() - started)
    print(
        f"json.loads best of 3 {loads:.2f} s; read+analyse best of 3 {best:.2f} s; "
        f"ratio {best / loads:.2f}x; {len(analysis.findings)} findings"
    )


if __name__ == "__main__":
    main()
