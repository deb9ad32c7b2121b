"""Virtual groups as Cloudflare's SCIM and Okta show them (§6.2, idp §1)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from reporter.analyze.cloudflare import CloudflareView, member_email, scim_group_ids
from reporter.analyze.identity import email_key
from reporter.analyze.inputs import Json, text
from reporter.analyze.model import VirtualGroup
from reporter.analyze.names import parse_v1_name, v1_permission_group_id
from reporter.analyze.okta import OktaView, login

log = logging.getLogger(__name__)


def cloudflare_virtual_groups(
    view: CloudflareView, member_by_scim_id: Mapping[str, Json]
) -> list[VirtualGroup]:
    """One record per ``cloudflare-v1-`` group listed or held by a SCIM user."""
    holders: dict[str, list[str]] = {}
    for user in view.scim_users:
        member = member_by_scim_id.get(text(user, "id"))
        email = member_email(member) if member else text(user, "userName")
        for group_id in scim_group_ids(user):
            holders.setdefault(group_id, []).append(email)
    group_ids = {g for g in (*view.scim_groups, *holders) if v1_permission_group_id(g)}
    return [
        _cloudflare_group(gid, view, holders.get(gid, [])) for gid in sorted(group_ids)
    ]


def okta_virtual_groups(okta: OktaView, view: CloudflareView) -> list[VirtualGroup]:
    """One record per Okta group whose name is a v1 name."""
    found = []
    for group_id, group in sorted(okta.groups.items()):
        parsed = parse_v1_name(text(group, "profile", "name"), view.account_id)
        if parsed is None:
            continue
        pg = view.permission_groups.for_role(parsed.role_name)
        found.append(
            VirtualGroup(
                side="okta",
                group_id=group_id,
                display_name=text(group, "profile", "name"),
                account_id=parsed.account_id,
                role_name=parsed.role_name,
                foreign=parsed.foreign,
                permission_group_id=text(pg, "id") if pg else None,
                permission_group=text(pg, "name") if pg else None,
                members=_okta_logins(group_id, okta),
            )
        )
    return found


def virtual_group_order(group: VirtualGroup) -> tuple[str, str, str]:
    """Sort key: side, display name, id."""
    return (group.side, group.display_name.casefold(), group.group_id)


def _cloudflare_group(
    group_id: str, view: CloudflareView, emails: list[str]
) -> VirtualGroup:
    pg_id = v1_permission_group_id(group_id)
    display_name = view.group_name(group_id)
    by_id = view.permission_groups.by_id.get(pg_id or "")
    parsed = parse_v1_name(display_name, view.account_id)
    if parsed is None:
        log.warning("SCIM group %s: %r is not a v1 name", group_id, display_name)
    role_name = parsed.role_name if parsed else text(by_id or {}, "name")
    mapped = view.permission_groups.for_role(role_name) if role_name else None
    known = by_id or mapped
    return VirtualGroup(
        side="cloudflare",
        group_id=group_id,
        display_name=display_name,
        account_id=parsed.account_id if parsed else "",
        role_name=role_name,
        foreign=parsed.foreign if parsed else False,
        permission_group_id=pg_id,
        permission_group=text(known, "name") if known and mapped else None,
        members=tuple(sorted(set(emails), key=lambda e: (email_key(e), e))),
    )


def _okta_logins(group_id: str, okta: OktaView) -> tuple[str, ...]:
    # v1 push targets are app groups; their people are the source groups'.
    sources = [
        text(m, "sourceGroupId")
        for mappings in okta.push_mappings.values()
        for m in mappings
        if text(m, "targetGroupId") == group_id
    ]
    logins = {
        login(user)
        for gid in (group_id, *sources)
        for user in okta.group_members.get(gid, [])
        if login(user)
    }
    return tuple(sorted(logins, key=lambda e: (email_key(e), e)))
