"""The analysis of the demo organization finds exactly the declared facts.

The snapshot is laid out in memory from ``build_organization()`` the way the
collectors would write it, so these tests check the analyzer against the
scenario's intent (``reporter.demo.scenario.EXPECTED``) without HTTP.
"""

from __future__ import annotations

import pytest
from analyze_fixtures import entries_from_organization, snapshot_from_entries

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
from reporter.demo import build_organization
from reporter.demo.scenario import EXPECTED


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """The analysis of the demo organization."""
    org = build_organization()
    entries = entries_from_organization(org)
    return analyze(
        snapshot_from_entries(entries, account_id=org.cloudflare.account["id"])
    )


def subjects(analysis: Analysis, *check_ids: str) -> tuple[str, ...]:
    """Sorted subjects of the findings of ``check_ids``."""
    return tuple(
        sorted(f.subject for f in analysis.findings if f.check_id in check_ids)
    )


def test_every_member_is_analysed(analysis: Analysis) -> None:
    """One MemberAccess per demo member."""
    assert (analysis.account_id, len(analysis.members)) == (
        EXPECTED.account_id,
        EXPECTED.member_count,
    )


def test_members_at_risk_and_what_they_lose(analysis: Analysis) -> None:
    """Exactly the declared members are at risk, losing the declared groups."""
    assert {m.email: m.at_risk for m in analysis.members_at_risk} == (
        EXPECTED.members_at_risk
    )


def test_step_statuses(analysis: Analysis) -> None:
    """Each step has the declared status."""
    assert {s.number: s.status.value for s in analysis.steps} == EXPECTED.step_status


def test_verdict(analysis: Analysis) -> None:
    """The verdict is the declared one, with a blocker per member at risk."""
    assert analysis.verdict.go is EXPECTED.go
    assert len(analysis.verdict.blockers) == len(EXPECTED.members_at_risk)


def test_virtual_groups_with_members(analysis: Analysis) -> None:
    """Cloudflare virtual groups with members, and who is in each."""
    found = {
        g.display_name: tuple(sorted(g.members))
        for g in analysis.virtual_groups
        if g.side == "cloudflare" and g.members
    }

    assert found == EXPECTED.virtual_groups_with_members


def test_foreign_groups(analysis: Analysis) -> None:
    """The declared foreign groups, on whichever side, are the foreign ones."""
    foreign = tuple(
        sorted(g.display_name for g in analysis.virtual_groups if g.foreign)
    )

    assert foreign == EXPECTED.foreign_virtual_groups
    assert subjects(
        analysis, "okta-group-foreign-account", "virtual-group-foreign-account"
    ) == (EXPECTED.foreign_virtual_groups)


def test_unknown_role_groups(analysis: Analysis) -> None:
    """The declared unknown-role groups are the ones with no permission group."""
    unknown = subjects(
        analysis, "okta-group-unknown-role", "virtual-group-unknown-role"
    )

    assert unknown == EXPECTED.unknown_role_groups


def test_user_groups_without_policies(analysis: Analysis) -> None:
    """The declared policy-less user groups are flagged."""
    assert subjects(analysis, "user-group-without-policies") == (
        EXPECTED.user_groups_without_policies
    )


def test_suspended_and_deprovisioned_still_members(analysis: Analysis) -> None:
    """Inactive Okta users still in Cloudflare, split by Okta status."""
    inactive = set(
        subjects(
            analysis,
            "okta-inactive-user-still-member",
            "okta-inactive-admin-still-member",
        )
    )
    by_status = {
        status: tuple(
            sorted(
                m.email
                for m in analysis.members
                if m.email in inactive and m.idp_status == status
            )
        )
        for status in ("SUSPENDED", "DEPROVISIONED")
    }

    assert by_status == {
        "SUSPENDED": EXPECTED.suspended_still_member,
        "DEPROVISIONED": EXPECTED.deprovisioned_still_member,
    }
    assert len(inactive) == sum(map(len, by_status.values()))


def test_not_in_idp(analysis: Analysis) -> None:
    """Members unknown to Okta, pending invites included under their own id."""
    found = subjects(analysis, "member-not-in-okta", "pending-invite-not-in-okta")

    assert found == EXPECTED.not_in_idp


def test_case_mismatch(analysis: Analysis) -> None:
    """Emails Okta spells in another case are flagged."""
    assert subjects(analysis, "email-case-mismatch") == EXPECTED.case_mismatch_emails


def test_pending_invites(analysis: Analysis) -> None:
    """The declared pending invites are the pending members."""
    pending = tuple(sorted(m.email for m in analysis.members if m.status == "pending"))

    assert pending == EXPECTED.pending_invites


def test_errored_push_groups(analysis: Analysis) -> None:
    """v2 pushes in ERROR are flagged by source group name."""
    assert subjects(analysis, "okta-push-mapping-error") == EXPECTED.errored_push_groups


def test_hostile_member_keeps_its_raw_name(analysis: Analysis) -> None:
    """The hostile member is analysed with its markup intact (renderers escape)."""
    hostile = next(
        m for m in analysis.members if m.email == EXPECTED.hostile_member_email
    )

    assert "<script>" in hostile.name


def test_nothing_is_left_unassessed(analysis: Analysis) -> None:
    """Every entry is present, so every check ran."""
    assert analysis.not_assessed == ()
