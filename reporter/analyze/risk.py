"""Who would lose access if every virtual group went today (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Iterable

from reporter.analyze.model import Access, Grant, Source

# Permission groups that amount to administering the account.
_ADMIN_NAMES = frozenset({"administrator", "super administrator - all privileges"})


def covers(grant: Grant) -> bool:
    """Whether ``grant`` keeps its permission group when virtual groups go.

    Only an allow grant on the whole account from a user group, a direct
    policy or an independent legacy role does; deny never covers anything.
    """
    return (
        grant.access is Access.ALLOW
        and grant.scope.kind == "account"
        and grant.source is not Source.VIRTUAL_GROUP
        and grant.permission_group_id is not None
    )


def at_risk(grants: Iterable[Grant]) -> tuple[str, ...]:
    """Names of the permission groups only virtual groups grant, sorted."""
    grants = list(grants)
    covered = {g.permission_group_id for g in grants if covers(g)}
    lost = {
        g.permission_group
        for g in grants
        if g.source is Source.VIRTUAL_GROUP
        and g.access is Access.ALLOW
        and g.scope.kind == "account"
        and g.permission_group_id not in covered
    }
    return tuple(sorted(lost))


def is_admin_grant(grant: Grant) -> bool:
    """Whether ``grant`` allows Administrator or Super Administrator access."""
    return (
        grant.access is Access.ALLOW
        and grant.permission_group.strip().casefold() in _ADMIN_NAMES
    )
