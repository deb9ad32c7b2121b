"""Findings on the mid-migration snapshot, and checks that could not run."""

from __future__ import annotations

import hashlib

import pytest
from analyze_fixtures import (
    ACCOUNT_ID,
    analyze_entries,
    cloudflare_entries,
    failure,
    load_entries,
    member,
)

from reporter.analyze.model import Analysis, Finding, Severity
from reporter.errors import AnalyzeError
from reporter.snapshot import layout

OTHER = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """The analysis of tests/fixtures/snapshots/mid_migration."""
    return analyze_entries(load_entries("mid_migration"))


def subjects(analysis: Analysis, check_id: str) -> list[str]:
    """Subjects of the findings of ``check_id``, in report order."""
    return [f.subject for f in analysis.findings if f.check_id == check_id]


def only(analysis: Analysis, check_id: str) -> Finding:
    """The single finding of ``check_id``."""
    (found,) = [f for f in analysis.findings if f.check_id == check_id]
    return found


def test_members_at_risk_are_named_with_what_they_lose(analysis: Analysis) -> None:
    """Each member at risk is a high finding titled with the lost groups."""
    titles = [f.title for f in analysis.findings if f.check_id == "member-at-risk"]

    assert titles == [
        "bob@example.com would lose DNS",
        "dave@example.com would lose Administrator",
        "erin@example.com would lose Billing",
        "frank@example.com would lose Administrator Read Only, Firewall Wizard",
        "olivia@example.com would lose Super Administrator - All Privileges",
    ]
    assert {
        f.severity for f in analysis.findings if f.check_id == "member-at-risk"
    } == {Severity.HIGH}


def test_at_risk_finding_links_the_member(analysis: Analysis) -> None:
    """The finding's member_ids hold the member's id."""
    bob = next(m for m in analysis.members if m.email == "bob@example.com")
    finding = next(f for f in analysis.findings if f.subject == "bob@example.com")

    assert finding.member_ids == (bob.member_id,)


def test_remaining_virtual_groups_one_per_group(analysis: Analysis) -> None:
    """Every virtual group of this account with members is one finding."""
    assert subjects(analysis, "virtual-group-remaining") == [
        f"CF-{ACCOUNT_ID.upper()} - Super Administrator - All Privileges",
        f"CF-{ACCOUNT_ID} - Administrator",
        f"CF-{ACCOUNT_ID} - Billing",
        f"CF-{ACCOUNT_ID} - Firewall Wizard",
        f"CF-{ACCOUNT_ID}-DNS",
    ]


def test_okta_mappings_to_this_accounts_cf_groups(analysis: Analysis) -> None:
    """v1 push mappings to CF- groups of this account, foreign ones apart."""
    assert subjects(analysis, "okta-mapping-targets-virtual-group") == [
        f"CF-{ACCOUNT_ID} - Administrator (mapping gPm1EXAMPLE000000001)",
        f"CF-{ACCOUNT_ID} - Firewall Wizard (mapping gPm1EXAMPLE000000004)",
        f"CF-{ACCOUNT_ID}-DNS (mapping gPm1EXAMPLE000000002)",
    ]


def test_foreign_groups_on_both_sides(analysis: Analysis) -> None:
    """Groups naming another account are findings on each side."""
    assert subjects(analysis, "virtual-group-foreign-account") == [
        f"CF-{OTHER} - Administrator Read Only"
    ]
    assert subjects(analysis, "okta-group-foreign-account") == [
        f"CF-{OTHER} - Administrator"
    ]


def test_unknown_roles_on_both_sides(analysis: Analysis) -> None:
    """A role matching no permission group is a finding on each side."""
    expected = [f"CF-{ACCOUNT_ID} - Firewall Wizard"]

    assert subjects(analysis, "virtual-group-unknown-role") == expected
    assert subjects(analysis, "okta-group-unknown-role") == expected


def test_user_group_findings(analysis: Analysis) -> None:
    """No-policy and hand-managed user groups are flagged."""
    assert subjects(analysis, "user-group-without-policies") == ["Cloudflare-Billing"]
    assert subjects(analysis, "user-group-not-scim-managed") == ["Contractors"]


def test_unmapped_legacy_role(analysis: Analysis) -> None:
    """A legacy role with no permission group is flagged with its holders."""
    finding = only(analysis, "legacy-role-unmapped")

    assert (finding.subject, finding.member_ids) == (
        "Log Wizard",
        ("f4a40000000000000000000000000f4a",),
    )


def test_errored_v2_push_carries_the_error_summary(analysis: Analysis) -> None:
    """A v2 mapping in ERROR is high and quotes Okta's errorSummary."""
    finding = only(analysis, "okta-push-mapping-error")

    assert (finding.subject, finding.severity) == (
        "CF Network Engineers",
        Severity.HIGH,
    )
    assert "group names starting with CF are reserved" in finding.detail


def test_inactive_okta_users_severity_follows_admin_access(analysis: Analysis) -> None:
    """Suspended non-admin is medium; deprovisioned administrator is high."""
    assert subjects(analysis, "okta-inactive-user-still-member") == ["bob@example.com"]
    admin = only(analysis, "okta-inactive-admin-still-member")
    assert (admin.subject, admin.severity) == ("dave@example.com", Severity.HIGH)
    assert "DEPROVISIONED" in admin.detail


def test_members_unknown_to_okta_pending_apart(analysis: Analysis) -> None:
    """Unknown members and unknown pending invites are separate findings."""
    assert subjects(analysis, "member-not-in-okta") == ["harry@example.com"]
    assert subjects(analysis, "pending-invite-not-in-okta") == ["gina@partner.example"]


def test_member_known_to_okta_but_on_neither_app(analysis: Analysis) -> None:
    """An Okta user assigned to neither Cloudflare app is flagged."""
    assert subjects(analysis, "member-not-assigned-in-okta") == ["frank@example.com"]


def test_case_only_email_difference(analysis: Analysis) -> None:
    """An email matching only after case folding is flagged, both forms shown."""
    finding = only(analysis, "email-case-mismatch")

    assert finding.subject == "carol@example.com"
    assert "'Carol@Example.com'" in finding.detail


def test_pending_admin_invite(analysis: Analysis) -> None:
    """A pending invite holding Administrator is flagged."""
    assert subjects(analysis, "pending-invite-admin") == ["gina@partner.example"]


def test_v2_group_with_cf_prefix(analysis: Analysis) -> None:
    """A v2 app group named CF… never syncs and is flagged."""
    assert subjects(analysis, "okta-v2-group-prefixed-cf") == ["CF Network Engineers"]


def test_idp_status_comes_from_okta_by_email_key(analysis: Analysis) -> None:
    """idp_status is the Okta status, None for members Okta does not know."""
    status = {m.email: m.idp_status for m in analysis.members}

    assert status["carol@example.com"] == "ACTIVE"  # Okta: Carol@Example.com
    assert status["dave@example.com"] == "DEPROVISIONED"
    assert status["harry@example.com"] is None


def test_finding_id_is_the_documented_hash(analysis: Analysis) -> None:
    """finding_id = sha256("check|account|subject")[:16]."""
    finding = only(analysis, "legacy-role-unmapped")
    raw = f"legacy-role-unmapped|{ACCOUNT_ID}|Log Wizard".encode()

    assert finding.finding_id == hashlib.sha256(raw).hexdigest()[:16]


def test_findings_are_ordered_by_severity_check_and_subject(analysis: Analysis) -> None:
    """Findings come most urgent first, then by check id, then subject."""
    order = list(Severity)
    keys = [(order.index(f.severity), f.check_id, f.subject) for f in analysis.findings]

    assert keys == sorted(keys)


def test_everything_was_assessed(analysis: Analysis) -> None:
    """With every entry present, no check is left unassessed."""
    assert analysis.not_assessed == ()


# -- could not assess ----------------------------------------------------------


def without(*entries: str) -> Analysis:
    """The mid-migration analysis with ``entries`` never collected."""
    data = load_entries("mid_migration")
    for entry in entries:
        del data[entry]
    return analyze_entries(data)


def test_failed_scim_users_make_at_risk_not_assessed() -> None:
    """A SCIM 403 becomes NotAssessed with the manifest's reason and hint."""
    record = failure(
        layout.CF_SCIM_USERS,
        status=403,
        reason="GET /scim/v2/Users answered 403 Forbidden",
        hint="the token needs the SCIM Provisioning permission",
    )

    analysis = analyze_entries(
        {
            k: v
            for k, v in load_entries("mid_migration").items()
            if k != layout.CF_SCIM_USERS
        },
        failed={layout.CF_SCIM_USERS: record},
    )

    at_risk = next(n for n in analysis.not_assessed if n.check_id == "member-at-risk")
    assert (at_risk.reason, at_risk.hint) == (record.reason, record.hint)
    assert analysis.members_at_risk == ()
    assert "member-at-risk" not in {f.check_id for f in analysis.findings}
    assert analysis.verdict.go is False


def test_no_okta_makes_every_okta_check_not_assessed() -> None:
    """Without Okta, each Okta check says so; Cloudflare checks still run."""
    data = load_entries("mid_migration")
    cloudflare_only = {k: v for k, v in data.items() if k.startswith("cloudflare/")}

    analysis = analyze_entries(cloudflare_only)

    assert {n.check_id for n in analysis.not_assessed} == {
        "email-case-mismatch",
        "member-not-assigned-in-okta",
        "member-not-in-okta",
        "okta-group-foreign-account",
        "okta-group-unknown-role",
        "okta-inactive-user-still-member",
        "okta-mapping-targets-virtual-group",
        "okta-push-mapping-error",
        "okta-v2-group-prefixed-cf",
        "idp-ambiguous-match",
        "idp-assigned-v1-only",
        "idp-group-membership-differs",
        "idp-guest-probable-match",
        "idp-nested-only-user",
        "idp-username-not-mail",
        "idp-virtual-group-assigned",
    }
    assert all("okta was not queried" in n.reason for n in analysis.not_assessed)
    assert len(subjects(analysis, "member-at-risk")) == 5
    assert all(m.idp_status is None for m in analysis.members)


def test_missing_permission_groups_do_not_report_every_role_unmapped() -> None:
    """Without permission groups, unmapped roles are not assessed, not listed."""
    analysis = without(layout.CF_PERMISSION_GROUPS)

    assert analysis.unmapped_roles == ()
    assert "legacy-role-unmapped" in {n.check_id for n in analysis.not_assessed}
    assert subjects(analysis, "legacy-role-unmapped") == []


def test_entry_of_the_wrong_shape_is_an_error_naming_it() -> None:
    """A members entry that is not a list raises AnalyzeError naming the entry."""
    entries = cloudflare_entries([member("alice@example.com")])
    entries[layout.CF_MEMBERS] = {"result": []}

    with pytest.raises(
        AnalyzeError, match=r"cloudflare/members\.json holds a JSON dict"
    ):
        analyze_entries(entries)
