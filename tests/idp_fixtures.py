"""Entra ID (Microsoft Graph) entries and --idp-file rows, in their real shapes.

The Graph objects follow ``idp-apis.md`` §3.2-3.4 (what the Entra collector
stores, raw); file rows carry the canonical columns of §5, every value text,
plus the file line they came from. Cloudflare entries come from
``analyze_fixtures``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from analyze_fixtures import ACCOUNT_ID

from reporter.collect.idp_file import CANONICAL_COLUMNS
from reporter.snapshot import layout

Json = dict[str, Any]
NON_GALLERY_TEMPLATE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"
GRAPH_USER = "#microsoft.graph.user"
GRAPH_GROUP = "#microsoft.graph.group"


def guid(seed: str) -> str:
    """A stable Graph object id derived from ``seed``."""
    return str(uuid.UUID(hashlib.sha256(seed.encode()).hexdigest()[:32]))


def v1_name(role: str, account_id: str = ACCOUNT_ID) -> str:
    """The v1 group name Entra admins type: ``CF-<account> - <Role>``."""
    return f"CF-{account_id} - {role}"


def service_principal(name: str) -> Json:
    """A non-gallery enterprise app as ``/servicePrincipals`` lists it."""
    return {
        "id": guid(f"sp:{name}"),
        "appId": guid(f"app:{name}"),
        "displayName": name,
        "applicationTemplateId": NON_GALLERY_TEMPLATE,
        "appRoleAssignmentRequired": True,
    }


V1_SP = service_principal("Cloudflare SCIM v1")
V2_SP = service_principal("Cloudflare Dashboard")


def entra_user(
    email: str,
    *,
    mail: str | None = None,
    upn: str | None = None,
    enabled: bool = True,
    guest: bool = False,
    other_mails: tuple[str, ...] = (),
) -> Json:
    """A user as ``members/microsoft.graph.user?$select=...`` returns it.

    ``mail`` defaults to ``email`` and the UPN to ``email``; a guest's UPN is
    ``<local>_<domain>#EXT#@example.onmicrosoft.com`` unless given.
    """
    if upn is None:
        upn = email
        if guest:
            upn = f"{email.replace('@', '_')}#EXT#@example.onmicrosoft.com"
    return {
        "@odata.type": GRAPH_USER,
        "id": guid(f"user:{email}:{upn}"),
        "userPrincipalName": upn,
        "mail": email if mail is None else mail,
        "otherMails": list(other_mails),
        "accountEnabled": enabled,
        "userType": "Guest" if guest else "Member",
        "displayName": email.split("@", 1)[0].title(),
    }


def entra_group(name: str) -> Json:
    """A group as ``/groups?$select=id,displayName,membershipRule`` returns it."""
    return {"id": guid(f"group:{name}"), "displayName": name, "membershipRule": None}


def as_nested(group: Json) -> Json:
    """A group object as ``transitiveMembers`` lists it beside the users."""
    return {"@odata.type": GRAPH_GROUP, **group}


def role_assignment(principal: Json, sp: Json) -> Json:
    """An ``appRoleAssignedTo`` item assigning ``principal`` (user or group)."""
    is_group = "userPrincipalName" not in principal
    return {
        "id": guid(f"assign:{principal['id']}:{sp['id']}")[:26],
        "principalType": "Group" if is_group else "User",
        "principalId": principal["id"],
        "principalDisplayName": principal["displayName"],
        "resourceId": sp["id"],
        "appRoleId": DEFAULT_ACCESS,
    }


def sync_job(sp: Json, code: str, *, quarantine: str = "") -> Json:
    """A ``synchronization/jobs`` item in state ``code``."""
    status: Json = {
        "code": code,
        "countSuccessiveCompleteFailures": 0,
        "lastSuccessfulExecution": {"timeEnded": "2026-01-15T08:40:00Z"},
    }
    if quarantine:
        status["quarantine"] = {"reason": quarantine, "currentBegan": "2026-01-14"}
    return {
        "id": f"scim.{guid(sp['id']).replace('-', '')}.{sp['appId']}",
        "templateId": "scim",
        "schedule": {"interval": "PT40M", "state": "Active"},
        "status": status,
    }


def entra_entries(
    *,
    v1: Json | None = V1_SP,
    v2: Json | None = V2_SP,
    users: list[Json] | None = None,
    assigned: dict[str, list[Json]] | None = None,
    members: dict[str, list[Json]] | None = None,
    nested: dict[str, list[Json]] | None = None,
    groups: list[Json] | None = None,
    jobs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every Entra entry, collected.

    ``assigned`` maps "v1"/"v2" to the users and groups assigned to that app;
    ``members`` and ``nested`` map a group's name to its direct members and to
    what ``transitiveMembers`` adds (users and nested groups); ``jobs`` maps
    "v1"/"v2" to the status code of the app's provisioning job.
    """
    sps = {"v1": v1, "v2": v2}
    assigned = assigned or {}
    members, nested = members or {}, nested or {}
    known = [*(groups or [])]
    for principals in assigned.values():
        known += [p for p in principals if "userPrincipalName" not in p]
    by_name = {g["displayName"]: g for g in known}
    # users.json holds every user an assignment reaches, directly or not.
    all_users = list(users or [])
    for people in (*members.values(), *assigned.values()):
        all_users += [u for u in people if "userPrincipalName" in u]
    all_users = list({u["id"]: u for u in all_users}.values())
    return {
        layout.ENTRA_SERVICE_PRINCIPALS: sps,
        layout.ENTRA_ASSIGNMENTS: {
            sp["id"]: [role_assignment(p, sp) for p in assigned.get(tag, [])]
            for tag, sp in sps.items()
            if sp
        },
        layout.ENTRA_GROUPS: list({g["id"]: g for g in known}.values()),
        layout.ENTRA_GROUP_MEMBERS: {
            by_name[name]["id"]: people for name, people in members.items()
        },
        layout.ENTRA_GROUP_TRANSITIVE: {
            by_name[name]["id"]: [*members.get(name, []), *nested.get(name, [])]
            for name in {*members, *nested}
        },
        layout.ENTRA_USERS: all_users,
        layout.ENTRA_SYNC_JOBS: {
            sp["id"]: [sync_job(sp, code)]
            for tag, sp in sps.items()
            if sp and (code := (jobs or {}).get(tag))
        },
        layout.ENTRA_SYNC_SCHEMAS: {},
    }


# -- --idp-file rows (idp-apis.md §5) --

FILE_COLUMNS = CANONICAL_COLUMNS


def file_row(line: int, **values: str) -> Json:
    """A canonical row: every column text ("" when empty), plus its line."""
    unknown = set(values) - set(FILE_COLUMNS)
    if unknown:
        raise ValueError(f"not canonical columns: {sorted(unknown)}")
    return {**{c: values.get(c, "") for c in FILE_COLUMNS}, "line": line}


def file_user_row(
    line: int, email: str, app: str, *, status: str = "ACTIVE", group: str = ""
) -> Json:
    """A user assigned to ``app`` (an app label), directly or through ``group``."""
    return file_row(
        line,
        idp="authentik",
        app_id=f"app-{app.casefold().replace(' ', '-')}",
        app_label=app,
        principal_type="user",
        principal_id=f"u-{email}",
        principal_name=email.split("@", 1)[0],
        user_login=email,
        user_email=email,
        user_status=status,
        group_name=group,
        assignment_scope="group" if group else "user",
    )


def file_group_row(line: int, name: str, app: str, *, pushed: str = "") -> Json:
    """A group assigned to ``app``, pushed when ``pushed`` says so."""
    return file_row(
        line,
        idp="authentik",
        app_id=f"app-{app.casefold().replace(' ', '-')}",
        app_label=app,
        principal_type="group",
        principal_id=f"g-{name}",
        principal_name=name,
        group_id=f"g-{name}",
        group_name=name,
        assignment_scope="group",
        pushed=pushed,
        push_target_name=name if pushed else "",
    )


def file_entries(rows: list[Json]) -> dict[str, Any]:
    """The two file-import entries for ``rows``."""
    return {
        layout.IDP_FILE_ROWS: rows,
        layout.IDP_FILE_SOURCE: {
            "name": "assignments.csv",
            "format": "csv",
            "sha256": "0" * 64,
            "rows": len(rows),
        },
    }
