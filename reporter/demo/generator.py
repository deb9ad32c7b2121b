"""Build the seeded demo organization: one account half-way through its move.

The account is at the "pre" stage of the SCIM v1 to v2 migration
(``shared/domain/cloudflare-api.md`` §9): a v2 Okta app exists and pushes
user groups, but the v1 virtual groups and their Okta mappings remain, and
some members still depend on a virtual group alone.

Everything comes from one ``random.Random(seed)``: no clock, no uuid4, so the
same seed and size always build equal objects. While it builds, the generator
records what it decided (who is at risk, who is suspended, ...) in a
``Ledger``; ``reporter.demo.scenario`` turns that into the declared facts.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reporter.demo.cast import (
    ACCOUNT_SCOPE,
    ADMIN,
    ASCII_FOLD,
    CAST,
    ERROR_GROUP,
    ERROR_SUMMARY,
    EXTRA_GRANTS,
    FIRST_NAMES,
    FOREIGN_SOURCE,
    FORGOTTEN_LOCAL,
    HOSTILE_LOCAL,
    LAST_NAMES,
    OKTA_ORG,
    OWNERS_GROUP,
    READ_ONLY,
    REPLACEMENTS,
    RESOURCE_GROUPS,
    ROLES,
    SCIM_GROUP,
    SCIM_USER,
    STRAY_V1,
    SUPER,
    UNKNOWN_SOURCE,
    USER_GROUPS,
    V1_PREFIX,
    VIRTUAL_GROUPS,
    WHOLE_ACCOUNT,
    ZONE_GROUPS,
    ZONE_SCOPE,
    Person,
)
from reporter.demo.org import CloudflareOrg, Json, OktaOrg, Organization
from reporter.errors import ConfigError

_EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
STAGES = ("pre", "post")
_AREAS = (
    "analytics",
    "billing",
    "cache_purge",
    "dns",
    "dns_records",
    "lb",
    "logs",
    "organization",
    "ssl",
    "waf",
    "zone_settings",
    "zones",
)


@dataclass
class Ledger:
    """What the generator decided, recorded as it built the organization."""

    account_id: str = ""
    at_risk: dict[str, tuple[str, ...]] = field(default_factory=dict)
    virtual_members: dict[str, list[str]] = field(default_factory=dict)
    foreign_groups: list[str] = field(default_factory=list)
    unknown_role_groups: list[str] = field(default_factory=list)
    groups_without_policies: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    deprovisioned: list[str] = field(default_factory=list)
    not_in_idp: list[str] = field(default_factory=list)
    case_mismatch: list[str] = field(default_factory=list)
    hostile_email: str = ""
    pending: list[str] = field(default_factory=list)
    error_mappings: list[str] = field(default_factory=list)
    # post stage: member email -> permission groups the migration lost them
    lost_access: dict[str, tuple[str, ...]] = field(default_factory=dict)


def build_organization(
    *, seed: int = 2026, size: int = 60, stage: str = "pre"
) -> Organization:
    """Build the demo organization for ``seed`` with ``size`` account members.

    ``stage`` "pre" is the account half-way through its move; "post" is the
    same account (same people, same permission groups) after the migration.
    """
    organization, _ = build_scenario(seed=seed, size=size, stage=stage)
    return organization


# The scenario's named people must all fit.
MIN_SIZE = len(CAST)


def build_scenario(
    *, seed: int = 2026, size: int = 60, stage: str = "pre"
) -> tuple[Organization, Ledger]:
    """Build the demo organization and the ledger of what it decided."""
    if stage not in STAGES:
        raise ConfigError(
            f"unknown demo stage {stage!r}", hint=f"pass one of {', '.join(STAGES)}"
        )
    if size < MIN_SIZE:
        raise ConfigError(
            f"demo size {size} is too small for the scenario",
            hint=f"pass a size of at least {MIN_SIZE}",
        )
    # Demo data must be reproducible, not secret.
    builder = _Builder(random.Random(seed), random.Random(f"{seed}:post"))  # noqa: S311
    builder.build(size, post=stage == "post")
    return builder.organization(), builder.ledger


class _Builder:
    """Accumulates the objects of both sides while the scenario is played out."""

    def __init__(self, rng: random.Random, migration_rng: random.Random) -> None:
        self.rng = rng
        # What only the migration adds draws from its own generator, so both
        # stages give every shared object the same ids and timestamps.
        self.migration_rng = migration_rng
        self.newly_in_v2: set[str] = set()  # emails the migration assigns to v2
        self.ledger = Ledger()
        self.account_id = self.hex_id()
        self.ledger.account_id = self.account_id
        self.cf = CloudflareOrg(
            account=self.account(),
            members=[],
            roles=[],
            permission_groups=[],
            resource_groups=[],
            user_groups=[],
            user_group_members={},
            scim_users=[],
            scim_groups=[],
        )
        self.okta = OktaOrg(
            apps=[],
            app_users={},
            app_groups={},
            push_mappings={},
            groups=[],
            group_members={},
            users=[],
        )
        self.roles: dict[str, Json] = {}
        self.pgroups: dict[str, Json] = {}
        self.rgroups: dict[str, Json] = {}
        self.okta_groups: dict[str, Json] = {}  # source groups by name
        self.pushed: dict[str, list[str]] = {}  # source group id -> target ids
        self.ug_ids: dict[str, str] = {}  # user group name -> id
        self.ug_grants: dict[str, frozenset[str]] = {}  # whole-account allows
        self.extra_groups: list[str] = []

    # -- ids and clock -------------------------------------------------------

    def hex_id(self) -> str:
        """A 32-hex Cloudflare tag."""
        return f"{self.rng.getrandbits(128):032x}"

    def okta_id(self, prefix: str) -> str:
        """An Okta id: a type prefix and 17 base-62 characters."""
        alphabet = string.ascii_letters + string.digits
        return prefix + "".join(self.rng.choices(alphabet, k=17))

    def moment(self, *, days: int = 400) -> datetime:
        """A point in time within ``days`` after the scenario's epoch."""
        return _EPOCH + timedelta(minutes=self.rng.randrange(days * 24 * 60))

    def cf_time(self) -> str:
        """A Cloudflare timestamp."""
        return self.moment().strftime("%Y-%m-%dT%H:%M:%SZ")

    def okta_time(self) -> str:
        """An Okta timestamp (milliseconds, Z)."""
        return self.moment().strftime("%Y-%m-%dT%H:%M:%S.000Z")

    # -- Cloudflare catalogue ------------------------------------------------

    def account(self) -> Json:
        """The enterprise account (cloudflare-api.md §5)."""
        return {
            "id": self.account_id,
            "name": "Northwind Traders",
            "type": "enterprise",
            "created_on": "2019-04-02T08:12:44.000000Z",
            "settings": {"enforce_twofactor": True, "abuse_contact_email": ""},
        }

    def build(self, size: int, *, post: bool = False) -> None:
        """Play out the whole scenario for ``size`` members (after it, ``post``)."""
        self.catalogue()
        self.apps()
        self.virtual_groups()
        self.user_groups(size)
        self.errored_push()
        people = list(CAST) + [self.generic_person(n) for n in range(size - len(CAST))]
        # The same people and catalogue in both stages: the migration only
        # starts once everything the random generator picks is drawn.
        if post:
            people = self.migrate(people)
        for person in people:
            self.add_person(person)
        # Someone offboarded properly: deprovisioned in Okta, gone from Cloudflare.
        self.okta_user(
            Person("Former", "Employee", "former.employee", okta_status="DEPROVISIONED")
        )
        self.everyone_group()
        if post:
            self.unlink_v1_mappings()
            self.retire_v1_assignments()

    def catalogue(self) -> None:
        """Legacy roles, same-named permission groups and resource groups."""
        for name, label, read, write, description in ROLES:
            role = {
                "id": self.hex_id(),
                "name": name,
                "description": description,
                "permissions": _permissions(read, write),
            }
            self.roles[name] = role
            self.cf.roles.append(role)
            self.add_permission_group(name, label, ACCOUNT_SCOPE, description)
        for name, label in ZONE_GROUPS:
            self.add_permission_group(name, label, ZONE_SCOPE, f"{name} on zones.")
        self.add_resource_group("whole-account", WHOLE_ACCOUNT, "*")
        for name in RESOURCE_GROUPS:
            zone = f"{ZONE_SCOPE}.{self.hex_id()}"
            self.add_resource_group(name, name, zone)

    def add_permission_group(
        self, name: str, label: str, scopes: str, description: str
    ) -> None:
        """One permission group in its real payload shape (§5)."""
        group = {
            "id": self.hex_id(),
            "name": name,
            "meta": {
                "label": label,
                "scopes": scopes,
                "description": description,
                "editable": "false",
            },
        }
        self.pgroups[name] = group
        self.cf.permission_groups.append(group)

    def add_resource_group(self, name: str, plan: str, object_key: str) -> None:
        """A resource group with one scope (objects `*` = the whole account)."""
        group = {
            "id": self.hex_id(),
            "name": name,
            "scope": {
                "key": f"{ACCOUNT_SCOPE}.{self.account_id}",
                "objects": [{"key": object_key}],
            },
        }
        self.rgroups[plan] = group
        self.cf.resource_groups.append(group)

    def policy(self, access: str, pg_name: str, rg_plan: str) -> Json:
        """A policy item as members and user groups carry it."""
        pg = self.pgroups[pg_name]
        rg = self.rgroups[rg_plan]
        return {
            "id": self.hex_id(),
            "access": access,
            "permission_groups": [
                {
                    "id": pg["id"],
                    "name": pg["name"],
                    "meta": {
                        "label": pg["meta"]["label"],
                        "scopes": pg["meta"]["scopes"],
                    },
                }
            ],
            "resource_groups": [
                {"id": rg["id"], "name": rg["name"], "scope": rg["scope"]}
            ],
        }

    # -- Okta apps and groups ------------------------------------------------

    def apps(self) -> None:
        """The legacy v1 SCIM app, the v2 "Cloudflare Dashboard" app, and Slack."""
        features = [
            "PUSH_NEW_USERS",
            "PUSH_USER_DEACTIVATION",
            "REACTIVATE_USERS",
            "GROUP_PUSH",
        ]
        v1 = self.app(
            "scim2testapp_oauth", "Cloudflare SCIM (v1)", "SAML_2_0", features
        )
        v2 = self.app(
            "cloudflare_dashboard", "Cloudflare Dashboard", "SAML_2_0", features
        )
        self.app("slack", "Slack", "SAML_2_0", ["PUSH_NEW_USERS"])
        self.okta.v1_app_id, self.okta.v2_app_id = v1, v2

    def app(self, name: str, label: str, sign_on: str, features: list[str]) -> str:
        """One Okta app; returns its id."""
        app_id = self.okta_id("0oa")
        self.okta.apps.append(
            {
                "id": app_id,
                "name": name,
                "label": label,
                "status": "ACTIVE",
                "created": self.okta_time(),
                "lastUpdated": self.okta_time(),
                "signOnMode": sign_on,
                "features": list(features),
                "_links": {"self": {"href": f"{OKTA_ORG}/api/v1/apps/{app_id}"}},
            }
        )
        for table in (
            self.okta.app_users,
            self.okta.app_groups,
            self.okta.push_mappings,
        ):
            table[app_id] = []
        return app_id

    def group(self, name: str, app_id: str | None = None) -> Json:
        """An OKTA_GROUP, or an APP_GROUP imported from ``app_id``."""
        group_id = self.okta_id("00g")
        group: Json = {
            "id": group_id,
            "created": self.okta_time(),
            "lastUpdated": self.okta_time(),
            "lastMembershipUpdated": self.okta_time(),
            "objectClass": ["okta:user_group"],
            "type": "OKTA_GROUP" if app_id is None else "APP_GROUP",
            "profile": {"name": name, "description": None},
            "_links": {"self": {"href": f"{OKTA_ORG}/api/v1/groups/{group_id}"}},
        }
        if app_id is not None:
            group["objectClass"] = ["okta:app_group"]
            group["source"] = {"id": app_id}
        self.okta.groups.append(group)
        self.okta.group_members[group_id] = []
        return group

    def source_group(self, name: str, app_id: str) -> Json:
        """An Okta group assigned to ``app_id`` (app users come through it)."""
        group = self.group(name)
        self.okta_groups[name] = group
        self.pushed[group["id"]] = []
        priority = len(self.okta.app_groups[app_id])
        self.okta.app_groups[app_id].append(
            {
                "id": group["id"],
                "lastUpdated": self.okta_time(),
                "priority": priority,
                "profile": {},
                "_links": {"group": {"href": group["_links"]["self"]["href"]}},
                "_embedded": {"group": group},
            }
        )
        return group

    def push(
        self,
        app_id: str,
        source: Json,
        target_name: str | None,
        error: str | None = None,
    ) -> Json | None:
        """A group push mapping; the target is an APP_GROUP of ``app_id``."""
        target = None if target_name is None else self.group(target_name, app_id)
        if target is not None:
            self.pushed[source["id"]].append(target["id"])
        self.okta.push_mappings[app_id].append(
            {
                "id": self.okta_id("gPm"),
                "sourceGroupId": source["id"],
                "targetGroupId": None if target is None else target["id"],
                "status": "ERROR" if error else "ACTIVE",
                "created": self.okta_time(),
                "lastUpdated": self.okta_time(),
                "lastPush": self.okta_time(),
                "errorSummary": error or "",
            }
        )
        return target

    def virtual_groups(self) -> None:
        """SCIM system groups and their v1 Okta wiring, plus stray v1 mappings."""
        v1 = self.okta.v1_app_id
        for role, template, source_name in VIRTUAL_GROUPS:
            display = self.name_of(template, role)
            self.cf.scim_groups.append(
                {
                    "schemas": [SCIM_GROUP],
                    "id": V1_PREFIX + self.pgroups[role]["id"],
                    "displayName": display,
                    "meta": {"resourceType": "Group"},
                }
            )
            self.ledger.virtual_members[display] = []
            self.push(v1, self.source_group(source_name, v1), display)
        other = self.hex_id()
        stray = [self.name_of(template, "", other) for template, _ in STRAY_V1]
        for display, (_, source_name) in zip(stray, STRAY_V1, strict=True):
            self.push(v1, self.source_group(source_name, v1), display)
        self.ledger.foreign_groups.append(stray[0])
        self.ledger.unknown_role_groups.append(stray[1])

    def name_of(self, template: str, role: str, other: str = "") -> str:
        """A v1 group name from its template (``other``: another account id)."""
        return template.format(
            acct=self.account_id, ACCT=self.account_id.upper(), role=role, other=other
        )

    def user_groups(self, size: int) -> None:
        """The SCIM-synced user groups, scaled with ``size`` (300 at 20,000)."""
        plans = list(USER_GROUPS)
        for n in range(max(0, round(size * 300 / 20_000) - len(plans))):
            grant, scope = EXTRA_GRANTS[n % len(EXTRA_GRANTS)]
            plans.append((f"Team-{n + 1:03d} {grant}", grant, scope))
            self.extra_groups.append(plans[-1][0])
        for name, pg_name, rg_plan in plans:
            self.add_user_group(name, pg_name, rg_plan)

    def add_user_group(self, name: str, pg_name: str | None, rg_plan: str) -> None:
        """One user group, its SCIM custom group and its v2 Okta push."""
        v2 = self.okta.v2_app_id
        source = self.source_group(name, v2)
        self.push(v2, source, name)
        group_id = self.hex_id()
        group: Json = {
            "id": group_id,
            "name": name,
            "created_on": self.cf_time(),
            "modified_on": self.cf_time(),
        }
        grants: frozenset[str] = frozenset()
        if pg_name is None:
            # Docs examples omit `policies` when a group has none (§5).
            self.ledger.groups_without_policies.append(name)
        else:
            group["policies"] = [self.policy("allow", pg_name, rg_plan)]
            if rg_plan == WHOLE_ACCOUNT:
                grants = frozenset({pg_name})
        self.cf.user_groups.append(group)
        self.cf.user_group_members[group_id] = []
        self.cf.scim_groups.append(
            {
                "schemas": [SCIM_GROUP],
                "id": group_id,
                "displayName": name,
                "externalId": source["id"],
                "meta": {"resourceType": "Group"},
            }
        )
        self.cf.scim_group_members[group_id] = []
        self.ug_ids[name] = group_id
        self.ug_grants[name] = grants

    @contextmanager
    def migration_draws(self) -> Iterator[None]:
        """Draw from the migration's own generator inside this block."""
        shared, self.rng = self.rng, self.migration_rng
        try:
            yield
        finally:
            self.rng = shared

    def migrate(self, people: list[Person]) -> list[Person]:
        """Move everyone off the virtual groups, forgetting one person."""
        with self.migration_draws():
            self.add_user_group(OWNERS_GROUP, SUPER, WHOLE_ACCOUNT)
            self.attach_billing_policy()
        moved = [self.moved(p) for p in people]
        for old, new in zip(people, moved, strict=True):
            if _in_v2(new) and not _in_v2(old):
                self.newly_in_v2.add(new.email)
            lost = sorted(set(old.virtual) - self.covered(new))
            if lost:
                self.ledger.lost_access[new.email] = tuple(lost)
        return moved

    def moved(self, p: Person) -> Person:
        """``p`` after the migration: each virtual group replaced by a user group."""
        if not p.virtual:
            return p
        if p.local == FORGOTTEN_LOCAL:
            return _with(p, virtual=())
        added = [REPLACEMENTS[role] for role in p.virtual]
        groups = tuple(dict.fromkeys([*p.user_groups, *added]))
        return _with(p, virtual=(), user_groups=groups, v2=True)

    def attach_billing_policy(self) -> None:
        """Step 4 finished: the Billing user group gets its policy."""
        name = REPLACEMENTS["Billing"]
        group = next(g for g in self.cf.user_groups if g["name"] == name)
        group["policies"] = [self.policy("allow", "Billing", WHOLE_ACCOUNT)]
        self.ug_grants[name] = frozenset({"Billing"})
        self.ledger.groups_without_policies.remove(name)

    def unlink_v1_mappings(self) -> None:
        """Step 6: every v1 push mapping unlinked (the Okta groups stay)."""
        self.okta.push_mappings[self.okta.v1_app_id] = []

    def retire_v1_assignments(self) -> None:
        """Step 6 as idp-apis.md section 4 advises: v1 deactivation off first,
        then v1 unassigned from everyone the v2 app covers."""
        v1, v2 = self.okta.v1_app_id, self.okta.v2_app_id
        app = next(a for a in self.okta.apps if a["id"] == v1)
        app["features"] = [f for f in app["features"] if f != "PUSH_USER_DEACTIVATION"]
        in_v2 = {u["id"] for u in self.okta.app_users[v2]}
        self.okta.app_users[v1] = [
            u for u in self.okta.app_users[v1] if u["id"] not in in_v2
        ]

    def errored_push(self) -> None:
        """The v2 push that Cloudflare refused (the name starts with CF)."""
        v2 = self.okta.v2_app_id
        source = self.source_group(ERROR_GROUP, v2)
        self.push(v2, source, None, error=ERROR_SUMMARY)
        self.ledger.error_mappings.append(ERROR_GROUP)

    def everyone_group(self) -> None:
        """Okta's built-in group holding every user."""
        group = self.group("Everyone")
        group["type"] = "BUILT_IN"
        self.okta.group_members[group["id"]] = list(self.okta.users)

    # -- people --------------------------------------------------------------

    def generic_person(self, n: int) -> Person:
        """Someone in one of the scenario's ordinary situations."""
        first = self.rng.choice(FIRST_NAMES)
        last = self.rng.choice(LAST_NAMES)
        local = f"{first}.{last}{n + 1}".lower().translate(ASCII_FOLD)
        status = self.rng.choices(
            ("ACTIVE", "SUSPENDED", "DEPROVISIONED", "LOCKED_OUT", "PASSWORD_EXPIRED"),
            weights=(92, 2, 2, 2, 2),
        )[0]
        kind = self.rng.randrange(9)
        role = self.rng.choice([r for r, _, _ in VIRTUAL_GROUPS])
        plain = Person(first, last, local, okta_status=status)
        return self.situation(plain, kind, role)

    def situation(self, p: Person, kind: int, role: str) -> Person:
        """Give ``p`` the access of situation number ``kind``."""
        covering = {
            "Administrator": "Cloudflare-Admins",
            "DNS": "Cloudflare-DNS-Editors",
        }
        if kind == 0:  # covered by the equivalent user group
            ug = covering.get(role, "Cloudflare-ReadOnly")
            role = role if role in covering else READ_ONLY
            return _with(p, virtual=(role,), user_groups=(ug,), v2=True)
        if kind == 1:  # depends on the virtual group alone
            return _with(p, virtual=(role,))
        if kind == 2:  # fully migrated
            ug = self.rng.choice(self.extra_groups or ["Cloudflare-ReadOnly"])
            return _with(p, user_groups=(ug,), v2=True)
        if kind == 3:  # a direct policy only
            return _with(p, direct=(("allow", "Analytics", WHOLE_ACCOUNT),))
        if kind == 4:  # an independent legacy role only
            return _with(p, roles=(self.rng.choice(("Analytics", "Firewall")),))
        if kind == 5:  # virtual group backed by a direct policy
            return _with(p, virtual=(role,), direct=(("allow", role, WHOLE_ACCOUNT),))
        if kind == 6:  # moved to a user group that has no policy yet
            return _with(p, virtual=("Billing",), user_groups=("Cloudflare-Billing",))
        if kind == 7:  # moved to a zone-scoped group: not equivalent
            zone_group = ("Cloudflare-Zone-Admins",)
            return _with(p, virtual=(ADMIN,), user_groups=zone_group, v2=True)
        return p  # minimal access, nothing else

    def add_person(self, p: Person) -> None:
        """Create the member, SCIM user, Okta user and memberships of ``p``."""
        user_id = self.hex_id()
        okta_user = self.okta_user(p)
        self.cf.members.append(self.member(p, user_id))
        if not p.pending:
            self.cf.scim_users.append(self.scim_user(p, user_id, okta_user))
            self.join_cloudflare_groups(p, user_id)
        if okta_user is not None:
            self.join_okta_groups(p, okta_user)
            if not p.pending:
                self.assign_apps(p, okta_user, user_id)
        self.record(p)

    def member(self, p: Person, user_id: str) -> Json:
        """The account member (``iam_member_with_policies``)."""
        # A v1 group grants its role by editing the member (ARCHITECTURE.md),
        # and SCIM creates members with Minimal Account Access (§6.4).
        roles = list(p.virtual) + list(p.roles)
        if not p.pending:
            roles.append("Minimal Account Access")
        member: Json = {
            "id": self.hex_id(),
            "email": p.email,
            "status": "pending" if p.pending else "accepted",
            "roles": [dict(self.roles[name]) for name in dict.fromkeys(roles)],
            "policies": [self.policy(*policy) for policy in p.direct],
        }
        if p.pending and p.invite_user:
            # Invitees have no user yet: names are null (the id is absent
            # because the spec's identifier schema is not nullable).
            member["user"] = {
                "email": p.email,
                "first_name": p.first or None,
                "last_name": p.last or None,
                "two_factor_authentication_enabled": False,
            }
        elif not p.pending:
            member["user"] = {
                "id": user_id,
                "email": p.email,
                "first_name": p.first,
                "last_name": p.last,
                "two_factor_authentication_enabled": self.rng.random() < 0.8,
            }
        return member

    def scim_user(self, p: Person, user_id: str, okta_user: Json | None) -> Json:
        """The SCIM User, ``groups[]`` holding virtual and custom group ids."""
        groups = [V1_PREFIX + self.pgroups[role]["id"] for role in p.virtual]
        groups += [self.ug_ids[name] for name in p.user_groups]
        user: Json = {
            "schemas": [SCIM_USER],
            "id": user_id,
            "userName": p.email,
            "active": True,
            "name": {
                "givenName": p.first,
                "familyName": p.last,
                "formatted": f"{p.first} {p.last}",
            },
            "displayName": f"{p.first} {p.last}",
            "emails": [{"value": p.email, "primary": True, "type": "work"}],
            "groups": groups,
            "meta": {"resourceType": "User"},
        }
        if okta_user is not None:
            user["externalId"] = okta_user["id"]
        return user

    def join_cloudflare_groups(self, p: Person, user_id: str) -> None:
        """List ``p`` in the user groups (member id) and SCIM custom groups."""
        member = self.cf.members[-1]
        for name in p.user_groups:
            group_id = self.ug_ids[name]
            self.cf.user_group_members[group_id].append(
                {"id": member["id"], "email": p.email, "status": "accepted"}
            )
            self.cf.scim_group_members[group_id].append(
                {"value": user_id, "display": p.email}
            )

    def okta_user(self, p: Person) -> Json | None:
        """The Okta user of ``p``, or None when Okta does not know them."""
        if p.okta_status is None:
            return None
        user_id = self.okta_id("00u")
        created, changed = self.okta_time(), self.okta_time()
        user: Json = {
            "id": user_id,
            "status": p.okta_status,
            "created": created,
            "activated": None if p.okta_status == "STAGED" else created,
            "statusChanged": changed,
            "lastLogin": None if p.okta_status == "STAGED" else changed,
            "lastUpdated": changed,
            "type": {"id": "oty1defaultEXAMPLE01"},
            "profile": {
                "firstName": p.first or None,
                "lastName": p.last or None,
                "email": p.okta_email,
                "login": p.okta_email,
            },
            "_links": {"self": {"href": f"{OKTA_ORG}/api/v1/users/{user_id}"}},
        }
        self.okta.users.append(user)
        return user

    def join_okta_groups(self, p: Person, user: Json) -> None:
        """Put ``user`` in their source groups and the push targets of those."""
        sources = [src for role, _, src in VIRTUAL_GROUPS if role in p.virtual]
        sources += list(p.user_groups) + list(p.okta_groups)
        for name in sources:
            group_id = self.okta_groups[name]["id"]
            for target in [group_id, *self.pushed[group_id]]:
                self.okta.group_members[target].append(user)

    def assign_apps(self, p: Person, user: Json, cf_user_id: str) -> None:
        """App users: v1 for everyone SCIM made, v2 for those moved already."""
        via_v1 = bool(p.virtual) or bool(
            set(p.okta_groups) & {FOREIGN_SOURCE, UNKNOWN_SOURCE}
        )
        self.app_user(self.okta.v1_app_id, p, user, cf_user_id, via_v1)
        # Group Push only reaches app users, so group members are assigned too.
        if not _in_v2(p):
            return
        via_v2 = bool(p.user_groups) or ERROR_GROUP in p.okta_groups
        if p.email in self.newly_in_v2:
            with self.migration_draws():
                self.app_user(self.okta.v2_app_id, p, user, cf_user_id, via_v2)
        else:
            self.app_user(self.okta.v2_app_id, p, user, cf_user_id, via_v2)

    def app_user(
        self, app_id: str, p: Person, user: Json, cf_user_id: str, via_group: bool
    ) -> None:
        """One app user (``expand=user`` shape, §2.4)."""
        assigned = self.okta_time()
        self.okta.app_users[app_id].append(
            {
                "id": user["id"],
                "externalId": cf_user_id,
                "created": assigned,
                "lastUpdated": assigned,
                "scope": "GROUP" if via_group else "USER",
                "status": "PROVISIONED",
                "statusChanged": assigned,
                "syncState": "SYNCHRONIZED",
                "lastSync": assigned,
                "credentials": {"userName": p.okta_email},
                "profile": {"email": p.okta_email, "givenName": p.first},
                "_links": {"user": {"href": user["_links"]["self"]["href"]}},
                "_embedded": {"user": user},
            }
        )

    def record(self, p: Person) -> None:
        """Write down what ``p`` shows, for the declared facts."""
        ledger, email = self.ledger, p.email
        if p.pending:
            ledger.pending.append(email)
        if p.okta_status is None:
            ledger.not_in_idp.append(email)
        elif p.okta_status == "SUSPENDED" and not p.pending:
            ledger.suspended.append(email)
        elif p.okta_status == "DEPROVISIONED" and not p.pending:
            ledger.deprovisioned.append(email)
        if p.okta_email != email:
            ledger.case_mismatch.append(email)
        if p.local == HOSTILE_LOCAL:
            ledger.hostile_email = email
        for role, template, _ in VIRTUAL_GROUPS:
            if role in p.virtual:
                ledger.virtual_members[self.name_of(template, role)].append(email)
        # A legacy role matching a virtual group belongs to that group.
        assert not set(p.roles) & set(p.virtual), p.email
        lost = sorted(set(p.virtual) - self.covered(p))
        if lost:
            ledger.at_risk[email] = tuple(lost)

    def covered(self, p: Person) -> set[str]:
        """Permission groups ``p`` holds on the whole account without v1 groups."""
        held = set(p.roles)
        held.update(
            pg
            for access, pg, rg in p.direct
            if (access, rg) == ("allow", WHOLE_ACCOUNT)
        )
        for name in p.user_groups:
            held.update(self.ug_grants[name])
        return held

    def organization(self) -> Organization:
        """The finished organization."""
        return Organization(cloudflare=self.cf, okta=self.okta)


def _in_v2(p: Person) -> bool:
    """Whether ``p`` is a user of the v2 app (Group Push needs app users)."""
    return p.v2 or bool(p.user_groups)


def _with(p: Person, **changes: Any) -> Person:
    """A copy of ``p`` with ``changes``."""
    return replace(p, **changes)


def _permissions(read: str, write: str) -> Json:
    """A legacy role's ``permissions`` object: every area, read/write flags."""

    def areas(spec: str) -> Iterable[str]:
        return _AREAS if spec == "*" else [a for a in spec.split(",") if a]

    readable, writable = set(areas(read)), set(areas(write))
    return {
        area: {"read": area in readable or area in writable, "write": area in writable}
        for area in _AREAS
    }


# The demo's audit window: after Audit Logs v2 began recording SCIM changes
# (2026-03-18, cloudflare-api.md §6.5) and before the samples' fixed clock.
DEMO_AUDIT_SINCE = "2026-05-01"
_AUDIT_EVENTS = (
    # (day and hour, token name or "" for the admin, product, type,
    #  description, action type, method); a delete is refused (409)
    ("11T09", "scim-okta-v2", "scim", "user", "Create SCIM User", "create", "POST"),
    ("11T09", "scim-okta-v2", "scim", "group", "Update SCIM Group", "update", "PATCH"),
    ("12T14", "scim-okta-v1", "scim", "group", "Update SCIM Group", "update", "PATCH"),
    ("13T10", "", "iam", "user_group", "Update User Group", "update", "PUT"),
    ("14T08", "", "members", "member", "Update Member", "update", "PUT"),
    ("14T11", "", "dns", "dns_record", "Update DNS Record", "update", "PUT"),
    ("15T16", "scim-okta-v1", "scim", "user", "Delete SCIM User", "delete", "DELETE"),
)


def demo_audit_logs(org: Organization) -> list[Json]:
    """A few Audit Logs v2 entries (§5 shape) for the demo's audit window.

    Derived from the organization alone, so the same seed gives the same
    entries: SCIM changes by the v1 and v2 integrations' tokens, a user group
    and a member edited by the first member, and one DNS change that the
    report's audit-log table leaves out.
    """
    account = org.cloudflare.account["id"]
    admin = org.cloudflare.members[0]
    entries = []
    for number, (when, token, product, kind, text, action, method) in enumerate(
        _AUDIT_EVENTS, start=1
    ):
        if token:
            actor = {
                "type": "account",
                "context": "api_token",
                "token_id": f"{number:02d}{account[2:]}",
                "token_name": token,
            }
        else:
            actor = {"type": "user", "context": "dash", "email": admin["email"]}
        failed = action == "delete"
        entries.append(
            {
                "id": f"{account[:24]}{number:08d}",
                "account": {"id": account},
                "action": {
                    "description": text,
                    "result": "failure" if failed else "success",
                    "time": f"2026-05-{when}:{number:02d}:00Z",
                    "type": action,
                },
                "actor": actor,
                "resource": {"product": product, "type": kind},
                "raw": {"method": method, "status_code": 409 if failed else 200},
            }
        )
    return entries
