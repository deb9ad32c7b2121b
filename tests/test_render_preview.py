"""The README's pictures: the HTML report on screen and the PDF's first page."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import pytest
from render_fixtures import build_analysis

from reporter.render import render_reports
from reporter.render.preview import write_previews

pytestmark = pytest.mark.browser
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The pictures drawn from the hand-built analysis's HTML and PDF."""
    out = tmp_path_factory.mktemp("preview")
    render_reports(build_analysis(), ["html", "pdf"], out)
    return write_previews(out)


def test_screenshot_is_the_first_screen(pictures: list[Path]) -> None:
    """readiness.png is a 1280 by 1000 picture of the HTML report."""
    assert pictures[0].name == "readiness.png"
    assert _png_size(pictures[0]) == (1280, 1000)


def test_first_pdf_page_is_an_a4_picture(pictures: list[Path]) -> None:
    """readiness-page1.png is page 1 at 70 dpi: an A4 page, 579 by 819 pixels."""
    assert pictures[1].name == "readiness-page1.png"
    assert _png_size(pictures[1]) == (579, 819)


def test_without_chromium_no_picture_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing browser draws nothing and says which tool is missing."""
    with caplog.at_level(logging.WARNING, logger="reporter.render.preview"):
        drawn = write_previews(tmp_path, chromium=tmp_path / "no-chromium")

    assert drawn == []
    assert list(tmp_path.iterdir()) == []
    assert f"{tmp_path / 'no-chromium'} not installed" in caplog.text
