"""The HTML report, parsed: what it says and what it can never do."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Tag
from render_fixtures import (
    FINDINGS,
    HOSTILE_NAME,
    MEMBERS,
    MEMBERS_AT_RISK,
    build_analysis,
)

from reporter.render.context import build_report
from reporter.render.html import render_html


@pytest.fixture(scope="module")
def html() -> bytes:
    """The HTML report of the hand-built analysis."""
    return render_html(build_report(build_analysis()))


@pytest.fixture(scope="module")
def soup(html: bytes) -> BeautifulSoup:
    """The parsed HTML report."""
    return BeautifulSoup(html, "html.parser")


def _text(element: Tag | None) -> str:
    assert element is not None
    return " ".join(element.get_text(" ").split())


def test_verdict_is_stated(soup: BeautifulSoup) -> None:
    """The verdict section says NO-GO and lists every blocker."""
    verdict = soup.find(id="verdict")

    assert "Verdict for step 6: NO-GO" in _text(verdict)
    assert isinstance(verdict, Tag)
    assert [_text(li) for li in verdict.select("ul.blockers li")] == [
        "ana.nunez@example.com would lose Administrator.",
        "david.levi@example.il would lose Billing.",
    ]


def test_six_steps_with_their_statuses(soup: BeautifulSoup) -> None:
    """Each of the six steps appears with its status."""
    statuses = [_text(s.select_one(".status")) for s in soup.select("li.step")]

    assert statuses == [
        "done",
        "in progress",
        "could not assess",
        "in progress",
        "in progress",
        "not started",
    ]


def test_members_at_risk_with_what_they_would_lose(soup: BeautifulSoup) -> None:
    """Each member at risk is listed with the permission groups they would lose."""
    rows = soup.select("tr.at-risk-member")
    listed = [(_text(r.td), _text(r.select_one(".would-lose"))) for r in rows]

    assert listed == [(m.email, ", ".join(m.at_risk)) for m in MEMBERS_AT_RISK]


def test_not_assessed_is_shown_prominently(soup: BeautifulSoup) -> None:
    """The could-not-assess section is a warning that names the check and fix."""
    section = soup.find(id="not-assessed")

    assert isinstance(section, Tag)
    assert "warning" in (section.get("class") or [])
    assert "Okta group push mappings" in _text(section)
    assert "okta.apps.read" in _text(section)


def test_hostile_name_is_text(soup: BeautifulSoup) -> None:
    """The hostile member name is shown as text, not parsed as markup."""
    cells = [td for td in soup.find_all("td") if td.get_text() == HOSTILE_NAME]

    assert len(cells) >= 2
    assert all(not cell.find_all(True) for cell in cells)


def test_only_our_own_script(soup: BeautifulSoup) -> None:
    """The page has exactly one script element, ours, and no data inside it."""
    scripts = soup.find_all("script")

    assert len(scripts) == 1
    assert "alert(1)" not in scripts[0].get_text()
    assert "addEventListener" in scripts[0].get_text()


def test_no_inline_event_handlers(soup: BeautifulSoup) -> None:
    """No element carries an on* attribute a hostile value could have injected."""
    handlers = [
        (tag.name, name)
        for tag in soup.find_all(True)
        for name in tag.attrs
        if name.lower().startswith("on")
    ]

    assert handlers == []


def test_finding_anchors_exist(soup: BeautifulSoup) -> None:
    """Every finding has an element with id finding-<finding_id>."""
    missing = [
        f.finding_id for f in FINDINGS if not soup.find(id=f"finding-{f.finding_id}")
    ]

    assert missing == []


def test_member_anchors_exist(soup: BeautifulSoup) -> None:
    """Every member has an element with id member-<member_id>."""
    missing = [
        m.member_id for m in MEMBERS if not soup.find(id=f"member-{m.member_id}")
    ]

    assert missing == []


def test_internal_links_resolve(soup: BeautifulSoup) -> None:
    """Every in-page link points at an element that exists."""
    targets = {a["href"][1:] for a in soup.select('a[href^="#"]')}

    assert "finding-vg-only-a1a1a1a1" in targets
    assert sorted(t for t in targets if not soup.find(id=t)) == []


def test_content_security_policy_forbids_the_network(soup: BeautifulSoup) -> None:
    """A CSP meta tag allows nothing by default and scripts only by hash."""
    meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})

    assert isinstance(meta, Tag)
    policy = str(meta["content"])
    assert policy.startswith("default-src 'none'")
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/]+=*'", policy)
    assert "unsafe-eval" not in policy


def test_no_external_references(soup: BeautifulSoup) -> None:
    """No src or href points at a network resource."""
    external = [
        (tag.name, attr, tag[attr])
        for tag in soup.find_all(True)
        for attr in ("src", "href")
        if tag.has_attr(attr) and re.match(r"\s*(https?:)?//", str(tag[attr]))
    ]

    assert external == []


def test_dates_say_utc(soup: BeautifulSoup) -> None:
    """The snapshot time is shown with UTC named."""
    assert "2026-11-30 09:15:00 UTC" in _text(soup.header)
    assert "all times are UTC" in _text(soup.header)


def test_foreign_virtual_groups_listed_apart(soup: BeautifulSoup) -> None:
    """Groups of another account have their own heading and table."""
    heading = soup.find(id="foreign-virtual-groups")

    assert isinstance(heading, Tag)
    table = heading.find_next("table")
    assert isinstance(table, Tag)
    assert "99999999999999999999999999999999" in _text(table)


def test_control_characters_are_dropped(soup: BeautifulSoup, html: bytes) -> None:
    """A control character in a name does not reach the page."""
    assert b"\x07" not in html
    assert "Bell Ringer" in _text(
        soup.find(id="member-f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6")
    )


def test_same_report_same_bytes(html: bytes) -> None:
    """Rendering the same analysis again gives identical bytes."""
    assert render_html(build_report(build_analysis())) == html
