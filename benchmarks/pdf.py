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
    """The PDF's figures, or STOPPED when it overran ``timeout`` or the memory cap.

    A stopped printer's peak memory is what it had reached when stopped: a
    lower bound of what it would need.
    """
    command = [sys.executable, "-m", "benchmarks.pdf", str(snapshot), str(out)]
    with subprocess.Popen(
        [*command, str(memory_gib)],
        env={**os.environ, "PYTHONPATH": pythonpath},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as printer:
        try:
            stdout, stderr = printer.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            reached = peak_rss_mb(printer.pid)
            printer.kill()
            printer.communicate()
            return STOPPED | {"pdf_stop": TIMED_OUT, "pdf_peak_mb": reached}
    if printer.returncode != 0:
        if "MemoryError" in stderr:
            return STOPPED | {
                "pdf_stop": OUT_OF_MEMORY,
                "pdf_peak_mb": memory_gib * 1024,
            }
        raise RuntimeError(f"printing the PDF failed:\n{stderr[-4000:]}")
    figures: Figures = json.loads(stdout.strip().splitlines()[-1])
    return figures | {"pdf_stop": FINISHED}


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory in MiB (``VmHWM``, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "VmHWM":
            return int(value.split()[0]) / 1024
    return math.nan


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
