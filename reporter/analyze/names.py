"""Parse v1 virtual group names (``cloudflare-api.md`` §6.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Both documented spacings; the lazy role group with the trailing \s* strips
# spaces, and splitting at the first hyphen after the 32-hex id keeps role
# names such as "Super Administrator - All Privileges" whole.
V1_NAME = re.compile(r"^CF-(?P<acct>[0-9a-fA-F]{32})\s*-\s*(?P<role>.+?)\s*$")
V1_SCIM_PREFIX = "cloudflare-v1-"


@dataclass(frozen=True, slots=True)
class V1Name:
    """The parts of a ``CF-<account> - <Role Name>`` display name."""

    account_id: str  # as written in the name
    role_name: str
    foreign: bool  # the id names an account other than the audited one


def parse_v1_name(display_name: str, account_id: str) -> V1Name | None:
    """Split ``display_name`` into account id and role, or None if not v1."""
    match = V1_NAME.match(display_name)
    # "CF-<id> - " would leave a role of blanks: not a name Cloudflare makes.
    if match is None or not match["role"].strip():
        return None
    acct = match["acct"]
    return V1Name(
        account_id=acct,
        role_name=match["role"],
        foreign=acct.casefold() != account_id.casefold(),
    )


def v1_permission_group_id(scim_group_id: str) -> str | None:
    """The permission group id a ``cloudflare-v1-<id>`` SCIM group names."""
    if not scim_group_id.startswith(V1_SCIM_PREFIX):
        return None
    return scim_group_id.removeprefix(V1_SCIM_PREFIX) or None
