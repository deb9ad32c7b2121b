"""The Okta Management API endpoints the collectors read (``idp-apis.md`` §2).

Lists page by an opaque ``after`` cursor with ``Link`` headers; ``search`` and
``filter`` take the small expression language of §2.2 (``eq``, ``sw``,
``co``, ``pr``, joined by ``and``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import jwt

from reporter.demo.org import Json, OktaOrg
from reporter.emulator.wire import (
    BadQuery,
    CursorSize,
    Reply,
    Request,
    Route,
    cursor_window,
    route,
)

PREFIX = "/api/v1"
RATE_LIMIT = 600  # requests per minute of a users/groups bucket (§2.3)
TOKEN_PATH = "/oauth2/v1/token"  # noqa: S105 (a path)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
READ_SCOPES = ("okta.apps.read", "okta.groups.read", "okta.users.read")
TOKEN_SECONDS = 3600  # §2.1: an access token is valid for an hour
ASSERTION_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
# The scopes each endpoint family needs of a bearer token (§2.1).
FAMILY_SCOPES = {
    "okta_apps": {"okta.apps.read"},
    "okta_app_users": {"okta.apps.read"},
    "okta_app_groups": {"okta.apps.read"},
    "okta_push_mappings": {"okta.apps.read", "okta.groups.read"},
    "okta_groups": {"okta.groups.read"},
    "okta_group_members": {"okta.groups.read"},
    "okta_users": {"okta.users.read"},
}

Params = Mapping[str, str]
Items = Callable[[Request, Params], list[Json] | None]  # None: parent not found

_CLAUSE = re.compile(
    r'^(?P<attr>[\w.]+)\s+(?P<op>eq|sw|co)\s+"(?P<value>(?:[^"\\]|\\.)*)"$'
    r"|^(?P<present>[\w.]+)\s+pr$",
    re.IGNORECASE,
)
# " and " / " or " outside double quotes (an escaped quote is no quote)
_OUTSIDE = r'(?=(?:(?:[^"\\]|\\.)*"(?:[^"\\]|\\.)*")*(?:[^"\\]|\\.)*$)'
_AND = re.compile(r"\s+and\s+" + _OUTSIDE, re.IGNORECASE)
_OR = re.compile(r"\s+or\s+" + _OUTSIDE, re.IGNORECASE)


def okta_error(status: int, code: str, summary: str) -> Reply:
    """An Okta error body (§2.3: clients branch on ``errorCode`` only)."""
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": f"oae{code}emulator",
        "errorCauses": [],
    }
    return Reply(status, body)


def matches(item: Json, expression: str) -> bool:
    """Whether ``item`` satisfies a search/filter ``expression``.

    ``and`` binds tighter than ``or``, as in Okta's expressions; parentheses
    are not supported.
    """
    return any(
        all(_clause(item, part) for part in _AND.split(alternative))
        for alternative in _OR.split(expression.strip())
    )


def _clause(item: Json, text: str) -> bool:
    found = _CLAUSE.match(text.strip())
    if found is None:
        raise BadQuery("search", text)
    if found["present"]:
        return _field(item, found["present"]) is not None
    value = _field(item, found["attr"])
    if not isinstance(value, str):
        return False
    have, want = value.casefold(), found["value"].replace('\\"', '"').casefold()
    op = found["op"].lower()
    if op == "eq":
        return have == want
    return have.startswith(want) if op == "sw" else want in have


def _field(item: Json, dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(frozen=True)
class ServiceAppGrant:
    """A registered API Services app: its public key and the scopes granted it."""

    client_id: str
    public_key: str  # PEM
    scopes: frozenset[str] = frozenset(READ_SCOPES)


class OktaApi:
    """Answers Okta Management API GETs for one organization.

    Requests carry ``SSWS <token>`` or a bearer token from ``token``; bearers
    are signed with the SSWS token, so every OktaApi of that token accepts them.
    """

    prefix = PREFIX

    def __init__(
        self, org: OktaOrg, token: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.org = org
        self._token = token
        self.clock = clock
        self.service_apps: dict[str, ServiceAppGrant] = {}
        self._apps = {app["id"]: app for app in org.apps}
        self._groups = {group["id"]: group for group in org.groups}
        self._users = {user["id"]: user for user in org.users}
        # The organization never changes while served, so selections keep.
        self._selections: dict[
            tuple[str, tuple[tuple[str, str], ...]], list[Json] | None
        ] = {}
        self.routes: tuple[Route, ...] = self._routes()

    def authorized(self, request: Request) -> bool:
        """Whether the request carries the org's API token or a live bearer."""
        if request.authorization == f"SSWS {self._token}":
            return True
        return self._bearer_claims(request) is not None

    def register(self, grant: ServiceAppGrant) -> None:
        """Accept client assertions of ``grant``'s app from now on."""
        self.service_apps[grant.client_id] = grant

    def token(self, form: Mapping[str, str], token_url: str) -> Reply:
        """``POST /oauth2/v1/token``: a client_credentials grant by private_key_jwt.

        Checks the grant type, the assertion's signature against the app's
        registered key, its iss/sub/aud/exp, and the scopes (§2.1).
        """
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "grant_type")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return _oauth_error(401, "invalid_client", "client_assertion_type")
        claims = self._assertion_claims(form.get("client_assertion", ""), token_url)
        if isinstance(claims, Reply):
            return claims
        grant = self.service_apps[claims["sub"]]
        asked = set(form.get("scope", "").split())
        if not asked or not asked <= grant.scopes:
            summary = "The following scopes are not allowed: " + " ".join(
                sorted(asked - grant.scopes) or ["(none asked)"]
            )
            return _oauth_error(400, "invalid_scope", summary)
        now = int(self.clock())
        bearer = jwt.encode(
            {
                "cid": grant.client_id,
                "scp": sorted(asked),
                "iat": now,
                "exp": now + TOKEN_SECONDS,
            },
            self._token,
            algorithm="HS256",
        )
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "access_token": bearer,
            "scope": " ".join(sorted(asked)),
        }
        return Reply(200, body)

    def _assertion_claims(self, assertion: str, token_url: str) -> Json | Reply:
        """The verified claims of a client assertion, or the error to answer."""
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return _oauth_error(401, "invalid_client", "malformed client_assertion")
        client_id = unverified.get("sub")
        grant = self.service_apps.get(client_id) if isinstance(client_id, str) else None
        if grant is None:
            return _oauth_error(401, "invalid_client", "unknown client")
        try:
            claims: Json = jwt.decode(
                assertion,
                grant.public_key,
                algorithms=ASSERTION_ALGORITHMS,
                audience=token_url,
                issuer=grant.client_id,
                options={"verify_exp": False, "require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            return _oauth_error(401, "invalid_client", f"client_assertion: {exc}")
        now = self.clock()
        exp = claims["exp"]
        if not isinstance(exp, int | float) or not now < exp <= now + TOKEN_SECONDS:
            return _oauth_error(401, "invalid_client", "exp not within the next hour")
        if not claims.get("jti"):
            return _oauth_error(401, "invalid_client", "jti is missing")
        return claims

    def _bearer_claims(self, request: Request) -> Json | None:
        scheme, _, value = request.authorization.partition(" ")
        if scheme != "Bearer" or not value:
            return None
        try:
            claims: Json = jwt.decode(
                value, self._token, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.PyJWTError:
            return None
        exp = claims.get("exp")
        return claims if isinstance(exp, int) and self.clock() < exp else None

    def _scoped(
        self, handle: Callable[..., Reply], families: Iterable[str]
    ) -> Callable[..., Reply]:
        """``handle`` behind the scope check a bearer token must pass (§2.1)."""
        needed = set().union(*(FAMILY_SCOPES.get(f, set()) for f in families))

        def checked(request: Request, params: Params) -> Reply:
            claims = self._bearer_claims(request)
            if claims is not None and not needed <= set(claims.get("scp", [])):
                summary = (
                    "The access token provided does not contain the required scopes."
                )
                return okta_error(403, "E0000006", summary)
            return handle(request, params)

        return checked

    def denied(self, found: Route | None) -> Reply:
        """The answer to a missing or wrong token."""
        return okta_error(401, "E0000011", "Invalid token provided")

    def refused(self, found: Route) -> Reply:
        """The answer when the token's admin lacks the permission."""
        summary = "You do not have permission to perform the requested action"
        return okta_error(403, "E0000006", summary)

    def no_route(self) -> Reply:
        """The answer to a path Okta does not serve."""
        return okta_error(404, "E0000007", "Not found: Resource not found")

    def bad_query(self, found: Route, error: BadQuery) -> Reply:
        """The answer to an unusable query parameter."""
        return okta_error(400, "E0000031", f"Invalid search criteria: {error}")

    def rate_headers(self, served: int) -> tuple[tuple[str, str], ...]:
        """``X-Rate-Limit-*`` headers; Reset is epoch seconds (§2.3).

        The remainder stays in the upper half of the bucket so clients never
        have to wait on the emulator.
        """
        reset = int(time.time()) + 60
        return (
            ("X-Rate-Limit-Limit", str(RATE_LIMIT)),
            (
                "X-Rate-Limit-Remaining",
                str(RATE_LIMIT - 1 - served % (RATE_LIMIT // 2)),
            ),
            ("X-Rate-Limit-Reset", str(reset)),
        )

    # -- the table -----------------------------------------------------------

    def _routes(self) -> tuple[Route, ...]:
        return tuple(
            replace(found, handle=self._scoped(found.handle, found.families))
            for found in self._table()
        )

    def _table(self) -> tuple[Route, ...]:
        app = "/apps/{app}"
        group = "/groups/{group}"
        return (
            route(
                "/apps",
                ["okta", "okta_apps"],
                self._list(self._app_list, CursorSize(20, 200), combined=False),
            ),
            route(
                app,
                ["okta", "okta_apps"],
                self._detail(self._apps, "app", "AppInstance"),
            ),
            route(
                app + "/users",
                ["okta", "okta_app_users"],
                self._list(self._app_users, CursorSize(50, 500), combined=True),
            ),
            route(
                app + "/groups",
                ["okta", "okta_app_groups"],
                self._list(self._app_groups, CursorSize(20, 200), combined=True),
            ),
            route(
                app + "/group-push/mappings",
                ["okta", "okta_push_mappings"],
                self._list(self._mappings, CursorSize(100, 1000), combined=False),
            ),
            route(
                "/groups",
                ["okta", "okta_groups"],
                self._list(self._group_list, CursorSize(200, 10_000), combined=False),
            ),
            route(
                group,
                ["okta", "okta_groups"],
                self._detail(self._groups, "group", "UserGroup"),
            ),
            route(
                group + "/users",
                ["okta", "okta_group_members"],
                self._list(self._group_users, CursorSize(1000, 1000), combined=True),
            ),
            route(
                "/users",
                ["okta", "okta_users"],
                self._list(self._user_list, CursorSize(200, 200), combined=False),
            ),
            route(
                "/users/{user}",
                ["okta", "okta_users"],
                self._detail(self._users, "user", "User"),
            ),
        )

    # -- handler kinds -------------------------------------------------------

    def _list(
        self, items: Items, size: CursorSize, *, combined: bool
    ) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            selected = self._selected(items, request, params)
            if selected is None:
                parent = next(iter(params.values()))
                summary = f"Not found: Resource not found: {parent}"
                return okta_error(404, "E0000007", summary)
            window, links = cursor_window(
                selected, request, size, combined_link=combined
            )
            return Reply(200, _expanded(window, request), headers=links)

        return handle

    def _selected(
        self, items: Items, request: Request, params: Params
    ) -> list[Json] | None:
        """The whole selection, computed once per query: pages reuse it."""
        criteria = sorted(
            (k, v) for k, v in request.query.items() if k not in ("after", "limit")
        )
        key = (request.path, tuple(criteria))
        if key not in self._selections:
            self._selections[key] = items(request, params)
        return self._selections[key]

    def _detail(
        self, index: Mapping[str, Json], key: str, kind: str
    ) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            found = index.get(params[key])
            if found is None:
                summary = f"Not found: Resource not found: {params[key]} ({kind})"
                return okta_error(404, "E0000007", summary)
            return Reply(200, found)

        return handle

    # -- item sources --------------------------------------------------------

    def _app_list(self, request: Request, params: Params) -> list[Json]:
        prefix = request.query.get("q", "").casefold()
        apps = [
            app
            for app in self.org.apps
            if app["name"].casefold().startswith(prefix)
            or app["label"].casefold().startswith(prefix)
        ]
        return _searched(apps, request.query.get("filter"))

    def _app_users(self, request: Request, params: Params) -> list[Json] | None:
        return self.org.app_users.get(params["app"])

    def _app_groups(self, request: Request, params: Params) -> list[Json] | None:
        return self.org.app_groups.get(params["app"])

    def _mappings(self, request: Request, params: Params) -> list[Json] | None:
        mappings = self.org.push_mappings.get(params["app"])
        if mappings is None:
            return None
        wanted = {
            k: request.query[k]
            for k in ("status", "sourceGroupId")
            if k in request.query
        }
        return [m for m in mappings if all(m.get(k) == v for k, v in wanted.items())]

    def _group_list(self, request: Request, params: Params) -> list[Json]:
        prefix = request.query.get("q", "").casefold()
        groups = [
            g
            for g in self.org.groups
            if g["profile"]["name"].casefold().startswith(prefix)
        ]
        groups = _searched(groups, request.query.get("filter"))
        return _searched(groups, request.query.get("search"))

    def _group_users(self, request: Request, params: Params) -> list[Json] | None:
        return self.org.group_members.get(params["group"])

    def _user_list(self, request: Request, params: Params) -> list[Json]:
        search = request.query.get("search")
        if search:
            return _searched(self.org.users, search)
        # The plain list and filter omit DEPROVISIONED users (§2.2).
        users = [u for u in self.org.users if u["status"] != "DEPROVISIONED"]
        prefix = request.query.get("q", "").casefold()
        if prefix:
            users = [u for u in users if _user_starts(u, prefix)]
        return _searched(users, request.query.get("filter"))


def _oauth_error(status: int, code: str, description: str) -> Reply:
    """An OAuth 2.0 error body (RFC 6749 §5.2), as Okta's token endpoint answers."""
    return Reply(status, {"error": code, "error_description": description})


def _searched(items: Sequence[Json], expression: str | None) -> list[Json]:
    if not expression:
        return list(items)
    return [item for item in items if matches(item, expression)]


def _user_starts(user: Json, prefix: str) -> bool:
    profile = user["profile"]
    names = (profile.get("firstName"), profile.get("lastName"), profile.get("email"))
    return any(isinstance(n, str) and n.casefold().startswith(prefix) for n in names)


def _expanded(items: list[Json], request: Request) -> list[Json]:
    """Items keep ``_embedded`` only when the request asks ``expand=...``."""
    if request.query.get("expand"):
        return items
    return [{k: v for k, v in item.items() if k != "_embedded"} for item in items]
