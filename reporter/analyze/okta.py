"""An indexed view of the Okta entries (``idp-apis.md`` §2)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reporter.analyze.identity import clean_email, email_key
from reporter.analyze.inputs import Inputs, Json, text
from reporter.snapshot import layout

log = logging.getLogger(__name__)

# When one email has several Okta users, the liveliest one speaks for it.
_STATUS_RANK = {"ACTIVE": 0, "SUSPENDED": 2, "DEPROVISIONED": 3}
INACTIVE_STATUSES = ("SUSPENDED", "DEPROVISIONED")


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
    users_by_key: dict[str, Json]

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
            users_by_key=_users_by_key(inputs.items(layout.OKTA_USERS)),
        )

    def group_name(self, group_id: str) -> str:
        """An Okta group's ``profile.name``, or "" when it was not collected."""
        return text(self.groups.get(group_id, {}), "profile", "name")

    def user(self, email: str) -> Json | None:
        """The Okta user whose email or login has the join key of ``email``."""
        return self.users_by_key.get(email_key(email))

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


def user_emails(user: Json) -> list[str]:
    """An Okta user's email and login, cleaned but with their case kept."""
    forms = (text(user, "profile", "email"), text(user, "profile", "login"))
    return [clean_email(form) for form in forms if form]


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


def _users_by_key(users: list[Json]) -> dict[str, Json]:
    ranked = sorted(
        users, key=lambda u: (_STATUS_RANK.get(text(u, "status"), 1), text(u, "id"))
    )
    index: dict[str, Json] = {}
    for user in ranked:
        for form in user_emails(user):
            index.setdefault(form.casefold(), user)
    return index
