"""Who is at risk when the virtual groups go (ARCHITECTURE.md)."""

from __future__ import annotations

from analyze_fixtures import (
    analyze_entries,
    cloudflare_entries,
    member,
    one_zone,
    policy,
    scim_user,
    user_group,
    v1_group,
    v1_group_id,
)

ALICE = "alice@example.com"


def at_risk(
    *,
    roles: tuple[str, ...] = (),
    policies: tuple[dict[str, object], ...] = (),
    groups: tuple[dict[str, object], ...] = (),
    virtual: tuple[str, ...] = ("Administrator",),
) -> tuple[str, ...]:
    """What Alice would lose, given her virtual groups and other access."""
    entries = cloudflare_entries(
        [member(ALICE, roles=roles, policies=policies)],
        scim_users=[scim_user(ALICE, *(v1_group_id(r) for r in virtual))],
        scim_groups=[v1_group(r) for r in virtual],
        user_groups=list(groups),
        user_group_members={g["name"]: [ALICE] for g in groups},  # type: ignore[misc]
    )
    (found,) = analyze_entries(entries).members
    return found.at_risk


def test_virtual_group_only_member_is_at_risk() -> None:
    """A permission group only a virtual group grants is at risk."""
    assert at_risk() == ("Administrator",)


def test_user_group_on_the_whole_account_covers() -> None:
    """The same permission group from a user group, account-wide, covers."""
    groups = (user_group("Cloudflare-Admins", policy("Administrator")),)

    assert at_risk(groups=groups) == ()


def test_direct_policy_on_the_whole_account_covers() -> None:
    """The same permission group from a direct policy, account-wide, covers."""
    assert at_risk(policies=(policy("Administrator"),)) == ()


def test_legacy_role_of_the_same_group_does_not_cover() -> None:
    """A role matching a virtual group is that group's grant, so it covers nothing."""
    assert at_risk(roles=("Administrator",)) == ("Administrator",)


def test_zone_scoped_user_group_does_not_cover_an_account_grant() -> None:
    """Administrator on one zone does not replace Administrator on the account."""
    zone_admins = user_group(
        "Cloudflare-Zone-Admins", policy("Administrator", resource_group=one_zone())
    )

    assert at_risk(groups=(zone_admins,)) == ("Administrator",)


def test_deny_policy_never_covers() -> None:
    """A deny of the same permission group is not coverage."""
    assert at_risk(policies=(policy("Administrator", access="deny"),)) == (
        "Administrator",
    )


def test_deny_in_a_user_group_never_covers() -> None:
    """A user group's deny policy is not coverage either."""
    groups = (user_group("Deny-Admins", policy("Administrator", access="deny")),)

    assert at_risk(groups=groups) == ("Administrator",)


def test_other_permission_group_does_not_cover() -> None:
    """An account-wide grant of a different permission group does not cover."""
    assert at_risk(policies=(policy("Administrator Read Only"),)) == ("Administrator",)


def test_at_risk_lists_each_uncovered_group_sorted() -> None:
    """Several virtual groups: the uncovered ones, sorted by name."""
    lost = at_risk(
        virtual=("DNS", "Billing", "Administrator"), policies=(policy("DNS"),)
    )

    assert lost == ("Administrator", "Billing")


def test_member_without_virtual_groups_is_not_at_risk() -> None:
    """Nothing depends on a virtual group when the member is in none."""
    assert at_risk(virtual=(), policies=(policy("DNS"),)) == ()
