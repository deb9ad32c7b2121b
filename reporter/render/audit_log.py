"""The audit-log evidence: the window's member, user group and SCIM changes.

How the entries are narrowed: ``collect --audit-since`` asks Audit Logs v2
for the whole window, with no filter. The subset spec's operation
``audit-logs-v2-get-account-audit-logs`` lists only ``since``, ``before``,
``direction``, ``limit`` and ``cursor``; the live filters it mentions
(``resource_product``, ``resource_type``, ``action_type``, ...) take values
that no reference documents for members, user groups or SCIM
(cloudflare-api.md §8: "which field carries the SCIM action names" is
unverified). A server-side filter with a wrong value would answer an empty
list, which reads as "nothing changed". So the snapshot keeps every raw entry
of the window as evidence, and this module narrows them for the reports by
matching the resource product, resource type, action description and request
URI against the three subjects (§5 audit v2 entry shape, §6.5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reporter.snapshot import Snapshot, layout

TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
NOT_REQUESTED = "not collected: pass --audit-since"
# What each subject looks like in an entry's product, type, description or
# URI (lower-cased, with "_" and "-" read as spaces). SCIM first: a SCIM
# group change mentions "group" too, and a SCIM user change is not a member.
SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SCIM", re.compile(r"\bscim\b")),
    ("user group", re.compile(r"\buser ?groups?\b")),
    ("member", re.compile(r"\bmembers?\b|\bmemberships?\b")),
)
# An account-owned token names its integration (§6.5): "scim-okta-v2".
INTEGRATION = re.compile(r"(?<![0-9a-z])(v1|v2)(?![0-9a-z])")


@dataclass(frozen=True)
class AuditEntryRow:
    """One audit-log entry about a member, a user group or SCIM, as a report row."""

    entry_id: str
    time: datetime | None  # UTC; None when the entry carries no readable time
    time_text: str
    actor: str  # the email, else the token name, else the actor id
    actor_type: str  # user, account, system, ...; "" when not given
    action: str  # the description, else the action type
    subject: str  # member, user group or SCIM
    resource: str  # product, type and id as given
    result: str
    integration: str  # "v1" or "v2" when a token name tells, else ""


@dataclass(frozen=True)
class AuditLogView:
    """The audit-log evidence of one snapshot, or why there is none."""

    collected: bool
    note: str  # why nothing is listed, when not collected
    window: str
    total: int  # entries in the window, before narrowing
    rows: tuple[AuditEntryRow, ...]  # oldest first

    @property
    def status_text(self) -> str:
        """One line for a summary: the counts, or why there are none."""
        if not self.collected:
            return self.note
        return f"{len(self.rows)} of {self.total} entries in {self.window}"


def not_requested() -> AuditLogView:
    """The view of a snapshot collected without an audit window."""
    return AuditLogView(False, NOT_REQUESTED, "", 0, ())


def audit_log_view(snapshot: Snapshot) -> AuditLogView:
    """The member, user group and SCIM changes of the snapshot's audit window."""
    record = snapshot.manifest.endpoint(layout.CF_AUDIT_LOGS)
    window = snapshot.manifest.settings.get("audit_window", "")
    if record is None:
        return not_requested()
    entries = snapshot.get(layout.CF_AUDIT_LOGS)
    if record.status != "ok" or not isinstance(entries, list):
        reason = record.reason or "the entry is missing from the snapshot"
        fix = f"; {record.hint}" if record.hint else ""
        return AuditLogView(False, f"could not assess: {reason}{fix}", window, 0, ())

    rows = [row for e in entries if isinstance(e, dict) if (row := entry_row(e))]
    rows.sort(key=lambda r: (r.time or datetime.min.replace(tzinfo=UTC), r.entry_id))
    return AuditLogView(True, "", window, len(entries), tuple(rows))


def entry_row(entry: Mapping[str, Any]) -> AuditEntryRow | None:
    """The entry as a row, or None when it is not about a member, group or SCIM."""
    action = _mapping(entry, "action")
    actor = _mapping(entry, "actor")
    resource = _mapping(entry, "resource")
    subject = subject_of(entry)
    if subject is None:
        return None

    moment = _time(_text(action, "time"))
    token = _text(actor, "token_name")
    return AuditEntryRow(
        entry_id=_text(entry, "id"),
        time=moment,
        time_text=moment.strftime(TIME_FORMAT) if moment else _text(action, "time"),
        actor=_text(actor, "email") or token or _text(actor, "id"),
        actor_type=_text(actor, "type"),
        action=_text(action, "description") or _text(action, "type"),
        subject=subject,
        resource=" ".join(
            v for v in (_text(resource, k) for k in ("product", "type", "id")) if v
        ),
        result=_text(action, "result"),
        integration=integration_of(token),
    )


def subject_of(entry: Mapping[str, Any]) -> str | None:
    """member, user group or SCIM: what the entry changed; None for anything else."""
    resource = _mapping(entry, "resource")
    texts = (
        _text(resource, "product"),
        _text(resource, "type"),
        _text(_mapping(entry, "action"), "description"),
        _text(_mapping(entry, "raw"), "uri"),
    )
    haystack = " ".join(re.sub(r"[_\-/.]", " ", t.lower()) for t in texts)
    for subject, pattern in SUBJECTS:
        if pattern.search(haystack):
            return subject
    return None


def integration_of(token_name: str) -> str:
    """ "v1" or "v2" when the token's name says which integration it is, else ""."""
    found = set(INTEGRATION.findall(token_name.lower()))
    return found.pop() if len(found) == 1 else ""


def _mapping(value: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    found = value.get(key)
    return found if isinstance(found, dict) else {}


def _text(value: Mapping[str, Any], key: str) -> str:
    found = value.get(key)
    if isinstance(found, bool):
        return "success" if found else "failure"  # v1 style result
    return str(found) if isinstance(found, str | int | float) else ""


def _time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (
        parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    )
