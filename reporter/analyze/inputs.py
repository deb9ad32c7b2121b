"""Typed, validated access to a snapshot's entries.

An entry absent from the snapshot was not collected. Accessors here return
its objects only when present; every consumer gates on :meth:`Inputs.missing`
first, so an absent entry is reported as "could not assess", never as empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
    }
)
_KNOWN_ENTRIES = frozenset(layout.CLOUDFLARE_ENTRIES + layout.OKTA_ENTRIES)
_BAD_SHAPE_HINT = "the snapshot was not written by cf-scim-audit; collect it again"


@dataclass(frozen=True)
class Missing:
    """Why an entry a check needs is not in the snapshot."""

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

    def has(self, entry: str) -> bool:
        """Whether ``entry`` was collected."""
        return self.snapshot.has(entry)

    def missing(self, entries: Iterable[str]) -> tuple[Missing, ...]:
        """Why each of ``entries`` that was not collected is absent."""
        return tuple(self._why(e) for e in entries if not self.has(e))

    def items(self, entry: str) -> list[Json]:
        """The objects of a list entry; gate on :meth:`missing` first."""
        value = self.snapshot.get(entry)
        return [item for item in value or [] if _is_object(entry, item)]

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


def _is_object(entry: str, item: Any) -> bool:
    if isinstance(item, dict):
        return True
    raise AnalyzeError(
        f"snapshot entry {entry} holds a non-object item: {item!r:.80}",
        hint=_BAD_SHAPE_HINT,
    )


def text(obj: Json, *path: str) -> str:
    """The string at ``path`` inside ``obj``, or "" when absent or null."""
    value: Any = obj
    for key in path:
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    return value if isinstance(value, str) else ""
