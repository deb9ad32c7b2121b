"""An indexed view of the Cloudflare entries: lookups the grant logic needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reporter.analyze.identity import email_key, name_key
from reporter.analyze.inputs import Inputs, Json, text
from reporter.analyze.names import V1_SCIM_PREFIX
from reporter.snapshot import layout


@dataclass(frozen=True)
class PermissionGroups:
    """Permission groups by id, by lower-cased name and by ``meta.label``."""

    by_id: dict[str, Json]
    by_name: dict[str, Json]
    by_label: dict[str, Json]

    @classmethod
    def from_list(cls, groups: list[Json]) -> PermissionGroups:
        """Index ``groups``; the first of two same-named groups wins."""
        ordered = sorted(groups, key=lambda g: text(g, "id"))
        by_id: dict[str, Json] = {}
        by_name: dict[str, Json] = {}
        by_label: dict[str, Json] = {}
        for group in ordered:
            by_id.setdefault(text(group, "id"), group)
            by_name.setdefault(text(group, "name").casefold(), group)
            label = text(group, "meta", "label")
            if label:
                by_label.setdefault(label.casefold(), group)
        return cls(by_id=by_id, by_name=by_name, by_label=by_label)

    def for_role(self, role_name: str) -> Json | None:
        """The permission group a legacy role of this name maps to, if any.

        There is no official table (``cloudflare-api.md`` §7): match the name
        case-insensitively, then ``meta.label`` against the name lower-cased
        with spaces as underscores.
        """
        found = self.by_name.get(role_name.strip().casefold())
        if found is not None:
            return found
        label = "_".join(role_name.strip().casefold().split())
        return self.by_label.get(label)


@dataclass
class CloudflareView:
    """The Cloudflare entries of one snapshot, indexed for joins."""

    account_id: str
    members: list[Json]
    permission_groups: PermissionGroups
    resource_groups: dict[str, Json]
    user_groups: list[Json]
    user_group_members: dict[str, list[Json]]
    scim_users: list[Json]
    scim_groups: dict[str, Json]
    _scim_by_id: dict[str, Json] = field(default_factory=dict)
    _scim_by_key: dict[str, Json] = field(default_factory=dict)
    _groups_by_member: dict[str, list[Json]] = field(default_factory=dict)

    @classmethod
    def from_inputs(cls, inputs: Inputs) -> CloudflareView:
        """Index the Cloudflare entries that were collected."""
        view = cls(
            account_id=inputs.account_id,
            members=sorted(inputs.items(layout.CF_MEMBERS), key=_member_order),
            permission_groups=PermissionGroups.from_list(
                inputs.items(layout.CF_PERMISSION_GROUPS)
            ),
            resource_groups=_by_id(inputs.items(layout.CF_RESOURCE_GROUPS)),
            user_groups=sorted(
                inputs.items(layout.CF_USER_GROUPS),
                key=lambda g: (text(g, "name").casefold(), text(g, "id")),
            ),
            user_group_members=_lists_by_key(
                inputs.mapping(layout.CF_USER_GROUP_MEMBERS)
            ),
            scim_users=sorted(
                inputs.items(layout.CF_SCIM_USERS), key=lambda u: text(u, "id")
            ),
            scim_groups=_by_id(inputs.items(layout.CF_SCIM_GROUPS)),
        )
        for user in view.scim_users:
            view._scim_by_id.setdefault(text(user, "id"), user)
            view._scim_by_key.setdefault(email_key(text(user, "userName")), user)
        for group in view.user_groups:
            for member_id in view.listed_member_ids(group):
                view._groups_by_member.setdefault(member_id, []).append(group)
        return view

    def listed_member_ids(self, user_group: Json) -> list[str]:
        """The ids of the members listed in ``user_group``, each once."""
        listed = self.user_group_members.get(text(user_group, "id"), [])
        return list(dict.fromkeys(text(item, "id") for item in listed))

    def scim_user_of(self, member: Json) -> Json | None:
        """The SCIM user of ``member``: by ``user.id``, else by email key."""
        user_id = text(member, "user", "id")
        if user_id and user_id in self._scim_by_id:
            return self._scim_by_id[user_id]
        return self._scim_by_key.get(email_key(member_email(member)))

    def group_name(self, scim_group_id: str) -> str:
        """The display name of a SCIM group, or its id when it is not listed."""
        group = self.scim_groups.get(scim_group_id)
        return text(group, "displayName") if group else scim_group_id

    def user_groups_of(self, member_id: str) -> list[Json]:
        """The user groups whose member list holds ``member_id``, by name."""
        return self._groups_by_member.get(member_id, [])

    def custom_scim_groups(self) -> list[Json]:
        """SCIM groups that are not v1 system groups, in id order."""
        return list(self._custom_scim_groups)

    def custom_scim_group(self, group_id: str) -> Json | None:
        """The SCIM custom group of id ``group_id``, if any."""
        group = self.scim_groups.get(group_id)
        return None if group_id.startswith(V1_SCIM_PREFIX) else group

    def custom_scim_group_named(self, *names: str) -> Json | None:
        """The first SCIM custom group, in id order, bearing one of ``names``.

        Names compare by :func:`name_key`.
        """
        found = [self._custom_by_name.get(name_key(n)) for n in names]
        return _first_by_id(g for g in found if g is not None)

    def custom_scim_group_external(self, external_id: str) -> Json | None:
        """The first SCIM custom group, in id order, with ``externalId``."""
        return self._custom_by_external.get(external_id)

    def has_user_group_named(self, name: str) -> bool:
        """Whether a user group's name is ``name``, compared by :func:`name_key`."""
        return name_key(name) in self._user_group_names

    # Indexed once: a lookup per user group or push mapping scanning every
    # group would make the analysis quadratic in the number of groups.
    @cached_property
    def _custom_scim_groups(self) -> tuple[Json, ...]:
        return tuple(
            group
            for gid, group in sorted(self.scim_groups.items())
            if not gid.startswith(V1_SCIM_PREFIX)
        )

    @cached_property
    def _custom_by_name(self) -> dict[str, Json]:
        indexed: dict[str, Json] = {}
        for group in self._custom_scim_groups:
            indexed.setdefault(name_key(text(group, "displayName")), group)
        return indexed

    @cached_property
    def _custom_by_external(self) -> dict[str, Json]:
        indexed: dict[str, Json] = {}
        for group in self._custom_scim_groups:
            indexed.setdefault(text(group, "externalId"), group)
        return indexed

    @cached_property
    def _user_group_names(self) -> frozenset[str]:
        return frozenset(name_key(text(g, "name")) for g in self.user_groups)


def member_email(member: Json) -> str:
    """A member's email: the member's own, else its user's."""
    return text(member, "email") or text(member, "user", "email")


def scim_group_ids(user: Json) -> list[str]:
    """The group ids in a SCIM user's ``groups[]`` (strings or RFC objects)."""
    ids: list[str] = []
    for item in user.get("groups") or []:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str) and value:
            ids.append(value)
    return sorted(set(ids))


def _first_by_id(groups: Iterable[Json]) -> Json | None:
    return min(groups, key=lambda g: text(g, "id"), default=None)


def _member_order(member: Json) -> tuple[str, str]:
    return (email_key(member_email(member)), text(member, "id"))


def _by_id(items: list[Json]) -> dict[str, Json]:
    indexed: dict[str, Json] = {}
    for item in sorted(items, key=lambda i: text(i, "id")):
        indexed.setdefault(text(item, "id"), item)
    return indexed


def _lists_by_key(raw: dict[str, Any]) -> dict[str, list[Json]]:
    # Validated at load: each user group's members are a list of objects.
    return {key: list(value) for key, value in raw.items()}
