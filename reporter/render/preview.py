"""Pictures of the reports for the README: the HTML on screen, the PDF's cover.

Made with Debian's Chromium (through Playwright) and poppler's ``pdftoppm``,
both installed by ``scripts/install-system-deps.sh``. Pictures are not
reports: without the tools they are skipped with a warning, never faked.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from reporter.errors import RenderError

logger = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 1000}
PDF_DPI = 70  # an A4 page about 580 pixels wide: legible, small in git


def screenshot_html(html: Path, png: Path, *, chromium: Path = CHROMIUM) -> Path:
    """Save the first screen of the HTML report ``html`` as ``png``."""
    # Playwright is a development dependency: only sample regeneration needs it.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            page.goto(html.resolve().as_uri())
            page.screenshot(path=str(png))
        finally:
            browser.close()
    return png


def pdf_first_page(pdf: Path, png: Path) -> Path:
    """Save page 1 of ``pdf`` as ``png`` with pdftoppm."""
    # pdftoppm appends ".png" to the name it is given.
    command = ["pdftoppm", "-png", "-r", str(PDF_DPI), "-f", "1", "-l", "1"]
    command += ["-singlefile", str(pdf), str(png.with_suffix(""))]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(
            f"pdftoppm could not draw page 1 of {pdf}: {exc}",
            hint="install poppler-utils (scripts/install-system-deps.sh)",
        ) from exc
    return png


def write_previews(
    out_dir: Path, basename: str = "readiness", *, chromium: Path = CHROMIUM
) -> list[Path]:
    """Draw ``<basename>.png`` (HTML) and ``<basename>-page1.png`` (PDF's cover)."""
    missing = [
        tool
        for tool, found in (
            (str(chromium), chromium.exists()),
            ("pdftoppm", shutil.which("pdftoppm") is not None),
        )
        if not found
    ]
    if missing:
        logger.warning("no report pictures drawn: %s not installed", ", ".join(missing))
        return []
    return [
        screenshot_html(
            out_dir / f"{basename}.html", out_dir / f"{basename}.png", chromium=chromium
        ),
        pdf_first_page(out_dir / f"{basename}.pdf", out_dir / f"{basename}-page1.png"),
    ]
