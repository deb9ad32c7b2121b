"""The access checks: direct grants, two-factor, Super Administrators, denies."""

from __future__ import annotations

from analyze_fixtures import (
    analyze_entries,
    cloudflare_entries,
    load_entries,
    member,
    one_zone,
    policy,
    scim_user,
    user_group,
    v1_group,
    v1_group_id,
)

from reporter.analyze.model import Analysis, Severity

SUPER = "Super Administrator - All Privileges"


def _subjects(analysis: Analysis, check_id: str) -> list[str]:
    return [f.subject for f in analysis.findings if f.check_id == check_id]


def _only_virtual_super_admin() -> Analysis:
    """One Super Administrator, through a virtual group alone."""
    owner = member("owner@example.com", roles=(SUPER,))
    return analyze_entries(
        cloudflare_entries(
            [owner],
            scim_users=[scim_user("owner@example.com", v1_group_id(SUPER))],
            scim_groups=[v1_group(SUPER)],
        )
    )


def test_every_catalog_id_is_emitted_by_a_fixture() -> None:
    """Mid-migration plus the virtual-only owner account emit every new check id."""
    new = {
        "direct-grant-bypasses-idp",
        "admin-without-two-factor",
        "super-admin-count",
        "super-admin-none-after-removal",
        "deny-shadows-group-grant",
    }
    analyses = (
        analyze_entries(load_entries("mid_migration")),
        _only_virtual_super_admin(),
    )

    emitted = {f.check_id for a in analyses for f in a.findings}

    assert new <= emitted


def test_direct_policy_and_independent_role_bypass_the_idp() -> None:
    """A direct policy and a role no virtual group explains are flagged."""
    analysis = analyze_entries(load_entries("mid_migration"))

    assert _subjects(analysis, "direct-grant-bypasses-idp") == [
        "carol@example.com",
        "frank@example.com",
        "harry@example.com",
    ]


def test_role_explained_by_a_virtual_group_does_not_bypass() -> None:
    """The role a v1 group wrote on the member is no direct grant."""
    assert _subjects(_only_virtual_super_admin(), "direct-grant-bypasses-idp") == []


def test_scim_default_role_does_not_bypass() -> None:
    """Minimal Account Access, which SCIM gives everyone, is not flagged."""
    plain = member("plain@example.com", roles=("Minimal Account Access",))

    analysis = analyze_entries(cloudflare_entries([plain]))

    assert _subjects(analysis, "direct-grant-bypasses-idp") == []


def test_admin_without_two_factor_is_high() -> None:
    """Carol administers the account with two-factor off: one high finding."""
    analysis = analyze_entries(load_entries("mid_migration"))

    found = [f for f in analysis.findings if f.check_id == "admin-without-two-factor"]

    assert [(f.subject, f.severity) for f in found] == [
        ("carol@example.com", Severity.HIGH)
    ]


def test_denied_admin_is_no_admin_for_two_factor() -> None:
    """An Administrator allow cancelled by a whole-account deny is not flagged."""
    denied = member(
        "denied@example.com",
        policies=(policy("Administrator"), policy("Administrator", access="deny")),
    )
    denied["user"]["two_factor_authentication_enabled"] = False

    analysis = analyze_entries(cloudflare_entries([denied]))

    assert _subjects(analysis, "admin-without-two-factor") == []


def test_super_admin_count_names_the_holders() -> None:
    """The count finding says how many hold the role and how many keep it."""
    analysis = analyze_entries(load_entries("mid_migration"))

    (found,) = [f for f in analysis.findings if f.check_id == "super-admin-count"]

    assert found.severity is Severity.INFO
    assert found.detail.startswith("2 accepted member(s)")
    assert "1 keep it" in found.detail


def test_no_super_admin_after_removal_is_critical() -> None:
    """An account whose only owner depends on a virtual group gets a critical."""
    analysis = _only_virtual_super_admin()

    found = [
        f for f in analysis.findings if f.check_id == "super-admin-none-after-removal"
    ]

    assert [f.severity for f in found] == [Severity.CRITICAL]


def test_independent_super_admin_satisfies_the_guard() -> None:
    """A Super Administrator by legacy role keeps the account managed."""
    analysis = analyze_entries(load_entries("mid_migration"))

    assert _subjects(analysis, "super-admin-none-after-removal") == []


def test_deny_shadowing_a_virtual_group_grant() -> None:
    """Erin's direct deny of Billing overrides her virtual group's Billing."""
    analysis = analyze_entries(load_entries("mid_migration"))

    (subject,) = _subjects(analysis, "deny-shadows-group-grant")

    assert subject.startswith("erin@example.com: Billing on whole account from CF-")


def test_zone_deny_does_not_shadow_a_whole_account_allow() -> None:
    """A deny on one zone leaves a whole-account group allow standing."""
    person = member(
        "zoned@example.com",
        policies=(policy("DNS", access="deny", resource_group=one_zone()),),
    )
    entries = cloudflare_entries(
        [person],
        user_groups=[user_group("DNS-Team", policy("DNS"))],
        user_group_members={"DNS-Team": ["zoned@example.com"]},
    )

    analysis = analyze_entries(entries)

    assert _subjects(analysis, "deny-shadows-group-grant") == []


def test_whole_account_deny_shadows_a_zone_group_grant() -> None:
    """A whole-account deny overrides a user group's allow on one zone."""
    person = member("zoned@example.com", policies=(policy("DNS", access="deny"),))
    entries = cloudflare_entries(
        [person],
        user_groups=[user_group("DNS-Zone", policy("DNS", resource_group=one_zone()))],
        user_group_members={"DNS-Zone": ["zoned@example.com"]},
    )

    analysis = analyze_entries(entries)

    assert len(_subjects(analysis, "deny-shadows-group-grant")) == 1
