"""The Cloudflare collector against fixture payloads served by httpx.MockTransport."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reporter import __version__
from reporter.collect import (
    CollectConfig,
    PageSizes,
    cloudflare_client,
    collect_snapshot,
)
from reporter.collect.http import MAX_ATTEMPTS, ApiSession
from reporter.collect.paging import cloudflare_cursor_pages
from reporter.errors import CollectError, ConfigError
from reporter.snapshot import Snapshot, layout

FIXTURES = Path(__file__).parent / "fixtures" / "cloudflare"
ACCOUNT = "92676c84a627399250800312ecb90514"
BASE = "https://api.cloudflare.test/client/v4"
PREFIX = f"/client/v4/accounts/{ACCOUNT}"
TOKEN = "cf-token-4f1c9a7e2b"
ADMINS = "3a44b8497d621e74ca9d85344d8017ce"
READERS = "b1c2d3e4f5a60718293a4b5c6d7e8f90"
SYSTEM_GROUP = "cloudflare-v1-39048d8524f8f8781dfe9f28b50e28a2"
ALICE, BOB, CAROL = (
    "4cd4a5db42b0c4af4425beeab6d5d057",
    "5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
    "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
)
START = datetime(2026, 7, 30, 9, 0, tzinfo=UTC)

Route = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def v4(name: str, status: int = 200) -> Route:
    """A route answering a Cloudflare v4 fixture as application/json."""
    return lambda request: httpx.Response(status, json=fixture(name))


def scim(name: str, status: int = 200) -> Route:
    """A route answering a SCIM fixture as application/scim+json."""
    body = (FIXTURES / name).read_bytes()
    headers = {"content-type": "application/scim+json"}
    return lambda request: httpx.Response(status, content=body, headers=headers)


def by_param(param: str, answers: dict[str, Route]) -> Route:
    """A route answering by one query parameter; any other value fails the test."""

    def route(request: httpx.Request) -> httpx.Response:
        value = request.url.params.get(param, "")
        if value not in answers:
            raise AssertionError(f"unexpected {param}={value!r}: {request.url}")
        return answers[value](request)

    return route


def healthy_routes() -> dict[str, Route]:
    """Every Cloudflare endpoint answering, members and SCIM users on two pages."""
    return {
        "": v4("account.json"),
        "/members": by_param(
            "page",
            {"1": v4("members_page1_of_2.json"), "2": v4("members_page2_of_2.json")},
        ),
        "/roles": v4("roles.json"),
        "/iam/permission_groups": v4("permission_groups.json"),
        "/iam/resource_groups": v4("resource_groups.json"),
        "/iam/user_groups": v4("user_groups.json"),
        f"/iam/user_groups/{ADMINS}/members": v4(f"user_group_members_{ADMINS}.json"),
        f"/iam/user_groups/{READERS}/members": v4(f"user_group_members_{READERS}.json"),
        "/scim/v2/Users": by_param(
            "startIndex",
            {
                "1": scim("scim_users_page1_of_2.json"),
                "3": scim("scim_users_page2_of_2.json"),
            },
        ),
        "/scim/v2/Groups": scim("scim_groups.json"),
    }


class FakeCloudflare:
    """A MockTransport handler routing by path under the account; records requests."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        tail = request.url.path.removeprefix(PREFIX)
        if tail not in self.routes:
            raise AssertionError(f"unexpected request: {request.url}")
        return self.routes[tail](request)

    def paths(self, tail: str) -> list[httpx.URL]:
        return [r.url for r in self.requests if r.url.path == PREFIX + tail]


class Clock:
    """A clock that advances one second per reading."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        reading = self.now
        self.now += timedelta(seconds=1)
        return reading


def collect(
    fake: FakeCloudflare,
    *,
    sleeps: list[float] | None = None,
    sizes: PageSizes | None = None,
    max_pages: int = 1000,
    account_id: str = ACCOUNT,
) -> Snapshot:
    config = CollectConfig(
        account_id=account_id,
        cloudflare_url=BASE,
        page_sizes=sizes or PageSizes(cf_members=2, scim=2),
        max_pages=max_pages,
    )
    client = cloudflare_client(BASE, TOKEN, transport=httpx.MockTransport(fake))
    waits = sleeps if sleeps is not None else []
    with client:
        return collect_snapshot(config, client, None, clock=Clock(), sleep=waits.append)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_members_are_merged_across_pages_until_total_pages() -> None:
    """Members on two pages arrive in order; paging stops at total_pages."""
    fake = FakeCloudflare(healthy_routes())

    snapshot = collect(fake)

    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB, CAROL]
    assert [u.params["page"] for u in fake.paths("/members")] == ["1", "2"]
    assert all(u.params["per_page"] == "2" for u in fake.paths("/members"))
    record = snapshot.manifest.endpoint(layout.CF_MEMBERS)
    assert record is not None and (record.pages, record.count) == (2, 3)


def test_members_stop_at_total_count_when_total_pages_is_absent() -> None:
    """Without total_pages, paging stops once page * per_page reaches total_count."""
    pages = {}
    for page in ("1", "2"):
        body = fixture(f"members_page{page}_of_2.json")
        del body["result_info"]["total_pages"]
        pages[page] = body
    routes = healthy_routes()
    routes["/members"] = lambda r: httpx.Response(200, json=pages[r.url.params["page"]])
    fake = FakeCloudflare(routes)

    snapshot = collect(fake)

    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB, CAROL]
    assert len(fake.paths("/members")) == 2


def test_a_short_page_without_result_info_is_the_last() -> None:
    """A members answer without result_info, shorter than per_page, is the list."""
    routes = healthy_routes()
    routes["/members"] = v4("members_without_result_info.json")
    fake = FakeCloudflare(routes)

    snapshot = collect(fake, sizes=PageSizes(cf_members=50, scim=2))

    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB]
    assert len(fake.paths("/members")) == 1


def test_a_full_page_without_result_info_is_followed() -> None:
    """Without result_info a full page may not be the last: the next is asked."""
    routes = healthy_routes()
    routes["/members"] = by_param(
        "page",
        {
            "1": v4("members_without_result_info.json"),
            "2": v4("members_page2_empty.json"),
        },
    )
    fake = FakeCloudflare(routes)

    snapshot = collect(fake)

    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB]
    assert [u.params["page"] for u in fake.paths("/members")] == ["1", "2"]


def test_an_empty_page_ends_paging() -> None:
    """With no totals given, an empty result ends the list."""
    routes = healthy_routes()
    routes["/members"] = by_param(
        "page",
        {
            "1": v4("members_page1_without_totals.json"),
            "2": v4("members_page2_empty.json"),
        },
    )
    fake = FakeCloudflare(routes)

    snapshot = collect(fake)

    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB]
    assert [u.params["page"] for u in fake.paths("/members")] == ["1", "2"]


def test_a_page_repeating_seen_ids_is_a_collect_error() -> None:
    """An API that ignores 'page' (same members again) stops with a CollectError."""
    routes = healthy_routes()
    routes["/members"] = v4("members_page1_without_totals.json")
    fake = FakeCloudflare(routes)

    with pytest.raises(CollectError, match="page 2 only repeats ids") as caught:
        collect(fake)

    assert caught.value.url is not None and caught.value.url.endswith("/members")


def test_paging_beyond_the_cap_is_a_collect_error() -> None:
    """A list that never ends stops at max_pages with a CollectError naming the cap."""

    def endless(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        member = {"id": f"{page:032x}", "email": f"m{page}@example.com"}
        info = {"page": page, "per_page": 1, "count": 1}
        return httpx.Response(
            200, json={"success": True, "result": [member], "result_info": info}
        )

    routes = healthy_routes()
    routes["/members"] = endless

    with pytest.raises(CollectError, match="after 3 pages"):
        collect(FakeCloudflare(routes), max_pages=3)


def test_resource_groups_are_read_in_one_unpaged_request() -> None:
    """Resource groups come from one GET without page parameters, kept as served."""
    fake = FakeCloudflare(healthy_routes())

    snapshot = collect(fake)

    (url,) = fake.paths("/iam/resource_groups")
    assert "page" not in url.params
    expected = fixture("resource_groups.json")["result"]
    assert snapshot.entries[layout.CF_RESOURCE_GROUPS] == expected


def test_scim_users_are_paged_by_start_index_and_deduplicated() -> None:
    """SCIM pages follow startIndex + len(Resources); a repeated user is kept once."""
    fake = FakeCloudflare(healthy_routes())

    snapshot = collect(fake)

    users = snapshot.entries[layout.CF_SCIM_USERS]
    assert [u["userName"] for u in users] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    starts = [u.params["startIndex"] for u in fake.paths("/scim/v2/Users")]
    assert starts == ["1", "3"]


def test_scim_groups_are_listed_never_read_one_by_one() -> None:
    """No check reads a SCIM group's detail: one list, no GET /Groups/{id}."""
    fake = FakeCloudflare(healthy_routes())

    snapshot = collect(fake)

    assert ids(snapshot.entries[layout.CF_SCIM_GROUPS]) == [
        SYSTEM_GROUP,
        ADMINS,
        READERS,
    ]
    assert not snapshot.has(layout.CF_SCIM_GROUP_DETAILS)
    assert snapshot.manifest.endpoint(layout.CF_SCIM_GROUP_DETAILS) is None
    asked = [r.url.path for r in fake.requests if "/scim/v2/Groups/" in r.url.path]
    assert asked == []


def test_user_group_members_are_keyed_by_user_group_id() -> None:
    """Each user group's member list is stored under its id."""
    snapshot = collect(FakeCloudflare(healthy_routes()))

    members = snapshot.entries[layout.CF_USER_GROUP_MEMBERS]

    assert {group: ids(items) for group, items in members.items()} == {
        ADMINS: [ALICE],
        READERS: [CAROL, BOB],
    }


def test_member_lists_are_read_while_the_members_still_are() -> None:
    """User group member lists start once the user groups are read, not after."""
    lists_started = threading.Event()
    seen_by_members_page_2: list[bool] = []
    routes = healthy_routes()
    members, admins = routes["/members"], routes[f"/iam/user_groups/{ADMINS}/members"]

    def members_waiting_for_lists(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "2":
            seen_by_members_page_2.append(lists_started.wait(timeout=10))
        return members(request)

    def admins_noted(request: httpx.Request) -> httpx.Response:
        lists_started.set()
        return admins(request)

    routes["/members"] = members_waiting_for_lists
    routes[f"/iam/user_groups/{ADMINS}/members"] = admins_noted

    snapshot = collect(FakeCloudflare(routes))

    assert seen_by_members_page_2 == [True]
    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB, CAROL]
    # Recorded in the same order as when the member lists came after the rest.
    assert list(snapshot.entries) == [
        layout.CF_ACCOUNT,
        layout.CF_MEMBERS,
        layout.CF_ROLES,
        layout.CF_PERMISSION_GROUPS,
        layout.CF_RESOURCE_GROUPS,
        layout.CF_USER_GROUPS,
        layout.CF_SCIM_USERS,
        layout.CF_SCIM_GROUPS,
        layout.CF_USER_GROUP_MEMBERS,
    ]


@pytest.mark.parametrize("tail", ["", "/members"])
def test_refused_account_or_members_is_fatal_naming_the_permission(tail: str) -> None:
    """A 403 on the account or members stops, naming Account Settings Read and 9109."""
    routes = healthy_routes()
    routes[tail] = v4("error_403_code_9109.json", status=403)

    with pytest.raises(CollectError) as caught:
        collect(FakeCloudflare(routes))

    message = str(caught.value)
    assert f"the token needs Account Settings Read for account {ACCOUNT}" in message
    assert "code 9109" in message
    assert caught.value.status == 403
    assert "\n" not in message


def test_an_unknown_account_is_fatal_pointing_at_the_account_option() -> None:
    """A 404 on the account names the id and the --account option."""
    routes = healthy_routes()
    routes[""] = v4("error_404_code_7003.json", status=404)

    with pytest.raises(CollectError) as caught:
        collect(FakeCloudflare(routes))

    assert f"no account {ACCOUNT}" in caught.value.message
    assert "code 7003" in caught.value.message
    assert caught.value.hint is not None and "--account" in caught.value.hint


def test_an_account_answered_with_another_id_is_fatal() -> None:
    """An account object whose id is not the one asked for stops the collection."""
    body = fixture("account.json")
    body["result"]["id"] = "0" * 32
    routes = healthy_routes()
    routes[""] = lambda request: httpx.Response(200, json=body)

    with pytest.raises(CollectError) as caught:
        collect(FakeCloudflare(routes))

    assert f"account '{'0' * 32}', not {ACCOUNT}" in caught.value.message
    assert caught.value.hint is not None and "--cloudflare-url" in caught.value.hint


def test_refused_scim_fails_only_the_scim_entries() -> None:
    """A 403 on SCIM is recorded with its hint; the SCIM entries are absent."""
    routes = healthy_routes()
    routes["/scim/v2/Users"] = scim("scim_error_403.json", status=403)
    routes["/scim/v2/Groups"] = scim("scim_error_403.json", status=403)

    snapshot = collect(FakeCloudflare(routes))

    for entry in (layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS):
        record = snapshot.manifest.endpoint(entry)
        assert record is not None
        assert (record.status, record.http_status) == ("failed", 403)
        assert record.hint is not None and "Enterprise" in record.hint
        assert record.reason is not None and "not enabled" in record.reason
    assert not snapshot.has(layout.CF_SCIM_USERS)
    assert not snapshot.has(layout.CF_SCIM_GROUPS)
    assert not snapshot.has(layout.CF_SCIM_GROUP_DETAILS)
    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB, CAROL]


def test_deprecated_roles_answering_404_fail_only_roles() -> None:
    """Roles answering 404 (code 7003) fail alone, with the code recorded."""
    routes = healthy_routes()
    routes["/roles"] = v4("error_404_code_7003.json", status=404)

    snapshot = collect(FakeCloudflare(routes))

    record = snapshot.manifest.endpoint(layout.CF_ROLES)
    assert record is not None
    assert (record.status, record.http_status, record.error_code) == (
        "failed",
        404,
        "7003",
    )
    assert not snapshot.has(layout.CF_ROLES)
    assert snapshot.has(layout.CF_PERMISSION_GROUPS)


def test_one_refused_member_list_fails_all_user_group_members() -> None:
    """One user group's refused member list fails the whole members map."""
    routes = healthy_routes()
    routes[f"/iam/user_groups/{READERS}/members"] = v4(
        "error_403_code_9109.json", status=403
    )

    snapshot = collect(FakeCloudflare(routes))

    assert not snapshot.has(layout.CF_USER_GROUP_MEMBERS)
    record = snapshot.manifest.endpoint(layout.CF_USER_GROUP_MEMBERS)
    assert record is not None and (record.status, record.error_code) == (
        "failed",
        "9109",
    )
    assert ids(snapshot.entries[layout.CF_USER_GROUPS]) == [ADMINS, READERS]


def test_an_html_503_is_retried_then_a_collect_error_naming_url_and_status() -> None:
    """A 503 edge page is retried, then reported with URL and status, not as JSON."""
    page = (FIXTURES / "edge_503.html").read_bytes()
    routes = healthy_routes()
    routes["/members"] = lambda r: httpx.Response(
        503, content=page, headers={"content-type": "text/html"}
    )
    fake = FakeCloudflare(routes)
    sleeps: list[float] = []

    with pytest.raises(CollectError) as caught:
        collect(fake, sleeps=sleeps)

    assert not isinstance(caught.value.__cause__, ValueError)
    assert caught.value.status == 503
    assert f"{BASE}/accounts/{ACCOUNT}/members" in str(caught.value)
    assert f"HTTP 503 with text/html after {MAX_ATTEMPTS} attempts" in str(caught.value)
    assert len(fake.paths("/members")) == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_a_429_waits_the_retry_after_seconds() -> None:
    """A 429 with retry-after: 7 waits exactly 7 s, then the page is read."""
    answers = [
        httpx.Response(
            429, json=fixture("error_429_code_971.json"), headers={"retry-after": "7"}
        )
    ]
    members = healthy_routes()["/members"]
    routes = healthy_routes()
    routes["/members"] = lambda r: answers.pop() if answers else members(r)
    sleeps: list[float] = []

    snapshot = collect(FakeCloudflare(routes), sleeps=sleeps)

    assert sleeps == [7.0]
    assert ids(snapshot.entries[layout.CF_MEMBERS]) == [ALICE, BOB, CAROL]
    statuses = [
        r.status for r in snapshot.manifest.requests if r.entry == layout.CF_MEMBERS
    ]
    assert statuses == [429, 200, 200]


def test_retries_stop_when_the_wait_budget_is_spent() -> None:
    """Waits never add up past the 5-minute budget; then the 429 is an error."""
    limited = httpx.Response(
        429, json=fixture("error_429_code_971.json"), headers={"retry-after": "200"}
    )
    routes = healthy_routes()
    routes["/members"] = lambda r: limited
    sleeps: list[float] = []

    with pytest.raises(CollectError, match=r"HTTP 429 .*after 3 attempts") as caught:
        collect(FakeCloudflare(routes), sleeps=sleeps)

    assert sleeps == [200.0, 100.0]
    assert caught.value.status == 429


def test_a_connection_error_is_retried_and_recorded_without_status() -> None:
    """A dropped connection is retried with backoff; its record has no status."""
    failures = [httpx.ConnectError("connection refused")]
    account = healthy_routes()[""]

    def flaky(request: httpx.Request) -> httpx.Response:
        if failures:
            raise failures.pop()
        return account(request)

    routes = healthy_routes()
    routes[""] = flaky
    sleeps: list[float] = []

    snapshot = collect(FakeCloudflare(routes), sleeps=sleeps)

    first, second = snapshot.manifest.requests[:2]
    assert (first.status, second.status) == (None, 200)
    assert first.entry == second.entry == layout.CF_ACCOUNT
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 2


def test_progress_counts_the_pages_read_per_entry() -> None:
    """progress(entry, pages, known) counts pages per entry, across user groups too."""
    fake = FakeCloudflare(healthy_routes())
    calls: list[tuple[str, int, int]] = []
    config = CollectConfig(ACCOUNT, BASE, page_sizes=PageSizes(cf_members=2, scim=2))

    with cloudflare_client(BASE, TOKEN, transport=httpx.MockTransport(fake)) as c:
        collect_snapshot(
            config, c, None, clock=Clock(), progress=lambda *a: calls.append(a)
        )

    members = [(n, known) for e, n, known in calls if e == layout.CF_MEMBERS]
    group_members = [n for e, n, _ in calls if e == layout.CF_USER_GROUP_MEMBERS]
    assert members == [(1, 1), (1, 2), (2, 2)]
    assert sorted(group_members) == [1, 2]


def test_the_client_sends_the_bearer_token_and_user_agent() -> None:
    """Requests carry 'Authorization: Bearer <token>' and the tool's User-Agent."""
    fake = FakeCloudflare(healthy_routes())

    collect(fake)

    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["user-agent"] == f"cf-scim-audit/{__version__}"


def test_request_records_hold_path_and_query_without_host() -> None:
    """Each exchange is recorded as method, path with query, status, entry, page."""
    snapshot = collect(FakeCloudflare(healthy_routes()))

    second_page = [r for r in snapshot.manifest.requests if "?page=2" in r.path]

    assert [(r.method, r.path, r.status, r.entry, r.page) for r in second_page] == [
        ("GET", f"{PREFIX}/members?page=2&per_page=2", 200, layout.CF_MEMBERS, 2)
    ]
    assert not any("cloudflare.test" in r.path for r in snapshot.manifest.requests)


def test_one_info_line_is_logged_per_exchange(caplog: pytest.LogCaptureFixture) -> None:
    """Every exchange logs one INFO line with method, path and status."""
    caplog.set_level(logging.INFO, logger="reporter.collect")

    snapshot = collect(FakeCloudflare(healthy_routes()))

    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(lines) == len(snapshot.manifest.requests) == 12
    assert lines[0].startswith(f"GET {PREFIX} 200 ")


def test_the_token_appears_in_no_manifest_and_no_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The serialized manifest and the logs never hold the API token."""
    caplog.set_level(logging.DEBUG)

    snapshot = collect(FakeCloudflare(healthy_routes()))

    manifest = json.dumps(asdict(snapshot.manifest))
    assert TOKEN not in manifest and TOKEN not in caplog.text
    assert f"{PREFIX}/members?page=1&per_page=2" in manifest


def test_the_manifest_describes_the_collection() -> None:
    """Manifest times come from the injected clock; sources name the base URL."""
    snapshot = collect(FakeCloudflare(healthy_routes()))

    manifest = snapshot.manifest
    assert (manifest.started_at, manifest.finished_at) == (
        "2026-07-30T09:00:00+00:00",
        "2026-07-30T09:00:01+00:00",
    )
    assert (manifest.tool_version, manifest.account_id) == (__version__, ACCOUNT)
    assert dict(manifest.sources) == {"cloudflare": BASE}
    # SCIM group details are readable in older snapshots, no longer collected.
    details = layout.CF_SCIM_GROUP_DETAILS
    collected = [e for e in layout.CLOUDFLARE_ENTRIES if e != details]
    assert [e.entry for e in manifest.endpoints] == collected
    assert all(e.status == "ok" for e in manifest.endpoints)
    assert snapshot.path is None and manifest.files == {}


@pytest.mark.parametrize("bad", ["92676c84", "not-an-account-id", ACCOUNT + "0"])
def test_a_malformed_account_id_is_a_config_error_naming_it(bad: str) -> None:
    """An account id that is not 32 hex characters is refused before any request."""
    fake = FakeCloudflare(healthy_routes())

    with pytest.raises(ConfigError, match=bad) as caught:
        collect(fake, account_id=bad)

    assert caught.value.hint is not None and "--account" in caught.value.hint
    assert fake.requests == []


def test_page_sizes_are_the_documented_maxima_by_default() -> None:
    """Without overrides, members ask 50 per page and user groups 500."""
    fake = FakeCloudflare(healthy_routes())

    collect(fake, sizes=replace(PageSizes(), scim=2))

    assert fake.paths("/members")[0].params["per_page"] == "50"
    assert fake.paths("/iam/user_groups")[0].params["per_page"] == "500"
    assert (
        fake.paths(f"/iam/user_groups/{ADMINS}/members")[0].params["per_page"] == "500"
    )


def audit_page(ids: list[str], info: dict[str, Any]) -> httpx.Response:
    result = [{"id": i, "action": {"type": "update"}} for i in ids]
    return httpx.Response(
        200, json={"success": True, "errors": [], "result": result, "result_info": info}
    )


def audit_pages(answer: Route) -> tuple[list[str], list[httpx.URL]]:
    """The audit entry ids collected through ``answer``, and the URLs asked."""
    asked: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        return answer(request)

    params: dict[str, str | int] = {
        "since": "2026-07-01",
        "before": "2026-08-01",
        "limit": 2,
    }
    with cloudflare_client(BASE, TOKEN, transport=httpx.MockTransport(handler)) as c:
        fetched = cloudflare_cursor_pages(
            ApiSession(c), f"{PREFIX}/logs/audit", entry="audit", params=params
        )
    return [item["id"] for item in fetched.data], asked


def test_audit_logs_follow_the_sdks_cursors_after() -> None:
    """result_info.cursors.after (the SDK's spelling) is followed like cursor."""
    pages = {
        "": audit_page(["a1", "a2"], {"count": "2", "cursors": {"after": "c2"}}),
        "c2": audit_page(["a3"], {"count": "1", "cursors": {"after": ""}}),
    }

    ids_seen, asked = audit_pages(lambda r: pages[r.url.params.get("cursor", "")])

    assert ids_seen == ["a1", "a2", "a3"]
    assert [u.params.get("cursor") for u in asked] == [None, "c2"]
    assert all(u.params["since"] == "2026-07-01" for u in asked)


def test_audit_logs_returning_a_followed_cursor_is_a_collect_error() -> None:
    """A cursor that comes back again would loop: it is a CollectError."""
    pages = {
        "": audit_page(["a1"], {"cursor": "c2"}),
        "c2": audit_page(["a2"], {"cursor": "c2"}),
    }

    with pytest.raises(CollectError, match="cursor already followed"):
        audit_pages(lambda r: pages[r.url.params.get("cursor", "")])
