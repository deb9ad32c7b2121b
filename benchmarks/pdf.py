"""The PDF alone, in a process with a deadline and a memory cap.

``python -m benchmarks.pdf SNAPSHOT OUT MEMORY_GIB`` reads and analyses the snapshot,
prints the PDF to ``OUT`` and reports its time and its process's peak memory:
the cost of ``cf-scim-audit report --format pdf``. WeasyPrint's time and memory
grow with the member table, so the benchmark must be able to stop it.
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pypdf

from reporter.analyze import analyze
from reporter.render import RENDERERS, build_report
from reporter.snapshot import read_snapshot

MB = 1_000_000
Figures = dict[str, float]
# Why the printer stopped, in the ``pdf_stop`` figure.
FINISHED, TIMED_OUT, OUT_OF_MEMORY = 0.0, 1.0, 2.0
STOP_REASONS = {TIMED_OUT: "timed out", OUT_OF_MEMORY: "ran out of its memory cap"}
# What the figures read when the printer was stopped: not a number to compare.
STOPPED: Figures = {
    "pdf_s": math.nan,
    "pdf_mb": math.nan,
    "pdf_pages": math.nan,
    "pdf_peak_mb": math.nan,
}


def measure_pdf(
    snapshot: Path, out: Path, *, timeout: float, memory_gib: float, pythonpath: str
) -> Figures:
    """The PDF's figures, or STOPPED when it overran ``timeout`` or the memory cap."""
    command = [sys.executable, "-m", "benchmarks.pdf", str(snapshot), str(out)]
    try:
        done = subprocess.run(
            [*command, str(memory_gib)],
            env={**os.environ, "PYTHONPATH": pythonpath},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return STOPPED | {"pdf_stop": TIMED_OUT}
    if done.returncode != 0:
        if "MemoryError" in done.stderr:
            return STOPPED | {"pdf_stop": OUT_OF_MEMORY}
        raise RuntimeError(f"printing the PDF failed:\n{done.stderr[-4000:]}")
    figures: Figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | {"pdf_stop": FINISHED}


def main(argv: list[str]) -> int:
    """Print one PDF; write its figures as JSON on stdout."""
    snapshot, out, memory_gib = Path(argv[0]), Path(argv[1]), float(argv[2])
    # Address space, not resident memory, is what a process can cap for itself.
    cap = int(memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    report = build_report(analyze(read_snapshot(snapshot)))
    started = time.perf_counter()
    data = RENDERERS["pdf"](report)
    seconds = time.perf_counter() - started
    out.write_bytes(data)
    figures = {
        "pdf_s": seconds,
        "pdf_mb": len(data) / MB,
        "pdf_pages": float(len(pypdf.PdfReader(io.BytesIO(data)).pages)),
        "pdf_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
