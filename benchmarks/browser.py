"""How long the HTML report takes to open in headless Chromium."""

from __future__ import annotations

import math
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Resolves once the page has been laid out and painted a first frame.
_PAINTED = "() => new Promise(done => requestAnimationFrame(() => done(true)))"


def open_seconds(html: Path) -> float:
    """Seconds from navigation to the first painted frame after ``load``.

    The browser is started before the clock runs: only the page is timed. A
    page that does not open within two minutes (or crashes the tab) is NaN.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            started = time.perf_counter()
            try:
                page.goto(html.resolve().as_uri(), wait_until="load", timeout=120_000)
                page.evaluate(_PAINTED)
            except PlaywrightError:
                return math.nan
            return time.perf_counter() - started
        finally:
            browser.close()
