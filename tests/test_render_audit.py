"""The audit-log evidence: narrowed to member, user group and SCIM changes, in
the HTML, the PDF and the workbook, and "not collected" without a window."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from analyze_fixtures import ACCOUNT_ID, failure, snapshot_from_entries
from bs4 import BeautifulSoup, Tag
from openpyxl import load_workbook
from pypdf import PdfReader
from render_fixtures import build_analysis

from reporter.demo import build_organization
from reporter.demo.generator import DEMO_AUDIT_SINCE, demo_audit_logs
from reporter.render.audit_log import (
    NOT_REQUESTED,
    AuditLogView,
    audit_log_view,
    integration_of,
)
from reporter.render.context import Report, build_report
from reporter.render.html import AUDIT_FIELDS, render_html
from reporter.render.pdf import Limits, render_pdf
from reporter.render.xlsx import render_xlsx
from reporter.snapshot import Snapshot, layout

FIXTURES = Path(__file__).parent / "fixtures" / "cloudflare"
FIXTURE = FIXTURES / "audit_logs_v2_migration_window.json"
WINDOW = "2026-07-01 to 2026-08-01"
# The fixture's five entries, oldest first, without the DNS change.
NARROWED = [
    "a0000000000000000000000000000001",
    "a0000000000000000000000000000002",
    "a0000000000000000000000000000003",
    "a0000000000000000000000000000005",
]


def audit_entries() -> list[dict[str, Any]]:
    """The Audit Logs v2 entries of the fixture page."""
    entries: list[dict[str, Any]] = json.loads(FIXTURE.read_text("utf-8"))["result"]
    return entries


def snapshot_with(entries: Any, *, failed: bool = False) -> Snapshot:
    """A snapshot whose audit window was collected (or refused, when ``failed``)."""
    refused = failure(
        layout.CF_AUDIT_LOGS,
        status=403,
        reason="Cloudflare refused the token (code 9109)",
        hint="add Account Settings Read",
    )
    snapshot = snapshot_from_entries(
        {} if failed else {layout.CF_AUDIT_LOGS: entries},
        account_id=ACCOUNT_ID,
        failed={layout.CF_AUDIT_LOGS: refused} if failed else None,
    )
    manifest = replace(snapshot.manifest, settings={"audit_window": WINDOW})
    return replace(snapshot, manifest=manifest)


@pytest.fixture(scope="module")
def view() -> AuditLogView:
    """The fixture window's audit-log view."""
    return audit_log_view(snapshot_with(audit_entries()))


@pytest.fixture(scope="module")
def report(view: AuditLogView) -> Report:
    """The hand-built report, with the fixture's audit log."""
    return build_report(build_analysis(), audit_log=view)


def test_only_member_group_and_scim_changes_are_kept(view: AuditLogView) -> None:
    """The DNS change is left out; the rest are listed oldest first."""

    assert [r.entry_id for r in view.rows] == NARROWED
    assert [r.subject for r in view.rows] == ["SCIM", "SCIM", "user group", "member"]
    assert view.total == 5


def test_times_are_utc(view: AuditLogView) -> None:
    """An entry logged at +02:00 is shown in UTC."""

    assert view.rows[-1].time_text == "2026-07-04 06:00:00 UTC"


def test_actor_is_the_email_else_the_token_name(view: AuditLogView) -> None:
    """A user shows by email, an account-owned token by its name and type."""

    assert [(r.actor, r.actor_type) for r in view.rows] == [
        ("scim-okta-v2", "account"),
        ("Okta SCIM v1", "account"),
        ("terraform", "account"),
        ("ana@example.com", "user"),
    ]


def test_token_name_tells_the_integration(view: AuditLogView) -> None:
    """v1 or v2 in the token name names the integration; other names tell nothing."""

    assert [r.integration for r in view.rows] == ["v2", "v1", "", ""]
    assert integration_of("scim-v1-to-v2") == ""
    assert integration_of("okta-scimv2") == ""


def test_result_and_resource_are_kept(view: AuditLogView) -> None:
    """The refused user group change keeps its result and resource id."""

    group = view.rows[2]

    assert group.result == "failure"
    assert group.resource == "iam user_group 3a44b8497d621e74ca9d85344d8017ce"


def test_without_a_window_the_log_is_not_collected() -> None:
    """A snapshot collected without --audit-since says so, listing nothing."""
    snapshot = snapshot_from_entries({}, account_id=ACCOUNT_ID)

    view = audit_log_view(snapshot)

    assert not view.collected
    assert view.note == NOT_REQUESTED == "not collected: pass --audit-since"


def test_a_refused_window_could_not_be_assessed() -> None:
    """A window Cloudflare refused names the reason and the fix, not zero rows."""

    view = audit_log_view(snapshot_with(None, failed=True))

    assert not view.collected
    assert view.note == (
        "could not assess: Cloudflare refused the token (code 9109); "
        "add Account Settings Read"
    )


def _html_rows(report: Report) -> tuple[BeautifulSoup, list[dict[str, Any]]]:
    soup = BeautifulSoup(render_html(report), "html.parser")
    block = soup.find("script", id="report-data")
    assert isinstance(block, Tag)
    raw = json.loads(block.get_text())
    strings = raw["strings"]
    rows = [dict(zip(AUDIT_FIELDS, row, strict=True)) for row in raw["audit"]]
    for row in rows:
        for name in ("actor type", "subject", "result", "integration"):
            row[name] = strings[row[name]]
    return soup, rows


def test_html_lists_the_entries_in_a_filterable_table(report: Report) -> None:
    """The HTML's audit table is a paged data table fed by the data block."""

    soup, rows = _html_rows(report)

    table = soup.find("table", id="audit-table")
    assert isinstance(table, Tag) and "data-table" in (table.get("class") or [])
    assert soup.find("select", attrs={"data-table": "audit-table"}) is not None
    assert [r["id"] for r in rows] == NARROWED
    assert rows[1]["integration"] == "v1"
    assert rows[3]["time"] == "2026-07-04 06:00:00 UTC"
    assert soup.find("a", href="#audit-log") is not None


def test_html_says_not_collected_without_a_window() -> None:
    """Without a window the section says so and has no table."""

    soup, rows = _html_rows(build_report(build_analysis()))

    section = soup.find("section", id="audit-log")
    assert isinstance(section, Tag)
    assert "not collected: pass --audit-since" in section.get_text()
    assert section.find("table") is None and rows == []


def _pdf_text(report: Report, limits: Limits | None = None) -> str:
    data = render_pdf(report, limits) if limits else render_pdf(report)
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def test_pdf_appendix_lists_the_entries(report: Report) -> None:
    """The evidence appendix prints each kept entry, not the DNS change."""

    text = _pdf_text(report)

    assert "Audit log (4)" in text
    assert "scim-okta-v2 (account)" in text and "Okta SCIM v1 (account)" in text
    assert "Update DNS Record" not in text


def test_pdf_caps_a_long_log_and_points_to_the_workbook(report: Report) -> None:
    """Beyond the limit the PDF prints the first entries and names the sheet."""

    text = _pdf_text(report, Limits(audit=2))

    assert "The first 2 of 4 entries are listed" in text
    assert "Audit log sheet lists every one" in text
    assert "ana@example.com (user)" not in text


def test_pdf_says_not_collected_without_a_window() -> None:
    """Without a window the appendix says so."""

    text = _pdf_text(build_report(build_analysis()))

    assert "Audit log (not collected) not collected: pass --audit-since" in text


def test_workbook_has_an_audit_log_sheet(report: Report) -> None:
    """Every kept entry is a row of the Audit log sheet, times as UTC dates."""

    book = load_workbook(io.BytesIO(render_xlsx(report)))

    rows = list(book["Audit log"].iter_rows(min_row=2, values_only=True))
    assert [r[8] for r in rows] == NARROWED
    assert [r[7] for r in rows] == ["v2", "v1", None, None]
    assert isinstance(rows[3][0], datetime)
    assert rows[3][0].isoformat() == "2026-07-04T06:00:00"


def test_workbook_says_not_collected_without_a_window() -> None:
    """Without a window there is no sheet; the Summary says why."""

    book = load_workbook(io.BytesIO(render_xlsx(build_report(build_analysis()))))

    facts = {k: v for k, v in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert "Audit log" not in book.sheetnames
    assert facts["Audit log"] == "not collected: pass --audit-since"


def test_a_long_actor_is_cut_in_the_pdf_but_whole_in_the_workbook(
    view: AuditLogView,
) -> None:
    """A 5,000-character token name prints cut at 200; the sheet keeps it all."""
    long_name = "scim-" + "x" * 5000
    rows = (replace(view.rows[0], actor=long_name), *view.rows[1:])
    report = build_report(build_analysis(), audit_log=replace(view, rows=rows))

    text = _pdf_text(report)
    book = load_workbook(io.BytesIO(render_xlsx(report)))

    assert "scim-" + "x" * 194 + "\u2026" in "".join(text.split())
    assert "x" * 195 not in "".join(text.split())
    assert book["Audit log"]["B2"].value == long_name


def test_the_demo_logs_changes_by_both_integrations() -> None:
    """The demo's audit entries keep six of seven, by the v1 and v2 tokens."""
    org = build_organization()

    view = audit_log_view(snapshot_with(demo_audit_logs(org)))

    assert (len(view.rows), view.total) == (6, 7)
    assert {r.integration for r in view.rows} == {"v1", "v2", ""}
    assert all(r.time_text >= DEMO_AUDIT_SINCE for r in view.rows)
