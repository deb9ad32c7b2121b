"""The committed sample reports are what the code produces today.

Regenerate them with ``make samples`` when a change to the code is intended.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.audit import run_diff
from reporter.pipeline import ALL_FORMATS, report_from_file, run_demo
from reporter.samples import (
    DIFF_FORMATS,
    POST_SNAPSHOT,
    SAMPLE_JUDGING,
    SAMPLE_SEED,
    SAMPLE_SIZE,
    sample_clock,
)
from reporter.snapshot import read_snapshot

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
SNAPSHOT = SAMPLES / "snapshot.zip"
POST = SAMPLES / POST_SNAPSHOT
STALE = "sample_reports/ is stale: run 'make samples' and commit the result"


def _pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports rendered now from the committed sample snapshot."""
    out = tmp_path_factory.mktemp("samples")
    report_from_file(SNAPSHOT, ALL_FORMATS, out)
    return out


@pytest.mark.parametrize("name", ["readiness.html", "readiness.xlsx"])
def test_sample_report_bytes_match(rendered: Path, name: str) -> None:
    """The committed HTML and workbook equal a fresh render, byte for byte."""
    assert (rendered / name).read_bytes() == (SAMPLES / name).read_bytes(), STALE


def test_sample_pdf_text_matches(rendered: Path) -> None:
    """The committed PDF has the same pages and text as a fresh render."""
    assert _pdf_text(rendered / "readiness.pdf") == _pdf_text(
        SAMPLES / "readiness.pdf"
    ), STALE


def test_sample_snapshot_matches_a_fresh_demo_collection(tmp_path: Path) -> None:
    """Collecting the demo again over HTTP yields the committed snapshot's data."""
    fresh, _ = run_demo(
        tmp_path, seed=SAMPLE_SEED, size=SAMPLE_SIZE, clock=sample_clock
    )

    assert read_snapshot(fresh).entries == read_snapshot(SNAPSHOT).entries, STALE


@pytest.fixture(scope="module")
def diffed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The diff reports rendered now from the committed pre and post snapshots."""
    out = tmp_path_factory.mktemp("diff-samples")
    run_diff(SNAPSHOT, POST, DIFF_FORMATS, out, SAMPLE_JUDGING)
    return out


@pytest.mark.parametrize("name", ["diff.html", "diff.xlsx", "diff.json"])
def test_sample_diff_bytes_match(diffed: Path, name: str) -> None:
    """The committed diff HTML, workbook and JSON equal a fresh diff."""
    assert (diffed / name).read_bytes() == (SAMPLES / name).read_bytes(), STALE


def test_sample_diff_pdf_text_matches(diffed: Path) -> None:
    """The committed diff PDF has the same pages and text as a fresh render."""
    assert _pdf_text(diffed / "diff.pdf") == _pdf_text(SAMPLES / "diff.pdf"), STALE


def test_sample_post_snapshot_matches_a_fresh_collection(tmp_path: Path) -> None:
    """Collecting the post-migration demo again yields the committed snapshot."""
    fresh, _ = run_demo(
        tmp_path, seed=SAMPLE_SEED, size=SAMPLE_SIZE, stage="post", clock=sample_clock
    )

    assert read_snapshot(fresh).entries == read_snapshot(POST).entries, STALE
