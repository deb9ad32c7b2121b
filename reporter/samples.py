"""Regenerate ``sample_reports/``: the demo's snapshot and the reports made from it.

Run as ``python -m reporter.samples DIR`` (``make samples``). The snapshot is
collected over HTTP from the emulator with a fixed clock, and the reports are
rendered from the written snapshot, exactly as ``report`` would. The demo after
its migration is collected too, and the diff of the two is rendered as
``diff`` would, judged on the collection day.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from reporter.audit import Judging, run_diff
from reporter.gate import Gate
from reporter.pipeline import run_demo
from reporter.render.preview import write_previews

SAMPLE_SEED = 2026
SAMPLE_SIZE = 60
# Samples must not change with the day they were made.
SAMPLE_TIME = datetime(2026, 6, 1, 9, 0, 0, tzinfo=UTC)
POST_SNAPSHOT = "snapshot-post.zip"
DIFF_FORMATS = ("html", "pdf", "xlsx", "json")
SAMPLE_JUDGING = Judging(gate=Gate(), suppressions=(), today=SAMPLE_TIME.date())


def sample_clock() -> datetime:
    """The fixed collection time of the committed samples."""
    return SAMPLE_TIME


def regenerate(out_dir: Path) -> list[Path]:
    """Write the sample snapshot and reports into ``out_dir``; return their paths."""
    snapshot, reports = run_demo(
        out_dir, seed=SAMPLE_SEED, size=SAMPLE_SIZE, clock=sample_clock
    )
    post = out_dir / POST_SNAPSHOT
    with tempfile.TemporaryDirectory() as scratch:
        collected, _ = run_demo(
            Path(scratch),
            seed=SAMPLE_SEED,
            size=SAMPLE_SIZE,
            stage="post",
            clock=sample_clock,
        )
        shutil.copy(collected, post)  # keeps the owner-only mode
    # Regenerating replaces the earlier samples, diff included.
    diff = run_diff(snapshot, post, DIFF_FORMATS, out_dir, SAMPLE_JUDGING, force=True)
    # The README's pictures; not compared by tests/test_samples.py.
    pictures = write_previews(out_dir)
    return [snapshot, *reports, post, *diff.paths, *pictures]


def main(argv: list[str]) -> int:
    """Entry point for ``python -m reporter.samples DIR``."""
    if len(argv) != 1:
        print("usage: python -m reporter.samples DIR", file=sys.stderr)
        return 2
    for path in regenerate(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
