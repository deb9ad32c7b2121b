"""The Microsoft Graph v1.0 endpoints the Entra collector reads (``idp-apis.md`` §3).

Collections answer ``{"value": [...]}`` with ``@odata.nextLink`` while more
remain: the link carries every query parameter of the request plus an opaque
``$skiptoken``, and clients must follow it verbatim. ``$top`` sets the page
size (group members default to 100, §3.3; at most 999); ``@odata.count``
comes on the first page only, when ``$count=true``. ``$select`` projects the
objects (``id`` always kept). Errors are Graph's ``{"error": {code, message}}``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from urllib.parse import urlencode

from reporter.demo.entra import GROUP_TYPE, USER_TYPE, EntraTenant
from reporter.demo.org import Json
from reporter.emulator.wire import BadQuery, Reply, Request, Route, int_param, route

PREFIX = "/v1.0"
DEFAULT_TOP = 100
MAX_TOP = 999
_STARTSWITH = re.compile(r"startswith\(displayName,\s*'((?:[^']|'')*)'\)")
# Characters Graph leaves unescaped in its next links.
_LINK_SAFE = "$,'()"

Params = Mapping[str, str]


def graph_error(status: int, code: str, message: str) -> Reply:
    """A Graph error body (clients branch on ``error.code``)."""
    inner = {"date": "2026-01-12T08:30:00", "request-id": "emulator"}
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return Reply(status, body)


def throttled(reply: Reply) -> Reply:
    """A fault's 429 in Graph's shape, its ``Retry-After`` (if any) kept."""
    if reply.status != 429:
        return reply
    error = graph_error(429, "TooManyRequests", "Too many requests.")
    return replace(reply, body=error.body)


class GraphApi:
    """Answers Graph GETs for one Entra tenant."""

    prefix = PREFIX

    def __init__(self, tenant: EntraTenant, token: str) -> None:
        self.tenant = tenant
        self._token = token
        self._sps = {sp["id"]: sp for sp in tenant.service_principals}
        self._groups = {g["id"]: g for g in tenant.groups}
        self._users = {u["id"]: u for u in tenant.users}
        self.routes: tuple[Route, ...] = self._routes()

    def authorized(self, request: Request) -> bool:
        """Whether the request carries the tenant's access token."""
        return bool(self._token) and request.authorization == f"Bearer {self._token}"

    def denied(self, found: Route | None) -> Reply:
        """The answer to a missing or wrong access token."""
        message = "Access token validation failure. Invalid audience."
        return graph_error(401, "InvalidAuthenticationToken", message)

    def refused(self, found: Route) -> Reply:
        """The answer when the app lacks the application permission."""
        message = "Insufficient privileges to complete the operation."
        return graph_error(403, "Authorization_RequestDenied", message)

    def no_route(self) -> Reply:
        """The answer to a path Graph does not serve."""
        return graph_error(400, "BadRequest", "Resource not found for the segment.")

    def bad_query(self, found: Route, error: BadQuery) -> Reply:
        """The answer to an unusable query parameter."""
        return graph_error(400, "Request_UnsupportedQuery", str(error))

    def rate_headers(self, served: int) -> tuple[tuple[str, str], ...]:
        """Graph sends no rate headers on success (only on 429, §3.3)."""
        return ()

    def _routes(self) -> tuple[Route, ...]:
        apps, members = ("entra_apps",), ("entra_members",)
        sync = ("entra_sync",)
        return (
            route("/servicePrincipals/{sp}", apps, self._service_principal),
            route(
                "/servicePrincipals/{sp}/appRoleAssignedTo",
                apps,
                self._collection(self._assignments, DEFAULT_TOP),
            ),
            route(
                "/servicePrincipals/{sp}/synchronization/jobs",
                sync,
                self._collection(self._jobs, DEFAULT_TOP),
            ),
            route(
                "/servicePrincipals/{sp}/synchronization/jobs/{job}/schema",
                sync,
                self._schema,
            ),
            route("/groups", apps, self._collection(self._group_search, DEFAULT_TOP)),
            route("/groups/{group}", apps, self._group),
            route(
                "/groups/{group}/members/microsoft.graph.user",
                members,
                self._collection(self._direct_users, DEFAULT_TOP),
            ),
            route(
                "/groups/{group}/transitiveMembers",
                members,
                self._collection(self._transitive, DEFAULT_TOP),
            ),
            route("/users/{user}", ("entra_users",), self._user),
        )

    # -- single objects -------------------------------------------------------

    def _service_principal(self, request: Request, params: Params) -> Reply:
        return _one(self._sps.get(params["sp"]), params["sp"], request)

    def _group(self, request: Request, params: Params) -> Reply:
        return _one(self._groups.get(params["group"]), params["group"], request)

    def _user(self, request: Request, params: Params) -> Reply:
        return _one(self._users.get(params["user"]), params["user"], request)

    def _schema(self, request: Request, params: Params) -> Reply:
        jobs = self.tenant.jobs.get(params["sp"])
        schema = self.tenant.schemas.get(params["job"])
        if jobs is None or schema is None:
            return _not_found(params["job"])
        return Reply(200, schema)

    # -- collections ----------------------------------------------------------

    def _collection(
        self, items: Callable[[Params], list[Json] | None], default_top: int
    ) -> Callable[[Request, Params], Reply]:
        def handle(request: Request, params: Params) -> Reply:
            listed = items_or_query(items, request, params)
            if listed is None:
                key = next(iter(params.values()), "")
                return _not_found(key)
            return Reply(200, page_of(listed, request, default_top))

        return handle

    def _assignments(self, params: Params) -> list[Json] | None:
        return self.tenant.assignments.get(params["sp"])

    def _jobs(self, params: Params) -> list[Json] | None:
        return self.tenant.jobs.get(params["sp"])

    def _group_search(self, params: Params) -> list[Json] | None:
        prefix = params.get("$filter-prefix")
        if prefix is None:
            return list(self.tenant.groups)
        return [
            g
            for g in self.tenant.groups
            if g["displayName"].casefold().startswith(prefix.casefold())
        ]

    def _direct_users(self, params: Params) -> list[Json] | None:
        ids = self.tenant.group_members.get(params["group"])
        if ids is None:
            return None
        return [_typed(self._users[i], USER_TYPE) for i in ids if i in self._users]

    def _transitive(self, params: Params) -> list[Json] | None:
        """Every user and nested group below the group, each once, depth first."""
        if params["group"] not in self.tenant.group_members:
            return None
        found: dict[str, Json] = {}
        pending = list(reversed(self.tenant.group_members[params["group"]]))
        while pending:
            member = pending.pop()
            if member in found:
                continue
            if member in self._users:
                found[member] = _typed(self._users[member], USER_TYPE)
            elif member in self._groups:
                found[member] = _typed(self._groups[member], GROUP_TYPE)
                pending.extend(reversed(self.tenant.group_members.get(member, [])))
        return list(found.values())


def items_or_query(
    items: Callable[[Params], list[Json] | None], request: Request, params: Params
) -> list[Json] | None:
    """``items`` for the route, with a ``$filter`` turned into a name prefix."""
    query = request.query.get("$filter")
    if query is None:
        return items(params)
    found = _STARTSWITH.fullmatch(query.strip())
    if found is None:
        raise BadQuery("$filter", query)
    return items({**params, "$filter-prefix": found.group(1).replace("''", "'")})


def page_of(items: Sequence[Json], request: Request, default_top: int) -> Json:
    """One Graph page of ``items``: ``$top`` from ``$skiptoken``, projected."""
    top = int_param(request.query, "$top", default_top)
    if not 1 <= top <= MAX_TOP:
        raise BadQuery("$top", str(top))
    offset = _decode_skiptoken(request.query.get("$skiptoken"))
    fields = _fields(request.query.get("$select"))
    window = [_project(item, fields) for item in items[offset : offset + top]]
    body: Json = {"@odata.context": f"{request.base_url}{PREFIX}/$metadata"}
    count = request.query.get("$count", "").lower() == "true"
    if count and offset == 0:
        body["@odata.count"] = len(items)
    body["value"] = window
    if offset + top < len(items):
        following = {k: v for k, v in request.query.items() if k != "$skiptoken"}
        following["$skiptoken"] = _encode_skiptoken(offset + top)
        query = urlencode(following, safe=_LINK_SAFE)
        body["@odata.nextLink"] = f"{request.base_url}{request.path}?{query}"
    return body


def _one(item: Json | None, key: str, request: Request) -> Reply:
    if item is None:
        return _not_found(key)
    return Reply(200, _project(item, _fields(request.query.get("$select"))))


def _not_found(key: str) -> Reply:
    message = (
        f"Resource '{key}' does not exist or one of its queried reference-property "
        "objects are not present."
    )
    return graph_error(404, "Request_ResourceNotFound", message)


def _typed(item: Json, odata_type: str) -> Json:
    return {"@odata.type": odata_type, **item}


def _fields(select: str | None) -> frozenset[str] | None:
    if not select:
        return None
    return frozenset(f.strip() for f in select.split(",") if f.strip())


def _project(item: Json, fields: frozenset[str] | None) -> Json:
    """``item`` with only the ``$select`` fields (and ``id``, ``@odata.type``)."""
    if fields is None:
        return dict(item)
    keep = fields | {"id", "@odata.type"}
    # A nested group has no user fields: Graph leaves them out, not null.
    return {k: v for k, v in item.items() if k in keep}


def _encode_skiptoken(offset: int) -> str:
    """An opaque token, as Graph's are: clients must not build their own."""
    text = f"RFNwdA:{offset}".encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def _decode_skiptoken(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "RFNwdA" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadQuery("$skiptoken", token) from None
