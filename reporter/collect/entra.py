"""Collect the Microsoft Entra ID side through Microsoft Graph v1.0 (idp-apis.md §3).

Both enterprise apps' service principals (by explicit id), who is assigned to
them, every assigned or ``CF-`` group with its direct user members and its
transitive members, the users reachable through an assignment, and each
app's provisioning jobs with their schemas. Lists page by ``@odata.nextLink``,
followed verbatim. A 403 fails only the entry that needed it, naming the
Graph application permission; a 401 ends the collection.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from reporter.collect.evidence import Evidence, Fetched
from reporter.collect.http import ApiError, ApiSession, Params
from reporter.errors import CollectError, ConfigError
from reporter.snapshot import layout

if TYPE_CHECKING:
    from reporter.collect.interface import CollectConfig

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ENV_VARS = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
TOLERATED = (403,)
# idp-apis.md §3.1: the least-privileged application permission of each read.
APPS_HINT = "the Entra app registration needs Application.Read.All (admin consent)"
MEMBERS_HINT = "the Entra app registration needs GroupMember.Read.All (admin consent)"
USERS_HINT = "the Entra app registration needs User.Read.All (admin consent)"
SYNC_HINT = "the Entra app registration needs Synchronization.Read.All (admin consent)"
SP_FIELDS = (
    "id,appId,displayName,applicationTemplateId,appRoleAssignmentRequired,"
    "accountEnabled"
)
USER_FIELDS = "id,userPrincipalName,mail,otherMails,accountEnabled,userType,displayName"
_SELECTED = frozenset(USER_FIELDS.split(","))
GROUP_FIELDS = "id,displayName,membershipRule,groupTypes,securityEnabled"
# Groups of v1 virtual-group names (idp-apis.md §3.2), then the name regex.
VIRTUAL_GROUP_FILTER = "startswith(displayName,'CF-')"
# transitiveMembers with $count needs this header on every page (§3.3).
EVENTUAL = {"ConsistencyLevel": "eventual"}

Json = dict[str, Any]


class TokenCredential(Protocol):
    """What azure-identity credentials offer: ``get_token(scope).token``."""

    def get_token(self, *scopes: str) -> Any: ...


@dataclass(frozen=True)
class EntraSettings:
    """The tenant's app registration, read from the environment (never logged)."""

    tenant_id: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"EntraSettings(tenant_id={self.tenant_id!r}, client_id=..., secret=…)"


def settings_from_env(environ: Mapping[str, str] | None = None) -> EntraSettings:
    """The three AZURE_* variables; a ConfigError names each one missing."""
    env = os.environ if environ is None else environ
    values = {name: env.get(name, "").strip() for name in ENV_VARS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} not set (needed to collect Entra ID)",
            hint="export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET "
            "of an app registration with the read-only Graph permissions (README)",
        )
    return EntraSettings(*values.values())


def client_secret_credential(settings: EntraSettings) -> TokenCredential:
    """azure-identity's ClientSecretCredential for ``settings`` (client credentials)."""
    from azure.identity import ClientSecretCredential

    credential: TokenCredential = ClientSecretCredential(
        settings.tenant_id, settings.client_id, settings.client_secret
    )
    return credential


def graph_token(credential: TokenCredential) -> str:
    """An app-only Graph access token; a failure names the variables, not values."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ServiceRequestError,
        ServiceResponseError,
    )

    transport = (ServiceRequestError, ServiceResponseError, OSError)
    try:
        token = credential.get_token(GRAPH_SCOPE).token
    except transport as exc:
        raise _unreachable(exc) from None
    except ClientAuthenticationError as exc:
        # azure-identity wraps a transport failure (DNS, TLS, refused
        # connection) in ClientAuthenticationError with no response.
        cause = _transport_cause(exc, transport)
        if cause is not None:
            raise _unreachable(cause) from None
        # The message can quote the request; only its class is shown.
        raise CollectError(
            f"Entra ID refused the client credentials ({type(exc).__name__})",
            hint="check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET "
            "(a secret expires; create a new one in the app registration)",
        ) from None
    if not isinstance(token, str) or not token:
        raise CollectError("the Entra credential returned no access token")
    return token


AUTHORITY_HOST = "login.microsoftonline.com"  # azure-identity's default


def _transport_cause(
    exc: BaseException, transport: tuple[type[BaseException], ...]
) -> BaseException | None:
    """The transport error ``exc`` was raised from, if any (no HTTP answer)."""
    seen: BaseException | None = exc
    for _ in range(8):  # a chain is short; a cycle must not hang
        seen = (seen.__cause__ or seen.__context__) if seen else None
        if seen is None or isinstance(seen, transport):
            return seen
    return None


def _unreachable(cause: BaseException) -> CollectError:
    """Entra ID could not be reached: a network failure, not a refusal."""
    # A transport error names the host and the socket error, never a secret.
    detail = str(cause).splitlines()[0][:200] if str(cause) else type(cause).__name__
    return CollectError(
        f"cannot reach Entra ID ({AUTHORITY_HOST}) to get a Graph token: {detail}",
        hint=f"check DNS, the proxy (HTTPS_PROXY) and the firewall for "
        f"https://{AUTHORITY_HOST}; the credentials were not checked",
    )


def collect_entra(
    session: ApiSession, evidence: Evidence, config: CollectConfig
) -> None:
    """Collect every Entra entry of the snapshot layout into ``evidence``."""
    try:
        _collect(session, evidence, config)
    except ApiError as exc:
        if exc.status == 401:
            raise CollectError(
                f"Microsoft Graph rejected the access token (HTTP 401, "
                f"{exc.code or 'no error code'})",
                url=exc.url,
                status=exc.status,
                hint="check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, "
                "and that admin consent was granted",
            ) from exc
        raise


def _collect(session: ApiSession, evidence: Evidence, config: CollectConfig) -> None:
    sps = {"v1": config.entra_v1_sp or None, "v2": config.entra_v2_sp or None}
    sp_ids = list(dict.fromkeys(i for i in sps.values() if i))
    attempt = partial(evidence.attempt, tolerated=TOLERATED)
    attempt(
        layout.ENTRA_SERVICE_PRINCIPALS,
        partial(_service_principals, session, sps),
        hint=APPS_HINT,
    )
    attempt(
        layout.ENTRA_ASSIGNMENTS,
        partial(_per_sp, session, config, sp_ids, "appRoleAssignedTo"),
        hint=APPS_HINT,
    )
    _groups_and_members(session, evidence, config)
    attempt(
        layout.ENTRA_SYNC_JOBS,
        partial(_per_sp, session, config, sp_ids, "synchronization/jobs"),
        hint=SYNC_HINT,
    )
    if layout.ENTRA_SYNC_JOBS not in evidence.entries:
        evidence.skip(
            layout.ENTRA_SYNC_SCHEMAS, needs=layout.ENTRA_SYNC_JOBS, hint=SYNC_HINT
        )
        return
    jobs = evidence.entries[layout.ENTRA_SYNC_JOBS]
    attempt(
        layout.ENTRA_SYNC_SCHEMAS,
        partial(_schemas, session, jobs),
        hint=SYNC_HINT,
    )


def _groups_and_members(
    session: ApiSession, evidence: Evidence, config: CollectConfig
) -> None:
    """Groups need the assignments; members and users need the groups."""
    dependent = (
        (layout.ENTRA_GROUPS, APPS_HINT),
        (layout.ENTRA_GROUP_MEMBERS, MEMBERS_HINT),
        (layout.ENTRA_GROUP_TRANSITIVE, MEMBERS_HINT),
        (layout.ENTRA_USERS, USERS_HINT),
    )
    if layout.ENTRA_ASSIGNMENTS not in evidence.entries:
        for entry, hint in dependent:
            evidence.skip(entry, needs=layout.ENTRA_ASSIGNMENTS, hint=hint)
        return
    assignments = _flatten(evidence.entries[layout.ENTRA_ASSIGNMENTS])
    attempt = partial(evidence.attempt, tolerated=TOLERATED)
    attempt(
        layout.ENTRA_GROUPS,
        partial(_groups, session, config, assignments),
        hint=APPS_HINT,
    )
    if layout.ENTRA_GROUPS not in evidence.entries:
        for entry, hint in dependent[1:]:
            evidence.skip(entry, needs=layout.ENTRA_GROUPS, hint=hint)
        return
    group_ids = _unique(g.get("id") for g in evidence.entries[layout.ENTRA_GROUPS])
    members = partial(_members, session, config, group_ids)
    attempt(
        layout.ENTRA_GROUP_MEMBERS,
        partial(members, "members/microsoft.graph.user", None),
        hint=MEMBERS_HINT,
    )
    attempt(
        layout.ENTRA_GROUP_TRANSITIVE,
        partial(members, "transitiveMembers", EVENTUAL),
        hint=MEMBERS_HINT,
    )
    lists = (layout.ENTRA_GROUP_MEMBERS, layout.ENTRA_GROUP_TRANSITIVE)
    missing = [entry for entry in lists if entry not in evidence.entries]
    if missing:
        evidence.skip(layout.ENTRA_USERS, needs=missing[0], hint=MEMBERS_HINT)
        return
    attempt(
        layout.ENTRA_USERS,
        partial(_users, session, evidence, assignments),
        hint=USERS_HINT,
    )


def _service_principals(session: ApiSession, sps: dict[str, str | None]) -> Fetched:
    """Each configured service principal by id; an unknown id is a config error."""
    found: dict[str, Json | None] = {}
    for key, sp_id in sps.items():
        found[key] = None if sp_id is None else _service_principal(session, key, sp_id)
    requested = sum(1 for sp in found.values() if sp is not None)
    return Fetched(found, requested, requested)


def _service_principal(session: ApiSession, key: str, sp_id: str) -> Json:
    url = f"servicePrincipals/{quote(sp_id, safe='')}"
    try:
        body, _ = session.get_json(
            _path(session, url),
            entry=layout.ENTRA_SERVICE_PRINCIPALS,
            params={"$select": SP_FIELDS},
        )
    except ApiError as exc:
        if exc.status not in (400, 404):
            raise
        raise CollectError(
            f"Entra ID has no service principal with id {sp_id!r} (the {key} app; "
            f"{exc.code or exc.status})",
            url=exc.url,
            status=exc.status,
            hint=f"check --entra-{key}-sp: the Object ID on the enterprise "
            "application's Overview page, not the Application (client) ID",
        ) from exc
    if not isinstance(body, dict) or not body.get("id"):
        raise CollectError(f"GET {url} answered without a service principal", url=url)
    return body


def _per_sp(
    session: ApiSession,
    config: CollectConfig,
    sp_ids: list[str],
    suffix: str,
    entry: str | None = None,
) -> Fetched:
    """One list per service principal id; one failed list fails the entry."""
    entry = entry or _entry_of(suffix)
    lists: dict[str, list[Json]] = {}
    pages = 0
    for sp_id in sp_ids:
        fetched = graph_pages(
            session,
            _path(session, f"servicePrincipals/{quote(sp_id, safe='')}/{suffix}"),
            entry=entry,
            params=_top(suffix, config),
            max_pages=config.max_pages,
        )
        lists[sp_id] = fetched.data
        pages += fetched.pages
    return Fetched(lists, pages, sum(len(v) for v in lists.values()))


def _entry_of(suffix: str) -> str:
    if suffix == "appRoleAssignedTo":
        return layout.ENTRA_ASSIGNMENTS
    return layout.ENTRA_SYNC_JOBS


def _top(suffix: str, config: CollectConfig) -> Params | None:
    """``$top`` where Graph pages the list (jobs come in one page)."""
    if suffix == "appRoleAssignedTo":
        return {"$top": config.page_sizes.entra_assignments}
    return None


def _groups(
    session: ApiSession, config: CollectConfig, assignments: list[Json]
) -> Fetched:
    """Every group an assignment names, then every group named ``CF-...``."""
    ids = _unique(
        a.get("principalId") for a in assignments if a.get("principalType") == "Group"
    )
    groups: dict[str, Json] = {}
    read = session.map(partial(_group, session), ids)
    for group_id, group in zip(ids, read, strict=True):
        if group is not None:
            groups[group_id] = group
    found = graph_pages(
        session,
        _path(session, "groups"),
        entry=layout.ENTRA_GROUPS,
        params={
            "$filter": VIRTUAL_GROUP_FILTER,
            "$select": GROUP_FIELDS,
            "$top": config.page_sizes.entra_groups,
        },
        max_pages=config.max_pages,
    )
    for group in found.data:
        groups.setdefault(str(group.get("id")), group)
    listed = list(groups.values())
    return Fetched(listed, len(ids) + found.pages, len(listed))


def _group(session: ApiSession, group_id: str) -> Json | None:
    """One group by id; None, with a warning, when it no longer exists."""
    url = _path(session, f"groups/{quote(group_id, safe='')}")
    try:
        body, _ = session.get_json(
            url, entry=layout.ENTRA_GROUPS, params={"$select": GROUP_FIELDS}
        )
    except ApiError as exc:
        if exc.status != 404:
            raise
        # An assignment can outlive its group for a replication cycle (§8).
        log.warning("Entra group %s named by an assignment does not exist", group_id)
        return None
    if not isinstance(body, dict):
        raise CollectError(f"GET {url} answered without a group object", url=url)
    return body


def _members(
    session: ApiSession,
    config: CollectConfig,
    group_ids: list[str],
    suffix: str,
    headers: Mapping[str, str] | None,
    entry: str | None = None,
) -> Fetched:
    """Each group's (direct user or transitive) members, fetched concurrently."""
    transitive = suffix == "transitiveMembers"
    entry = entry or (
        layout.ENTRA_GROUP_TRANSITIVE if transitive else layout.ENTRA_GROUP_MEMBERS
    )
    params: dict[str, str | int] = {
        "$select": USER_FIELDS,
        "$top": config.page_sizes.entra_members,
    }
    if transitive:
        params["$count"] = "true"

    def one(group_id: str) -> Fetched:
        return graph_pages(
            session,
            _path(session, f"groups/{quote(group_id, safe='')}/{suffix}"),
            entry=entry,
            params=params,
            headers=headers,
            max_pages=config.max_pages,
        )

    results = session.map(one, group_ids)
    members = {g: r.data for g, r in zip(group_ids, results, strict=True)}
    pages = sum(r.pages for r in results)
    return Fetched(members, pages, sum(len(v) for v in members.values()))


def _users(session: ApiSession, evidence: Evidence, assignments: list[Json]) -> Fetched:
    """Every user an assignment reaches, directly or through a group, by id.

    A member list already carries the ``$select`` fields of its users; the
    rest are read from ``/users/{id}`` with them (``accountEnabled`` is not in
    the default property set, §3.2). A user gone since is skipped.
    """
    direct = [
        a.get("principalId") for a in assignments if a.get("principalType") == "User"
    ]
    # The cast endpoint lists users only; transitiveMembers also lists groups.
    members = _flatten(evidence.entries[layout.ENTRA_GROUP_MEMBERS])
    transitive = _flatten(evidence.entries[layout.ENTRA_GROUP_TRANSITIVE])
    ids = _unique(
        [
            *direct,
            *(m.get("id") for m in members),
            *(m.get("id") for m in transitive if _is_user(m)),
        ]
    )
    known = {
        m["id"]: m
        for m in [*members, *(m for m in transitive if _is_user(m))]
        if isinstance(m.get("id"), str) and m.keys() >= _SELECTED
    }
    unread = [i for i in ids if i not in known]
    read = dict(zip(unread, session.map(partial(_user, session), unread), strict=True))
    found = [known[i] if i in known else read[i] for i in ids]
    users = [user for user in found if user is not None]
    return Fetched(users, len(unread), len(users))


def _user(session: ApiSession, user_id: str) -> Json | None:
    url = _path(session, f"users/{quote(user_id, safe='')}")
    try:
        body, _ = session.get_json(
            url, entry=layout.ENTRA_USERS, params={"$select": USER_FIELDS}
        )
    except ApiError as exc:
        if exc.status != 404:
            raise
        log.warning("Entra user %s named by an assignment does not exist", user_id)
        return None
    if not isinstance(body, dict):
        raise CollectError(f"GET {url} answered without a user object", url=url)
    return body


def _schemas(session: ApiSession, jobs: dict[str, list[Json]]) -> Fetched:
    """Each job's schema (mappings and scoping filters), keyed by job id."""
    schemas: dict[str, Json] = {}
    for sp_id, listed in jobs.items():
        for job in listed:
            job_id = str(job.get("id"))
            url = _path(
                session,
                f"servicePrincipals/{quote(sp_id, safe='')}/synchronization/jobs/"
                f"{quote(job_id, safe='')}/schema",
            )
            body, _ = session.get_json(url, entry=layout.ENTRA_SYNC_SCHEMAS)
            if not isinstance(body, dict):
                raise CollectError(f"GET {url} answered without a schema", url=url)
            schemas[job_id] = body
    return Fetched(schemas, len(schemas), len(schemas))


def graph_pages(
    session: ApiSession,
    url: str,
    *,
    entry: str,
    params: Params | None = None,
    headers: Mapping[str, str] | None = None,
    max_pages: int = 1000,
) -> Fetched:
    """Every page of a Graph collection, following ``@odata.nextLink`` verbatim.

    ``headers`` go with every page: Graph does not carry them over (§3.3).
    Pages may be empty. A next link already followed, one to another origin,
    or more pages than ``max_pages`` is a CollectError. Items are kept once
    by ``id``.
    """
    items: list[Json] = []
    seen: set[str] = set()
    visited: set[str] = set()
    next_url: str | None = url
    page = 0
    while next_url is not None:
        page += 1
        if page > max_pages:
            raise CollectError(
                f"GET {url} still had more after {max_pages} pages",
                url=url,
                hint="the list is larger than the page cap; raise max_pages",
            )
        body, response = session.get_json(
            next_url,
            entry=entry,
            page=page,
            params=params if page == 1 else None,
            headers=headers,
        )
        visited.add(str(response.request.url))
        _merge(items, seen, _value(body, url), url, page)
        next_url = _next_link(session, body, response, visited)
    return Fetched(items, page, len(items))


def _value(body: Any, url: str) -> list[Json]:
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CollectError(
            f"GET {url} answered without a Graph collection (a 'value' list)",
            url=url,
            hint="check --graph-url; it must be the Graph v1.0 endpoint",
        )
    return value


def _merge(
    items: list[Json], seen: set[str], page_items: list[Json], url: str, page: int
) -> None:
    for item in page_items:
        ident = item.get("id")
        if isinstance(ident, str) and ident in seen:
            log.warning("%s: page %d repeats id %s; kept once", url, page, ident)
            continue
        if isinstance(ident, str):
            seen.add(ident)
        items.append(item)


def _next_link(
    session: ApiSession, body: Json, response: httpx.Response, visited: set[str]
) -> str | None:
    """The ``@odata.nextLink`` to follow next, None at the end."""
    link = body.get("@odata.nextLink")
    if link is None or link == "":
        return None
    here = session.server_text(str(response.request.url))
    if not isinstance(link, str):
        raise CollectError(f"GET {here} answered a non-text @odata.nextLink", url=here)
    target = httpx.URL(link)
    shown = session.server_text(link)
    if str(target) in visited:
        raise CollectError(
            f"GET {here} links its next page to a page already read: {shown}",
            url=here,
            hint="Graph repeated a next link; collect again, and report it if it "
            "persists",
        )
    if _origin(target) != _origin(session.client.base_url):
        # Following it would send the access token to another origin.
        raise CollectError(
            f"GET {here} links its next page to another origin: {shown}",
            url=here,
            hint="check --graph-url; it must be the Graph endpoint itself",
        )
    return link


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _path(session: ApiSession, relative: str) -> str:
    """An absolute URL under the Graph base (which ends in ``/v1.0``)."""
    base = str(session.client.base_url).rstrip("/")
    return f"{base}/{relative}"


def _is_user(item: Json) -> bool:
    return item.get("@odata.type") == "#microsoft.graph.user"


def _flatten(per_key: Mapping[str, list[Json]]) -> list[Json]:
    return [item for listed in per_key.values() for item in listed]


def _unique(values: Iterable[Any]) -> list[str]:
    """The distinct non-empty string values, in first-seen order."""
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
