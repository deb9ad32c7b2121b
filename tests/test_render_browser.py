"""The HTML report in a real browser: offline, error-free, interactive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from render_fixtures import LI, MEMBERS, build_analysis

from reporter.render.context import build_report
from reporter.render.html import render_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MEMBER_ROWS = "#members-table > tbody > tr"


@dataclass
class Visit:
    """A page showing the report, with what it requested and logged."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// URL of the HTML report of the hand-built analysis."""
    path = tmp_path_factory.mktemp("browser") / "readiness.html"
    path.write_bytes(render_html(build_report(build_analysis())))
    return Path(path).as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def visit(browser: Browser, report_url: str) -> Iterator[Visit]:
    """The report opened in a fresh page that records requests and errors."""
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    seen = Visit(page, report_url)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            seen.errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.goto(report_url)
    yield seen
    page.close()


def test_no_console_errors(visit: Visit) -> None:
    """Loading the report logs no error, CSP violations included."""
    visit.page.wait_for_load_state("load")

    assert visit.errors == []


def test_no_request_beyond_the_file(visit: Visit) -> None:
    """The only request the page makes is for the report file itself."""
    visit.page.wait_for_load_state("networkidle")

    assert visit.requests == [visit.url]


def test_filter_narrows_member_rows(visit: Visit) -> None:
    """Typing in the filter box leaves only the matching member rows visible."""
    rows = visit.page.locator(MEMBER_ROWS)
    expect(rows.locator("visible=true")).to_have_count(len(MEMBERS))

    visit.page.fill("#member-filter", "xiaolong")

    expect(rows.locator("visible=true")).to_have_count(1)
    expect(rows.locator("visible=true")).to_have_id(f"member-{LI.member_id}")
    expect(visit.page.locator("#member-count")).to_have_text(
        f"Showing 1 of {len(MEMBERS)}"
    )


def test_clicking_a_header_sorts_the_table(visit: Visit) -> None:
    """Clicking Email sorts members by email; clicking again reverses the order."""
    header = visit.page.locator("#members-table > thead th", has_text="Email")
    emails = sorted(m.email for m in MEMBERS)

    header.locator("button").click()
    first = visit.page.locator(f"{MEMBER_ROWS} > td:first-child").first
    expect(first).to_contain_text(emails[0])

    header.locator("button").click()
    expect(first).to_contain_text(emails[-1])
    expect(header).to_have_attribute("aria-sort", "descending")


def test_finding_anchor_shows_the_finding(visit: Visit) -> None:
    """Navigating to #finding-<id> scrolls that finding into view."""
    finding = visit.page.locator("#finding-odd-name-e5e5e5e5")
    expect(finding).not_to_be_in_viewport()

    visit.page.goto(f"{visit.url}#finding-odd-name-e5e5e5e5")

    expect(finding).to_be_in_viewport()
    expect(finding).to_contain_text("Member name is unusual")
