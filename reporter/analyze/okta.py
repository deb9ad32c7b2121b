"""An indexed view of the Okta entries (``idp-apis.md`` §2).

Only the Okta virtual groups read this view; the checks and the migration
steps read the IdP-neutral :class:`~reporter.analyze.directory.Directory`,
whose Okta adapter holds the apps, assignments, push mappings, user statuses
and the matching of Okta users.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reporter.analyze.inputs import Inputs, Json, text
from reporter.snapshot import layout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OktaView:
    """The Okta entries of one snapshot, indexed for joins."""

    push_mappings: dict[str, list[Json]]
    groups: dict[str, Json]
    group_members: dict[str, list[Json]]

    @classmethod
    def from_inputs(cls, inputs: Inputs) -> OktaView:
        """Index the Okta entries that were collected."""
        return cls(
            push_mappings=_lists(inputs.mapping(layout.OKTA_PUSH_MAPPINGS)),
            groups={text(g, "id"): g for g in inputs.items(layout.OKTA_GROUPS)},
            group_members=_lists(inputs.mapping(layout.OKTA_GROUP_MEMBERS)),
        )


def login(user: Json) -> str:
    """An Okta user's login, else its email."""
    return text(user, "profile", "login") or text(user, "profile", "email")


def _lists(raw: dict[str, Any]) -> dict[str, list[Json]]:
    return {
        key: [item for item in value if isinstance(item, dict)]
        for key, value in raw.items()
        if isinstance(value, list)
    }
