"""An organization as the APIs would show it: raw objects in their real shapes.

The demo generator builds one; the emulator serves one over HTTP. Objects are
plain dicts exactly as Cloudflare and Okta return them (see
``shared/domain/cloudflare-api.md`` §5-6 and ``idp-apis.md`` §2.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reporter.demo.entra import EntraTenant

Json = dict[str, Any]


@dataclass
class CloudflareOrg:
    """One Cloudflare account's IAM and SCIM state."""

    account: Json
    members: list[Json]  # iam_member_with_policies
    roles: list[Json]  # iam_role
    permission_groups: list[Json]
    resource_groups: list[Json]
    user_groups: list[Json]  # iam_user_group
    # user group id -> member list items ({id, email, status})
    user_group_members: dict[str, list[Json]]
    scim_users: list[Json]  # SCIM User resources, groups[] included
    scim_groups: list[Json]  # SCIM Group resources without members
    # SCIM custom group id -> members [{value, display}] (detail view only)
    scim_group_members: dict[str, list[Json]] = field(default_factory=dict)


@dataclass
class OktaOrg:
    """The Okta side: the two Cloudflare apps and what they provision."""

    apps: list[Json]
    app_users: dict[str, list[Json]]  # app id -> app users (expand=user)
    app_groups: dict[str, list[Json]]  # app id -> app groups (expand=group)
    push_mappings: dict[str, list[Json]]  # app id -> group push mappings
    groups: list[Json]  # OKTA_GROUP and APP_GROUP objects
    group_members: dict[str, list[Json]]  # group id -> User objects
    users: list[Json]  # every user, DEPROVISIONED and SUSPENDED included
    v1_app_id: str = ""
    v2_app_id: str = ""


@dataclass
class Organization:
    """A whole organization: Cloudflare plus its identity provider."""

    cloudflare: CloudflareOrg
    okta: OktaOrg
    # The same identity provider seen as Entra ID (demo/entra.py), when built.
    entra: EntraTenant | None = None
