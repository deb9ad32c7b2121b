"""Everything computed from a snapshot before checks and steps look at it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from reporter.analyze.cloudflare import CloudflareView, member_email, scim_group_ids
from reporter.analyze.directory import (
    Directory,
    Match,
    build_directory,
    idp_missing,
)
from reporter.analyze.grants import MemberGrants, policy_grants
from reporter.analyze.identity import email_key
from reporter.analyze.inputs import Inputs, Json, nested, text
from reporter.analyze.model import MemberAccess, Source, UserGroupSummary, VirtualGroup
from reporter.analyze.names import parse_v1_name, v1_permission_group_id
from reporter.analyze.okta import OktaView
from reporter.analyze.risk import at_risk
from reporter.analyze.virtual import (
    cloudflare_virtual_groups,
    okta_virtual_groups,
    virtual_group_order,
)
from reporter.snapshot import layout
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.model import Snapshot


@dataclass(frozen=True)
class Facts:
    """The indexed inputs and the per-member, per-group results."""

    inputs: Inputs
    cloudflare: CloudflareView
    okta: OktaView
    directory: Directory  # the IdP, whichever it is (directory.py)
    matches: dict[str, Match]  # member id -> its IdP user (docs/matching.md)
    members: tuple[MemberAccess, ...]
    raw_members: dict[str, Json]  # member id -> the member object
    virtual_groups: tuple[VirtualGroup, ...]
    user_groups: tuple[UserGroupSummary, ...]

    @property
    def account_id(self) -> str:
        """The audited account id, lower-cased."""
        return self.inputs.account_id

    @cached_property
    def member_by_idp_user(self) -> dict[str, str]:
        """Member id by IdP user id, for unambiguous matches.

        When members share a user, the last member id in order is the one.
        """
        return {
            match.user.user_id: member_id
            for member_id, match in sorted(self.matches.items())
            if match.user is not None and not match.ambiguous
        }


def build_facts(snapshot: Snapshot) -> Facts:
    """Index ``snapshot`` and compute grants, virtual groups and user groups."""
    with gc_paused():
        return _build_facts(snapshot)


def _build_facts(snapshot: Snapshot) -> Facts:
    inputs = Inputs(snapshot)
    view = CloudflareView.from_inputs(inputs)
    okta = OktaView.from_inputs(inputs)
    directory = build_directory(inputs, inputs.account_id)
    matches = {text(m, "id"): directory.match(member_email(m)) for m in view.members}
    scim_users = {text(m, "id"): view.scim_user_of(m) for m in view.members}
    member_by_scim_id: dict[str, Json] = {}
    for member in view.members:
        scim_user = scim_users[text(member, "id")]
        if scim_user is not None:
            member_by_scim_id.setdefault(text(scim_user, "id"), member)
    groups = cloudflare_virtual_groups(view, member_by_scim_id)
    if directory.idp == "okta" and inputs.has(layout.OKTA_GROUPS):
        groups += okta_virtual_groups(okta, view)
    elif directory.idp != "okta" and not idp_missing(
        inputs, directory.idp, ("groups",)
    ):
        groups += idp_virtual_groups(directory, view)
    return Facts(
        inputs=inputs,
        cloudflare=view,
        okta=okta,
        directory=directory,
        matches=matches,
        members=_members_access(view, matches, scim_users),
        raw_members={text(m, "id"): m for m in view.members},
        virtual_groups=tuple(sorted(groups, key=virtual_group_order)),
        user_groups=tuple(_user_group_summary(g, view) for g in view.user_groups),
    )


def _members_access(
    view: CloudflareView,
    matches: Mapping[str, Match],
    scim_users: Mapping[str, Json | None],
) -> tuple[MemberAccess, ...]:
    """Every member's access; ``matches`` and ``scim_users`` are by member id."""
    grants = MemberGrants(view)
    return tuple(
        _member_access(m, view, grants, matches, scim_users) for m in view.members
    )


def _member_access(
    member: Json,
    view: CloudflareView,
    grants_of: MemberGrants,
    matches: Mapping[str, Match],
    scim_users: Mapping[str, Json | None],
) -> MemberAccess:
    member_id = text(member, "id")
    match, scim_user = matches[member_id], scim_users[member_id]
    group_ids = scim_group_ids(scim_user or {})
    grants = grants_of.of(member, group_ids)
    v1_ids = [g for g in group_ids if v1_permission_group_id(g)]
    return MemberAccess(
        member_id=member_id,
        email=member_email(member),
        name=_name(member, scim_user),
        status=text(member, "status"),
        two_factor=_two_factor(member),
        idp_status=match.user.raw_status if match.user else None,
        grants=grants,
        virtual_groups=tuple(sorted({view.group_name(g) for g in v1_ids})),
        user_groups=tuple(text(g, "name") for g in view.user_groups_of(member_id)),
        at_risk=at_risk(grants),
    )


def _name(member: Json, scim_user: Json | None) -> str:
    user = nested(member, "user")
    parts = (text(user, "first_name"), text(user, "last_name"))
    user_name = " ".join(part for part in parts if part)
    if user_name:
        return user_name
    if scim_user is None:
        return ""
    formatted = text(scim_user, "name", "formatted")
    given = (
        text(scim_user, "name", "givenName"),
        text(scim_user, "name", "familyName"),
    )
    return formatted or " ".join(part for part in given if part)


def _two_factor(member: Json) -> bool | None:
    user = member.get("user")
    value = (
        user.get("two_factor_authentication_enabled")
        if isinstance(user, dict)
        else None
    )
    return value if isinstance(value, bool) else None


def _user_group_summary(group: Json, view: CloudflareView) -> UserGroupSummary:
    group_id = text(group, "id")
    policies = [p for p in group.get("policies") or [] if isinstance(p, dict)]
    grants = [
        grant
        for policy in policies
        for grant in policy_grants(
            policy,
            view,
            member_id="",
            source=Source.USER_GROUP,
            source_name=text(group, "name"),
            source_id=group_id,
        )
    ]
    return UserGroupSummary(
        group_id=group_id,
        name=text(group, "name"),
        member_count=len(view.user_group_members.get(group_id, [])),
        policy_count=len(policies),
        scim_managed=scim_counterpart(group, view) is not None,
        scopes=tuple(sorted({g.scope.label for g in grants})),
        permission_groups=tuple(sorted({g.permission_group for g in grants})),
    )


def scim_counterpart(user_group: Json, view: CloudflareView) -> Json | None:
    """The SCIM custom group of a user group: same id, else same name (§6.2)."""
    same_id = view.custom_scim_group(text(user_group, "id"))
    if same_id is not None:
        return same_id
    return view.custom_scim_group_named(text(user_group, "name"))


def idp_virtual_groups(
    directory: Directory, view: CloudflareView
) -> list[VirtualGroup]:
    """One record per Entra ID or file group whose name is a v1 name (idp §1)."""
    users = directory.users_by_id
    found = []
    for group in directory.groups.values():
        parsed = parse_v1_name(group.name, view.account_id)
        if parsed is None:
            continue
        pg = view.permission_groups.for_role(parsed.role_name)
        logins = {users[u].label if u in users else u for u in group.direct}
        found.append(
            VirtualGroup(
                side=directory.idp,
                group_id=group.group_id,
                display_name=group.name,
                account_id=parsed.account_id,
                role_name=parsed.role_name,
                foreign=parsed.foreign,
                permission_group_id=text(pg, "id") if pg else None,
                permission_group=text(pg, "name") if pg else None,
                members=tuple(sorted(logins, key=lambda e: (email_key(e), e))),
            )
        )
    return found
