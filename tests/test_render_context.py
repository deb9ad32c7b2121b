"""The report model every renderer reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from render_fixtures import (
    ANA,
    COLLECTED_AT,
    DAVID,
    FOREIGN_VG,
    HOSTILE,
    SNAPSHOT_SHA256,
    build_analysis,
)

from reporter.errors import RenderError
from reporter.render.context import Report, build_report


@pytest.fixture(scope="module")
def report() -> Report:
    """The report model of the hand-built analysis."""
    return build_report(build_analysis())


def test_snapshot_time_comes_from_the_analysis(report: Report) -> None:
    """The report's time is the snapshot's, in UTC, never the wall clock."""
    assert report.snapshot_time == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert report.snapshot_time_text == "2026-11-30 09:15:00 UTC"


def test_offset_time_is_shown_in_utc() -> None:
    """A snapshot time with another offset is converted to UTC."""
    analysis = replace(build_analysis(), collected_at="2026-11-30T11:15:00+02:00")

    report = build_report(analysis)

    assert report.snapshot_time_text == "2026-11-30 09:15:00 UTC"


def test_bad_snapshot_time_names_the_value() -> None:
    """A snapshot time that is not ISO 8601 is a RenderError naming it."""
    analysis = replace(build_analysis(), collected_at="last Tuesday")

    with pytest.raises(RenderError, match="'last Tuesday'") as caught:
        build_report(analysis)

    assert caught.value.hint is not None and "manifest.json" in caught.value.hint


def test_cover_facts_are_copied(report: Report) -> None:
    """Account, SHA-256 and title carry the analysis's values."""
    assert report.snapshot_sha256 == SNAPSHOT_SHA256
    assert report.account_name == "Exämple Corp"
    assert report.title.endswith(": Exämple Corp")
    assert COLLECTED_AT.startswith(report.snapshot_time.date().isoformat())


def test_findings_are_grouped_by_severity_with_counts(report: Report) -> None:
    """Every severity has a group, most urgent first, counting its findings."""
    counts = [(g.severity, g.count) for g in report.finding_groups]

    assert counts == [
        ("critical", 2),
        ("high", 1),
        ("medium", 1),
        ("low", 1),
        ("info", 1),
    ]
    assert report.finding_count == 6


def test_members_at_risk_carry_what_they_would_lose(report: Report) -> None:
    """Only members with virtual-group-only access are at risk, with their losses."""
    at_risk = [(m.email, m.would_lose) for m in report.members_at_risk]

    assert at_risk == [(ANA.email, ("Administrator",)), (DAVID.email, ("Billing",))]


def test_foreign_virtual_groups_are_apart(report: Report) -> None:
    """A group naming another account is listed apart from this account's."""
    assert [g.display_name for g in report.foreign_virtual_groups] == [FOREIGN_VG]
    assert FOREIGN_VG not in [g.display_name for g in report.virtual_groups]
    assert len(report.virtual_groups) == 2


def test_members_link_to_their_findings(report: Report) -> None:
    """A member lists the findings that name them, by anchor."""
    david = next(m for m in report.members if m.member_id == DAVID.member_id)

    assert [f.anchor for f in david.findings] == [
        "finding-vg-only-d4d4d4d4",
        "finding-unmapped-role-legacy-auditor",
    ]


def test_findings_link_to_members_by_email(report: Report) -> None:
    """A finding's member links carry the member's anchor and email."""
    info = report.finding_groups[-1].findings[0]

    assert [(m.anchor, m.label) for m in info.members] == [
        (f"member-{HOSTILE.member_id}", HOSTILE.email)
    ]


def test_not_assessed_checks_are_kept(report: Report) -> None:
    """Checks that could not run reach the report with reason and hint."""
    assert [n.check_id for n in report.not_assessed] == ["okta-push-mappings"]
    assert "okta.apps.read" in report.not_assessed[0].hint


def test_step_status_becomes_a_css_class(report: Report) -> None:
    """Each step's status is also given as a CSS-safe class name."""
    assert [s.status_class for s in report.steps] == [
        "done",
        "in-progress",
        "could-not-assess",
        "in-progress",
        "in-progress",
        "not-started",
    ]


def test_findings_are_grouped_by_check(report: Report) -> None:
    """Each check gathers its findings and the members they concern, once each."""
    checks = [
        (c.check_id, len(c.findings), len(c.members)) for c in report.finding_checks
    ]

    assert checks == [
        ("virtual-group-only-access", 2, 2),
        ("foreign-virtual-group", 1, 0),
        ("unmapped-legacy-role", 1, 1),
        ("user-group-without-policy", 1, 0),
        ("hostile-subject", 1, 1),
    ]


def test_a_catalogued_check_takes_its_title_and_fix_from_the_catalog() -> None:
    """A check in the findings catalog is titled and explained by the catalog."""
    analysis = build_analysis()
    finding = replace(analysis.findings[0], check_id="member-at-risk", title="x")

    (check,) = build_report(replace(analysis, findings=(finding,))).finding_checks

    assert check.title == "Member would lose access when the virtual groups are removed"
    assert check.remediation is not None and "user group" in check.remediation


def test_evidence_pairs_each_entry_with_its_hash(report: Report) -> None:
    """An entry collected has its SHA-256; a failed one has none and is listed."""
    assert report.evidence is not None
    hashes = [(e.entry, e.sha256) for e in report.evidence.endpoints]

    assert hashes == [
        ("cloudflare/members.json", "aa11" * 16),
        ("okta/push_mappings.json", None),
    ]
    assert [e.entry for e in report.evidence.failed] == ["okta/push_mappings.json"]
    assert [r.status for r in report.evidence.failed_requests] == [403]
