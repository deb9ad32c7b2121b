"""Effective grants of one member from the four sources (ARCHITECTURE.md).

1. direct policies, 2. user group policies, 3. virtual groups (SCIM
``cloudflare-v1-<permission group id>`` memberships), 4. legacy roles mapped
to permission groups. Deny policies stay deny grants; they never cover.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from reporter.analyze.cloudflare import CloudflareView
from reporter.analyze.inputs import Json, text
from reporter.analyze.model import Access, Grant, Scope, Source
from reporter.analyze.names import parse_v1_name, v1_permission_group_id
from reporter.analyze.scopes import account_scope, parse_scope

log = logging.getLogger(__name__)


def grant_order(grant: Grant) -> tuple[str, ...]:
    """Sort key: permission group, scope key, source, source name, then the rest."""
    return (
        grant.permission_group.casefold(),
        grant.scope.key,
        grant.source.value,
        grant.source_name,
        ",".join(grant.scope.objects),
        grant.access.value,
        grant.source_id,
        grant.permission_group_id or "",
    )


class MemberGrants:
    """Every member's grants, from what each source grants worked out once.

    A user group's policies, a virtual group and a legacy role grant the same
    permission groups on the same scopes to each of their members: each is
    resolved once per snapshot, then stamped with the member's id. Working it
    out again for every member made the grants most of the analysis time.
    """

    def __init__(self, view: CloudflareView) -> None:
        self.view = view
        self._account = account_scope(view.account_id)
        self._virtual: dict[str, Grant] = {}  # by SCIM group id
        self._roles: dict[tuple[str, str], Grant] = {}  # by role name and id
        # By member id, in the order of view.user_groups_of().
        self._user_groups: dict[str, list[Grant]] = {}
        for group in view.user_groups:
            unstamped = list(_user_group_grants(group, view))
            for member_id in view.listed_member_ids(group):
                self._user_groups.setdefault(member_id, []).extend(unstamped)

    def of(self, member: Json, scim_group_ids: list[str]) -> tuple[Grant, ...]:
        """Every grant of ``member``, deduplicated and in :func:`grant_order`.

        ``scim_group_ids`` are the groups of the member's SCIM user.
        """
        member_id = text(member, "id")
        virtual = self._virtual_group_grants(member_id, scim_group_ids)
        found = set(virtual)
        found.update(_direct_policy_grants(member_id, member, self.view))
        groups = self._user_groups.get(member_id, [])
        found.update(_stamped(g, member_id) for g in groups)
        virtual_pg_ids = {g.permission_group_id for g in virtual}
        found.update(self._legacy_role_grants(member_id, member, virtual_pg_ids))
        return tuple(sorted(found, key=grant_order))

    def _virtual_group_grants(
        self, member_id: str, scim_group_ids: list[str]
    ) -> list[Grant]:
        """Whole-account allow grants from the member's ``cloudflare-v1-`` groups."""
        grants = []
        for group_id in scim_group_ids:
            if group_id not in self._virtual:
                pg_id = v1_permission_group_id(group_id)
                if pg_id is None:
                    continue
                self._virtual[group_id] = self._virtual_group_grant(group_id, pg_id)
            grants.append(_stamped(self._virtual[group_id], member_id))
        return grants

    def _virtual_group_grant(self, group_id: str, pg_id: str) -> Grant:
        display_name = self.view.group_name(group_id)
        return Grant(
            member_id="",
            permission_group_id=pg_id,
            permission_group=_virtual_pg_name(pg_id, display_name, self.view),
            scope=self._account,
            access=Access.ALLOW,
            source=Source.VIRTUAL_GROUP,
            source_name=display_name,
            source_id=group_id,
        )

    def _legacy_role_grants(
        self, member_id: str, member: Json, virtual_pg_ids: set[str | None]
    ) -> Iterator[Grant]:
        for role in _objects(member, "roles"):
            key = (text(role, "name"), text(role, "id"))
            if key not in self._roles:
                self._roles[key] = self._legacy_role_grant(*key)
            grant = self._roles[key]
            pg_id = grant.permission_group_id
            if pg_id is not None and pg_id in virtual_pg_ids:
                # A v1 group grants its role by editing the member: this role is
                # the virtual group's grant and disappears with it.
                continue
            yield _stamped(grant, member_id)

    def _legacy_role_grant(self, name: str, role_id: str) -> Grant:
        pg = self.view.permission_groups.for_role(name)
        return Grant(
            member_id="",
            permission_group_id=text(pg, "id") if pg else None,
            permission_group=text(pg, "name") if pg else name,
            scope=self._account,
            access=Access.ALLOW,
            source=Source.LEGACY_ROLE,
            source_name=name,
            source_id=role_id,
        )


def _stamped(grant: Grant, member_id: str) -> Grant:
    """``grant`` given to ``member_id``."""
    return Grant(
        member_id=member_id,
        permission_group_id=grant.permission_group_id,
        permission_group=grant.permission_group,
        scope=grant.scope,
        access=grant.access,
        source=grant.source,
        source_name=grant.source_name,
        source_id=grant.source_id,
    )


def parse_access(raw: object, where: str) -> Access:
    """A policy's ``access``; anything but allow/deny is ``unknown`` (§7)."""
    if raw in ("allow", "deny"):
        return Access(raw)
    log.warning("%s: unknown policy access %r, reported as unknown effect", where, raw)
    return Access.UNKNOWN


def policy_grants(
    policy: Json,
    view: CloudflareView,
    *,
    member_id: str,
    source: Source,
    source_name: str,
    source_id: str,
) -> Iterator[Grant]:
    """One grant per permission group × resource group of ``policy``."""
    access = parse_access(policy.get("access"), f"policy {text(policy, 'id')}")
    scopes = [_resource_scope(rg, view) for rg in _objects(policy, "resource_groups")]
    for pg in _objects(policy, "permission_groups"):
        pg_id = text(pg, "id")
        name = text(pg, "name") or _pg_name(pg_id, view) or pg_id
        for scope in scopes:
            yield Grant(
                member_id=member_id,
                permission_group_id=pg_id or None,
                permission_group=name,
                scope=scope,
                access=access,
                source=source,
                source_name=source_name,
                source_id=source_id,
            )


def _direct_policy_grants(
    member_id: str, member: Json, view: CloudflareView
) -> Iterator[Grant]:
    for policy in _objects(member, "policies"):
        policy_id = text(policy, "id")
        yield from policy_grants(
            policy,
            view,
            member_id=member_id,
            source=Source.DIRECT_POLICY,
            source_name=policy_id,
            source_id=policy_id,
        )


def _user_group_grants(group: Json, view: CloudflareView) -> Iterator[Grant]:
    """The grants of ``group``'s policies, to no member yet."""
    for policy in _objects(group, "policies"):
        yield from policy_grants(
            policy,
            view,
            member_id="",
            source=Source.USER_GROUP,
            source_name=text(group, "name"),
            source_id=text(group, "id"),
        )


def _resource_scope(resource_group: Json, view: CloudflareView) -> Scope:
    raw = resource_group.get("scope")
    if raw is None:
        # A policy may name its resource group by id only.
        rg_id = text(resource_group, "id")
        raw = view.resource_groups.get(rg_id, {}).get("scope")
        if raw is None:
            log.warning("resource group %r has no readable scope", rg_id)
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]  # the 2024 spec's array form
    return parse_scope(raw, view.account_id)


def _virtual_pg_name(pg_id: str, display_name: str, view: CloudflareView) -> str:
    known = _pg_name(pg_id, view)
    if known:
        return known
    parsed = parse_v1_name(display_name, view.account_id)
    return parsed.role_name if parsed else pg_id


def _pg_name(pg_id: str, view: CloudflareView) -> str:
    return text(view.permission_groups.by_id.get(pg_id, {}), "name")


def _objects(obj: Json, key: str) -> list[Json]:
    return [item for item in obj.get(key) or [] if isinstance(item, dict)]
