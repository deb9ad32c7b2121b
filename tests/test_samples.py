"""The committed sample reports are what the code produces today.

Regenerate them with ``make samples`` when a change to the code is intended.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.pipeline import ALL_FORMATS, report_from_file, run_demo
from reporter.samples import SAMPLE_SEED, SAMPLE_SIZE, sample_clock
from reporter.snapshot import read_snapshot

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
SNAPSHOT = SAMPLES / "snapshot.zip"
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
