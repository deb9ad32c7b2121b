"""Benchmark the pipeline at scale and write benchmarks/RESULTS.md (issue 7).

    .venv/bin/python benchmarks/run.py [--sizes S,M,L] [--runs 3] [--latency-ms 50]

Each run of each size is a fresh process (so its peak memory is its own) that
collects a demo organization from an emulator process answering after a fixed
latency, analyses and renders it, then times the baselines beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, so the repository root is not on the path yet.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import machine, results  # noqa: E402
from benchmarks.baselines import SDK_ENDPOINTS  # noqa: E402
from benchmarks.measure import Settings  # noqa: E402
from benchmarks.pdf import (  # noqa: E402
    FINISHED,
    OUT_OF_MEMORY,
    STOP_REASONS,
    TIMED_OUT,
)
from benchmarks.results import Figures  # noqa: E402
from benchmarks.serve import RATE_WINDOW  # noqa: E402

log = logging.getLogger("benchmarks.run")

SIZES = {"S": 50, "M": 2_000, "L": 20_000, "XL": 100_000}
DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
# The collection baselines (the SDK, ours on Cloudflare alone) serve L's targets;
# at XL each would wait out several more rate-limit windows and judge nothing.
BASELINE_SIZES = ("S", "M", "L")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line; sizes are checked against SIZES."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated, of S,M,L,XL")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median)")
    parser.add_argument(
        "--xl-runs",
        type=int,
        default=1,
        help="runs of XL, whose first run alone takes about half an hour",
    )
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=1200,
        help="Cloudflare requests per 5 minutes the emulator allows and the "
        "collector keeps to (0: no limit on either side)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--pdf-timeout", type=float, default=180.0, help="seconds before the PDF stops"
    )
    parser.add_argument(
        "--pdf-memory-gib", type=float, default=6.0, help="the PDF process's memory cap"
    )
    args = parser.parse_args(argv)
    args.sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown or not args.sizes:
        parser.error(f"unknown size(s) {unknown}: choose from {','.join(SIZES)}")
    for option, runs in (("--runs", args.runs), ("--xl-runs", args.xl_runs)):
        if runs < 1:
            parser.error(f"{option} {runs}: pass at least 1")
    if not math.isfinite(args.latency_ms) or args.latency_ms < 0:
        parser.error(f"--latency-ms {args.latency_ms}: pass a number of 0 or more")
    if args.rate_limit < 0:
        parser.error(f"--rate-limit {args.rate_limit}: pass 0 (no limit) or more")
    for option, value in (
        ("--pdf-timeout", args.pdf_timeout),
        ("--pdf-memory-gib", args.pdf_memory_gib),
    ):
        if not math.isfinite(value) or value <= 0:
            parser.error(f"{option} {value}: pass a number above 0")
    problem = _unwritable(args.out)
    if problem:
        parser.error(f"--out {args.out}: {problem}")
    return args


def _unwritable(out: Path) -> str:
    """Why the results cannot be written to ``out``, found before hours of runs."""
    if out.is_dir():
        return "is a directory; pass a file path such as DIR/RESULTS.md"
    if not out.parent.is_dir():
        return f"its folder {out.parent} does not exist; create it first"
    if not os.access(out.parent, os.W_OK | os.X_OK):
        return f"its folder {out.parent} is not writable; pass another path"
    if out.exists() and not os.access(out, os.W_OK):
        return "exists and is not writable; pass another path"
    return ""


def run_once(settings: Settings) -> dict[str, float]:
    """The figures of one run, measured in a fresh process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), _pythonpath()])}
    Path(settings.work_dir).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", json.dumps(asdict(settings))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the run at {settings.members} members failed "
            f"(exit {done.returncode}):\n{done.stderr[-4000:]}"
        )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")


def measure_size(size: str, args: argparse.Namespace, work_dir: Path) -> list[Figures]:
    """The figures of every run of ``size``.

    The first run prints the PDF. When its collection was bound by the
    rate-limit window (minutes, whatever the code does), later runs analyse
    and render its snapshot instead of collecting again.
    """
    runs: list[Figures] = []
    reuse = ""
    count = runs_of(size, args)
    for number in range(1, count + 1):
        log.info("size %s (%d members): run %d of %d", size, SIZES[size], number, count)
        settings = Settings(
            members=SIZES[size],
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            pdf=number == 1,
            pdf_timeout=args.pdf_timeout,
            pdf_memory_gib=args.pdf_memory_gib,
            work_dir=str(work_dir / f"run-{number}"),
            reuse_snapshot=reuse,
            baselines=size in BASELINE_SIZES,
        )
        runs.append(run_once(settings))
        if number == 1 and runs[0]["rate_bound"]:
            reuse = str(work_dir / "run-1" / "snapshot.zip")
    return runs


def runs_of(size: str, args: argparse.Namespace) -> int:
    """How many runs ``size`` gets: ``--xl-runs`` for XL, ``--runs`` for the rest."""
    runs: int = args.xl_runs if size == "XL" else args.runs
    return runs


def measure_sizes(
    args: argparse.Namespace,
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """The median figures of each size, and why each size that failed did."""
    rows, failures = {}, {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"cf-scim-bench-{size}-") as work_dir:
            try:
                rows[size] = results.medians(measure_size(size, args, Path(work_dir)))
            except RuntimeError as exc:
                # One size failing must not throw away the sizes measured.
                log.error("size %s failed: %s", size, exc)
                failures[size] = str(exc).strip().splitlines()[-1]
    return rows, failures


def document(
    rows: Mapping[str, Mapping[str, float]],
    failures: Mapping[str, str],
    args: argparse.Namespace,
    command: str,
    loads: tuple[str, str] = ("unknown", "unknown"),
) -> str:
    """The text of RESULTS.md; ``loads`` are the load averages at start and end."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"`{command}` on {when}, at commit {_commit()}.",
        "",
        f"Machine: {machine.describe()}. Load average (1, 5, 15 min) "
        f"{loads[0]} at the start, {loads[1]} at the end: the machine may be "
        "shared with other work, which inflates absolute times; the targets are "
        "ratios measured side by side.",
        "",
        f"Every figure is the median of {_runs_text(args)}; the emulator answers "
        f"each request after {args.latency_ms:g} ms. Ratios are of the medians. "
        f"{_limit_text(args)} "
        "The floor is requests × latency ÷ concurrency, or the rate-limit bound "
        "(a whole window per full limit of requests) when larger, taken per API "
        "since Cloudflare and Okta are read side by side: Cloudflare at the "
        "collector's concurrency, Okta one request at a time; the whole "
        "collection's floor is the larger of the two. A "
        "size whose first collection was rate-bound collects (and times the SDK) "
        "in its first run only, later runs analyse and render that snapshot. "
        f"The PDF is printed once per size, stopped after {args.pdf_timeout:g} s "
        f"or at {args.pdf_memory_gib:g} GiB of address space ('stopped').",
        "",
        "## Time",
        "",
        *results.table(rows, results.TIME_COLUMNS),
        "",
        "## Size and memory",
        "",
        *results.table(rows, results.SIZE_COLUMNS),
        "",
        *_stopped_pdfs(rows, args),
        *(f"Size {size} failed: `{why}`\n" for size, why in failures.items()),
        "## Targets (issue 7)",
        "",
        *results.verdicts(rows),
        *results.beside_targets(rows),
        "",
        "## How it is measured",
        "",
        *NOTES,
        f"- The SDK baseline pages, with the official `cloudflare` SDK, one request "
        f"at a time: {', '.join(f'`{e}`' for e in SDK_ENDPOINTS)}. The SDK has no "
        "dashboard SCIM and no Okta. *ours CF-only* is our collector on a fresh "
        "emulator with Okta left out: the SDK's endpoints plus SCIM users and "
        "groups, so it reads more than the SDK. The SDK target uses it (like for "
        "like); the whole collection's ratio, Okta included, is shown beside it.",
        "",
    ]
    return "\n".join(lines)


def _runs_text(args: argparse.Namespace) -> str:
    text = f"{args.runs} run(s)"
    if "XL" in args.sizes and args.xl_runs != args.runs:
        text += f" ({args.xl_runs} of XL)"
    return text


def _commit() -> str:
    """The checked-out commit, or "unknown" outside a git checkout."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _limit_text(args: argparse.Namespace) -> str:
    if not args.rate_limit:
        return "Neither the emulator nor the collector applies a rate limit."
    return (
        f"The emulator enforces {args.rate_limit:,} Cloudflare requests per "
        f"{RATE_WINDOW:g} s, as Cloudflare does, and the collector keeps to it."
    )


def _stopped_pdfs(
    rows: Mapping[str, Mapping[str, float]], args: argparse.Namespace
) -> list[str]:
    """One line per size whose PDF was stopped, saying why."""
    limits = {
        TIMED_OUT: f"after {args.pdf_timeout:g} s",
        OUT_OF_MEMORY: f"at {args.pdf_memory_gib:g} GiB",
    }
    lines = [
        f"The PDF of {size} {STOP_REASONS[figures['pdf_stop']]} "
        f"({limits[figures['pdf_stop']]}).\n"
        for size, figures in rows.items()
        if figures.get("pdf_stop", FINISHED) != FINISHED
    ]
    return lines


NOTES = (
    "- Each run is a fresh process; the emulator (and the demo organization it "
    "serves) runs in another process, so *peak MiB* is the `ru_maxrss` of the "
    "pipeline alone: collection, snapshot, analysis, report model, three renderers.",
    "- *collect s* is the manifest's start to end (HTTP only); *write s* is writing "
    "the snapshot file. *analysis s* is reading the snapshot (hashes checked) and "
    "`analyze`; *json.loads s* parses the snapshot's data entries, already read "
    "from the zip. *model s* is `build_report`, shared by the three renderers.",
    "- *json.loads, GC paused s* is the same parse with Python's cyclic garbage "
    "collector off, as our reader runs (it pauses the collector while it builds "
    "objects that live until the analysis ends). The target's baseline is plain "
    "`json.loads`; the ratio to the paused parse is shown beside it, so neither "
    "reading hides the other.",
    "- The PDF is printed in a process of its own, so that it can be stopped on "
    "time or memory; *PDF peak MiB* is that process's `ru_maxrss`, and the peak "
    "memory targets take the larger of it and *peak MiB*.",
    "- *to_excel s* writes the workbook's sheets as DataFrames with "
    "`DataFrame.to_excel` (openpyxl); building the frames is not timed.",
    "- *open s* is headless Chromium from navigation to the first painted frame "
    "after `load`; the browser starts before the clock.",
    "- The collection baselines (the SDK, ours on Cloudflare alone) run for S, M "
    "and L only: they serve L's targets, and at XL each would wait out several "
    "more rate-limit windows; XL shows n/a there.",
    "- The demo generator scales user groups with members (300 at 20,000), so XL "
    "has 1,500 user groups, not the issue's 1,000.",
    "- The IdP (Okta here) is read on a thread of its own while Cloudflare is, "
    'one request at a time as idp-apis.md §2.3 advises ("Go serial"), and '
    "within Okta's per-minute limit; so Okta's floor is its requests × latency "
    "(or its rate-limit bound), not divided by Cloudflare's concurrency. The "
    "*Okta requests* column is *requests* less *of them Cloudflare*.",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the tables, write RESULTS.md."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started_load = machine.load_average()
    rows, failures = measure_sizes(args)
    command = "python benchmarks/run.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    loads = (started_load, machine.load_average())
    text = document(rows, failures, args, command.strip(), loads)
    # Written whole or not at all: a file beside it, then renamed over it.
    partial = args.out.with_name(f".{args.out.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(args.out)
    print(text)  # the table on stdout is this script's output
    log.info("wrote %s", args.out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
