"""The fields the analyzer reads, with the types the APIs document.

Each snapshot entry is validated once, when the analysis loads it, so the rest
of the analyzer can trust that a list is a list and a string a string. The
models are lenient: every field is optional (null where the API allows it),
and fields the analyzer does not read pass unchecked (``extra="ignore"``).
Sources: ``cloudflare-api.md`` §5-6 and ``idp-apis.md`` §2.2-2.4, §3.2-3.4
and §5.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from pydantic_core import ErrorDetails
from typing_extensions import TypedDict

from reporter.errors import AnalyzeError
from reporter.snapshot import layout
from reporter.snapshot.gc_pause import gc_paused

_BAD_RECORD_HINT = (
    "the snapshot does not hold what the API returns; collect it again with "
    "cf-scim-audit"
)


# strict: the JSON value must already have the type; nothing is coerced, so
# what was validated is what the analyzer reads from the raw dicts. TypedDicts
# rather than models: the result is thrown away, and dicts are built fastest;
# extra="ignore" leaves the fields no model names out of that copy (the raw
# dicts keep them), a third of the validation time.
_record = with_config(ConfigDict(extra="ignore", strict=True))


# -- Cloudflare (cloudflare-api.md §5) --


@_record
class Account(TypedDict, total=False):
    id: str | None
    name: str | None


@_record
class MemberUser(TypedDict, total=False):
    id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    two_factor_authentication_enabled: bool | None


@_record
class Role(TypedDict, total=False):
    id: str | None
    name: str | None


@_record
class PermissionGroupRef(TypedDict, total=False):
    id: str | None
    name: str | None


@_record
class ScopeObject(TypedDict, total=False):
    key: str | None


@_record
class ResourceScope(TypedDict, total=False):
    key: str | None
    objects: list[ScopeObject] | None


@_record
class ResourceGroup(TypedDict, total=False):
    id: str | None
    # A single object; the 2024 spec's array form is read too.
    scope: ResourceScope | list[ResourceScope] | None


@_record
class Policy(TypedDict, total=False):
    id: str | None
    access: str | None
    permission_groups: list[PermissionGroupRef] | None
    resource_groups: list[ResourceGroup] | None


@_record
class Member(TypedDict, total=False):
    id: str | None
    email: str | None
    status: str | None
    user: MemberUser | None
    roles: list[Role] | None
    policies: list[Policy] | None


@_record
class PermissionGroupMeta(TypedDict, total=False):
    label: str | None


@_record
class PermissionGroup(TypedDict, total=False):
    id: str | None
    name: str | None
    meta: PermissionGroupMeta | None


@_record
class UserGroup(TypedDict, total=False):
    id: str | None
    name: str | None
    policies: list[Policy] | None


@_record
class UserGroupMember(TypedDict, total=False):
    id: str | None
    email: str | None
    status: str | None


# -- Dashboard SCIM (cloudflare-api.md §6) --


@_record
class ScimName(TypedDict, total=False):
    formatted: str | None
    givenName: str | None
    familyName: str | None


@_record
class ScimGroupRef(TypedDict, total=False):
    value: str | None


@_record
class ScimUser(TypedDict, total=False):
    id: str | None
    userName: str | None
    name: ScimName | None
    # Cloudflare lists group ids; RFC 7643 clients send {value, display}.
    groups: list[str | ScimGroupRef] | None


@_record
class ScimGroup(TypedDict, total=False):
    id: str | None
    displayName: str | None
    externalId: str | None


# -- Okta (idp-apis.md §2.2-2.4) --


@_record
class OktaProfile(TypedDict, total=False):
    login: str | None
    email: str | None
    name: str | None


@_record
class OktaUser(TypedDict, total=False):
    id: str | None
    status: str | None
    profile: OktaProfile | None


@_record
class OktaGroup(TypedDict, total=False):
    id: str | None
    type: str | None
    profile: OktaProfile | None


@_record
class OktaApp(TypedDict, total=False):
    id: str | None
    name: str | None
    label: str | None
    status: str | None
    features: list[str] | None


@_record
class OktaApps(TypedDict, total=False):
    v1: OktaApp | None
    v2: OktaApp | None


@_record
class AppUserCredentials(TypedDict, total=False):
    userName: str | None


@_record
class AppUserEmbedded(TypedDict, total=False):
    user: OktaUser | None


@_record
class AppUser(TypedDict, total=False):
    id: str | None
    scope: str | None
    status: str | None
    credentials: AppUserCredentials | None
    _embedded: AppUserEmbedded | None


@_record
class AppGroupEmbedded(TypedDict, total=False):
    group: OktaGroup | None


@_record
class AppGroup(TypedDict, total=False):
    id: str | None
    _embedded: AppGroupEmbedded | None


@_record
class PushMapping(TypedDict, total=False):
    id: str | None
    sourceGroupId: str | None
    targetGroupId: str | None
    status: str | None
    errorSummary: str | None


# -- Microsoft Entra ID, Graph v1.0 (idp-apis.md §3.2-3.4) --


@_record
class ServicePrincipal(TypedDict, total=False):
    id: str | None
    appId: str | None
    displayName: str | None
    appRoleAssignmentRequired: bool | None


@_record
class ServicePrincipals(TypedDict, total=False):
    v1: ServicePrincipal | None
    v2: ServicePrincipal | None


@_record
class AppRoleAssignment(TypedDict, total=False):
    id: str | None
    principalType: str | None
    principalId: str | None
    principalDisplayName: str | None
    appRoleId: str | None


@_record
class EntraGroup(TypedDict, total=False):
    id: str | None
    displayName: str | None
    membershipRule: str | None


# A directory object: users, and (in transitiveMembers) the nested groups.
@_record
class EntraUser(TypedDict, total=False):
    id: str | None
    userPrincipalName: str | None
    mail: str | None
    otherMails: list[str] | None
    accountEnabled: bool | None
    userType: str | None
    displayName: str | None


@_record
class SyncQuarantine(TypedDict, total=False):
    reason: str | None


@_record
class SyncStatus(TypedDict, total=False):
    code: str | None
    quarantine: SyncQuarantine | None


@_record
class SyncJob(TypedDict, total=False):
    id: str | None
    templateId: str | None
    status: SyncStatus | None


# -- --idp-file rows (idp-apis.md §5): every value is text --


@_record
class IdpFileRow(TypedDict, total=False):
    idp: str | None
    app_id: str | None
    app_label: str | None
    principal_type: str | None
    principal_id: str | None
    principal_name: str | None
    user_login: str | None
    user_email: str | None
    user_status: str | None
    group_id: str | None
    group_name: str | None
    assignment_scope: str | None
    pushed: str | None
    push_target_name: str | None
    # Written by the file collector besides the canonical columns.
    app: str | None
    assigned: str | None


# Each entry's validator and how many levels of its value name one record:
# 1 for a list (the index) or an object of records (the key), 2 for an object
# of lists (the key, then the index), 0 for the entry's one object.
_SCHEMAS: dict[str, tuple[TypeAdapter[Any], int]] = {
    layout.CF_ACCOUNT: (TypeAdapter(Account), 0),
    layout.CF_MEMBERS: (TypeAdapter(list[Member]), 1),
    layout.CF_PERMISSION_GROUPS: (TypeAdapter(list[PermissionGroup]), 1),
    layout.CF_RESOURCE_GROUPS: (TypeAdapter(list[ResourceGroup]), 1),
    layout.CF_USER_GROUPS: (TypeAdapter(list[UserGroup]), 1),
    layout.CF_USER_GROUP_MEMBERS: (TypeAdapter(dict[str, list[UserGroupMember]]), 2),
    layout.CF_SCIM_USERS: (TypeAdapter(list[ScimUser]), 1),
    layout.CF_SCIM_GROUPS: (TypeAdapter(list[ScimGroup]), 1),
    layout.CF_SCIM_GROUP_DETAILS: (TypeAdapter(dict[str, ScimGroup]), 1),
    layout.OKTA_APPS: (TypeAdapter(OktaApps), 0),
    layout.OKTA_APP_USERS: (TypeAdapter(dict[str, list[AppUser]]), 2),
    layout.OKTA_APP_GROUPS: (TypeAdapter(dict[str, list[AppGroup]]), 2),
    layout.OKTA_PUSH_MAPPINGS: (TypeAdapter(dict[str, list[PushMapping]]), 2),
    layout.OKTA_GROUPS: (TypeAdapter(list[OktaGroup]), 1),
    layout.OKTA_GROUP_MEMBERS: (TypeAdapter(dict[str, list[OktaUser]]), 2),
    layout.OKTA_USERS: (TypeAdapter(list[OktaUser]), 1),
    layout.ENTRA_SERVICE_PRINCIPALS: (TypeAdapter(ServicePrincipals), 0),
    layout.ENTRA_ASSIGNMENTS: (TypeAdapter(dict[str, list[AppRoleAssignment]]), 2),
    layout.ENTRA_GROUPS: (TypeAdapter(list[EntraGroup]), 1),
    layout.ENTRA_GROUP_MEMBERS: (TypeAdapter(dict[str, list[EntraUser]]), 2),
    layout.ENTRA_GROUP_TRANSITIVE: (TypeAdapter(dict[str, list[EntraUser]]), 2),
    layout.ENTRA_USERS: (TypeAdapter(list[EntraUser]), 1),
    layout.ENTRA_SYNC_JOBS: (TypeAdapter(dict[str, list[SyncJob]]), 2),
    layout.IDP_FILE_ROWS: (TypeAdapter(list[IdpFileRow]), 1),
}

_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
    "bool_type": "true or false",
}
_JSON_TYPES = {"dict": "object", "str": "string", "NoneType": "null"}


def validate_entry(entry: str, value: Any) -> None:
    """Raise :class:`AnalyzeError` naming the record and field of a wrong type."""
    schema = _SCHEMAS.get(entry)
    if schema is None:
        return
    adapter, depth = schema
    try:
        # Validation builds a short-lived copy of the entry (see gc_paused).
        with gc_paused():
            adapter.validate_python(value)
    except ValidationError as error:
        raise AnalyzeError(
            _describe(entry, value, depth, error.errors()), hint=_BAD_RECORD_HINT
        ) from None


def record_label(entry: str, path: tuple[int | str, ...], record: Any) -> str:
    """``entry[path]``, with the record's id when it has one."""
    label = entry + "".join(f"[{part}]" for part in path)
    record_id = record.get("id") if isinstance(record, dict) else None
    if isinstance(record_id, str) and record_id:
        label += f" (id {_short(record_id)})"
    return label


def _describe(entry: str, value: Any, depth: int, errors: list[ErrorDetails]) -> str:
    chosen = _union_errors(errors)
    loc = _untagged(chosen[0]["loc"])
    expected = dict.fromkeys(_EXPECTED.get(e["type"], e["msg"]) for e in chosen)
    path, field = loc[:depth], loc[depth:]
    record: Any = value
    for part in path:
        record = record[part]
    got = type(chosen[0]["input"]).__name__
    where = record_label(entry, path, record)
    subject = f"{where}: {_field_name(field)}" if field else where
    return f"{subject} must be {' or '.join(expected)}, got {_JSON_TYPES.get(got, got)}"


def _union_errors(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """The first error, or the deepest errors of the union it came from.

    A union (string or object) reports one error per member type, each under
    the member's name; the deepest went furthest, so it is the one to show.
    """
    first = errors[0]
    tag = _tag_index(first["loc"])
    if tag is None:
        return [first]
    prefix = first["loc"][:tag]
    same = [
        e for e in errors if _tag_index(e["loc"]) == tag and e["loc"][:tag] == prefix
    ]
    deepest = max(len(_untagged(e["loc"])) for e in same)
    return [e for e in same if len(_untagged(e["loc"])) == deepest]


def _is_tag(part: int | str) -> bool:
    # Union members are named by their type: str, ScimGroupRef, list[...].
    return isinstance(part, str) and (
        part == "str" or part[:1].isupper() or "[" in part
    )


def _tag_index(loc: tuple[int | str, ...]) -> int | None:
    return next((i for i, part in enumerate(loc) if _is_tag(part)), None)


def _untagged(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    return tuple(part for part in loc if not _is_tag(part))


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else part
    return name


def _short(identifier: str) -> str:
    return identifier if len(identifier) <= 40 else f"{identifier[:40]}…"
