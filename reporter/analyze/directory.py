"""The identity provider as the checks see it, whichever IdP it is.

One :class:`Directory` per snapshot, built by an adapter from the Okta
entries, the Entra ID (Microsoft Graph) entries or the rows of an
``--idp-file`` import (``idp-apis.md`` §2, §3, §5). Checks read only this
model, so one check covers every IdP; what an IdP cannot tell (Okta has no
nested groups, a file has no transitive membership) is said by
:func:`idp_missing`, never read as empty.

People are joined to Cloudflare members by the one rule of
``docs/matching.md``; :meth:`Directory.match` returns the match and how it was
made, so ambiguous and probable matches become findings of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from reporter.analyze.identity import (
    KeyForm,
    KeyIndex,
    clean_email,
    email_key,
    guest_upn_candidates,
    is_guest_upn,
    name_key,
)
from reporter.analyze.inputs import Inputs, Json, Missing, nested, text
from reporter.analyze.names import parse_v1_name
from reporter.errors import AnalyzeError
from reporter.snapshot import layout

log = logging.getLogger(__name__)

IDP_NAMES = {"okta": "Okta", "entra": "Entra ID", "file": "the IdP file"}


class Status(StrEnum):
    """An IdP user's status, normalised across IdPs (the raw one is kept)."""

    ACTIVE = "active"
    STAGED = "staged"  # created, never activated (Okta STAGED / PROVISIONED)
    SUSPENDED = "suspended"
    DEPROVISIONED = "deprovisioned"
    DISABLED = "disabled"  # Entra accountEnabled=false, or a file saying so
    UNKNOWN = "unknown"


INACTIVE = frozenset({Status.SUSPENDED, Status.DEPROVISIONED, Status.DISABLED})


class Coverage(StrEnum):
    """Which of the two Cloudflare apps assign a person."""

    V1 = "v1 only"
    V2 = "v2 only"
    BOTH = "both"
    NEITHER = "neither"


@dataclass(frozen=True, slots=True)
class IdpUser:
    """One person in the IdP, with every address they can be matched by."""

    user_id: str
    login: str  # Okta login, Entra userPrincipalName, the file's user_login
    forms: tuple[KeyForm, ...]  # addresses by matching tier (docs/matching.md)
    status: Status
    raw_status: str  # the IdP's own word: SUSPENDED, accountEnabled=false, ...
    rank: int  # when one key has several users, the lowest rank is shown
    mail: str = ""
    upn: str = ""  # Entra only
    guest: bool = False  # Entra userType Guest

    @property
    def label(self) -> str:
        """The address to show: login, else mail, else the id; a guest's mail.

        A guest's login is an ``#EXT#`` UPN nobody recognises (idp-apis.md §8).
        """
        if self.guest and self.mail:
            return self.mail
        return self.login or self.mail or self.user_id


@dataclass(frozen=True, slots=True)
class IdpApp:
    """The v1 (virtual groups) or v2 (user groups) Cloudflare app."""

    tag: str  # "v1" or "v2"
    app_id: str
    label: str
    status: str
    # Whether unassigning a user sends active:false (idp-apis.md §4); None
    # when the snapshot cannot tell.
    can_deprovision: bool | None
    deprovision_evidence: str
    # Whether the app is live (Okta ACTIVE; Entra enabled with an Active
    # provisioning job); None when the snapshot cannot tell.
    active: bool | None = None
    active_evidence: str = ""


@dataclass(frozen=True, slots=True)
class Assignment:
    """One user assigned to one app, directly or through a group."""

    app: str  # "v1" or "v2"
    user_id: str
    via_group: bool
    group_name: str
    login: str  # the username the app provisions (Okta credentials.userName)
    status: str  # the assignment's own status, e.g. PROVISIONED
    user_status: str  # the user's raw status, e.g. ACTIVE, accountEnabled=false
    keys: frozenset[str]  # email keys the assignment is known by


@dataclass(frozen=True, slots=True)
class GroupAssignment:
    """One group assigned to one app."""

    app: str
    group_id: str
    name: str


@dataclass(frozen=True, slots=True)
class IdpGroup:
    """An IdP group, its direct user members and users reached only by nesting."""

    group_id: str
    name: str
    direct: tuple[str, ...]  # user ids
    nested_only: tuple[str, ...] = ()  # user ids, never group objects
    members_known: bool = True  # False when its members were not collected


@dataclass(frozen=True, slots=True)
class PushMapping:
    """A group the IdP pushes to Cloudflare, and the state of the push."""

    app: str  # "v1", "v2" or the app id when it is neither
    mapping_id: str
    source_id: str
    source_name: str
    target_name: str
    status: str  # "active", "inactive" or "error"
    raw_status: str
    error: str


@dataclass(frozen=True, slots=True)
class Match:
    """How a Cloudflare member's email found (or did not find) an IdP user."""

    user: IdpUser | None
    probable: bool = False  # only a decoded guest UPN matched: review it
    candidates: tuple[IdpUser, ...] = ()  # every user the key reached
    via: str = ""  # the address that matched

    @property
    def ambiguous(self) -> bool:
        """Whether the key reached more than one IdP user."""
        return len(self.candidates) > 1


@dataclass(frozen=True)
class Directory:
    """The IdP's users, apps, assignments, groups and push mappings."""

    idp: str  # "okta", "entra" or "file"
    users: tuple[IdpUser, ...]
    apps: Mapping[str, IdpApp]  # "v1" / "v2" -> the app located
    assignments: tuple[Assignment, ...]
    group_assignments: tuple[GroupAssignment, ...]
    groups: Mapping[str, IdpGroup]
    mappings: tuple[PushMapping, ...]
    _index: KeyIndex = field(default_factory=KeyIndex, repr=False, compare=False)
    # app tags by user id and by email key, for coverage()
    _tags: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for user in self.users:
            for form in user.forms:
                self._index.add(form)
        for assignment in self.assignments:
            for key in (f"id:{assignment.user_id}", *assignment.keys):
                self._tags.setdefault(key, set()).add(assignment.app)

    @property
    def name(self) -> str:
        """The IdP's name in finding text: Okta, Entra ID or the IdP file."""
        return IDP_NAMES[self.idp]

    @cached_property
    def users_by_id(self) -> dict[str, IdpUser]:
        """Every user by IdP id."""
        return {u.user_id: u for u in self.users}

    @cached_property
    def exact_keys(self) -> dict[str, frozenset[str]]:
        """Each user's email keys by IdP id, decoded guest UPNs left out."""
        return {
            u.user_id: frozenset(email_key(f.form) for f in u.forms if not f.probable)
            for u in self.users
        }

    def match(self, email: str) -> Match:
        """The IdP user of ``email`` by the rule of docs/matching.md."""
        forms = self._index.lookup(email)
        by_id = self.users_by_id
        owners = [by_id[o] for o in dict.fromkeys(f.owner for f in forms)]
        if not owners:
            return Match(user=None)
        ranked = sorted(owners, key=lambda u: (u.rank, u.user_id))
        chosen = ranked[0]
        via = next(f.form for f in forms if f.owner == chosen.user_id)
        return Match(
            user=chosen,
            probable=all(f.probable for f in forms),
            candidates=tuple(ranked),
            via=via,
        )

    def assigned_keys(self, app: str) -> set[str]:
        """Email keys of every user assigned to ``app`` ("v1" or "v2")."""
        keys: set[str] = set()
        for assignment in self.assignments:
            if assignment.app == app:
                keys |= assignment.keys
        return keys

    def coverage(self, user: IdpUser) -> Coverage:
        """Which apps assign ``user`` (by id, or by any of their addresses)."""
        tags: set[str] = set()
        for key in (f"id:{user.user_id}", *self.exact_keys[user.user_id]):
            tags |= self._tags.get(key, set())
        if {"v1", "v2"} <= tags:
            return Coverage.BOTH
        if "v1" in tags:
            return Coverage.V1
        return Coverage.V2 if "v2" in tags else Coverage.NEITHER


# -- which IdP, and what it could not tell -----------------------------------

# What a check may need from the IdP, and the entries each IdP answers it
# from. An empty tuple: the IdP has no such thing, so nothing is missing.
_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "okta": {
        "users": (layout.OKTA_USERS,),
        "apps": (layout.OKTA_APPS,),
        "app_users": (layout.OKTA_APP_USERS,),
        "app_groups": (layout.OKTA_APP_GROUPS,),
        "groups": (layout.OKTA_GROUPS,),
        "group_members": (layout.OKTA_GROUP_MEMBERS,),
        "nested": (),  # Okta has no nested groups (idp-apis.md §8)
        "push_mappings": (layout.OKTA_PUSH_MAPPINGS,),
        # Where the CF- names live (idp-apis.md §1): on Okta the push target.
        "virtual_links": (layout.OKTA_PUSH_MAPPINGS, layout.OKTA_GROUPS),
    },
    "entra": {
        "users": (layout.ENTRA_USERS,),
        "apps": (layout.ENTRA_SERVICE_PRINCIPALS,),
        "app_users": (layout.ENTRA_ASSIGNMENTS, layout.ENTRA_GROUP_MEMBERS),
        "app_groups": (layout.ENTRA_ASSIGNMENTS,),
        "groups": (layout.ENTRA_GROUPS,),
        "group_members": (layout.ENTRA_GROUP_MEMBERS,),
        "nested": (layout.ENTRA_GROUP_TRANSITIVE,),
        "push_mappings": (layout.ENTRA_ASSIGNMENTS, layout.ENTRA_SYNC_JOBS),
        # On Entra ID the assigned group's displayName.
        "virtual_links": (layout.ENTRA_ASSIGNMENTS,),
    },
    "file": {
        need: (layout.IDP_FILE_ROWS,)
        for need in (
            "users",
            "apps",
            "app_users",
            "app_groups",
            "groups",
            "group_members",
            "push_mappings",
            "virtual_links",
        )
    },
}
# Needs a file import answers only when it has the push columns.
_FILE_PUSH_NEEDS = frozenset({"push_mappings", "virtual_links"})
# ... the group columns (or --idp-file-group), and a Cloudflare app.
_FILE_GROUP_NEEDS = frozenset({"groups", "group_members", "app_groups"})
_GROUP_COLUMNS = ("group_name", "group_id")
_FILE_APP_NEEDS = frozenset({"apps", "app_users", "app_groups"})
_APP_COLUMNS = ("app", "app_id", "app_label")
_SOURCES = {"okta": "okta/", "entra": "entra/", "file": "idp_file/"}


def which_idp(inputs: Inputs) -> str:
    """The IdP the snapshot was collected from; Okta when none was.

    With no IdP at all, the Okta entries are the ones named as missing, as
    before Entra and file imports existed.
    """
    manifest = inputs.snapshot.manifest
    named = {e.entry for e in manifest.endpoints} | set(inputs.snapshot.entries)
    found = [
        idp
        for idp, prefix in _SOURCES.items()
        if any(name.startswith(prefix) for name in named)
    ]
    if len(found) > 1:
        names = " and ".join(IDP_NAMES[idp] for idp in found)
        raise AnalyzeError(
            f"the snapshot holds entries of two identity providers ({names}); "
            "the analysis reads one IdP per snapshot",
            hint="collect one snapshot per IdP and analyse each on its own",
        )
    return found[0] if found else "okta"


def idp_missing(inputs: Inputs, idp: str, needs: Iterable[str]) -> tuple[Missing, ...]:
    """Why the IdP entries behind ``needs`` cannot be used, if they cannot."""
    entries: list[str] = []
    absent: list[Missing] = []
    for need in needs:
        if idp == "file" and need == "nested":
            absent.append(_FILE_HAS_NO_NESTING)
            continue
        if idp == "file" and need in _FILE_PUSH_NEEDS and not _file_pushes(inputs):
            absent.append(_FILE_HAS_NO_PUSH_STATE)
        if (
            idp == "file"
            and need in _FILE_GROUP_NEEDS
            and not _file_has(inputs, _GROUP_COLUMNS, "group")
        ):
            absent.append(_FILE_HAS_NO_GROUPS)
        if (
            idp == "file"
            and need in _FILE_APP_NEEDS
            and not _file_has(inputs, _APP_COLUMNS, "app")
        ):
            absent.append(_FILE_HAS_NO_APPS)
        entries.extend(_NEEDS[idp][need])
    return inputs.missing(dict.fromkeys(entries)) + tuple(dict.fromkeys(absent))


def _file_pushes(inputs: Inputs) -> bool:
    # Rows not collected are named missing on their own.
    return not inputs.has(layout.IDP_FILE_ROWS) or file_has_push_state(inputs)


def file_has_push_state(inputs: Inputs) -> bool:
    """Whether the file import says which groups are pushed (docs/idp-file.md).

    ``source.json`` names the file's columns; without it a row that fills
    ``pushed`` shows the file had the column.
    """
    columns = inputs.mapping(layout.IDP_FILE_SOURCE).get("columns")
    if isinstance(columns, dict):
        return "pushed" in columns.values()
    return any(text(row, "pushed") for row in inputs.items(layout.IDP_FILE_ROWS))


def _file_has(inputs: Inputs, columns: tuple[str, ...], option: str) -> bool:
    """Whether the file import has one of ``columns``, or the option setting it.

    Rows not collected are named missing on their own. Without ``source.json``
    a row that fills one of the columns shows the file had it.
    """
    if not inputs.has(layout.IDP_FILE_ROWS):
        return True
    source = inputs.mapping(layout.IDP_FILE_SOURCE)
    found = source.get("columns")
    if isinstance(found, dict):
        return bool(source.get(option)) or any(c in found.values() for c in columns)
    rows = inputs.items(layout.IDP_FILE_ROWS)
    return any(text(row, c) for row in rows for c in columns)


_FILE_HAS_NO_GROUPS = Missing(
    entry=layout.IDP_FILE_ROWS,
    reason="the file import names no groups (no group_name or group_id column)",
    hint=(
        "add the group_name column (docs/idp-file.md), or pass --idp-file-group "
        "for an Entra Download members file"
    ),
)


_FILE_HAS_NO_APPS = Missing(
    entry=layout.IDP_FILE_ROWS,
    reason="the file import names no Cloudflare app (no app column)",
    hint="add the app column (v1 or v2), or pass --idp-file-app v1|v2",
)


_FILE_HAS_NO_NESTING = Missing(
    entry=layout.IDP_FILE_ROWS,
    reason="an IdP file import lists assignments, not nested group membership",
    hint=(
        "collect from Entra ID with GroupMember.Read.All to see users reached "
        "only through nested groups"
    ),
)


_FILE_HAS_NO_PUSH_STATE = Missing(
    entry=layout.IDP_FILE_ROWS,
    reason=(
        "the file import has no push state; add the pushed and push_target_name "
        "columns (docs/idp-file.md)"
    ),
    hint="add the pushed and push_target_name columns to the IdP file",
)


def build_directory(inputs: Inputs, account_id: str) -> Directory:
    """The directory of the snapshot's IdP, from the entries that were collected."""
    idp = which_idp(inputs)
    if idp == "entra":
        return _entra(inputs)
    if idp == "file":
        return _file(inputs, account_id)
    return _okta(inputs)


# -- Okta (idp-apis.md §2) ----------------------------------------------------

# When one email has several Okta users, the liveliest one speaks for it.
_OKTA_RANK = {"ACTIVE": 0, "SUSPENDED": 2, "DEPROVISIONED": 3}
_OKTA_STATUS = {
    "ACTIVE": Status.ACTIVE,
    "PASSWORD_EXPIRED": Status.ACTIVE,
    "LOCKED_OUT": Status.ACTIVE,
    "RECOVERY": Status.ACTIVE,
    "STAGED": Status.STAGED,
    "PROVISIONED": Status.STAGED,
    "SUSPENDED": Status.SUSPENDED,
    "DEPROVISIONED": Status.DEPROVISIONED,
}


def _okta(inputs: Inputs) -> Directory:
    raw_apps = inputs.mapping(layout.OKTA_APPS)
    apps = {
        tag: _okta_app(tag, app)
        for tag in ("v1", "v2")
        if isinstance(app := raw_apps.get(tag), dict)
    }
    tags = {a.app_id: a.tag for a in apps.values()}
    groups = {text(g, "id"): g for g in inputs.items(layout.OKTA_GROUPS)}
    members = _lists(inputs.mapping(layout.OKTA_GROUP_MEMBERS))
    return Directory(
        idp="okta",
        users=tuple(_okta_user(u) for u in inputs.items(layout.OKTA_USERS)),
        apps=apps,
        assignments=tuple(
            _okta_assignment(tags[app_id], user)
            for app_id, users in _lists(inputs.mapping(layout.OKTA_APP_USERS)).items()
            if app_id in tags
            for user in users
        ),
        group_assignments=tuple(
            GroupAssignment(
                app=tags[app_id],
                group_id=text(item, "id"),
                name=text(item, "_embedded", "group", "profile", "name")
                or text(groups.get(text(item, "id"), {}), "profile", "name"),
            )
            for app_id, items in _lists(inputs.mapping(layout.OKTA_APP_GROUPS)).items()
            if app_id in tags
            for item in items
        ),
        groups={
            gid: IdpGroup(
                group_id=gid,
                name=text(group, "profile", "name"),
                direct=tuple(text(u, "id") for u in members.get(gid, [])),
                members_known=gid in members,
            )
            for gid, group in groups.items()
        },
        mappings=tuple(
            _okta_mapping(tags.get(app_id, app_id), mapping, groups)
            for app_id, items in _lists(
                inputs.mapping(layout.OKTA_PUSH_MAPPINGS)
            ).items()
            for mapping in items
        ),
    )


def _okta_app(tag: str, app: Json) -> IdpApp:
    features = app.get("features")
    if not isinstance(features, list):
        can, evidence = None, "Okta returned no features for the app"
    else:
        can = "PUSH_USER_DEACTIVATION" in features
        evidence = (
            "its features include PUSH_USER_DEACTIVATION"
            if can
            else "its features do not include PUSH_USER_DEACTIVATION"
        )
    status = text(app, "status")
    return IdpApp(
        tag=tag,
        app_id=text(app, "id"),
        label=text(app, "label") or text(app, "name"),
        status=status,
        can_deprovision=can,
        deprovision_evidence=evidence,
        active=status == "ACTIVE" if status else None,
        active_evidence=f"is {status}" if status else "is of unknown status",
    )


def _okta_user(user: Json) -> IdpUser:
    raw, user_id = text(user, "status"), text(user, "id")
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    email, login = text(profile, "email"), text(profile, "login")
    # Email and login are most often the same address: clean it once.
    cleaned = {f: clean_email(f) for f in (email, login) if f}
    return IdpUser(
        user_id=user_id,
        login=login or email,
        forms=tuple(
            KeyForm(owner=user_id, form=cleaned[f], tier=0) for f in (email, login) if f
        ),
        status=_OKTA_STATUS.get(raw, Status.UNKNOWN),
        raw_status=raw,
        rank=_OKTA_RANK.get(raw, 1),
        mail=email,
    )


def _okta_assignment(tag: str, app_user: Json) -> Assignment:
    user = nested(app_user, "_embedded", "user")
    profile = nested(user, "profile")
    forms = (
        text(app_user, "credentials", "userName"),
        text(profile, "email"),
        text(profile, "login"),
    )
    return Assignment(
        app=tag,
        user_id=text(app_user, "id"),
        via_group=text(app_user, "scope") == "GROUP",
        group_name="",  # Okta's app user does not say which group
        login=forms[0] or forms[2] or forms[1],
        status=text(app_user, "status"),
        user_status=text(user, "status"),
        # The three forms are most often one address: key each one once.
        keys=frozenset(email_key(f) for f in set(forms) if f),
    )


def _okta_mapping(app: str, mapping: Json, groups: Mapping[str, Json]) -> PushMapping:
    raw = text(mapping, "status")
    source = text(mapping, "sourceGroupId")
    target = text(mapping, "targetGroupId")
    return PushMapping(
        app=app,
        mapping_id=text(mapping, "id"),
        source_id=source,
        source_name=text(groups.get(source, {}), "profile", "name"),
        target_name=text(groups.get(target, {}), "profile", "name"),
        status={"ACTIVE": "active", "ERROR": "error"}.get(raw, "inactive"),
        raw_status=raw,
        error=text(mapping, "errorSummary"),
    )


# -- Entra ID (idp-apis.md §3) -----------------------------------------------

_GRAPH_USER = "#microsoft.graph.user"


def _entra(inputs: Inputs) -> Directory:
    sps = inputs.mapping(layout.ENTRA_SERVICE_PRINCIPALS)
    jobs = _lists(inputs.mapping(layout.ENTRA_SYNC_JOBS))
    located = {t: sp for t in ("v1", "v2") if isinstance(sp := sps.get(t), dict)}
    apps = {t: _entra_app(t, sp, jobs) for t, sp in located.items()}
    direct = _user_lists(inputs.mapping(layout.ENTRA_GROUP_MEMBERS))
    transitive = _user_lists(inputs.mapping(layout.ENTRA_GROUP_TRANSITIVE))
    raw_groups = {text(g, "id"): g for g in inputs.items(layout.ENTRA_GROUPS)}
    assigned = _lists(inputs.mapping(layout.ENTRA_ASSIGNMENTS))
    users: dict[str, Json] = {}
    for user in (
        *inputs.items(layout.ENTRA_USERS),
        *(u for group in direct.values() for u in group),
        *(u for group in transitive.values() for u in group),
    ):
        users.setdefault(text(user, "id"), user)
    group_assignments = [
        GroupAssignment(
            app=tag,
            group_id=text(a, "principalId"),
            name=text(a, "principalDisplayName")
            or text(raw_groups.get(text(a, "principalId"), {}), "displayName"),
        )
        for tag, sp in located.items()
        for a in assigned.get(text(sp, "id"), [])
        if text(a, "principalType") == "Group"
    ]
    return Directory(
        idp="entra",
        users=tuple(_entra_user(u) for u in users.values()),
        apps=apps,
        assignments=tuple(
            _entra_assignments(located, assigned, direct, group_assignments, users)
        ),
        group_assignments=tuple(group_assignments),
        groups=_entra_groups(raw_groups, group_assignments, direct, transitive),
        mappings=tuple(_entra_mappings(located, jobs, group_assignments)),
    )


def _entra_app(tag: str, sp: Json, jobs: Mapping[str, list[Json]]) -> IdpApp:
    sp_id = text(sp, "id")
    codes = [text(j, "status", "code") for j in jobs.get(sp_id, [])]
    if sp_id not in jobs:
        can, evidence = None, "no provisioning job of it was collected"
    else:
        can = "Active" in codes
        shown = ", ".join(c or "unknown" for c in codes) or "none"
        evidence = f"its provisioning job status is {shown}"
    active, active_evidence = _entra_active(sp, codes if sp_id in jobs else None)
    return IdpApp(
        tag=tag,
        app_id=sp_id,
        label=text(sp, "displayName"),
        status="",
        can_deprovision=can,
        deprovision_evidence=evidence,
        active=active,
        active_evidence=active_evidence,
    )


def _entra_active(sp: Json, codes: list[str] | None) -> tuple[bool | None, str]:
    """Whether a service principal provisions: enabled, with an Active job (§3.2)."""
    if sp.get("accountEnabled") is False:
        return False, "is disabled (accountEnabled=false)"
    if codes is None:
        return None, "has no provisioning job collected"
    if "Active" in codes:
        return True, "provisions (its provisioning job is Active)"
    shown = ", ".join(c or "unknown" for c in codes) or "none"
    return False, f"does not provision (provisioning job status: {shown})"


def _entra_user(user: Json) -> IdpUser:
    user_id = text(user, "id")
    mail, upn = text(user, "mail"), text(user, "userPrincipalName")
    others = [m for m in user.get("otherMails") or [] if isinstance(m, str)]
    # mail, then otherMails, then the UPN; a guest UPN only decoded (§8).
    forms = [KeyForm(user_id, clean_email(mail), 0)] if mail else []
    forms += [KeyForm(user_id, clean_email(m), 1) for m in others if m]
    if is_guest_upn(upn):
        forms += [
            KeyForm(user_id, c, 2, probable=True) for c in guest_upn_candidates(upn)
        ]
    elif upn:
        forms.append(KeyForm(user_id, clean_email(upn), 2))
    enabled = user.get("accountEnabled")
    if isinstance(enabled, bool):
        status = Status.ACTIVE if enabled else Status.DISABLED
        raw = f"accountEnabled={str(enabled).lower()}"
    else:
        status, raw = Status.UNKNOWN, "accountEnabled not collected"
    return IdpUser(
        user_id=user_id,
        login=upn or mail,
        forms=tuple(forms),
        status=status,
        raw_status=raw,
        rank={Status.ACTIVE: 0, Status.UNKNOWN: 1}.get(status, 2),
        mail=mail,
        upn=upn,
        guest=text(user, "userType") == "Guest",
    )


def _entra_assignments(
    located: Mapping[str, Json],
    assigned: Mapping[str, list[Json]],
    direct: Mapping[str, list[Json]],
    group_assignments: list[GroupAssignment],
    users: Mapping[str, Json],
) -> Iterable[Assignment]:
    for tag, sp in located.items():
        for item in assigned.get(text(sp, "id"), []):
            if text(item, "principalType") == "User":
                user = users.get(text(item, "principalId"), {})
                yield _entra_assignment(tag, text(item, "principalId"), user, "")
    # Entra provisions the direct user members of an assigned group only.
    for ga in group_assignments:
        for user in direct.get(ga.group_id, []):
            yield _entra_assignment(ga.app, text(user, "id"), user, ga.name)


def _entra_assignment(tag: str, user_id: str, user: Json, group: str) -> Assignment:
    forms = (text(user, "mail"), text(user, "userPrincipalName"))
    return Assignment(
        app=tag,
        user_id=user_id,
        via_group=bool(group),
        group_name=group,
        login=forms[1] or forms[0] or user_id,
        status="",
        user_status=_entra_user(user).raw_status if user else "",
        keys=frozenset(email_key(f) for f in forms if f and not is_guest_upn(f)),
    )


def _entra_groups(
    raw: Mapping[str, Json],
    assigned: list[GroupAssignment],
    direct: Mapping[str, list[Json]],
    transitive: Mapping[str, list[Json]],
) -> dict[str, IdpGroup]:
    names = {gid: text(g, "displayName") for gid, g in raw.items()}
    names.update({ga.group_id: ga.name for ga in assigned if ga.name})
    ids = {*names, *direct, *transitive}
    groups = {}
    for gid in sorted(ids):
        members = tuple(text(u, "id") for u in direct.get(gid, []))
        reached = [text(u, "id") for u in transitive.get(gid, [])]
        groups[gid] = IdpGroup(
            group_id=gid,
            name=names.get(gid, ""),
            direct=members,
            nested_only=tuple(u for u in dict.fromkeys(reached) if u not in members),
            members_known=gid in direct,
        )
    return groups


def _entra_mappings(
    located: Mapping[str, Json],
    jobs: Mapping[str, list[Json]],
    assigned: list[GroupAssignment],
) -> Iterable[PushMapping]:
    # Entra pushes every group assigned to the app; the job's state is theirs.
    for ga in assigned:
        sp_jobs = jobs.get(text(located.get(ga.app, {}), "id"), [])
        codes = [text(j, "status", "code") for j in sp_jobs]
        reasons = [text(j, "status", "quarantine", "reason") for j in sp_jobs]
        if "Quarantine" in codes:
            status, raw = "error", "Quarantine"
        elif "Active" in codes:
            status, raw = "active", "Active"
        else:
            status, raw = "inactive", ", ".join(codes) or "no provisioning job"
        yield PushMapping(
            app=ga.app,
            mapping_id=f"{ga.app}:{ga.group_id}",
            source_id=ga.group_id,
            source_name=ga.name,
            target_name=ga.name,
            status=status,
            raw_status=raw,
            error="; ".join(r for r in reasons if r),
        )


# -- the file import (idp-apis.md §5) ----------------------------------------

_FILE_STATUS = {
    "active": Status.ACTIVE,
    "enabled": Status.ACTIVE,
    "true": Status.ACTIVE,
    "recovery": Status.ACTIVE,
    "locked_out": Status.ACTIVE,
    "password_expired": Status.ACTIVE,
    "staged": Status.STAGED,
    "provisioned": Status.STAGED,
    "suspended": Status.SUSPENDED,
    "deprovisioned": Status.DEPROVISIONED,
    "deactivated": Status.DEPROVISIONED,
    "deleted": Status.DEPROVISIONED,
    "disabled": Status.DISABLED,
    "false": Status.DISABLED,
}
_TRUE = frozenset({"true", "yes", "1", "active", "pushed"})


def _file(inputs: Inputs, account_id: str) -> Directory:
    rows = inputs.items(layout.IDP_FILE_ROWS)
    tags = _file_app_tags(rows, inputs.snapshot.manifest.settings, account_id)
    users: dict[str, IdpUser] = {}
    assignments: list[Assignment] = []
    group_assignments: list[GroupAssignment] = []
    mappings: list[PushMapping] = []
    members: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for row in rows:
        app = tags.get(_app_key(row), "")
        group_id = text(row, "group_id") or text(row, "group_name")
        if group_id:
            names.setdefault(group_id, text(row, "group_name"))
        if _is_group_row(row):
            if app:
                group_assignments.append(
                    GroupAssignment(app, group_id, text(row, "group_name"))
                )
            if text(row, "pushed").casefold() in (*_TRUE, "error", "failed"):
                mappings.append(_file_mapping(app or _app_key(row), row, group_id))
            continue
        user = _file_user(row)
        if not user.user_id:
            log.warning(
                "%s line %s names no user", layout.IDP_FILE_ROWS, row.get("line")
            )
            continue
        users.setdefault(user.user_id, user)
        if group_id:
            members.setdefault(group_id, []).append(user.user_id)
        if app and _file_assigns(row):
            assignments.append(_file_assignment(app, user, row, group_id))
    groups = {
        gid: IdpGroup(gid, name, tuple(dict.fromkeys(members.get(gid, []))))
        for gid, name in names.items()
    }
    return Directory(
        idp="file",
        users=tuple(users.values()),
        apps=_file_apps(rows, tags),
        assignments=tuple(assignments),
        group_assignments=tuple(group_assignments),
        groups={**groups, **_file_push_targets(mappings, groups, account_id)},
        mappings=tuple(mappings),
    )


def _file_push_targets(
    mappings: list[PushMapping], groups: Mapping[str, IdpGroup], account_id: str
) -> dict[str, IdpGroup]:
    """The CF- groups a file's groups are pushed to, as groups of their own.

    As on Okta (idp-apis.md §1) the CF- name may live on the push target only
    (``push_target_name``); its people are the pushed groups' members.
    """
    targets: dict[str, IdpGroup] = {}
    for mapping in mappings:
        name = mapping.target_name
        if name_key(name) == name_key(mapping.source_name):
            continue
        if parse_v1_name(name, account_id) is None:
            continue
        source = groups.get(mapping.source_id)
        key = f"push:{name}"
        known = targets.get(key, IdpGroup(key, name, ()))
        direct = (*known.direct, *(source.direct if source else ()))
        targets[key] = IdpGroup(key, name, tuple(dict.fromkeys(direct)))
    return targets


def _app_key(row: Json) -> str:
    return text(row, "app_id") or text(row, "app_label") or text(row, "app")


def _file_assigns(row: Json) -> bool:
    # The collector writes assigned "true", "false" (an unassignment) or ""
    # (a plain user list); a row without the field is an assignment.
    if "assigned" not in row:
        return True
    return text(row, "assigned").casefold() == "true"


def _is_group_row(row: Json) -> bool:
    return text(row, "principal_type").casefold() == "group"


def _file_app_tags(
    rows: list[Json], settings: Mapping[str, str], account_id: str
) -> dict[str, str]:
    """v1 or v2 for each app the file names.

    The row's ``app`` column ("v1" / "v2", written by the file collector)
    decides, then the settings ``idp_v1_app`` / ``idp_v2_app`` (an app id or
    label); otherwise an app that assigns or pushes a CF- group of the account
    is v1 and any other is v2.
    """
    chosen = {name_key(settings.get(f"idp_{tag}_app", "")): tag for tag in ("v1", "v2")}
    chosen.pop("", None)
    tags: dict[str, str] = {}
    for row in rows:
        key = _app_key(row)
        if not key:
            continue
        written = text(row, "app").casefold()
        named = (
            written
            if written in ("v1", "v2")
            else chosen.get(name_key(text(row, "app_id")))
            or chosen.get(name_key(text(row, "app_label")))
        )
        v1_like = any(
            parse_v1_name(text(row, column), account_id) is not None
            for column in ("group_name", "push_target_name")
        )
        if named:
            tags[key] = named
        elif v1_like:
            tags[key] = "v1"
        else:
            tags.setdefault(key, "v2")
    return tags


def _file_apps(rows: list[Json], tags: Mapping[str, str]) -> dict[str, IdpApp]:
    apps: dict[str, IdpApp] = {}
    for row in rows:
        tag = tags.get(_app_key(row))
        if tag and tag not in apps:
            apps[tag] = IdpApp(
                tag=tag,
                app_id=text(row, "app_id"),
                label=text(row, "app_label") or text(row, "app_id"),
                status="",
                can_deprovision=None,
                deprovision_evidence="an IdP file does not say whether the app "
                "deactivates users it no longer assigns",
                active=None,
                active_evidence="is listed in the IdP file, which does not say "
                "whether the app provisions",
            )
    return apps


def _file_user(row: Json) -> IdpUser:
    login, email = text(row, "user_login"), text(row, "user_email")
    user_id = text(row, "principal_id") or login or email
    raw = text(row, "user_status")
    status = _FILE_STATUS.get(raw.strip().casefold(), Status.UNKNOWN)
    forms = [KeyForm(user_id, clean_email(email), 0)] if email else []
    if login:
        forms.append(KeyForm(user_id, clean_email(login), 1))
    return IdpUser(
        user_id=user_id,
        login=login or email,
        forms=tuple(forms),
        status=status,
        raw_status=raw,
        rank={Status.ACTIVE: 0, Status.UNKNOWN: 1, Status.STAGED: 1}.get(status, 2),
        mail=email,
    )


def _file_assignment(app: str, user: IdpUser, row: Json, group: str) -> Assignment:
    via_group = text(row, "assignment_scope").casefold() == "group" or bool(group)
    return Assignment(
        app=app,
        user_id=user.user_id,
        via_group=via_group,
        group_name=text(row, "group_name"),
        login=user.login,
        status="",
        user_status=user.raw_status,
        keys=frozenset(email_key(f.form) for f in user.forms),
    )


def _file_mapping(app: str, row: Json, group_id: str) -> PushMapping:
    raw = text(row, "pushed")
    status = "error" if raw.casefold() in ("error", "failed") else "active"
    return PushMapping(
        app=app,
        mapping_id=f"line {row.get('line', '?')}",
        source_id=group_id,
        source_name=text(row, "group_name"),
        target_name=text(row, "push_target_name") or text(row, "group_name"),
        status=status,
        raw_status=raw,
        error=text(row, "push_error"),
    )


# -- shared helpers ----------------------------------------------------------


def _lists(raw: Mapping[str, Any]) -> dict[str, list[Json]]:
    return {
        key: [item for item in value if isinstance(item, dict)]
        for key, value in raw.items()
        if isinstance(value, list)
    }


def _user_lists(raw: Mapping[str, Any]) -> dict[str, list[Json]]:
    # transitiveMembers also returns the nested group objects: never users.
    return {
        key: [u for u in items if _is_graph_user(u)]
        for key, items in _lists(raw).items()
    }


def _is_graph_user(item: Json) -> bool:
    kind = text(item, "@odata.type")
    return kind == _GRAPH_USER or (not kind and "userPrincipalName" in item)
