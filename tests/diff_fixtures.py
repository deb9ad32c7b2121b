"""Small analyses for diff tests, built through the analyzer from API shapes."""

from __future__ import annotations

from typing import Any

from analyze_fixtures import (
    analyze_entries,
    cloudflare_entries,
    entries_from_organization,
    member,
    scim_user,
    snapshot_from_entries,
    user_group,
    v1_group,
    v1_group_id,
)
from analyze_fixtures import policy as make_policy

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
from reporter.demo import build_organization

ADMIN = "Administrator"
ADMINS_GROUP = "Cloudflare-Admins"


def account(
    members: list[dict[str, Any]],
    *,
    virtual: dict[str, tuple[str, ...]] | None = None,
    groups: dict[str, tuple[dict[str, Any], ...]] | None = None,
    in_groups: dict[str, list[str]] | None = None,
) -> Analysis:
    """An analysis of ``members``; ``virtual``: email -> v1 roles they are in."""
    virtual = virtual or {}
    roles = sorted({r for held in virtual.values() for r in held})
    users = [
        scim_user(m["email"], *(v1_group_id(r) for r in virtual.get(m["email"], ())))
        for m in members
    ]
    entries = cloudflare_entries(
        members,
        scim_users=users,
        scim_groups=[v1_group(r) for r in roles],
        user_groups=[user_group(n, *p) for n, p in (groups or {}).items()],
        user_group_members=in_groups or {},
    )
    return analyze_entries(entries)


def in_virtual_admin(email: str = "alice@example.com") -> Analysis:
    """One member who is an Administrator through the v1 group only."""
    return account([member(email, roles=(ADMIN,))], virtual={email: (ADMIN,)})


def in_admins_group(email: str = "alice@example.com") -> Analysis:
    """The same member, an Administrator through the user group instead."""
    return account(
        [member(email)],
        groups={ADMINS_GROUP: (make_policy(ADMIN),)},
        in_groups={ADMINS_GROUP: [email]},
    )


def demo_analysis(stage: str) -> Analysis:
    """The analysis of the demo organization of ``stage``, laid out in memory."""
    org = build_organization(stage=stage)
    entries = entries_from_organization(org)
    return analyze(
        snapshot_from_entries(entries, account_id=org.cloudflare.account["id"])
    )
