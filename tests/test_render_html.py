"""The HTML report, parsed: what it says and what it can never do."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from render_fixtures import (
    DISPLAYED_HOSTILE_NAMES,
    EVIDENCE,
    FINDINGS,
    HOSTILE_NAME,
    MEMBERS,
    MEMBERS_AT_RISK,
    build_analysis,
    build_hostile_analysis,
    build_large_analysis,
)

from reporter.analyze.model import IdpAssignment
from reporter.render.context import build_report
from reporter.render.html import (
    BLOCKER_LIMIT,
    FINDING_FIELDS,
    IDP_FIELDS,
    MEMBER_FIELDS,
    render_html,
)


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


def _data(soup: BeautifulSoup) -> Any:
    """The data block, rows decoded into dicts by the documented column orders."""
    block = soup.find("script", id="report-data")
    assert isinstance(block, Tag)
    raw = json.loads(block.get_text())
    strings = raw["strings"]
    members = [dict(zip(MEMBER_FIELDS, row, strict=True)) for row in raw["members"]]
    findings = [dict(zip(FINDING_FIELDS, r, strict=True)) for r in raw["findings"]]
    # Rows refer to members and findings by row number, as report.js reads them.
    for member in members:
        member["lose"] = [strings[i] for i in member["lose"]]
        member["findings"] = [findings[i]["id"] for i in member["findings"]]
    for finding in findings:
        finding["title"] = strings[finding["title"]]
        parts = finding["detail"]
        finding["detail"] = (
            strings[parts]
            if isinstance(parts, int)
            else finding["subject"].join(strings[i] for i in parts)
        )
        finding["members"] = [members[i]["id"] for i in finding["members"]]
    return {"members": members, "findings": findings, "strings": strings}


@pytest.fixture(scope="module")
def data(soup: BeautifulSoup) -> Any:
    """The JSON rows the report's script renders."""
    return _data(soup)


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


def test_members_at_risk_with_what_they_would_lose(data: Any) -> None:
    """The data names each member at risk with the permission groups they would lose."""
    listed = [(m["email"], m["lose"]) for m in data["members"] if m["lose"]]

    assert listed == [(m.email, list(m.at_risk)) for m in MEMBERS_AT_RISK]


def test_not_assessed_is_shown_prominently(soup: BeautifulSoup) -> None:
    """The could-not-assess section is a warning that names the check and fix."""
    section = soup.find(id="not-assessed")

    assert isinstance(section, Tag)
    assert "warning" in (section.get("class") or [])
    assert "Okta group push mappings" in _text(section)
    assert "okta.apps.read" in _text(section)


def test_hostile_name_is_data_not_markup(html: bytes, data: Any) -> None:
    """The hostile member name reaches the page only as a JSON string."""
    names = [m["name"] for m in data["members"]]

    assert HOSTILE_NAME in names
    assert b"<script>alert(1)" not in html


def test_one_script_and_one_data_block(soup: BeautifulSoup) -> None:
    """The page runs one script, ours; the other is an inert JSON data block."""
    scripts = soup.find_all("script")

    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert "addEventListener" in scripts[1].get_text()
    assert "alert(1)" not in scripts[1].get_text()


def test_no_inline_event_handlers(soup: BeautifulSoup) -> None:
    """No element carries an on* attribute a hostile value could have injected."""
    handlers = [
        (tag.name, name)
        for tag in soup.find_all(True)
        for name in tag.attrs
        if name.lower().startswith("on")
    ]

    assert handlers == []


def test_every_finding_is_in_the_data(data: Any) -> None:
    """Each finding has a row the script can render as #finding-<id>."""
    assert [f["id"] for f in data["findings"]] == [f.finding_id for f in FINDINGS]


def test_finding_text_comes_back_from_the_string_table(soup: BeautifulSoup) -> None:
    """Titles and details, stored as string numbers, decode to the findings' text.

    A detail that names its subject is stored as the parts around it.
    """
    data = _data(soup)
    block = soup.find("script", id="report-data")
    assert isinstance(block, Tag)
    raw_details = [r[5] for r in json.loads(block.get_text())["findings"]]

    assert [(f["title"], f["detail"]) for f in data["findings"]] == [
        (f.title, f.detail) for f in FINDINGS
    ]
    assert any(isinstance(d, list) for d in raw_details)
    assert any(isinstance(d, int) for d in raw_details)


def test_every_member_is_in_the_data(data: Any) -> None:
    """Each member has a row the script can render as #member-<id>."""
    assert [m["id"] for m in data["members"]] == [m.member_id for m in MEMBERS]


def test_static_links_resolve(soup: BeautifulSoup) -> None:
    """Every in-page link in the markup points at an element that exists."""
    targets = {a["href"][1:] for a in soup.select('a[href^="#"]')}

    assert "evidence" in targets
    assert sorted(t for t in targets if not soup.find(id=t)) == []


def test_links_in_the_data_resolve(data: Any) -> None:
    """Every member a finding links to is a member of the data."""
    members = {m["id"] for m in data["members"]}
    linked = {member for f in data["findings"] for member in f["members"]}

    assert linked
    assert linked - members == set()


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


def test_control_characters_are_dropped(data: Any, html: bytes) -> None:
    """A control character in a name reaches neither the markup nor the data."""
    names = [m["name"] for m in data["members"]]

    assert b"\x07" not in html
    assert "Bell Ringer" in names


def test_same_report_same_bytes(html: bytes) -> None:
    """Rendering the same analysis again gives identical bytes."""
    assert render_html(build_report(build_analysis())) == html


def test_hostile_names_cannot_close_the_data_block() -> None:
    """Markup in names is escaped inside the JSON block, which parses back intact."""
    html = render_html(build_report(build_hostile_analysis()))
    soup = BeautifulSoup(html, "html.parser")
    raw = html.split(b'id="report-data">', 1)[1].split(b"</script>", 1)[0]

    assert b"<" not in raw and b">" not in raw
    names = [m["name"] for m in _data(soup)["members"]][len(MEMBERS) :]
    assert names == list(DISPLAYED_HOSTILE_NAMES)
    assert len(soup.find_all("script")) == 2


def test_rows_are_not_built_up_front() -> None:
    """A report with 2,000 more members has exactly as many table rows in markup."""
    small = render_html(build_report(build_analysis()))
    large = render_html(build_report(build_large_analysis(2000)))

    assert large.count(b"<tr") == small.count(b"<tr")
    assert large.count(b"user2000@example.com") == 1


def test_charts_are_inline_svg(soup: BeautifulSoup) -> None:
    """Step progress, severities and sources are SVG figures with a text title."""
    titles = [_text(svg.find("title")) for svg in soup.select("figure.chart svg")]

    assert titles == [
        "Step progress: 1 of 6 done",
        "Findings by severity: critical 2, high 1, medium 1, low 1, info 1",
        "Grants by source of access: legacy role 1, direct policy 2, user group 2, "
        "virtual group 2",
    ]


def test_chart_bars_scale_to_the_largest_value(soup: BeautifulSoup) -> None:
    """The largest bar is 240 units long and the others in proportion."""
    bars = soup.select("#chart-severities rect")

    assert [float(str(b["width"])) for b in bars] == [240.0, 120.0, 120.0, 120.0, 120.0]


def test_blockers_beyond_the_limit_are_counted() -> None:
    """Past the limit, the summary lists that many blockers and counts the rest."""
    many = tuple(f"user{n}@example.com would lose DNS." for n in range(30))
    analysis = build_analysis()
    analysis = replace(analysis, verdict=replace(analysis.verdict, blockers=many))

    soup = BeautifulSoup(render_html(build_report(analysis)), "html.parser")

    assert len(soup.select("ul.blockers li")) == BLOCKER_LIMIT
    assert f"and {30 - BLOCKER_LIMIT} more" in _text(soup.find(id="verdict"))


def test_evidence_lists_entries_with_hash_or_failure(soup: BeautifulSoup) -> None:
    """The evidence table gives each entry its SHA-256, or the failure and its fix."""
    rows = [_text(tr) for tr in soup.select("table.entries tbody tr")]

    assert rows == [
        f"cloudflare/members.json ok 1 6 {'aa11' * 16}",
        "okta/push_mappings.json failed 0 0 HTTP 403 E0000006: "
        f"{EVIDENCE.endpoints[1].reason} Fix: {EVIDENCE.endpoints[1].hint}",
    ]


def test_print_stylesheet_hides_the_controls(soup: BeautifulSoup) -> None:
    """The inline style has a print section that hides search and pager."""
    style = _text(soup.find("style"))
    printed = style.split("@media print", 1)[1]

    assert ".controls" in printed and ".pager" in printed


def test_repeated_strings_are_stored_once(data: Any) -> None:
    """A virtual group's name, held by two members, is in the string table once."""
    admin_vg = [s for s in data["strings"] if s.endswith(" - Administrator")]

    assert len(admin_vg) == 1
    assert len(data["strings"]) == len(set(data["strings"]))


def test_idp_assignments_name_the_idp_apps_and_group() -> None:
    """Each assignment row says its IdP, the person's apps and the via group."""
    entra = IdpAssignment(
        idp="entra",
        app="v2",
        app_label="Cloudflare Dashboard",
        login="ana@example.com",
        scope="GROUP",
        assignment_status="",
        user_status="accountEnabled=true",
        member_id=None,
        coverage="both",
        group="Cloudflare-Admins",
    )
    analysis = replace(build_analysis(), idp_assignments=(entra,))
    page = BeautifulSoup(render_html(build_report(analysis)), "html.parser")
    block = page.find("script", id="report-data")
    assert isinstance(block, Tag)
    raw = json.loads(block.get_text())
    strings = raw["strings"]

    (row,) = [dict(zip(IDP_FIELDS, r, strict=True)) for r in raw["idp"]]
    header = _text(page.find("table", id="idp-table"))

    assert (strings[row["idp"]], strings[row["apps"]], strings[row["group"]]) == (
        "Entra ID",
        "both",
        "Cloudflare-Admins",
    )
    assert row["login"] == "ana@example.com"
    assert header.startswith("IdP App Login Assigned Via group Apps ")
