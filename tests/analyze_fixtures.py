"""Build snapshots in memory for analyzer tests, from entries or an Organization.

``snapshot_from_entries`` wraps raw entries (in the APIs' shapes, keyed by
``reporter.snapshot.layout`` names) in a manifest; ``entries_from_organization``
lays a demo ``Organization`` out as the collectors would.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reporter.demo.org import Organization
from reporter.snapshot import layout
from reporter.snapshot.model import EndpointRecord, Manifest, Snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"
ACCOUNT_ID = "92676c84a627399250800312ecb90514"
OTHER_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"


def snapshot_from_entries(
    entries: Mapping[str, Any],
    *,
    account_id: str,
    failed: Mapping[str, EndpointRecord] | None = None,
) -> Snapshot:
    """A snapshot of ``entries``; ``failed`` records endpoints that failed."""
    failed = dict(failed or {})
    ok = [
        EndpointRecord(entry=name, status="ok", pages=1, count=_count(value))
        for name, value in sorted(entries.items())
    ]
    manifest = Manifest(
        format_version=layout.FORMAT_VERSION,
        tool_version="0.0.test",
        started_at="2026-01-15T09:00:00Z",
        finished_at="2026-01-15T09:01:00Z",
        account_id=account_id,
        sources={"cloudflare": "https://api.cloudflare.test"},
        settings={},
        endpoints=(*ok, *(failed[name] for name in sorted(failed))),
        requests=(),
    )
    return Snapshot(
        manifest=manifest, entries=copy.deepcopy(dict(entries)), sha256="0" * 64
    )


def load_entries(scenario: str) -> dict[str, Any]:
    """The JSON entries under ``fixtures/snapshots/<scenario>/``, by layout name."""
    root = FIXTURES / scenario
    entries = {
        path.relative_to(root).as_posix(): json.loads(path.read_text("utf-8"))
        for path in sorted(root.rglob("*.json"))
    }
    if not entries:
        raise FileNotFoundError(f"no snapshot entries under {root}")
    return entries


def failure(entry: str, *, status: int, reason: str, hint: str) -> EndpointRecord:
    """The manifest record of an endpoint that answered ``status``."""
    return EndpointRecord(
        entry=entry, status="failed", http_status=status, reason=reason, hint=hint
    )


def entries_from_organization(org: Organization) -> dict[str, Any]:
    """The snapshot entries the collectors would write for ``org``."""
    cf, okta = org.cloudflare, org.okta
    apps = {app["id"]: app for app in okta.apps}
    app_ids = [i for i in (okta.v1_app_id, okta.v2_app_id) if i]
    mappings = [m for i in app_ids for m in okta.push_mappings.get(i, [])]
    sources = sorted({m["sourceGroupId"] for m in mappings})
    return {
        layout.CF_ACCOUNT: cf.account,
        layout.CF_MEMBERS: cf.members,
        layout.CF_ROLES: cf.roles,
        layout.CF_PERMISSION_GROUPS: cf.permission_groups,
        layout.CF_RESOURCE_GROUPS: cf.resource_groups,
        layout.CF_USER_GROUPS: cf.user_groups,
        layout.CF_USER_GROUP_MEMBERS: cf.user_group_members,
        layout.CF_SCIM_USERS: cf.scim_users,
        layout.CF_SCIM_GROUPS: cf.scim_groups,
        layout.CF_SCIM_GROUP_DETAILS: {
            g["id"]: {**g, "members": cf.scim_group_members.get(g["id"], [])}
            for g in cf.scim_groups
            if not g["id"].startswith("cloudflare-v1-")
        },
        layout.OKTA_APPS: {
            "v1": apps.get(okta.v1_app_id),
            "v2": apps.get(okta.v2_app_id),
        },
        layout.OKTA_APP_USERS: {i: okta.app_users.get(i, []) for i in app_ids},
        layout.OKTA_APP_GROUPS: {i: okta.app_groups.get(i, []) for i in app_ids},
        layout.OKTA_PUSH_MAPPINGS: {i: okta.push_mappings.get(i, []) for i in app_ids},
        layout.OKTA_GROUPS: okta.groups,
        layout.OKTA_GROUP_MEMBERS: {g: okta.group_members.get(g, []) for g in sources},
        layout.OKTA_USERS: okta.users,
    }


def _count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        return len(value)
    return 1
