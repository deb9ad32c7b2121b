"""The Cloudflare v4 endpoints the collectors read, served from an organization.

Shapes, defaults and limits follow ``shared/domain/cloudflare-api.md`` §2-§6
and the spec subset. The routes are a table: one entry per endpoint, built
from four handler kinds (paged list, unpaged list, detail, SCIM).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reporter.demo.org import CloudflareOrg, Json
from reporter.emulator.wire import (
    JSON,
    SCIM_JSON,
    BadQuery,
    PageSize,
    Reply,
    Request,
    Route,
    cursor_page,
    page_window,
    route,
    scim_window,
    success,
)

PREFIX = "/client/v4"
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SMALL = PageSize(default=20, minimum=5, maximum=50)
LARGE = PageSize(default=100, minimum=1, maximum=500)  # user groups (§3)
RATE_LIMIT = 1200  # requests per 5 minutes (§4)
_SCIM_EQ = re.compile(r'^(?P<attr>\w+)\s+eq\s+"(?P<value>[^"]*)"$', re.IGNORECASE)

Query = Mapping[str, str]
Params = Mapping[str, str]
Items = Callable[[Params, Query], list[Json]]
Children = Callable[[Params, Query], list[Json] | None]  # None: no such parent
Find = Callable[[Params], Json | None]


def v4_error(status: int, code: int, message: str) -> Reply:
    """A v4 failure envelope (§2)."""
    body = {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }
    return Reply(status, body, JSON)


def scim_error(status: int, detail: str, scim_type: str | None = None) -> Reply:
    """A SCIM error body (RFC 7644 §3.12; ``status`` is a string)."""
    body: Json = {"schemas": [SCIM_ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return Reply(status, body, SCIM_JSON)


class CloudflareApi:
    """Answers v4 and dashboard SCIM GETs for one account."""

    prefix = PREFIX

    def __init__(
        self, org: CloudflareOrg, token: str, *, audit_logs: Sequence[Json] = ()
    ) -> None:
        self.org = org
        self.audit_logs = list(audit_logs)
        self.account_id: str = org.account["id"]
        self._token = token
        self._member = _by_id(org.members)
        self._user_group = _by_id(org.user_groups, "g")
        self._scim_group_by_id = _by_id(org.scim_groups)
        self.routes: tuple[Route, ...] = self._routes()

    def authorized(self, request: Request) -> bool:
        """Whether the request carries the account's API token."""
        return request.authorization == f"Bearer {self._token}"

    def denied(self, found: Route | None) -> Reply:
        """The answer to a missing or wrong token."""
        if found is not None and found.scim:
            return scim_error(401, "Authentication error")
        return v4_error(403, 10000, "Authentication error")

    def refused(self, found: Route) -> Reply:
        """The answer when the token lacks the permission for ``found``."""
        if found.scim:
            return scim_error(403, "Unauthorized to access requested resource (9109)")
        return v4_error(403, 9109, "Unauthorized to access requested resource")

    def no_route(self) -> Reply:
        """The answer to a path Cloudflare does not serve."""
        return v4_error(404, 7003, "No route for the URI")

    def bad_query(self, found: Route, error: BadQuery) -> Reply:
        """The answer to an unusable query parameter."""
        if found.scim:
            return scim_error(400, str(error), "invalidValue")
        return v4_error(400, 1001, str(error))

    def rate_headers(self, served: int) -> tuple[tuple[str, str], ...]:
        """``x-ratelimit-*`` headers (§4).

        The remainder cycles within the upper half of the budget, so clients
        that slow down near zero never wait on the emulator.
        """
        remaining = RATE_LIMIT - 1 - served % (RATE_LIMIT // 2)
        return (
            ("x-ratelimit-limit", str(RATE_LIMIT)),
            ("x-ratelimit-remaining", str(remaining)),
        )

    # -- the table -----------------------------------------------------------

    def _routes(self) -> tuple[Route, ...]:
        org = self.org
        acct = "/accounts/{a}"
        ug = acct + "/iam/user_groups/{g}"
        return (
            route("/accounts", ["accounts"], self._paged(self._accounts, SMALL)),
            route(acct, ["account"], self._detail(lambda p: org.account, "account")),
            route(acct + "/members", ["members"], self._paged(self._members, SMALL)),
            route(
                acct + "/members/{id}",
                ["members"],
                self._detail(self._member, "member"),
            ),
            route(acct + "/roles", ["roles"], self._paged(_all(org.roles), SMALL)),
            route(
                acct + "/roles/{id}", ["roles"], self._detail(_by_id(org.roles), "role")
            ),
            route(
                acct + "/iam/permission_groups",
                ["permission_groups"],
                self._paged(self._permission_groups, SMALL),
            ),
            route(
                acct + "/iam/permission_groups/{id}",
                ["permission_groups"],
                self._detail(_by_id(org.permission_groups), "permission group"),
            ),
            route(
                acct + "/iam/resource_groups",
                ["resource_groups"],
                self._unpaged(self._resource_groups),
            ),
            route(
                acct + "/iam/resource_groups/{id}",
                ["resource_groups"],
                self._detail(_by_id(org.resource_groups), "resource group"),
            ),
            route(
                acct + "/iam/user_groups",
                ["user_groups"],
                self._paged(self._user_groups, LARGE),
            ),
            route(ug, ["user_groups"], self._detail(self._user_group, "user group")),
            route(
                ug + "/members",
                ["user_groups", "user_group_members"],
                self._paged(self._group_members, LARGE),
            ),
            route(
                ug + "/members/{id}",
                ["user_groups", "user_group_members"],
                self._detail(self._group_member, "user group member"),
            ),
            route(acct + "/logs/audit", ["audit_logs"], self._audit),
            route(
                acct + "/scim/v2/Users",
                ["scim", "scim_users"],
                self._scim_list(self._scim_users),
                scim=True,
            ),
            route(
                acct + "/scim/v2/Users/{id}",
                ["scim", "scim_users"],
                self._scim_detail(_by_id(org.scim_users), "User"),
                scim=True,
            ),
            route(
                acct + "/scim/v2/Groups",
                ["scim", "scim_groups"],
                self._scim_list(self._scim_groups),
                scim=True,
            ),
            route(
                acct + "/scim/v2/Groups/{id}",
                ["scim", "scim_groups"],
                self._scim_detail(self._scim_group, "Group"),
                scim=True,
            ),
        )

    # -- handler kinds -------------------------------------------------------

    def _paged(self, items: Children, size: PageSize) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            refused = self._in_account(params, scim=False)
            if refused is not None:
                return refused
            selected = items(params, request.query)
            if selected is None:
                return v4_error(404, 1003, f"user group {params.get('g')} not found")
            return Reply(200, page_window(selected, request.query, size))

        return handle

    def _unpaged(self, items: Items) -> Callable[..., Reply]:
        # Resource groups answer in one response without result_info (§3).
        def handle(request: Request, params: Params) -> Reply:
            return self._in_account(params, scim=False) or Reply(
                200, success(items(params, request.query))
            )

        return handle

    def _detail(self, find: Find, what: str) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            refused = self._in_account(params, scim=False)
            if refused is not None:
                return refused
            found = find(params)
            if found is None:
                return v4_error(404, 1003, f"{what} not found")
            return Reply(200, success(found))

        return handle

    def _scim_list(self, items: Items) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            refused = self._in_account(params, scim=True)
            if refused is not None:
                return refused
            try:
                selected = items(params, request.query)
            except ValueError as exc:
                return scim_error(400, str(exc), "invalidFilter")
            return Reply(200, scim_window(selected, request.query), SCIM_JSON)

        return handle

    def _scim_detail(self, find: Find, what: str) -> Callable[..., Reply]:
        def handle(request: Request, params: Params) -> Reply:
            refused = self._in_account(params, scim=True)
            if refused is not None:
                return refused
            found = find(params)
            if found is None:
                return scim_error(404, f"{what} {params['id']} not found")
            return Reply(200, found, SCIM_JSON)

        return handle

    def _in_account(self, params: Params, *, scim: bool) -> Reply | None:
        """None when the path names this account; else Cloudflare's refusal."""
        if "a" not in params or params["a"] == self.account_id:
            return None
        # Cloudflare does not reveal whether another account exists.
        if scim:
            return scim_error(403, "Unauthorized to access requested resource (9109)")
        return v4_error(403, 9109, "Unauthorized to access requested resource")

    def _audit(self, request: Request, params: Params) -> Reply:
        """Audit Logs v2 (§3): since and before required, cursor paging.

        ISO timestamps compare as text: ``before`` is exclusive, and a bare
        date stands for the start of that day.
        """
        refused = self._in_account(params, scim=False)
        if refused is not None:
            return refused
        query = request.query
        for name in ("since", "before"):
            if not query.get(name):
                return v4_error(400, 1001, f"query parameter {name!r} is required")
        entries = [
            e
            for e in self.audit_logs
            if query["since"] <= _audit_time(e) < query["before"]
        ]
        entries.sort(key=_audit_time, reverse=query.get("direction", "desc") != "asc")
        return Reply(200, cursor_page(entries, query))

    # -- item sources --------------------------------------------------------

    def _accounts(self, params: Params, query: Query) -> list[Json]:
        return _matching([self.org.account], query, exact={"name": "name"})

    def _members(self, params: Params, query: Query) -> list[Json]:
        return _matching(self.org.members, query, exact={"status": "status"})

    def _permission_groups(self, params: Params, query: Query) -> list[Json]:
        exact = {"id": "id", "name": "name", "label": "meta.label"}
        return _matching(self.org.permission_groups, query, exact=exact)

    def _resource_groups(self, params: Params, query: Query) -> list[Json]:
        exact = {"id": "id", "name": "name"}
        return _matching(self.org.resource_groups, query, exact=exact)

    def _user_groups(self, params: Params, query: Query) -> list[Json]:
        groups = _matching(
            self.org.user_groups,
            query,
            exact={"id": "id", "name": "name"},
            fuzzy={"fuzzyName": "name"},
        )
        return _ordered(groups, "name", query)

    def _group_members(self, params: Params, query: Query) -> list[Json] | None:
        listed = self.org.user_group_members.get(params["g"])
        if listed is None:
            return None
        members = _matching(listed, query, fuzzy={"fuzzyEmail": "email"})
        return _ordered(members, "email", query)

    def _group_member(self, params: Params) -> Json | None:
        """The detailed member: adds ``created_at`` and ``user{...}`` (§5)."""
        group = self._user_group(params)
        listed = self.org.user_group_members.get(params["g"], [])
        item = next((m for m in listed if m["id"] == params["id"]), None)
        member = self._member(params)
        if group is None or item is None or member is None:
            return None
        user = member.get("user", {})
        return {
            **item,
            "created_at": group["created_on"],
            "user": {
                key: user[key] for key in ("id", "email", "first_name", "last_name")
            },
        }

    def _scim_users(self, params: Params, query: Query) -> list[Json]:
        return _scim_filtered(self.org.scim_users, query, "userName")

    def _scim_groups(self, params: Params, query: Query) -> list[Json]:
        return _scim_filtered(self.org.scim_groups, query, "displayName")

    def _scim_group(self, params: Params) -> Json | None:
        """A group; custom groups list ``members``, system groups never do."""
        group = self._scim_group_by_id(params)
        if group is None:
            return None
        members = self.org.scim_group_members.get(group["id"])
        return group if members is None else {**group, "members": members}


def _all(items: list[Json]) -> Items:
    return lambda params, query: items


def _by_id(items: Sequence[Json], key: str = "id") -> Find:
    index = {item["id"]: item for item in items}
    return lambda params: index.get(params[key])


def _field(item: Json, dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matching(
    items: Sequence[Json],
    query: Query,
    *,
    exact: Mapping[str, str] | None = None,
    fuzzy: Mapping[str, str] | None = None,
) -> list[Json]:
    """Items passing the exact and substring filters present in ``query``."""
    tests = [
        (dotted, query[name], False)
        for name, dotted in (exact or {}).items()
        if name in query
    ]
    tests += [
        (dotted, query[name].casefold(), True)
        for name, dotted in (fuzzy or {}).items()
        if name in query
    ]
    if not tests:
        return list(items)
    return [item for item in items if all(_passes(item, *test) for test in tests)]


def _passes(item: Json, dotted: str, wanted: str, substring: bool) -> bool:
    value = _field(item, dotted)
    if substring:
        return isinstance(value, str) and wanted in value.casefold()
    return bool(value == wanted)


def _ordered(items: list[Json], key: str, query: Query) -> list[Json]:
    """Sorted by ``key``; ``direction=desc`` reverses (§3: by name / email)."""
    return sorted(
        items,
        key=lambda item: str(item.get(key, "")),
        reverse=query.get("direction") == "desc",
    )


def _scim_filtered(items: list[Json], query: Query, attribute: str) -> list[Json]:
    """Apply the one SCIM filter Cloudflare supports: ``<attribute> eq "…"``."""
    expression = query.get("filter")
    if not expression:
        return items
    found = _SCIM_EQ.match(expression.strip())
    if found is None or found["attr"] != attribute:
        supported = f'{attribute} eq "value"'
        raise ValueError(f"only {supported} is supported, got {expression!r}")
    wanted = found["value"].casefold()  # userName is caseExact:false (RFC 7643)
    return [i for i in items if str(i.get(attribute, "")).casefold() == wanted]


def _audit_time(entry: Json) -> str:
    action = entry.get("action")
    return str(action.get("time", "")) if isinstance(action, dict) else ""
