"""Effective grants from the four sources (ARCHITECTURE.md, permission model)."""

from __future__ import annotations

import logging

import pytest
from analyze_fixtures import (
    ACCOUNT_SCOPE_KEY,
    ZONE_ID,
    analyze_entries,
    cloudflare_entries,
    member,
    one_zone,
    permission_group,
    pg_id,
    policy,
    scim_user,
    user_group,
    user_id,
    v1_group,
    v1_group_id,
)

from reporter.analyze.model import Access, Grant, MemberAccess, Scope, Source
from reporter.snapshot import layout

ALICE = "alice@example.com"
WHOLE = Scope(ACCOUNT_SCOPE_KEY, ("*",), "account", "whole account")


def only_member(entries: dict[str, object]) -> MemberAccess:
    """The single member of a one-member snapshot."""
    (found,) = analyze_entries(entries).members
    return found


def summary(grant: Grant) -> tuple[str, str, str, str, str]:
    """The parts of a grant a test states."""
    return (
        grant.permission_group,
        grant.scope.kind,
        grant.access.value,
        grant.source.value,
        grant.source_name,
    )


def test_direct_policy_grants_its_permission_group_on_its_scope() -> None:
    """A member policy yields one grant with the policy id as source name."""
    granted = policy("DNS")
    entries = cloudflare_entries([member(ALICE, policies=(granted,))])

    (grant,) = only_member(entries).grants

    assert summary(grant) == ("DNS", "account", "allow", "direct policy", granted["id"])
    assert grant.scope == WHOLE
    assert grant.permission_group_id == pg_id("DNS")


def test_policy_grants_every_permission_group_times_resource_group() -> None:
    """Two permission groups on two resource groups make four grants."""
    both = policy("DNS")
    both["permission_groups"].append(permission_group("Billing"))
    both["resource_groups"].append(one_zone())
    entries = cloudflare_entries([member(ALICE, policies=(both,))])

    grants = only_member(entries).grants

    assert [(g.permission_group, g.scope.kind) for g in grants] == [
        ("Billing", "account"),
        ("Billing", "zone"),
        ("DNS", "account"),
        ("DNS", "zone"),
    ]


def test_zone_scope_is_labelled_with_the_zone() -> None:
    """A zone resource group becomes a zone scope with its object key."""
    entries = cloudflare_entries(
        [member(ALICE, policies=(policy("DNS", resource_group=one_zone()),))]
    )

    (grant,) = only_member(entries).grants

    assert grant.scope == Scope(
        ACCOUNT_SCOPE_KEY,
        (f"com.cloudflare.api.account.zone.{ZONE_ID}",),
        "zone",
        f"zone {ZONE_ID[:8]}…",
    )


def test_resource_group_named_by_id_only_is_looked_up() -> None:
    """A policy's resource group without a scope takes it from the RG list."""
    by_id = policy("DNS", resource_group={"id": one_zone()["id"]})
    entries = cloudflare_entries([member(ALICE, policies=(by_id,))])

    (grant,) = only_member(entries).grants

    assert grant.scope.kind == "zone"


def test_unknown_resource_group_is_an_unreadable_scope(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A resource group id nobody lists yields an "other" scope and a warning."""
    unknown = policy("DNS", resource_group={"id": "feedfacefeedfacefeedfacefeedface"})
    entries = cloudflare_entries([member(ALICE, policies=(unknown,))])

    with caplog.at_level(logging.WARNING):
        (grant,) = only_member(entries).grants

    assert (grant.scope.kind, grant.scope.label) == ("other", "unreadable scope")
    assert "feedfacefeedfacefeedfacefeedface" in caplog.text


def test_deny_policy_is_kept_as_a_deny_grant() -> None:
    """Deny policies are reported as their own lines, with access deny."""
    entries = cloudflare_entries(
        [member(ALICE, policies=(policy("Billing", access="deny"),))]
    )

    (grant,) = only_member(entries).grants

    assert grant.access is Access.DENY


def test_unknown_access_is_unknown_and_warned(caplog: pytest.LogCaptureFixture) -> None:
    """An access other than allow/deny is UNKNOWN, with a warning naming it."""
    odd = policy("DNS", access="audit")
    entries = cloudflare_entries([member(ALICE, policies=(odd,))])

    with caplog.at_level(logging.WARNING):
        (grant,) = only_member(entries).grants

    assert grant.access is Access.UNKNOWN
    assert "'audit'" in caplog.text


def test_user_group_policy_reaches_its_members() -> None:
    """A user group's policy is a grant of each listed member."""
    entries = cloudflare_entries(
        [member(ALICE)],
        user_groups=[user_group("Cloudflare-Admins", policy("Administrator"))],
        user_group_members={"Cloudflare-Admins": [ALICE]},
    )

    found = only_member(entries)

    assert [summary(g) for g in found.grants] == [
        ("Administrator", "account", "allow", "user group", "Cloudflare-Admins")
    ]
    assert found.user_groups == ("Cloudflare-Admins",)


def test_user_group_policy_skips_non_members() -> None:
    """A user group grants nothing to a member it does not list."""
    entries = cloudflare_entries(
        [member(ALICE)],
        user_groups=[user_group("Cloudflare-Admins", policy("Administrator"))],
    )

    assert only_member(entries).grants == ()


def test_virtual_group_grants_its_permission_group_on_the_whole_account() -> None:
    """A SCIM user in ``cloudflare-v1-<pg>`` holds that group account-wide."""
    group = v1_group("DNS")
    entries = cloudflare_entries(
        [member(ALICE)],
        scim_users=[scim_user(ALICE, v1_group_id("DNS"))],
        scim_groups=[group],
    )

    found = only_member(entries)

    assert [summary(g) for g in found.grants] == [
        ("DNS", "account", "allow", "virtual group", group["displayName"])
    ]
    assert found.grants[0].source_id == v1_group_id("DNS")
    assert found.virtual_groups == (group["displayName"],)


def test_scim_user_joins_by_email_when_ids_differ() -> None:
    """Without a matching ``user.id`` the SCIM user is joined by email key."""
    user = scim_user("ALICE@example.com\u00a0", v1_group_id("DNS"))
    user["id"] = "5c1a5c1a5c1a5c1a5c1a5c1a5c1a5c1a"
    entries = cloudflare_entries(
        [member(ALICE)], scim_users=[user], scim_groups=[v1_group("DNS")]
    )

    assert [g.source for g in only_member(entries).grants] == [Source.VIRTUAL_GROUP]


def test_custom_scim_group_is_not_a_virtual_grant() -> None:
    """Only ``cloudflare-v1-`` groups grant by SCIM membership."""
    entries = cloudflare_entries(
        [member(ALICE)],
        scim_users=[scim_user(ALICE, "3a44b8497d621e74ca9d85344d8017ce")],
    )

    assert only_member(entries).grants == ()


def test_legacy_role_maps_by_name_case_insensitively() -> None:
    """Role "administrator" is the Administrator permission group account-wide."""
    entries = cloudflare_entries([member(ALICE, roles=("administrator",))])

    (grant,) = only_member(entries).grants

    assert summary(grant) == (
        "Administrator",
        "account",
        "allow",
        "legacy role",
        "administrator",
    )
    assert (grant.permission_group_id, grant.scope) == (pg_id("Administrator"), WHOLE)


def test_legacy_role_maps_by_label_when_names_differ() -> None:
    """A role named after a permission group's label maps to that group."""
    entries = cloudflare_entries([member(ALICE, roles=("Super Admin",))])

    (grant,) = only_member(entries).grants

    assert grant.permission_group == "Super Administrator - All Privileges"


def test_unmapped_legacy_role_keeps_no_permission_group_id() -> None:
    """A role matching no name or label is a grant with permission_group_id None."""
    entries = cloudflare_entries([member(ALICE, roles=("Log Wizard",))])

    (grant,) = only_member(entries).grants

    assert (grant.permission_group_id, grant.permission_group) == (None, "Log Wizard")
    assert analyze_entries(entries).unmapped_roles == ("Log Wizard",)


def test_legacy_role_of_a_virtual_group_is_attributed_to_it() -> None:
    """A role matching the member's virtual group is that group's grant only."""
    entries = cloudflare_entries(
        [member(ALICE, roles=("DNS",))],
        scim_users=[scim_user(ALICE, v1_group_id("DNS"))],
        scim_groups=[v1_group("DNS")],
    )

    grants = only_member(entries).grants

    assert [g.source for g in grants] == [Source.VIRTUAL_GROUP]


def test_independent_legacy_role_stays_a_legacy_grant() -> None:
    """A role the virtual groups do not grant stays a legacy-role grant."""
    entries = cloudflare_entries(
        [member(ALICE, roles=("Billing",))],
        scim_users=[scim_user(ALICE, v1_group_id("DNS"))],
        scim_groups=[v1_group("DNS")],
    )

    grants = only_member(entries).grants

    assert [(g.permission_group, g.source) for g in grants] == [
        ("Billing", Source.LEGACY_ROLE),
        ("DNS", Source.VIRTUAL_GROUP),
    ]


def test_identical_grants_from_two_policies_are_listed_once() -> None:
    """The same policy listed twice yields one grant."""
    same = policy("DNS")
    entries = cloudflare_entries([member(ALICE, policies=(same, same))])

    assert len(only_member(entries).grants) == 1


def test_member_name_falls_back_to_the_scim_name() -> None:
    """Without first/last names on the user, the SCIM name is used."""
    user = scim_user(ALICE)
    user["name"] = {"givenName": "Alice", "familyName": "Smith"}
    entries = cloudflare_entries([member(ALICE)], scim_users=[user])

    assert only_member(entries).name == "Alice Smith"


def test_member_name_prefers_the_cloudflare_user() -> None:
    """first_name + last_name of ``member.user`` is the member's name."""
    entries = cloudflare_entries([member(ALICE, first="Alice", last="Lidell")])

    assert only_member(entries).name == "Alice Lidell"


def test_pending_invite_without_user_has_empty_name_and_no_2fa() -> None:
    """A pending invite with no ``user`` has name "" and two_factor None."""
    invite = member("new@example.com", status="pending")
    del invite["user"]
    entries = cloudflare_entries([invite])

    found = only_member(entries)

    assert (found.name, found.two_factor, found.status) == ("", None, "pending")


def test_members_without_scim_entries_get_no_virtual_grants() -> None:
    """A member with no SCIM user has no virtual-group grants."""
    entries = cloudflare_entries([member(ALICE)])
    entries[layout.CF_SCIM_USERS] = [scim_user("bob@example.com", v1_group_id("DNS"))]

    assert only_member(entries).grants == ()
    assert user_id(ALICE) != user_id("bob@example.com")


def test_shared_grants_carry_each_members_own_id() -> None:
    """One user group, virtual group and role, two members: each grant is theirs."""
    bob = "bob@example.com"
    entries = cloudflare_entries(
        [member(ALICE, roles=("Billing",)), member(bob, roles=("Billing",))],
        scim_users=[
            scim_user(ALICE, v1_group_id("DNS")),
            scim_user(bob, v1_group_id("DNS")),
        ],
        scim_groups=[v1_group("DNS")],
        user_groups=[user_group("Cloudflare-Admins", policy("Administrator"))],
        user_group_members={"Cloudflare-Admins": [ALICE, bob]},
    )

    members = analyze_entries(entries).members

    assert [len(m.grants) for m in members] == [3, 3]
    for found in members:
        assert {g.member_id for g in found.grants} == {found.member_id}
    assert [summary(g) for g in members[0].grants] == [
        summary(g) for g in members[1].grants
    ]
