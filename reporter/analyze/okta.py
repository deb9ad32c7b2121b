"""An indexed view of the Okta entries (``idp-apis.md`` §2).

The migration steps and the Okta virtual groups read this view; the checks
read the IdP-neutral :class:`~reporter.analyze.directory.Directory`, whose
Okta adapter holds the user statuses and the matching of Okta users.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reporter.analyze.identity import email_key
from reporter.analyze.inputs import Inputs, Json, text
from reporter.snapshot import layout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OktaView:
    """The Okta entries of one snapshot, indexed for joins."""

    v1_app: Json | None
    v2_app: Json | None
    app_users: dict[str, list[Json]]
    app_groups: dict[str, list[Json]]
    push_mappings: dict[str, list[Json]]
    groups: dict[str, Json]
    group_members: dict[str, list[Json]]

    @classmethod
    def from_inputs(cls, inputs: Inputs) -> OktaView:
        """Index the Okta entries that were collected."""
        apps = inputs.mapping(layout.OKTA_APPS)
        return cls(
            v1_app=_app(apps.get("v1")),
            v2_app=_app(apps.get("v2")),
            app_users=_lists(inputs.mapping(layout.OKTA_APP_USERS)),
            app_groups=_lists(inputs.mapping(layout.OKTA_APP_GROUPS)),
            push_mappings=_lists(inputs.mapping(layout.OKTA_PUSH_MAPPINGS)),
            groups={text(g, "id"): g for g in inputs.items(layout.OKTA_GROUPS)},
            group_members=_lists(inputs.mapping(layout.OKTA_GROUP_MEMBERS)),
        )

    def group_name(self, group_id: str) -> str:
        """An Okta group's ``profile.name``, or "" when it was not collected."""
        return text(self.groups.get(group_id, {}), "profile", "name")

    def app_user_keys(self, app: Json | None) -> set[str]:
        """Email keys of every user assigned to ``app``."""
        if app is None:
            return set()
        keys: set[str] = set()
        for user in self.app_users.get(text(app, "id"), []):
            keys.update(app_user_keys(user))
        return keys


def app_user_keys(app_user: Json) -> set[str]:
    """Join keys of an app user: SCIM userName, Okta email and login."""
    forms = (
        text(app_user, "credentials", "userName"),
        text(app_user, "_embedded", "user", "profile", "email"),
        text(app_user, "_embedded", "user", "profile", "login"),
    )
    return {email_key(form) for form in forms if form}


def login(user: Json) -> str:
    """An Okta user's login, else its email."""
    return text(user, "profile", "login") or text(user, "profile", "email")


def _app(raw: Any) -> Json | None:
    return raw if isinstance(raw, dict) else None


def _lists(raw: dict[str, Any]) -> dict[str, list[Json]]:
    return {
        key: [item for item in value if isinstance(item, dict)]
        for key, value in raw.items()
        if isinstance(value, list)
    }
