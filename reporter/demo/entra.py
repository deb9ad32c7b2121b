"""The demo organization's identity provider as Microsoft Entra ID shows it.

The same people, apps and groups as the Okta side (``generator.py``), in
Graph v1.0 shapes (``idp-apis.md`` §3): the v1 enterprise app has the
``CF-<account> - <Role>`` groups assigned (Entra provisions groups by name),
the v2 "Cloudflare Dashboard" app has the new groups, and users assigned
one by one in Okta are assigned one by one here. On top, the Entra pitfalls
of §8 each appear once: a guest with an ``#EXT#`` UPN, a UPN that differs
from mail, and a user reachable only through a nested group. Okta's
SUSPENDED and DEPROVISIONED users are disabled (``accountEnabled: false``).

Ids are UUIDs derived from the Okta ids, so the tenant is as reproducible
as the organization. ``entra_facts_for`` declares what the analysis must
find, from these decisions, never from an analyzer.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reporter.demo.cast import DOMAIN
from reporter.demo.org import Json, OktaOrg, Organization

TENANT_DOMAIN = "northwindtraders.onmicrosoft.com"
TEMPLATE_ID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"  # non-gallery app (§3.2)
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"
NESTED_GROUP = "DNS Contractors"
DISABLED = frozenset({"SUSPENDED", "DEPROVISIONED"})
USER_TYPE = "#microsoft.graph.user"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_TYPE = "#microsoft.graph.group"


@dataclass
class EntraTenant:
    """An Entra ID tenant as Graph returns it; the emulator serves one."""

    service_principals: list[Json]
    assignments: dict[str, list[Json]]  # sp id -> appRoleAssignedTo
    groups: list[Json]
    # group id -> direct member ids (users and nested groups), in order
    group_members: dict[str, list[str]]
    users: list[Json]
    jobs: dict[str, list[Json]]  # sp id -> synchronization jobs
    schemas: dict[str, Json]  # job id -> schema
    v1_sp_id: str = ""
    v2_sp_id: str = ""


@dataclass(frozen=True)
class EntraFacts:
    """What the Entra side of the demo must show; emails are Entra ``mail``."""

    v1_sp_id: str
    v2_sp_id: str
    v1_job_status: str
    disabled_still_member: tuple[str, ...]  # accountEnabled false, member
    guests: tuple[str, ...]  # userPrincipalName with #EXT#
    upn_differs_from_mail: tuple[str, ...]
    nested_only: tuple[str, ...]  # reachable only through a nested group
    # Expected users of each app: direct user members of assigned groups plus
    # users assigned directly (nesting is not provisioned, §8).
    v1_only: tuple[str, ...]
    v2_only: tuple[str, ...]
    both: tuple[str, ...]
    v1_group_names: tuple[str, ...] = field(default=())


class DemoCredential:
    """A credential for the emulator: azure-identity refuses a non-https authority.

    It hands out a fixed throwaway token, the way ``ClientSecretCredential``
    hands out one from Entra ID; ``repr`` never shows it.
    """

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str) -> Any:
        from azure.core.credentials import AccessToken

        # An hour, like Entra's app-only tokens.
        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "DemoCredential(token=…)"


def entra_uuid(kind: str, key: str) -> str:
    """A stable UUID for the Entra object of ``kind`` standing for ``key``."""
    digest = hashlib.sha256(f"entra:{kind}:{key}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def build_entra(
    org: Organization, members: frozenset[str] = frozenset()
) -> EntraTenant:
    """The Entra tenant of ``org``; ``members`` are Cloudflare member emails."""
    return _Tenant(org.okta, members or _member_emails(org)).build()


def _member_emails(org: Organization) -> frozenset[str]:
    return frozenset(m["email"].casefold() for m in org.cloudflare.members)


class _Tenant:
    """Builds the tenant from the Okta side, then adds the §8 pitfalls."""

    def __init__(self, okta: OktaOrg, members: frozenset[str]) -> None:
        self.okta = okta
        self.members = members
        self.users: dict[str, Json] = {}  # okta user id -> Entra user
        self.groups: list[Json] = []
        self.group_members: dict[str, list[str]] = {}
        self.assignments: dict[str, list[Json]] = {}
        self.picked: set[str] = set()

    def build(self) -> EntraTenant:
        for okta_user in self.okta.users:
            self.users[okta_user["id"]] = _user(okta_user)
        v1 = self.service_principal(self.okta.v1_app_id, "Cloudflare SCIM (v1)")
        v2 = self.service_principal(self.okta.v2_app_id, "Cloudflare Dashboard")
        self.assign_v1_groups(v1["id"])
        self.assign_v2_groups(v2["id"])
        self.assign_users(self.okta.v1_app_id, v1)
        self.assign_users(self.okta.v2_app_id, v2)
        self.pitfalls()
        jobs = {sp["id"]: [_job(sp)] for sp in (v1, v2)}
        schemas = {
            jobs[v1["id"]][0]["id"]: _schema(jobs[v1["id"]][0]["id"], scoped=True),
            jobs[v2["id"]][0]["id"]: _schema(jobs[v2["id"]][0]["id"], scoped=False),
        }
        return EntraTenant(
            service_principals=[v1, v2],
            assignments=self.assignments,
            groups=self.groups,
            group_members=self.group_members,
            users=list(self.users.values()),
            jobs=jobs,
            schemas=schemas,
            v1_sp_id=v1["id"],
            v2_sp_id=v2["id"],
        )

    def service_principal(self, okta_app_id: str, name: str) -> Json:
        sp_id = entra_uuid("servicePrincipal", okta_app_id)
        self.assignments[sp_id] = []
        return {
            "id": sp_id,
            "appId": entra_uuid("application", okta_app_id),
            "displayName": name,
            "applicationTemplateId": TEMPLATE_ID,
            "appRoleAssignmentRequired": True,
            "accountEnabled": True,
            "servicePrincipalType": "Application",
            "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        }

    def group(self, key: str, name: str, users: list[Json]) -> Json:
        group: Json = {
            "id": entra_uuid("group", key),
            "displayName": name,
            "description": None,
            "membershipRule": None,
            "groupTypes": [],
            "securityEnabled": True,
            "mailEnabled": False,
        }
        self.groups.append(group)
        ids = [self.users[u["id"]]["id"] for u in users if u["id"] in self.users]
        self.group_members[group["id"]] = list(dict.fromkeys(ids))
        return group

    def assign(self, sp: str, principal: Json, kind: str) -> None:
        name = principal.get("displayName", "")
        self.assignments[sp].append(
            {
                "id": entra_uuid("assignment", f"{sp}:{principal['id']}"),
                "deletedDateTime": None,
                "appRoleId": DEFAULT_ACCESS,
                "createdDateTime": "2025-02-03T09:00:00Z",
                "principalDisplayName": name,
                "principalId": principal["id"],
                "principalType": kind,
                "resourceDisplayName": "",
                "resourceId": sp,
            }
        )

    def assign_v1_groups(self, sp: str) -> None:
        """Each v1 push target becomes a ``CF-`` group with the source's members."""
        names = {g["id"]: g["profile"]["name"] for g in self.okta.groups}
        for mapping in self.okta.push_mappings.get(self.okta.v1_app_id, []):
            target = mapping.get("targetGroupId")
            if not target:
                continue
            source = mapping["sourceGroupId"]
            members = self.okta.group_members.get(source, [])
            group = self.group(target, names[target], members)
            self.assign(sp, group, "Group")

    def assign_v2_groups(self, sp: str) -> None:
        """The v2 app's groups, under their own names, with the same members."""
        for app_group in self.okta.app_groups.get(self.okta.v2_app_id, []):
            okta_group = app_group["_embedded"]["group"]
            members = self.okta.group_members.get(okta_group["id"], [])
            group = self.group(okta_group["id"], okta_group["profile"]["name"], members)
            self.assign(sp, group, "Group")

    def assign_users(self, okta_app_id: str, sp: Json) -> None:
        """Users Okta assigned one by one (scope USER) are assigned directly."""
        for app_user in self.okta.app_users.get(okta_app_id, []):
            if app_user.get("scope") == "USER" and app_user["id"] in self.users:
                self.assign(sp["id"], self.users[app_user["id"]], "User")

    # -- the §8 pitfalls ------------------------------------------------------

    def pitfalls(self) -> None:
        """One guest, one UPN other than mail, one nested-only user."""
        v1_groups = [g for g in self.groups if g["displayName"].startswith("CF-")]
        candidates = self.single_group_members(v1_groups)
        guest, renamed, nested = [*candidates, None, None, None][:3]
        if guest is not None:
            local, _, domain = guest["mail"].partition("@")
            guest["userPrincipalName"] = f"{local}_{domain}#EXT#@{TENANT_DOMAIN}"
            guest["userType"] = "Guest"
            guest["otherMails"] = [guest["mail"]]
        if renamed is not None:
            local = renamed["mail"].partition("@")[0].casefold()
            renamed["userPrincipalName"] = f"{local}@{TENANT_DOMAIN}"
        if nested is not None:
            self.nest(nested, v1_groups)
        self.v2_only()

    def v2_only(self) -> None:
        """One user moved already: the direct v1 assignment removed, v2 kept."""
        v1 = entra_uuid("servicePrincipal", self.okta.v1_app_id)
        v2 = entra_uuid("servicePrincipal", self.okta.v2_app_id)
        in_v2 = {
            m
            for a in self.assignments[v2]
            if a["principalType"] == "Group"
            for m in self.group_members[a["principalId"]]
        }
        direct = sorted(
            (a for a in self.assignments[v1] if a["principalType"] == "User"),
            key=lambda a: a["principalId"],
        )
        moved = next((a for a in direct if a["principalId"] in in_v2), None)
        if moved is not None:
            self.assignments[v1].remove(moved)

    def single_group_members(self, v1_groups: list[Json]) -> list[Json]:
        """Enabled Cloudflare members in exactly one v1 group and nothing else."""
        counts: dict[str, int] = {}
        for members in self.group_members.values():
            for member in members:
                counts[member] = counts.get(member, 0) + 1
        direct = {
            a["principalId"] for listed in self.assignments.values() for a in listed
        }
        v1_ids = {m for g in v1_groups for m in self.group_members[g["id"]]}
        found = [
            user
            for user in sorted(self.users.values(), key=lambda u: u["mail"].casefold())
            if user["id"] in v1_ids
            and counts.get(user["id"]) == 1
            and user["id"] not in direct
            and user["accountEnabled"]
            and user["mail"].casefold() in self.members
            and user["mail"].casefold().endswith("@" + DOMAIN)
        ]
        return found

    def nest(self, user: Json, v1_groups: list[Json]) -> None:
        """Move ``user`` from their v1 group into a group nested in it."""
        parent = next(g for g in v1_groups if user["id"] in self.group_members[g["id"]])
        inner = self.group(NESTED_GROUP, NESTED_GROUP, [])
        self.group_members[inner["id"]] = [user["id"]]
        members = self.group_members[parent["id"]]
        members.remove(user["id"])
        members.append(inner["id"])


def _user(okta_user: Json) -> Json:
    profile = okta_user["profile"]
    first, last = profile.get("firstName") or "", profile.get("lastName") or ""
    return {
        "id": entra_uuid("user", okta_user["id"]),
        "displayName": f"{first} {last}".strip() or profile["email"],
        "userPrincipalName": profile["login"],
        "mail": profile["email"],
        "otherMails": [],
        "accountEnabled": okta_user["status"] not in DISABLED,
        "userType": "Member",
    }


def _job(sp: Json) -> Json:
    """The SCIM provisioning job: both apps provision, v1 can still deprovision."""
    return {
        "id": f"scim.{sp['id'].replace('-', '')}.{sp['appId']}",
        "templateId": "scim",
        "schedule": {"expiration": None, "interval": "PT40M", "state": "Active"},
        "status": {
            "code": "Active",
            "countSuccessiveCompleteFailures": 0,
            "escrowsPruned": False,
            "lastSuccessfulExecution": {
                "timeBegan": "2026-01-12T08:20:00Z",
                "timeEnded": "2026-01-12T08:21:07Z",
                "state": "Succeeded",
                "error": None,
            },
            "quarantine": None,
            "steadyStateLastAchievedTime": "2026-01-12T08:21:07Z",
            "synchronizedEntryCountByType": [],
            "troubleshootingUrl": None,
        },
    }


def _mapping(expression: str, target: str) -> Json:
    return {
        "source": {"expression": expression, "type": "Attribute", "parameters": []},
        "targetAttributeName": target,
        "flowBehavior": "FlowWhenChanged",
        "flowType": "Always",
        "matchingPriority": 1 if target in ("userName", "displayName") else 0,
        "defaultValue": "",
        "exportMissingReferences": False,
    }


def _schema(job_id: str, *, scoped: bool) -> Json:
    """Users map UPN to userName and IsSoftDeleted to active; v1 scopes CF- groups."""
    group_scope = None
    if scoped:
        clause = {
            "operatorName": "REGEX_MATCH",
            "sourceOperandName": "displayName",
            "targetOperand": {"values": ["^CF-"]},
        }
        group_scope = {"groups": [{"clauses": [clause]}]}
    active = 'Switch([IsSoftDeleted], , "False", "True", "True", "False")'
    users = {
        "name": "Provision Microsoft Entra ID Users",
        "enabled": True,
        "flowTypes": "Add,Update,Delete",
        "sourceObjectName": "User",
        "targetObjectName": ENTERPRISE_USER,
        "attributeMappings": [
            _mapping("[userPrincipalName]", "userName"),
            _mapping(active, "active"),
        ],
        "scope": None,
    }
    groups = {
        "name": "Provision Microsoft Entra ID Groups",
        "enabled": True,
        "flowTypes": "Add,Update,Delete",
        "sourceObjectName": "Group",
        "targetObjectName": "urn:ietf:params:scim:schemas:core:2.0:Group",
        "attributeMappings": [_mapping("[displayName]", "displayName")],
        "scope": group_scope,
    }
    rule = {
        "id": "SCIM2Cloudflare",
        "name": "SCIM2Cloudflare",
        "editable": True,
        "priority": 1,
        "sourceDirectoryName": "Microsoft Entra ID",
        "targetDirectoryName": "customappsso",
        "objectMappings": [users, groups],
    }
    return {
        "id": job_id,
        "version": "Date:2026-01-12T08:00:00Z~Version:3",
        "synchronizationRules": [rule],
        "directories": [],
    }


def entra_facts(tenant: EntraTenant, members: frozenset[str]) -> EntraFacts:
    """The facts ``tenant`` was built to show; ``members`` are member emails."""
    users = {u["id"]: u for u in tenant.users}
    groups = {g["id"]: g for g in tenant.groups}
    expected = {
        sp: _expected(tenant, sp, users) for sp in (tenant.v1_sp_id, tenant.v2_sp_id)
    }
    v1, v2 = expected[tenant.v1_sp_id], expected[tenant.v2_sp_id]
    nested = _nested_only(tenant, users, groups) - v1 - v2
    in_cloudflare = [u for u in tenant.users if u["mail"].casefold() in members]
    return EntraFacts(
        v1_sp_id=tenant.v1_sp_id,
        v2_sp_id=tenant.v2_sp_id,
        v1_job_status=tenant.jobs[tenant.v1_sp_id][0]["status"]["code"],
        disabled_still_member=_sorted(
            u["mail"] for u in in_cloudflare if not u["accountEnabled"]
        ),
        guests=_sorted(
            u["userPrincipalName"]
            for u in tenant.users
            if "#EXT#" in u["userPrincipalName"]
        ),
        upn_differs_from_mail=_sorted(
            u["mail"] for u in tenant.users if u["userPrincipalName"] != u["mail"]
        ),
        nested_only=_sorted(users[i]["mail"] for i in nested),
        v1_only=_sorted(users[i]["mail"] for i in v1 - v2),
        v2_only=_sorted(users[i]["mail"] for i in v2 - v1),
        both=_sorted(users[i]["mail"] for i in v1 & v2),
        v1_group_names=_sorted(
            groups[a["principalId"]]["displayName"]
            for a in tenant.assignments[tenant.v1_sp_id]
            if a["principalType"] == "Group"
        ),
    )


def _expected(tenant: EntraTenant, sp: str, users: dict[str, Json]) -> set[str]:
    """User ids an app provisions: direct users of assigned groups, direct users."""
    found: set[str] = set()
    for assignment in tenant.assignments[sp]:
        principal = assignment["principalId"]
        if assignment["principalType"] == "User":
            found.add(principal)
        else:
            found.update(m for m in tenant.group_members[principal] if m in users)
    return found


def _nested_only(
    tenant: EntraTenant, users: dict[str, Json], groups: dict[str, Json]
) -> set[str]:
    """Users reachable from an assigned group only through a nested group."""
    found: set[str] = set()
    for listed in tenant.assignments.values():
        for assignment in listed:
            if assignment["principalType"] != "Group":
                continue
            for member in tenant.group_members[assignment["principalId"]]:
                if member in groups:
                    found.update(_transitive_users(tenant, member, users))
    return found


def _transitive_users(
    tenant: EntraTenant, group_id: str, users: dict[str, Json]
) -> set[str]:
    found: set[str] = set()
    pending, seen = [group_id], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for member in tenant.group_members.get(current, []):
            if member in users:
                found.add(member)
            else:
                pending.append(member)
    return found


def _sorted(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


@cache
def entra_facts_for(seed: int = 2026, size: int = 60, stage: str = "pre") -> EntraFacts:
    """The declared Entra facts of the demo organization for ``seed`` and ``size``."""
    from reporter.demo.generator import build_organization

    org = build_organization(seed=seed, size=size, stage=stage)
    members = _member_emails(org)
    return entra_facts(build_entra(org, members), members)
