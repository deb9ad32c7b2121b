"""Build snapshots in memory for analyzer tests, from entries or an Organization.

``snapshot_from_entries`` wraps raw entries (in the APIs' shapes, keyed by
``reporter.snapshot.layout`` names) in a manifest; ``entries_from_organization``
lays a demo ``Organization`` out as the collectors would.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
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


# -- builders: the smallest API objects a test needs, in their real shapes --

Json = dict[str, Any]
ACCOUNT_SCOPE_KEY = f"com.cloudflare.api.account.{ACCOUNT_ID}"
ZONE_ID = "d16e6dd3a3c8d9cb7e3f13316f1dc677"
V1_APP_ID, V2_APP_ID = "0oa1cfv1EXAMPLE00001", "0oa1cfv2EXAMPLE00002"
_LABELS = {
    "Administrator": "admin",
    "Super Administrator - All Privileges": "super_admin",
    "Administrator Read Only": "admin_readonly",
    "DNS": "dns",
    "Billing": "billing",
}


def hex_id(seed: str) -> str:
    """A stable 32-hex Cloudflare tag derived from ``seed``."""
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def pg_id(name: str) -> str:
    """The id of the permission group ``name`` in these fixtures."""
    return hex_id(f"pg:{name}")


def permission_group(name: str, label: str | None = None) -> Json:
    """A permission group as ``/iam/permission_groups`` lists it."""
    meta = {"label": label or _LABELS.get(name, name.casefold()), "scopes": ACCOUNT}
    return {"id": pg_id(name), "name": name, "meta": meta}


ACCOUNT = "com.cloudflare.api.account"
PERMISSION_GROUPS = [permission_group(name) for name in _LABELS]


def whole_account(account_id: str = ACCOUNT_ID) -> Json:
    """A resource group over the whole account."""
    key = f"com.cloudflare.api.account.{account_id}"
    return {"id": hex_id(f"rg:{key}"), "scope": {"key": key, "objects": [{"key": "*"}]}}


def one_zone(zone_id: str = ZONE_ID) -> Json:
    """A resource group over one zone of the audited account."""
    zone = f"com.cloudflare.api.account.zone.{zone_id}"
    scope = {"key": ACCOUNT_SCOPE_KEY, "objects": [{"key": zone}]}
    return {"id": hex_id(f"rg:{zone}"), "scope": scope}


def policy(
    pg_name: str, *, access: str = "allow", resource_group: Json | None = None
) -> Json:
    """A policy granting one permission group on one resource group."""
    resource_group = resource_group or whole_account()
    pg = next((g for g in PERMISSION_GROUPS if g["name"] == pg_name), None)
    pg = pg or {"id": pg_id(pg_name), "name": pg_name}
    return {
        "id": hex_id(f"policy:{pg_name}:{access}:{resource_group['id']}"),
        "access": access,
        "permission_groups": [pg],
        "resource_groups": [resource_group],
    }


def role(name: str) -> Json:
    """A legacy role as a member's ``roles[]`` holds it."""
    return {"id": hex_id(f"role:{name}"), "name": name, "description": name}


def member(
    email: str,
    *,
    roles: tuple[str, ...] = (),
    policies: tuple[Json, ...] = (),
    status: str = "accepted",
    first: str = "",
    last: str = "",
) -> Json:
    """An account member; its ``user.id`` is :func:`user_id` of the email."""
    return {
        "id": hex_id(f"member:{email}"),
        "email": email,
        "status": status,
        "user": {
            "id": user_id(email),
            "email": email,
            "first_name": first or None,
            "last_name": last or None,
            "two_factor_authentication_enabled": True,
        },
        "roles": [role(r) for r in roles],
        "policies": list(policies),
    }


def member_id(email: str) -> str:
    """The member id :func:`member` gives ``email``."""
    return hex_id(f"member:{email}")


def user_id(email: str) -> str:
    """The Cloudflare user id (and SCIM id) of ``email``."""
    return hex_id(f"user:{email}")


def v1_group_id(role_name: str) -> str:
    """The SCIM id of the virtual group of ``role_name``."""
    return f"cloudflare-v1-{pg_id(role_name)}"


def v1_group(
    role_name: str, *, account_id: str = ACCOUNT_ID, separator: str = " - "
) -> Json:
    """A SCIM system group ``CF-<account><separator><role>``."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": v1_group_id(role_name),
        "displayName": f"CF-{account_id}{separator}{role_name}",
        "meta": {"resourceType": "Group"},
    }


def custom_scim_group(name: str, *, external_id: str = "") -> Json:
    """A SCIM custom group with the id of the user group of ``name``."""
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": hex_id(f"ug:{name}"),
        "displayName": name,
        "meta": {"resourceType": "Group"},
    }
    if external_id:
        group["externalId"] = external_id
    return group


def scim_user(email: str, *groups: str) -> Json:
    """A SCIM user in ``groups`` (ids), joined to the member by ``user.id``."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": user_id(email),
        "userName": email,
        "active": True,
        "emails": [{"value": email, "primary": True, "type": "work"}],
        "groups": list(groups),
    }


def user_group(name: str, *policies: Json) -> Json:
    """A user group; ``policies`` is omitted when empty, as Cloudflare does."""
    group: Json = {"id": hex_id(f"ug:{name}"), "name": name}
    if policies:
        group["policies"] = list(policies)
    return group


def cloudflare_entries(
    members: list[Json],
    *,
    scim_users: list[Json] | None = None,
    scim_groups: list[Json] | None = None,
    user_groups: list[Json] | None = None,
    user_group_members: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Every Cloudflare entry, collected; user group members by group name."""
    groups = user_groups or []
    ids = {g["name"]: g["id"] for g in groups}
    by_email = {m["email"]: m for m in members}
    listed = {
        ids[name]: [
            {"id": by_email[e]["id"], "email": e, "status": by_email[e]["status"]}
            for e in emails
        ]
        for name, emails in (user_group_members or {}).items()
    }
    return {
        layout.CF_ACCOUNT: {
            "id": ACCOUNT_ID,
            "name": "Example Corp",
            "type": "enterprise",
        },
        layout.CF_MEMBERS: members,
        layout.CF_ROLES: [],
        layout.CF_PERMISSION_GROUPS: PERMISSION_GROUPS,
        layout.CF_RESOURCE_GROUPS: [whole_account(), one_zone()],
        layout.CF_USER_GROUPS: groups,
        layout.CF_USER_GROUP_MEMBERS: {
            g["id"]: listed.get(g["id"], []) for g in groups
        },
        layout.CF_SCIM_USERS: scim_users or [],
        layout.CF_SCIM_GROUPS: scim_groups or [],
        layout.CF_SCIM_GROUP_DETAILS: {},
    }


def okta_app(app_id: str, label: str, status: str = "ACTIVE") -> Json:
    """An Okta app as ``/api/v1/apps/{id}`` returns it."""
    return {"id": app_id, "name": label.casefold(), "label": label, "status": status}


def okta_user(email: str, status: str = "ACTIVE") -> Json:
    """An Okta user whose login and email are ``email``."""
    return {
        "id": f"00u{hex_id(email)[:17]}",
        "status": status,
        "profile": {"login": email, "email": email},
    }


def app_user(email: str) -> Json:
    """An app user (``expand=user``) for ``email``."""
    user = okta_user(email)
    return {
        "id": user["id"],
        "scope": "USER",
        "status": "PROVISIONED",
        "credentials": {"userName": email},
        "_embedded": {"user": user},
    }


def okta_group(name: str, *, kind: str = "OKTA_GROUP") -> Json:
    """An Okta group; its id is derived from ``name``."""
    return {"id": okta_group_id(name), "type": kind, "profile": {"name": name}}


def okta_group_id(name: str) -> str:
    """The id :func:`okta_group` gives ``name``."""
    return f"00g{hex_id(name)[:17]}"


def push_mapping(
    source: str, target: str, status: str = "ACTIVE", error: str = ""
) -> Json:
    """A Group Push mapping from group ``source`` to ``target`` (names)."""
    return {
        "id": f"gPm{hex_id(source + target)[:17]}",
        "sourceGroupId": okta_group_id(source),
        "targetGroupId": okta_group_id(target),
        "status": status,
        "errorSummary": error,
    }


def okta_entries(
    *,
    v1: Json | None = None,
    v2: Json | None = None,
    app_users: dict[str, list[str]] | None = None,
    app_groups: dict[str, list[str]] | None = None,
    mappings: dict[str, list[Json]] | None = None,
    groups: list[Json] | None = None,
    users: list[Json] | None = None,
) -> dict[str, Any]:
    """Every Okta entry, collected; app users by email, app groups by name."""
    app_ids = [a["id"] for a in (v1, v2) if a]
    known = {g["profile"]["name"]: g for g in groups or []}
    return {
        layout.OKTA_APPS: {"v1": v1, "v2": v2},
        layout.OKTA_APP_USERS: {
            i: [app_user(e) for e in (app_users or {}).get(i, [])] for i in app_ids
        },
        layout.OKTA_APP_GROUPS: {
            i: [
                {
                    "id": okta_group_id(n),
                    "_embedded": {"group": known.get(n) or okta_group(n)},
                }
                for n in (app_groups or {}).get(i, [])
            ]
            for i in app_ids
        },
        layout.OKTA_PUSH_MAPPINGS: {i: (mappings or {}).get(i, []) for i in app_ids},
        layout.OKTA_GROUPS: groups or [],
        layout.OKTA_GROUP_MEMBERS: {},
        layout.OKTA_USERS: users or [],
    }


def analyze_entries(
    entries: Mapping[str, Any], failed: Mapping[str, EndpointRecord] | None = None
) -> Analysis:
    """Analyse ``entries`` as a snapshot of the fixtures' account."""
    return analyze(snapshot_from_entries(entries, account_id=ACCOUNT_ID, failed=failed))
