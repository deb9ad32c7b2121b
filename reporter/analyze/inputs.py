"""Typed, validated access to a snapshot's entries.

An entry absent from the snapshot was not collected. Accessors here return
its objects only when present; every consumer gates on :meth:`Inputs.missing`
first, so an absent entry is reported as "could not assess", never as empty.
An entry collected but unable to answer what the analysis asks of it (no
member at all, SCIM users without ``groups``) is reported the same way.

Every entry's records are validated once, here (``records.py``): the rest of
the analyzer reads fields of the documented types, or null.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from reporter.analyze.records import record_label, validate_entry
from reporter.errors import AnalyzeError
from reporter.snapshot import layout
from reporter.snapshot.model import Snapshot

Json = dict[str, Any]

# Entries holding an object (keyed by id or by "v1"/"v2"); the rest are lists.
_OBJECT_ENTRIES = frozenset(
    {
        layout.CF_ACCOUNT,
        layout.CF_USER_GROUP_MEMBERS,
        layout.CF_SCIM_GROUP_DETAILS,
        layout.OKTA_APPS,
        layout.OKTA_APP_USERS,
        layout.OKTA_APP_GROUPS,
        layout.OKTA_PUSH_MAPPINGS,
        layout.OKTA_GROUP_MEMBERS,
        layout.ENTRA_SERVICE_PRINCIPALS,
        layout.ENTRA_ASSIGNMENTS,
        layout.ENTRA_GROUP_MEMBERS,
        layout.ENTRA_GROUP_TRANSITIVE,
        layout.ENTRA_SYNC_JOBS,
        layout.ENTRA_SYNC_SCHEMAS,
        layout.IDP_FILE_SOURCE,
    }
)
_KNOWN_ENTRIES = frozenset(
    layout.CLOUDFLARE_ENTRIES
    + layout.OKTA_ENTRIES
    + layout.ENTRA_ENTRIES
    + layout.IDP_FILE_ENTRIES
)
_BAD_SHAPE_HINT = "the snapshot was not written by cf-scim-audit; collect it again"
_BAD_RECORD_HINT = (
    "member ids join members to their user groups; collect the snapshot again "
    "with cf-scim-audit"
)


@dataclass(frozen=True)
class Missing:
    """Why an entry a check needs is not in the snapshot, or cannot be used."""

    entry: str
    reason: str
    hint: str


class Inputs:
    """The snapshot's entries, checked for shape, plus the audited account id."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.account_id = snapshot.manifest.account_id.casefold()
        for name, value in snapshot.entries.items():
            _check_shape(name, value)
            validate_entry(name, value)
        if self.has(layout.CF_MEMBERS):
            _check_member_ids(self.items(layout.CF_MEMBERS))
        self._unusable = {u.entry: u for u in _unusable(self, snapshot)}

    def has(self, entry: str) -> bool:
        """Whether ``entry`` was collected."""
        return self.snapshot.has(entry)

    def missing(self, entries: Iterable[str]) -> tuple[Missing, ...]:
        """Why each of ``entries`` was not collected or cannot be relied on."""
        return tuple(
            self._why(e) if not self.has(e) else self._unusable[e]
            for e in entries
            if not self.has(e) or e in self._unusable
        )

    def items(self, entry: str) -> list[Json]:
        """The objects of a list entry; gate on :meth:`missing` first."""
        # Validated at load: a list entry holds objects only.
        return list(self.snapshot.get(entry) or [])

    def mapping(self, entry: str) -> dict[str, Any]:
        """The object of a keyed entry; gate on :meth:`missing` first."""
        value = self.snapshot.get(entry)
        return dict(value or {})

    def _why(self, entry: str) -> Missing:
        record = self.snapshot.manifest.endpoint(entry)
        if record is None:
            source = entry.split("/", 1)[0]
            return Missing(
                entry=entry,
                reason=f"{entry} was not collected ({source} was not queried)",
                hint=f"collect again with {source} configured",
            )
        status = f" (HTTP {record.http_status})" if record.http_status else ""
        return Missing(
            entry=entry,
            reason=record.reason or f"collecting {entry} failed{status}",
            hint=record.hint or "collect again and check the collector's log",
        )


def _check_member_ids(members: list[Json]) -> None:
    # The member id is the join key of user-group membership (§5).
    holders: dict[str, list[int]] = {}
    for index, member in enumerate(members):
        member_id = member.get("id")
        if not member_id:
            raise AnalyzeError(
                f"{record_label(layout.CF_MEMBERS, (index,), member)} has no id; "
                "every account member has one",
                hint=_BAD_RECORD_HINT,
            )
        holders.setdefault(member_id, []).append(index)
    for member_id, indexes in holders.items():
        if len(indexes) > 1:
            shown = ", ".join(f"[{i}]" for i in indexes[:5])
            more = f" and {len(indexes) - 5} more" if len(indexes) > 5 else ""
            raise AnalyzeError(
                f"{layout.CF_MEMBERS}: member id {member_id} is held by "
                f"{len(indexes)} records ({shown}{more}); member ids are unique",
                hint=_BAD_RECORD_HINT,
            )


def _unusable(inputs: Inputs, snapshot: Snapshot) -> Iterator[Missing]:
    """Entries collected yet unable to answer what the checks ask of them."""
    if inputs.has(layout.CF_MEMBERS) and not inputs.items(layout.CF_MEMBERS):
        yield Missing(
            entry=layout.CF_MEMBERS,
            reason=(
                f"{layout.CF_MEMBERS} lists no member, yet every Cloudflare "
                "account has at least one (a Super Administrator): the token "
                "sees none"
            ),
            hint=(
                "give the token Account Settings Read on account "
                f"{snapshot.manifest.account_id} and collect again"
            ),
        )
    if inputs.has(layout.CF_SCIM_USERS):
        users = inputs.items(layout.CF_SCIM_USERS)
        blind = sum(1 for user in users if user.get("groups") is None)
        if blind:
            yield Missing(
                entry=layout.CF_SCIM_USERS,
                reason=f"{_scim_users(blind)} no groups attribute",
                hint=(
                    "virtual-group membership is read from each SCIM user's "
                    "groups; collect again, and check that the SCIM API "
                    "returns the groups attribute"
                ),
            )


def _scim_users(count: int) -> str:
    return "1 SCIM user carries" if count == 1 else f"{count} SCIM users carry"


def _check_shape(name: str, value: Any) -> None:
    if name not in _KNOWN_ENTRIES:
        return
    expected = dict if name in _OBJECT_ENTRIES else list
    if not isinstance(value, expected):
        raise AnalyzeError(
            f"snapshot entry {name} holds a JSON {type(value).__name__}, "
            f"expected a JSON {'object' if expected is dict else 'list'}",
            hint=_BAD_SHAPE_HINT,
        )


def text(obj: Json, *path: str) -> str:
    """The string at ``path`` inside ``obj``, or "" when absent or null."""
    if len(path) == 1:  # most calls: one field of a record, without the loop
        value = obj.get(path[0]) if isinstance(obj, dict) else None
        return value if isinstance(value, str) else ""
    value = obj
    for key in path:
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    return value if isinstance(value, str) else ""


def nested(obj: Json, *path: str) -> Json:
    """The object at ``path`` inside ``obj``, or {} when absent or not an object.

    ``text(nested(obj, *outer), key)`` is ``text(obj, *outer, key)``, for
    reading several fields of one inner object.
    """
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}
