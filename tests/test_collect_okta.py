"""The Okta collector against fixture payloads served by httpx.MockTransport."""

from __future__ import annotations

import gc
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudflare_fakes import empty_cloudflare

from reporter.collect import (
    CollectConfig,
    cloudflare_client,
    collect_snapshot,
    okta_client,
)
from reporter.collect.evidence import Evidence
from reporter.collect.http import MAX_RESET_WAIT, ApiSession
from reporter.collect.limiter import RateLimiter, VirtualTime
from reporter.collect.okta import OKTA_RATE_LIMIT, collect_okta
from reporter.collect.partial import PartialState
from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.emulator.okta import matches
from reporter.errors import CollectError, SnapshotError
from reporter.snapshot import Snapshot, layout

FIXTURES = Path(__file__).parent / "fixtures" / "okta"
ACCOUNT = "92676c84a627399250800312ecb90514"
OKTA = "https://example.okta.test"
CLOUDFLARE = "https://api.cloudflare.test/client/v4"
TOKEN = "okta-token-00a8Zq3kP"
CF_TOKEN = "cf-token-7d2e91bb40"
V1, V2 = "0oa1cfv1EXAMPLE00001", "0oa1cfv2EXAMPLE00002"
OKTA_ADMINS = "00g1oktaadminsEX001"
V1_TARGET = "00g1appgrpEXAMPLE01"
V2_SOURCE = "00g1cfadminsEXAMPLE1"
V2_TARGET = "00g1appgrpEXAMPLE02"
STRAY = "00g1strayCFEXAMPLE3"
READERS = "00g1cfreadrsEXAMPLE2"
USERS_PAGE_2 = f"{OKTA}/api/v1/users?after=00u1bob00EXAMPLE0002&limit=200"

Route = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def answer(name: str, status: int = 200, links: list[str] | None = None) -> Route:
    """A route answering an Okta fixture, with one Link header field per link."""
    headers = [("link", link) for link in links or []]
    return lambda request: httpx.Response(status, json=fixture(name), headers=headers)


def users_pages(page_1_links: list[str], page_2_links: list[str]) -> Route:
    """The two users pages, the first pointing at the second through Link."""

    def route(request: httpx.Request) -> httpx.Response:
        if "after" in request.url.params:
            return answer("users_page2_of_2.json", links=page_2_links)(request)
        return answer("users_page1_of_2.json", links=page_1_links)(request)

    return route


def healthy_routes() -> dict[str, Route]:
    """Both apps with users, groups and one push mapping each; users on two pages."""
    routes: dict[str, Route] = {}
    for key, app in (("v1", V1), ("v2", V2)):
        routes[f"/api/v1/apps/{app}"] = answer(f"app_{key}.json")
        routes[f"/api/v1/apps/{app}/users"] = answer(f"app_users_{key}.json")
        routes[f"/api/v1/apps/{app}/groups"] = answer(f"app_groups_{key}.json")
        routes[f"/api/v1/apps/{app}/group-push/mappings"] = answer(
            f"push_mappings_{key}.json"
        )
    for group in (OKTA_ADMINS, V2_SOURCE):
        routes[f"/api/v1/groups/{group}/users"] = answer(f"group_users_{group}.json")
    routes["/api/v1/groups"] = group_search(org_groups())
    routes["/api/v1/users"] = users_pages([f'<{USERS_PAGE_2}>; rel="next"'], [])
    return routes


def org_groups() -> list[dict[str, Any]]:
    """Every group of the fixture org: the four named ones and the CF- hits."""
    named = [fixture(f"group_{g}.json") for g in (OKTA_ADMINS, V1_TARGET)]
    named += [fixture(f"group_{g}.json") for g in (V2_SOURCE, V2_TARGET)]
    cf_hits: list[dict[str, Any]] = fixture("groups_search_cf_prefix.json")
    return named + cf_hits


def group_search(groups: list[dict[str, Any]]) -> Route:
    """/api/v1/groups answering the groups its ``search`` expression selects."""

    def route(request: httpx.Request) -> httpx.Response:
        search = request.url.params["search"]
        unique = {g["id"]: g for g in groups}.values()
        return httpx.Response(200, json=[g for g in unique if matches(g, search)])

    return route


class FakeOkta:
    """A MockTransport handler routing by path; records every request."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != "example.okta.test":
            raise AssertionError(f"request to another host: {request.url}")
        if request.url.path not in self.routes:
            raise AssertionError(f"unexpected request: {request.url}")
        return self.routes[request.url.path](request)

    def urls(self, path: str) -> list[httpx.URL]:
        return [r.url for r in self.requests if r.url.path == path]


def config(v2_app: str | None = V2, v1_app: str = V1) -> CollectConfig:
    return CollectConfig(
        account_id=ACCOUNT,
        cloudflare_url=CLOUDFLARE,
        okta_url=OKTA,
        okta_v1_app_id=v1_app,
        okta_v2_app_id=v2_app,
    )


def collect(fake: FakeOkta, *, v2_app: str | None = V2, v1_app: str = V1) -> Evidence:
    """Run the Okta collector alone and return what it gathered."""
    evidence = Evidence()
    settings = config(v2_app, v1_app)
    with okta_client(OKTA, TOKEN, transport=httpx.MockTransport(fake)) as client:
        collect_okta(ApiSession(client, sleep=_no_sleep), evidence, settings)
    return evidence


def app_search(apps: list[dict[str, Any]]) -> Route:
    """/api/v1/apps?q=: the apps whose name or label starts with q (§2.2)."""

    def route(request: httpx.Request) -> httpx.Response:
        prefix = request.url.params["q"].casefold()
        found = [
            a
            for a in apps
            if a["name"].casefold().startswith(prefix)
            or a["label"].casefold().startswith(prefix)
        ]
        return httpx.Response(200, json=found)

    return route


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected retry wait of {seconds} s")


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_both_apps_are_read_by_id() -> None:
    """OKTA_APPS holds the v1 and v2 app objects under their keys."""
    evidence = collect(FakeOkta(healthy_routes()))

    assert evidence.entries[layout.OKTA_APPS] == {
        "v1": fixture("app_v1.json"),
        "v2": fixture("app_v2.json"),
    }


def test_apps_given_by_label_are_found_by_q_and_keyed_by_their_id() -> None:
    """A label is looked up with q=, matched exactly; the lists use the app id."""
    routes = healthy_routes()
    stale = {**fixture("app_v2.json"), "id": "0oa9oldEXAMPLE000009"}
    stale["label"] = "Cloudflare Dashboard (old)"
    routes["/api/v1/apps"] = app_search([fixture("app_v2.json"), stale])
    fake = FakeOkta(routes)

    evidence = collect(fake, v2_app="cloudflare dashboard")

    assert evidence.entries[layout.OKTA_APPS]["v2"] == fixture("app_v2.json")
    assert list(evidence.entries[layout.OKTA_APP_USERS]) == [V1, V2]
    (lookup,) = fake.urls("/api/v1/apps")
    assert dict(lookup.params) == {"q": "cloudflare dashboard", "limit": "200"}


def test_a_label_no_app_has_is_an_error_listing_the_candidates() -> None:
    """Zero exact matches: the error lists each candidate's id, label and status."""
    routes = healthy_routes()
    routes["/api/v1/apps"] = app_search([fixture("app_v1.json")])

    with pytest.raises(CollectError) as caught:
        collect(FakeOkta(routes), v1_app="Cloudflare")

    message = caught.value.message
    assert "no Okta app is labelled 'Cloudflare' (the v1 app)" in message
    assert f"{V1} 'Cloudflare SCIM (v1)' ACTIVE" in message
    assert caught.value.hint is not None and "--okta-v1-app" in caught.value.hint


def test_a_label_two_apps_share_is_an_error_naming_both() -> None:
    """Two apps labelled alike: the error names both ids, nothing is collected."""
    routes = healthy_routes()
    twin = {
        **fixture("app_v2.json"),
        "id": "0oa9twinEXAMPLE00009",
        "status": "INACTIVE",
    }
    routes["/api/v1/apps"] = app_search([fixture("app_v2.json"), twin])

    with pytest.raises(CollectError) as caught:
        collect(FakeOkta(routes), v2_app="Cloudflare Dashboard")

    assert "2 apps are labelled 'Cloudflare Dashboard'" in caught.value.message
    assert V2 in caught.value.message
    assert "0oa9twinEXAMPLE00009 'Cloudflare Dashboard' INACTIVE" in (
        caught.value.message
    )


def test_an_unknown_v2_app_is_stored_as_null() -> None:
    """With no v2 app id, the v2 app is null and its lists are not requested."""
    fake = FakeOkta(healthy_routes())

    evidence = collect(fake, v2_app=None)

    assert evidence.entries[layout.OKTA_APPS]["v2"] is None
    assert list(evidence.entries[layout.OKTA_APP_USERS]) == [V1]
    assert fake.urls(f"/api/v1/apps/{V2}/users") == []


def test_app_users_and_groups_are_expanded_and_keyed_by_app() -> None:
    """App users ask expand=user (500), app groups expand=group (200), per app."""
    fake = FakeOkta(healthy_routes())

    evidence = collect(fake)

    users = evidence.entries[layout.OKTA_APP_USERS]
    assert {app: ids(items) for app, items in users.items()} == {
        V1: ["00u1alice0EXAMPLE001", "00u1bob00EXAMPLE0002"],
        V2: ["00u1alice0EXAMPLE001"],
    }
    (users_url,) = fake.urls(f"/api/v1/apps/{V1}/users")
    (groups_url,) = fake.urls(f"/api/v1/apps/{V1}/groups")
    assert dict(users_url.params) == {"expand": "user", "limit": "500"}
    assert dict(groups_url.params) == {"expand": "group", "limit": "200"}


def test_groups_hold_every_mapped_assigned_and_cf_group_once() -> None:
    """Mapping sources and targets, app groups, then CF- search hits, each once."""
    fake = FakeOkta(healthy_routes())

    evidence = collect(fake)

    assert ids(evidence.entries[layout.OKTA_GROUPS]) == [
        OKTA_ADMINS,
        V1_TARGET,
        V2_SOURCE,
        V2_TARGET,
        READERS,
        STRAY,
    ]
    assert [u.params["search"] for u in fake.urls("/api/v1/groups")] == [
        f'source.id eq "{V1}"',
        f'source.id eq "{V2}"',
        'profile.name sw "CF-"',
    ]


def test_no_group_is_read_one_request_at_a_time() -> None:
    """Group details come from searches only, never from GET /groups/{id}."""
    fake = FakeOkta(healthy_routes())

    collect(fake)

    singles = [r for r in fake.requests if r.url.path.count("/") == 4]
    assert [r.url.path for r in singles if "/groups/" in r.url.path] == []


def _unassigned_mappings(count: int) -> tuple[dict[str, Route], list[str]]:
    """Routes where the v2 app pushes ``count`` groups it has not been assigned."""
    sources = [f"00g1src{n:05d}EXAMPLE" for n in range(count)]
    groups = [{"id": g, "type": "OKTA_GROUP", "profile": {"name": g}} for g in sources]
    mappings = [
        {"id": f"gPm{n:05d}", "sourceGroupId": g, "targetGroupId": V2_TARGET}
        for n, g in enumerate(sources)
    ]
    routes = healthy_routes()
    routes[f"/api/v1/apps/{V2}/group-push/mappings"] = lambda r: httpx.Response(
        200, json=mappings
    )
    routes["/api/v1/groups"] = group_search(org_groups() + groups)
    for group in sources:
        routes[f"/api/v1/groups/{group}/users"] = lambda r: httpx.Response(200, json=[])
    return routes, sources


def test_other_mapped_groups_are_searched_by_id_in_batches() -> None:
    """45 unassigned source groups cost two id-eq searches (40 + 5), not 45 GETs."""
    routes, sources = _unassigned_mappings(45)
    fake = FakeOkta(routes)

    evidence = collect(fake)

    found = set(ids(evidence.entries[layout.OKTA_GROUPS]))
    assert set(sources) <= found
    searches = [u.params["search"] for u in fake.urls("/api/v1/groups")]
    batches = [s for s in searches if s.startswith("id eq")]
    assert [s.count(" or ") + 1 for s in batches] == [40, 5]
    assert batches[0].startswith(f'id eq "{sources[0]}" or id eq "{sources[1]}"')
    assert all(len(str(u)) < 2500 for u in fake.urls("/api/v1/groups"))


def test_a_mapped_group_that_no_search_finds_is_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A mapping naming a deleted group keeps the rest and warns with its id."""
    routes, sources = _unassigned_mappings(3)
    routes["/api/v1/groups"] = group_search(org_groups())
    fake = FakeOkta(routes)

    evidence = collect(fake)

    assert not set(sources) & set(ids(evidence.entries[layout.OKTA_GROUPS]))
    assert f"Okta group {sources[0]} named by a push mapping does not exist" in (
        caplog.text
    )


def test_group_members_are_read_for_each_mapping_source_group() -> None:
    """OKTA_GROUP_MEMBERS maps each push source group to its users."""
    evidence = collect(FakeOkta(healthy_routes()))

    members = evidence.entries[layout.OKTA_GROUP_MEMBERS]

    assert {group: ids(users) for group, users in members.items()} == {
        OKTA_ADMINS: ["00u1alice0EXAMPLE001", "00u1bob00EXAMPLE0002"],
        V2_SOURCE: ["00u1alice0EXAMPLE001"],
    }


def test_group_members_are_asked_in_pages_of_200() -> None:
    """A source group's users are read 200 a page, as idp-apis.md §2.2 advises."""
    fake = FakeOkta(healthy_routes())

    collect(fake)

    (members_url,) = fake.urls(f"/api/v1/groups/{OKTA_ADMINS}/users")
    assert dict(members_url.params) == {"limit": "200"}


def test_the_small_lists_are_read_before_app_users_and_users() -> None:
    """Apps, mappings, app groups, groups and members come before the large lists."""
    fake = FakeOkta(healthy_routes())

    collect(fake)

    kinds = [_kind(request.url.path) for request in fake.requests]
    assert list(dict.fromkeys(kinds)) == [
        "app",
        "push mappings",
        "app groups",
        "groups",
        "group members",
        "app users",
        "users",
    ]


def _kind(path: str) -> str:
    """What an Okta path lists, in words."""
    if path.endswith("/group-push/mappings"):
        return "push mappings"
    if path.startswith("/api/v1/apps/"):
        tail = path.rsplit("/", 1)[-1]
        return {"users": "app users", "groups": "app groups"}.get(tail, "app")
    if path.startswith("/api/v1/groups/"):
        return "group members"
    return path.rsplit("/", 1)[-1]


def test_users_are_searched_with_every_status() -> None:
    """Users come from search=status pr, so DEPROVISIONED ones are kept."""
    fake = FakeOkta(healthy_routes())

    evidence = collect(fake)

    statuses = {u["id"]: u["status"] for u in evidence.entries[layout.OKTA_USERS]}
    assert statuses["00u1bob00EXAMPLE0002"] == "DEPROVISIONED"
    assert len(statuses) == 3
    assert dict(fake.urls("/api/v1/users")[0].params) == {
        "search": "status pr",
        "limit": "200",
    }


SELF = f'<{OKTA}/api/v1/users?limit=200>; rel="self"'
NEXT = f'<{USERS_PAGE_2}>; rel="next"'


@pytest.mark.parametrize(
    "links",
    [[SELF, NEXT], [f"{SELF}, {NEXT}"]],
    ids=["several-link-fields", "one-combined-field"],
)
def test_the_next_link_is_followed_in_either_header_form(links: list[str]) -> None:
    """rel="next" is found among several Link fields or in one combined field."""
    routes = healthy_routes()
    routes["/api/v1/users"] = users_pages(links, [f'<{USERS_PAGE_2}>; rel="self"'])
    fake = FakeOkta(routes)

    evidence = collect(fake)

    assert ids(evidence.entries[layout.OKTA_USERS]) == [
        "00u1alice0EXAMPLE001",
        "00u1bob00EXAMPLE0002",
        "00u1carolEXAMPLE0003",
    ]
    assert [str(u) for u in fake.urls("/api/v1/users")][1] == USERS_PAGE_2


def test_a_repeated_next_url_stops_paging(caplog: pytest.LogCaptureFixture) -> None:
    """A next link back to a page already read ends the list with a warning."""
    routes = healthy_routes()
    routes["/api/v1/users"] = users_pages([NEXT], [NEXT])
    fake = FakeOkta(routes)

    evidence = collect(fake)

    assert len(fake.urls("/api/v1/users")) == 2
    assert len(evidence.entries[layout.OKTA_USERS]) == 3
    assert "next link repeats" in caplog.text


def test_a_next_link_to_another_host_is_refused() -> None:
    """The token is never sent to a host other than the Okta org's."""
    routes = healthy_routes()
    routes["/api/v1/users"] = users_pages(
        ['<https://elsewhere.test/api/v1/users?after=x>; rel="next"'], []
    )
    fake = FakeOkta(routes)

    with pytest.raises(CollectError, match=r"elsewhere\.test"):
        collect(fake)

    assert all(r.url.host == "example.okta.test" for r in fake.requests)


def test_an_invalid_token_is_fatal_naming_okta_api_token() -> None:
    """E0000011 stops the collection with an error naming OKTA_API_TOKEN."""
    routes = healthy_routes()
    routes[f"/api/v1/apps/{V1}"] = answer("error_E0000011_invalid_token.json", 401)

    with pytest.raises(CollectError) as caught:
        collect(FakeOkta(routes))

    assert "OKTA_API_TOKEN" in str(caught.value)
    assert "E0000011" in str(caught.value)
    assert caught.value.status == 401


def test_a_forbidden_list_fails_only_its_entry_naming_the_scope() -> None:
    """E0000006 on users fails OKTA_USERS with okta.users.read in the hint."""
    routes = healthy_routes()
    routes["/api/v1/users"] = answer("error_E0000006_forbidden.json", 403)

    evidence = collect(FakeOkta(routes))

    assert layout.OKTA_USERS not in evidence.entries
    (record,) = [e for e in evidence.endpoints if e.entry == layout.OKTA_USERS]
    assert (record.status, record.http_status, record.error_code) == (
        "failed",
        403,
        "E0000006",
    )
    assert record.hint is not None and "okta.users.read" in record.hint
    assert layout.OKTA_GROUPS in evidence.entries


def test_forbidden_push_mappings_leave_groups_unattempted() -> None:
    """Without push mappings, the groups and group members entries fail too."""
    routes = healthy_routes()
    routes[f"/api/v1/apps/{V2}/group-push/mappings"] = answer(
        "error_E0000006_forbidden.json", 403
    )

    evidence = collect(FakeOkta(routes))

    failed = [e.entry for e in evidence.endpoints if e.status == "failed"]
    assert failed == [
        layout.OKTA_PUSH_MAPPINGS,
        layout.OKTA_GROUPS,
        layout.OKTA_GROUP_MEMBERS,
    ]
    assert layout.OKTA_GROUPS not in evidence.entries


def test_an_unknown_app_id_is_fatal_naming_the_id_and_option() -> None:
    """E0000007 for the v2 app id stops, naming the id and --okta-v2-app."""
    routes = healthy_routes()
    routes[f"/api/v1/apps/{V2}"] = answer("error_E0000007_app_not_found.json", 404)

    with pytest.raises(CollectError) as caught:
        collect(FakeOkta(routes))

    assert V2 in caught.value.message
    assert caught.value.hint is not None and "--okta-v2-app" in caught.value.hint


def test_a_429_waits_until_the_reset_by_the_response_date() -> None:
    """Okta's 429 waits X-Rate-Limit-Reset minus the response's Date header."""
    date = datetime(2026, 7, 30, 9, 0, 0, tzinfo=UTC)
    limited = httpx.Response(
        429,
        json={"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit"},
        headers={
            "date": "Thu, 30 Jul 2026 09:00:00 GMT",
            "x-rate-limit-reset": str(int(date.timestamp()) + 12),
        },
    )
    answers = [limited]
    routes = healthy_routes()
    users = routes["/api/v1/users"]
    routes["/api/v1/users"] = lambda r: answers.pop() if answers else users(r)
    sleeps: list[float] = []
    evidence = Evidence()

    with okta_client(OKTA, TOKEN, transport=httpx.MockTransport(FakeOkta(routes))) as c:
        collect_okta(ApiSession(c, sleep=sleeps.append), evidence, config())

    assert sleeps == [12.0]
    assert len(evidence.entries[layout.OKTA_USERS]) == 3


def test_the_client_sends_the_ssws_token() -> None:
    """Okta requests carry 'Authorization: SSWS <token>'."""
    fake = FakeOkta(healthy_routes())

    collect(fake)

    assert fake.requests[0].headers["authorization"] == f"SSWS {TOKEN}"


def test_tokens_appear_in_no_manifest_and_no_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A full collection's manifest and logs hold neither API token."""
    caplog.set_level(logging.DEBUG)
    cloudflare = cloudflare_client(
        CLOUDFLARE, CF_TOKEN, transport=httpx.MockTransport(empty_cloudflare(ACCOUNT))
    )
    okta = okta_client(
        OKTA, TOKEN, transport=httpx.MockTransport(FakeOkta(healthy_routes()))
    )

    with cloudflare, okta:
        snapshot = collect_snapshot(
            config(), cloudflare, okta, clock=lambda: datetime(2026, 7, 30, tzinfo=UTC)
        )

    manifest = json.dumps(asdict(snapshot.manifest))
    assert TOKEN not in manifest and CF_TOKEN not in manifest
    assert TOKEN not in caplog.text and CF_TOKEN not in caplog.text
    assert dict(snapshot.manifest.sources) == {"cloudflare": CLOUDFLARE, "okta": OKTA}
    assert dict(snapshot.manifest.settings) == {
        "okta_v1_app_id": V1,
        "okta_v2_app_id": V2,
        "concurrency": "8",
        "rate_limit": "1200 requests per 300 s",
    }
    assert "/api/v1/users?search=status+pr&limit=200" in manifest


def _limited(date: datetime, reset: int) -> httpx.Response:
    """An Okta 429 whose reset is ``reset`` epoch seconds, dated ``date``."""
    return httpx.Response(
        429,
        json={"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit"},
        headers={
            "date": date.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "x-rate-limit-reset": str(reset),
        },
    )


def _collect_after(first: httpx.Response) -> list[float]:
    """The waits of a collection whose first users request answers ``first``."""
    answers = [first]
    routes = healthy_routes()
    users = routes["/api/v1/users"]
    routes["/api/v1/users"] = lambda r: answers.pop() if answers else users(r)
    sleeps: list[float] = []
    fake = httpx.MockTransport(FakeOkta(routes))
    with okta_client(OKTA, TOKEN, transport=fake) as client:
        collect_okta(ApiSession(client, sleep=sleeps.append), Evidence(), config())
    return sleeps


DATE = datetime(2026, 7, 30, 9, 0, 0, tzinfo=UTC)


def test_a_reset_already_past_falls_back_to_a_short_backoff() -> None:
    """A reset an hour before Date is no wait to honour: backoff, about a second."""
    sleeps = _collect_after(_limited(DATE, int(DATE.timestamp()) - 3600))

    assert len(sleeps) == 1
    assert 0.0 < sleeps[0] <= 2.0


def test_a_reset_years_ahead_is_clamped_to_a_minute_and_a_bit() -> None:
    """A reset ten years after Date waits MAX_RESET_WAIT (75 s), never longer."""
    far = int(DATE.timestamp()) + 10 * 365 * 86400

    sleeps = _collect_after(_limited(DATE, far))

    assert sleeps == [MAX_RESET_WAIT]


def test_the_reset_is_measured_from_the_date_header_not_the_local_clock() -> None:
    """Date in 2001 and Reset 30 s later: 30 s, whatever the local clock says."""
    old = datetime(2001, 1, 1, tzinfo=UTC)

    sleeps = _collect_after(_limited(old, int(old.timestamp()) + 30))

    assert sleeps == [30.0]


def test_a_nearly_empty_bucket_waits_for_its_reset_before_the_next_request() -> None:
    """Remaining 1 with Reset 20 s after Date: the limiter pauses 20 s (virtual)."""
    reset = int(DATE.timestamp()) + 20
    low = [
        ("date", "Thu, 30 Jul 2026 09:00:00 GMT"),
        ("x-rate-limit-remaining", "1"),
        ("x-rate-limit-reset", str(reset)),
        ("link", NEXT),
    ]
    routes = healthy_routes()
    page_1 = users_pages([NEXT], [])

    def users(request: httpx.Request) -> httpx.Response:
        if "after" in request.url.params:
            return page_1(request)
        body = fixture("users_page1_of_2.json")
        return httpx.Response(200, json=body, headers=low)

    routes["/api/v1/users"] = users
    virtual = VirtualTime()
    limiter = RateLimiter(
        OKTA_RATE_LIMIT, clock=virtual.monotonic, sleep=virtual.advance
    )
    fake = httpx.MockTransport(FakeOkta(routes))
    evidence = Evidence()

    with okta_client(OKTA, TOKEN, transport=fake) as client:
        session = ApiSession(client, sleep=_no_sleep, limiter=limiter, concurrency=1)
        collect_okta(session, evidence, config())

    assert limiter.waited == pytest.approx(20.0)
    assert len(evidence.entries[layout.OKTA_USERS]) == 3


@pytest.fixture(scope="module")
def demo_okta() -> tuple[Any, Evidence]:
    """The demo org's Okta side collected through the emulator."""
    org = build_organization(size=60)
    with Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN) as emulator:
        evidence = Evidence()
        settings = CollectConfig(
            account_id=ACCOUNT,
            cloudflare_url=CLOUDFLARE,
            okta_url=emulator.okta_url,
            okta_v1_app_id=org.okta.v1_app_id,
            okta_v2_app_id=org.okta.v2_app_id,
        )
        with okta_client(emulator.okta_url, TOKEN) as client:
            collect_okta(ApiSession(client), evidence, settings)
    return org, evidence


def test_users_of_every_status_are_collected(demo_okta: tuple[Any, Evidence]) -> None:
    """SUSPENDED and DEPROVISIONED users are in OKTA_USERS, every one of them."""
    org, evidence = demo_okta

    collected = Counter(u["status"] for u in evidence.entries[layout.OKTA_USERS])

    assert collected == Counter(u["status"] for u in org.okta.users)
    assert collected["DEPROVISIONED"] == 3 and collected["SUSPENDED"] == 1


def test_app_users_carry_their_assignment_scope(
    demo_okta: tuple[Any, Evidence],
) -> None:
    """Each app user keeps scope USER (direct) or GROUP (via a group)."""
    _, evidence = demo_okta

    scopes = Counter(
        u["scope"]
        for us in evidence.entries[layout.OKTA_APP_USERS].values()
        for u in us
    )

    assert scopes == Counter({"GROUP": 61, "USER": 20})


def test_push_mappings_carry_status_last_push_and_error_summary(
    demo_okta: tuple[Any, Evidence],
) -> None:
    """The ERROR mapping keeps its errorSummary; every mapping its lastPush."""
    org, evidence = demo_okta
    mappings = [
        m for ms in evidence.entries[layout.OKTA_PUSH_MAPPINGS].values() for m in ms
    ]

    (failed,) = [m for m in mappings if m["status"] == "ERROR"]

    assert failed["errorSummary"]
    assert all(m["lastPush"] for m in mappings)
    assert len(mappings) == sum(len(ms) for ms in org.okta.push_mappings.values())


def test_groups_hold_every_group_a_mapping_or_app_names(
    demo_okta: tuple[Any, Evidence],
) -> None:
    """Every mapping source and target and every app group that exists is kept."""
    org, evidence = demo_okta
    existing = {g["id"] for g in org.okta.groups}
    named = {
        g
        for ms in org.okta.push_mappings.values()
        for m in ms
        for g in (m["sourceGroupId"], m["targetGroupId"])
    }
    named |= {g["id"] for gs in org.okta.app_groups.values() for g in gs}

    collected = {g["id"] for g in evidence.entries[layout.OKTA_GROUPS]}

    assert named & existing <= collected


def collect_whole(
    handler: Callable[[httpx.Request], httpx.Response], state: PartialState | None
) -> Snapshot:
    """Collect the empty Cloudflare account and the Okta ``handler`` serves."""
    cloudflare = cloudflare_client(
        CLOUDFLARE, CF_TOKEN, transport=httpx.MockTransport(empty_cloudflare(ACCOUNT))
    )
    okta = okta_client(OKTA, TOKEN, transport=httpx.MockTransport(handler))
    with cloudflare, okta:
        return collect_snapshot(
            config(),
            cloudflare,
            okta,
            clock=lambda: datetime(2026, 7, 30, tzinfo=UTC),
            state=state,
        )


def test_the_cycle_collector_is_paused_while_collecting_and_only_then() -> None:
    """Every Okta request is made with the GC paused; it is back on afterwards."""
    fake = FakeOkta(healthy_routes())
    paused: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paused.append(not gc.isenabled())
        return fake(request)

    collect_whole(handler, None)

    assert len(paused) == len(fake.requests) > 10 and all(paused)
    assert gc.isenabled()


def test_what_was_collected_is_left_in_the_oldest_gc_generation() -> None:
    """The entries are not in the young generation the next collection walks."""
    snapshot = collect_whole(FakeOkta(healthy_routes()), None)

    users = snapshot.entries[layout.OKTA_USERS]
    assert any(o is users for o in gc.get_objects(generation=2))
    assert not any(o is users for o in gc.get_objects(generation=0))


def test_every_okta_entry_is_saved_when_the_collection_returns(
    tmp_path: Path,
) -> None:
    """Entries are saved for --resume on a thread aside, all before the return."""
    state = PartialState.beside(
        tmp_path / "s.zip", {"account_id": ACCOUNT}, resume=False
    )

    snapshot = collect_whole(FakeOkta(healthy_routes()), state)

    for entry in layout.OKTA_ENTRIES:
        saved = state.load(entry)
        assert saved is not None and saved.data == snapshot.entries[entry], entry


def test_an_okta_failure_keeps_the_okta_entries_finished_before_it(
    tmp_path: Path,
) -> None:
    """An invalid token on the users list: every earlier Okta entry stays saved."""
    routes = healthy_routes()
    routes["/api/v1/users"] = answer("error_E0000011_invalid_token.json", 401)
    state = PartialState.beside(
        tmp_path / "s.zip", {"account_id": ACCOUNT}, resume=False
    )

    with pytest.raises(CollectError, match="Okta rejected the API token"):
        collect_whole(FakeOkta(routes), state)

    saved = {e for e in layout.OKTA_ENTRIES if state.load(e) is not None}
    assert saved == set(layout.OKTA_ENTRIES) - {layout.OKTA_USERS}


def test_a_save_that_fails_fails_the_collection(tmp_path: Path) -> None:
    """A save that cannot be written is an error, not a silently lost entry."""
    state = PartialState.beside(
        tmp_path / "s.zip", {"account_id": ACCOUNT}, resume=False
    )
    # A directory where the users entry's file goes: its rename cannot succeed.
    (state.directory / layout.OKTA_USERS.replace("/", "__")).mkdir()

    with pytest.raises(SnapshotError) as raised:
        collect_whole(FakeOkta(healthy_routes()), state)

    assert str(raised.value) == (
        f"cannot save the entries read in {state.directory}: Is a directory "
        "(free some space beside --out, or choose another --out)"
    )


def test_a_resumed_collection_reads_only_the_okta_entries_left_unfinished(
    tmp_path: Path,
) -> None:
    """After a failure on the users list, --resume asks Okta for the users only."""
    out, key = tmp_path / "s.zip", {"account_id": ACCOUNT}
    routes = healthy_routes()
    routes["/api/v1/users"] = answer("error_E0000011_invalid_token.json", 401)
    with pytest.raises(CollectError):
        collect_whole(FakeOkta(routes), PartialState.beside(out, key, resume=False))
    fake = FakeOkta(healthy_routes())

    resumed = collect_whole(fake, PartialState.beside(out, key, resume=True))

    fresh = collect_whole(FakeOkta(healthy_routes()), None)
    assert {r.url.path for r in fake.requests} == {"/api/v1/users"}
    assert {e: resumed.entries[e] for e in layout.OKTA_ENTRIES} == {
        e: fresh.entries[e] for e in layout.OKTA_ENTRIES
    }
