"""The HTML report in a real browser: offline, error-free, interactive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from render_fixtures import (
    DAVID,
    DISPLAYED_HOSTILE_NAMES,
    HOSTILE_NAMES,
    LI,
    MEMBERS,
    build_analysis,
    build_hostile_analysis,
    build_large_analysis,
    hostile_member_id,
)

from reporter.analyze.model import Analysis
from reporter.render.context import build_report
from reporter.render.html import render_html
from reporter.suppress import Suppression, apply_suppressions

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
LARGE_EXTRA = 20_000
PAGE_SIZE = 50


@dataclass
class Visit:
    """A page showing the report, with what it requested and logged."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _write(tmp_path_factory: pytest.TempPathFactory, analysis: Analysis) -> str:
    path = tmp_path_factory.mktemp("browser") / "readiness.html"
    path.write_bytes(render_html(build_report(analysis)))
    return Path(path).as_uri()


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// URL of the HTML report of the hand-built analysis."""
    return _write(tmp_path_factory, build_analysis())


@pytest.fixture(scope="module")
def large_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// URL of a report with 20,000 more members."""
    return _write(tmp_path_factory, build_large_analysis(LARGE_EXTRA))


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// URL of the report with one member per hostile name."""
    return _write(tmp_path_factory, build_hostile_analysis())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _open(browser: Browser, url: str) -> Visit:
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    seen = Visit(page, url.split("#", 1)[0])
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            seen.errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("dialog", lambda dialog: seen.errors.append(f"dialog: {dialog.message}"))
    page.goto(url)
    return seen


@pytest.fixture
def visit(browser: Browser, report_url: str) -> Iterator[Visit]:
    """The report opened in a fresh page that records requests and errors."""
    seen = _open(browser, report_url)
    yield seen
    seen.page.close()


def test_no_console_errors(visit: Visit) -> None:
    """Loading the report logs no error, CSP violations included."""
    visit.page.wait_for_load_state("load")

    assert visit.errors == []


def test_no_request_beyond_the_file(visit: Visit) -> None:
    """The only request the page makes is for the report file itself."""
    visit.page.wait_for_load_state("networkidle")

    assert visit.requests == [visit.url]


def test_filter_narrows_member_rows(visit: Visit) -> None:
    """Typing in the search box leaves only the matching member rows."""
    rows = visit.page.locator(MEMBER_ROWS)
    expect(rows).to_have_count(len(MEMBERS))

    visit.page.fill("#members-table-search", "xiaolong")

    expect(rows).to_have_count(1)
    expect(rows).to_have_id(f"member-{LI.member_id}")
    expect(visit.page.locator("#member-count")).to_have_text(
        f"Showing 1 of {len(MEMBERS)}"
    )


def test_select_filter_narrows_findings(visit: Visit) -> None:
    """Choosing a severity leaves only the findings of that severity."""
    rows = visit.page.locator("#findings-table > tbody > tr")

    visit.page.select_option("#findings-severity", "critical")

    expect(rows).to_have_count(2)
    expect(rows.first).to_have_id("finding-vg-only-a1a1a1a1")


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


def test_finding_deep_link_opens_the_finding(browser: Browser, report_url: str) -> None:
    """Opening #finding-<id> shows that finding, highlighted, in view."""
    seen = _open(browser, f"{report_url}#finding-odd-name-e5e5e5e5")
    finding = seen.page.locator("#finding-odd-name-e5e5e5e5")

    expect(finding).to_be_in_viewport()
    expect(finding).to_contain_text("Member name is unusual")
    expect(finding).to_have_class(re.compile(r"\btargeted\b"))
    seen.page.close()


def test_member_link_in_a_finding_opens_the_member(visit: Visit) -> None:
    """Clicking a member in a finding scrolls to that member's row."""
    visit.page.locator("#finding-vg-only-d4d4d4d4 a").click()

    row = visit.page.locator(f"#member-{DAVID.member_id}")
    expect(row).to_be_in_viewport()
    expect(row).to_have_class(re.compile(r"\btargeted\b"))


def test_deep_link_clears_a_filter_that_hides_the_member(visit: Visit) -> None:
    """A member link still opens its member while the search box hides them."""
    visit.page.fill("#members-table-search", "xiaolong")

    visit.page.goto(f"{visit.url}#member-{DAVID.member_id}")

    expect(visit.page.locator(f"#member-{DAVID.member_id}")).to_be_in_viewport()
    expect(visit.page.locator("#members-table-search")).to_have_value("")


def test_large_report_builds_one_page_of_rows(browser: Browser, large_url: str) -> None:
    """With 20,000 more members, the table holds one page and the pager counts."""
    seen = _open(browser, large_url)
    total = LARGE_EXTRA + len(MEMBERS)

    expect(seen.page.locator(MEMBER_ROWS)).to_have_count(PAGE_SIZE)
    expect(seen.page.locator("#member-count")).to_have_text(
        f"Showing {total} of {total}"
    )
    pager = seen.page.locator('.pager[data-table="members-table"] [data-role="page"]')
    expect(pager).to_have_text(f"Page 1 of {-(-total // PAGE_SIZE)}")
    assert seen.errors == []
    seen.page.close()


def test_large_report_deep_link_renders_the_last_member(
    browser: Browser, large_url: str
) -> None:
    """A deep link to the last of 20,006 members turns to its page and shows it."""
    last = f"{LARGE_EXTRA:032x}"
    seen = _open(browser, f"{large_url}#member-{last}")

    row = seen.page.locator(f"#member-{last}")
    expect(row).to_be_in_viewport()
    expect(row).to_contain_text(f"user{LARGE_EXTRA}@example.com")
    expect(seen.page.locator(MEMBER_ROWS)).to_have_count(6)
    seen.page.close()


def test_next_page_shows_the_next_members(browser: Browser, large_url: str) -> None:
    """The pager's Next button replaces the rows with the following page."""
    seen = _open(browser, large_url)
    seen.page.locator('.pager[data-table="members-table"] [data-role="next"]').click()

    first = seen.page.locator(f"{MEMBER_ROWS} > td:first-child").first
    expect(first).to_contain_text(f"user{PAGE_SIZE - len(MEMBERS) + 1}@example.com")
    seen.page.close()


def test_hostile_names_render_as_plain_text(browser: Browser, hostile_url: str) -> None:
    """Each hostile name is the text of its cell: no element, script or dialog."""
    seen = _open(browser, hostile_url)
    seen.page.fill("#members-table-search", "hostile")
    cells = [
        seen.page.locator(f"#member-{hostile_member_id(i)} > td:nth-child(2)")
        for i in range(len(HOSTILE_NAMES))
    ]

    shown = [c.text_content() for c in cells]
    children = [c.locator("bdi *").count() for c in cells]
    assert shown == list(DISPLAYED_HOSTILE_NAMES)
    assert children == [0] * len(HOSTILE_NAMES)
    assert seen.errors == []
    seen.page.close()


def test_unassessed_at_risk_shows_in_every_member_row(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """When at risk could not be assessed, each member's At risk cell says so."""
    analysis = replace(build_analysis(), at_risk_assessed=False)
    seen = _open(browser, _write(tmp_path_factory, analysis))
    cells = seen.page.locator(f"{MEMBER_ROWS} > td:nth-child(6)")

    expect(cells).to_have_count(len(MEMBERS))
    assert set(cells.all_text_contents()) == {"could not assess"}
    assert seen.errors == []
    seen.page.close()


def test_suppression_owner_and_reason_are_isolated(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A right-to-left owner and reason each sit in their own <bdi>."""
    analysis = build_analysis()
    first = analysis.findings[0]
    accepted = Suppression(
        number=1,
        owner="דנה כהן",
        reason="نافذة الطوارئ",
        expires=date(2027, 1, 31),
        finding_id=first.finding_id,
        check=None,
        subject="*",
    )
    outcome = apply_suppressions(analysis.findings, (accepted,), date(2026, 12, 1))
    path = tmp_path_factory.mktemp("browser") / "readiness.html"
    path.write_bytes(render_html(build_report(analysis, outcome)))
    seen = _open(browser, path.as_uri())
    note = seen.page.locator(".suppression")

    expect(note).to_have_count(1)
    assert note.locator("bdi").all_text_contents() == [accepted.owner, accepted.reason]
    assert note.text_content() == (
        f"suppressed until 2027-01-31 by {accepted.owner}: {accepted.reason}"
    )
    assert seen.errors == []
    seen.page.close()
