"""What a member can actually do: allows that no deny overrides (§7).

Cloudflare evaluates deny before allow: a deny of a permission group on a
scope takes that permission group away on that scope whatever grants it.
"""

from __future__ import annotations

from collections.abc import Iterable

from reporter.analyze.model import Access, Grant, Scope

_ALL = "*"
SUPER_ADMIN = "super administrator - all privileges"


def scope_covers(outer: Scope, inner: Scope) -> bool:
    """Whether ``outer`` includes every object of ``inner``."""
    if not outer.key or outer.key.casefold() != inner.key.casefold():
        return False
    if outer.objects == (_ALL,):
        return True
    return bool(inner.objects) and set(inner.objects) <= set(outer.objects)


def shadowing_denies(grant: Grant, grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """The deny grants that take ``grant``'s permission group away on its scope."""
    if grant.access is not Access.ALLOW or grant.permission_group_id is None:
        return ()
    return tuple(
        deny
        for deny in grants
        if deny.access is Access.DENY
        and deny.permission_group_id == grant.permission_group_id
        and scope_covers(deny.scope, grant.scope)
    )


def effective_allows(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """The allow grants no deny overrides, in their given order."""
    grants = tuple(grants)
    # Only the denies can shadow: each allow is compared with them alone.
    denies = tuple(g for g in grants if g.access is Access.DENY)
    return tuple(
        g
        for g in grants
        if g.access is Access.ALLOW and not (denies and shadowing_denies(g, denies))
    )


def is_super_admin_grant(grant: Grant) -> bool:
    """Whether ``grant`` allows Super Administrator on the whole account."""
    return (
        grant.access is Access.ALLOW
        and grant.scope.kind == "account"
        and grant.permission_group.strip().casefold() == SUPER_ADMIN
    )
