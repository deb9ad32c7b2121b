"""The emulator over real HTTP: paging, filters, auth, refusals and 404s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reporter.demo.generator import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator

CF_TOKEN = "cf-test-token"
OKTA_TOKEN = "okta-test-token"


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@pytest.fixture(scope="module")
def emulator(org: Organization) -> Iterator[Emulator]:
    with Emulator(org, cloudflare_token=CF_TOKEN, okta_token=OKTA_TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def cf(emulator: Emulator, org: Organization) -> Iterator[httpx.Client]:
    base = f"{emulator.cloudflare_url}/accounts/{org.cloudflare.account['id']}"
    auth = {"Authorization": f"Bearer {CF_TOKEN}"}
    with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def okta(emulator: Emulator) -> Iterator[httpx.Client]:
    base = f"{emulator.okta_url}/api/v1"
    auth = {"Authorization": f"SSWS {OKTA_TOKEN}"}
    with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
        yield client


def follow_links(
    client: httpx.Client, path: str, **params: str
) -> list[dict[str, Any]]:
    """Every item of an Okta list, following ``rel="next"`` as given."""
    response = client.get(path, params=params)
    items = list(response.json())
    while "next" in response.links:
        response = client.get(response.links["next"]["url"])
        items += response.json()
    return items


# -- Cloudflare v4 paging ----------------------------------------------------


def test_members_page_two_carries_the_page_envelope(
    cf: httpx.Client, org: Organization
) -> None:
    """Page 2 of members holds members 21-40 and a full result_info."""
    body = cf.get("/members", params={"page": 2}).json()

    assert body["success"] is True
    assert body["errors"] == [] and body["messages"] == []
    assert body["result_info"] == {
        "page": 2,
        "per_page": 20,
        "count": 20,
        "total_count": 60,
        "total_pages": 3,
    }
    assert [m["id"] for m in body["result"]] == [
        m["id"] for m in org.cloudflare.members[20:40]
    ]


def test_a_page_past_the_end_is_empty(cf: httpx.Client) -> None:
    """A page beyond total_pages answers an empty result, not an error."""
    body = cf.get("/members", params={"page": 9}).json()

    assert body["result"] == []
    assert body["result_info"]["count"] == 0


def test_members_per_page_above_the_maximum_is_clamped(cf: httpx.Client) -> None:
    """per_page=1000 on members is served as 50, the documented maximum."""
    info = cf.get("/members", params={"per_page": 1000}).json()["result_info"]

    assert (info["per_page"], info["count"], info["total_pages"]) == (50, 50, 2)


def test_members_per_page_below_the_minimum_is_raised(cf: httpx.Client) -> None:
    """per_page=1 on members is served as 5, the documented minimum."""
    info = cf.get("/members", params={"per_page": 1}).json()["result_info"]

    assert (info["per_page"], info["count"]) == (5, 5)


def test_user_groups_per_page_is_clamped_to_500(cf: httpx.Client) -> None:
    """User groups allow up to 500 per page."""
    info = cf.get("/iam/user_groups", params={"per_page": 9999}).json()["result_info"]

    assert info["per_page"] == 500


def test_user_groups_default_to_100_per_page_sorted_by_name(cf: httpx.Client) -> None:
    """User groups come 100 a page by default, ordered by name."""
    body = cf.get("/iam/user_groups").json()
    names = [g["name"] for g in body["result"]]

    assert body["result_info"]["per_page"] == 100
    assert names == sorted(names)


def test_resource_groups_are_not_paginated(cf: httpx.Client) -> None:
    """Resource groups answer in one response without result_info."""
    body = cf.get("/iam/resource_groups").json()

    assert "result_info" not in body
    assert [g["name"] for g in body["result"]] == [
        "whole-account",
        "prod-zones",
        "staging-zone",
    ]


def test_members_filter_by_status(cf: httpx.Client) -> None:
    """status=pending lists only the invites."""
    body = cf.get("/members", params={"status": "pending"}).json()

    assert {m["status"] for m in body["result"]} == {"pending"}
    assert body["result_info"]["total_count"] == 3


def test_user_group_member_detail_adds_created_at_and_user(
    cf: httpx.Client, org: Organization
) -> None:
    """The member detail of a user group carries created_at and user{...}."""
    group_id, items = next(
        (gid, items)
        for gid, items in org.cloudflare.user_group_members.items()
        if items
    )
    result = cf.get(f"/iam/user_groups/{group_id}/members/{items[0]['id']}").json()[
        "result"
    ]

    assert result["id"] == items[0]["id"]
    assert result["created_at"].endswith("Z")
    assert set(result["user"]) == {"id", "email", "first_name", "last_name"}


def test_an_invalid_page_number_is_a_400(cf: httpx.Client) -> None:
    """A page that is not a number is refused with the v4 failure envelope."""
    response = cf.get("/members", params={"page": "two"})

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_rate_limit_headers_are_sent(cf: httpx.Client) -> None:
    """Every v4 answer carries x-ratelimit-limit and x-ratelimit-remaining."""
    headers = cf.get("/roles").headers

    assert headers["x-ratelimit-limit"] == "1200"
    assert int(headers["x-ratelimit-remaining"]) >= 600


# -- SCIM ----------------------------------------------------------------------


def test_scim_users_page_by_start_index(cf: httpx.Client, org: Organization) -> None:
    """startIndex=11&count=10 answers users 11-20 (1-based) as a ListResponse."""
    response = cf.get("/scim/v2/Users", params={"startIndex": 11, "count": 10})
    body = response.json()

    assert response.headers["content-type"].startswith("application/scim+json")
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (body["startIndex"], body["itemsPerPage"]) == (11, 10)
    assert body["totalResults"] == len(org.cloudflare.scim_users) == 57
    assert body["Resources"][0]["id"] == org.cloudflare.scim_users[10]["id"]


def test_scim_users_filter_by_user_name_ignores_case(cf: httpx.Client) -> None:
    """userName eq "…" matches case-insensitively (caseExact false)."""
    expression = 'userName eq "MALLORY@northwind.example"'
    body = cf.get("/scim/v2/Users", params={"filter": expression}).json()

    assert [u["userName"] for u in body["Resources"]] == ["mallory@northwind.example"]


def test_an_unsupported_scim_filter_is_a_scim_400(cf: httpx.Client) -> None:
    """Filters other than userName eq answer a SCIM error body."""
    response = cf.get("/scim/v2/Users", params={"filter": 'emails co "x"'})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert response.json()["status"] == "400"


def test_scim_group_list_items_carry_no_members(cf: httpx.Client) -> None:
    """SCIM group list items never list members."""
    resources = cf.get("/scim/v2/Groups").json()["Resources"]

    assert len(resources) == 10
    assert all("members" not in group for group in resources)


def test_a_custom_scim_group_detail_lists_members(
    cf: httpx.Client, org: Organization
) -> None:
    """GET /Groups/{id} of a custom group holds members[{value, display}]."""
    group_id = org.cloudflare.user_groups[0]["id"]
    members = cf.get(f"/scim/v2/Groups/{group_id}").json()["members"]

    assert members == org.cloudflare.scim_group_members[group_id]
    assert members and set(members[0]) == {"value", "display"}


def test_a_system_scim_group_detail_has_no_members(
    cf: httpx.Client, org: Organization
) -> None:
    """A cloudflare-v1- system group never lists members."""
    group = cf.get(f"/scim/v2/Groups/{org.cloudflare.scim_groups[0]['id']}").json()

    assert group["id"].startswith("cloudflare-v1-")
    assert "members" not in group


# -- Okta ------------------------------------------------------------------------


def test_okta_users_plain_list_omits_deprovisioned(
    okta: httpx.Client, org: Organization
) -> None:
    """Following Link next through /users returns every user but DEPROVISIONED."""
    users = follow_links(okta, "/users", limit="7")
    expected = [u["id"] for u in org.okta.users if u["status"] != "DEPROVISIONED"]

    assert [u["id"] for u in users] == expected
    assert "DEPROVISIONED" not in {u["status"] for u in users}


def test_okta_users_search_status_pr_returns_every_status(
    okta: httpx.Client, org: Organization
) -> None:
    """search=status pr pages through all users, DEPROVISIONED included."""
    users = follow_links(okta, "/users", search="status pr", limit="7")

    assert [u["id"] for u in users] == [u["id"] for u in org.okta.users]
    assert {"DEPROVISIONED", "SUSPENDED", "STAGED"} <= {u["status"] for u in users}


def test_okta_users_link_headers_are_separate_fields(okta: httpx.Client) -> None:
    """/users sends self and next as two Link header fields."""
    links = okta.get("/users", params={"limit": 5}).headers.get_list("link")

    assert len(links) == 2
    assert links[0].endswith('rel="self"') and links[1].endswith('rel="next"')


def test_okta_app_users_link_header_is_combined(
    okta: httpx.Client, org: Organization
) -> None:
    """App users send self and next in one combined Link header."""
    path = f"/apps/{org.okta.v1_app_id}/users"
    response = okta.get(path, params={"limit": 5, "expand": "user"})

    assert len(response.headers.get_list("link")) == 1
    assert set(response.links) == {"self", "next"}


def test_okta_app_users_expand_user_embeds_the_user(
    okta: httpx.Client, org: Organization
) -> None:
    """expand=user adds _embedded.user; without it there is none."""
    path = f"/apps/{org.okta.v1_app_id}/users"
    expanded = okta.get(path, params={"expand": "user"}).json()
    plain = okta.get(path).json()

    assert expanded[0]["_embedded"]["user"]["id"] == expanded[0]["id"]
    assert "_embedded" not in plain[0]


def test_okta_app_users_follow_to_the_end(
    okta: httpx.Client, org: Organization
) -> None:
    """Every v1 app user is reachable through the cursor."""
    path = f"/apps/{org.okta.v1_app_id}/users"
    users = follow_links(okta, path, expand="user", limit="10")

    assert len(users) == len(org.okta.app_users[org.okta.v1_app_id])


def test_okta_limit_above_maximum_is_clamped() -> None:
    """limit=5000 on /users serves 200 users and links next with limit=200."""
    larger = build_organization(size=600)
    with Emulator(larger, cloudflare_token=CF_TOKEN, okta_token=OKTA_TOKEN) as running:
        response = httpx.get(
            f"{running.okta_url}/api/v1/users",
            params={"limit": 5000},
            headers={"Authorization": f"SSWS {OKTA_TOKEN}"},
        )

    assert len(response.json()) == 200
    assert "limit=200" in response.links["next"]["url"]


def test_okta_groups_search_combines_clauses(
    okta: httpx.Client, org: Organization
) -> None:
    """source.id eq and profile.name sw "CF-" select the v1 app's CF- groups."""
    search = f'source.id eq "{org.okta.v1_app_id}" and profile.name sw "CF-"'
    groups = okta.get("/groups", params={"search": search}).json()

    assert len(groups) == 7
    assert all(g["type"] == "APP_GROUP" for g in groups)


def test_okta_groups_search_by_type(okta: httpx.Client, org: Organization) -> None:
    """type eq "APP_GROUP" lists only app groups."""
    groups = okta.get("/groups", params={"search": 'type eq "APP_GROUP"'}).json()
    expected = [g["id"] for g in org.okta.groups if g["type"] == "APP_GROUP"]

    assert [g["id"] for g in groups] == expected


def test_okta_apps_q_matches_label_prefix(okta: httpx.Client) -> None:
    """q=cloudflare finds both Cloudflare apps by label, not Slack."""
    labels = [a["label"] for a in okta.get("/apps", params={"q": "cloudflare"}).json()]

    assert labels == ["Cloudflare SCIM (v1)", "Cloudflare Dashboard"]


def test_okta_apps_filter_name_eq(okta: httpx.Client) -> None:
    """filter=name eq "…" selects one app by its catalog name."""
    params = {"filter": 'name eq "slack"'}
    apps = okta.get("/apps", params=params).json()

    assert [a["label"] for a in apps] == ["Slack"]


def test_okta_push_mappings_include_the_errored_one(
    okta: httpx.Client, org: Organization
) -> None:
    """The v2 app's push mappings list one ERROR with its summary."""
    path = f"/apps/{org.okta.v2_app_id}/group-push/mappings"
    mappings = okta.get(path).json()
    errored = [m for m in mappings if m["status"] == "ERROR"]

    assert len(errored) == 1
    assert "reserved" in errored[0]["errorSummary"]


def test_okta_an_invalid_cursor_is_a_400(okta: httpx.Client) -> None:
    """An after cursor the server never issued is refused with E0000031."""
    response = okta.get("/users", params={"after": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000031"


def test_okta_an_unsupported_search_is_a_400(okta: httpx.Client) -> None:
    """A search clause outside the grammar is refused, not ignored."""
    response = okta.get("/groups", params={"search": "profile.name like CF"})

    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000031"


def test_okta_rate_limit_and_date_headers(okta: httpx.Client) -> None:
    """Okta answers carry X-Rate-Limit-Limit/Remaining/Reset and Date."""
    headers = okta.get("/apps").headers

    assert headers["x-rate-limit-limit"] == "600"
    assert int(headers["x-rate-limit-remaining"]) >= 300
    assert headers["x-rate-limit-reset"].isdigit()
    assert headers["date"].endswith("GMT")


# -- auth, refusals, 404s -----------------------------------------------------


def test_cloudflare_missing_token_is_an_authentication_error(
    cf: httpx.Client,
) -> None:
    """No Authorization header: 403 with code 10000."""
    response = cf.get("/members", headers={"Authorization": ""})

    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"code": 10000, "message": "Authentication error"}
    ]


def test_cloudflare_scim_wrong_token_is_a_scim_401(cf: httpx.Client) -> None:
    """A wrong token on SCIM answers 401 with a SCIM error body."""
    response = cf.get("/scim/v2/Users", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
    assert response.json()["status"] == "401"


def test_okta_wrong_token_is_e0000011(okta: httpx.Client) -> None:
    """A wrong SSWS token answers 401 with E0000011."""
    response = okta.get("/users", headers={"Authorization": "SSWS nope"})

    assert response.status_code == 401
    assert response.json()["errorCode"] == "E0000011"
    assert response.json()["errorSummary"] == "Invalid token provided"


def test_okta_rejects_a_cloudflare_style_token(okta: httpx.Client) -> None:
    """The right token with the Bearer scheme is still refused by Okta."""
    response = okta.get("/users", headers={"Authorization": f"Bearer {OKTA_TOKEN}"})

    assert response.status_code == 401


def test_forbidden_families_answer_403_and_others_still_work(
    org: Organization,
) -> None:
    """forbidden={"members", "okta_users"} refuses those, serves the rest."""
    with Emulator(
        org,
        cloudflare_token=CF_TOKEN,
        okta_token=OKTA_TOKEN,
        forbidden=frozenset({"members", "okta_users"}),
    ) as running:
        acct = org.cloudflare.account["id"]
        cf_auth = {"Authorization": f"Bearer {CF_TOKEN}"}
        okta_auth = {"Authorization": f"SSWS {OKTA_TOKEN}"}
        members = httpx.get(
            f"{running.cloudflare_url}/accounts/{acct}/members", headers=cf_auth
        )
        roles = httpx.get(
            f"{running.cloudflare_url}/accounts/{acct}/roles", headers=cf_auth
        )
        users = httpx.get(f"{running.okta_url}/api/v1/users", headers=okta_auth)

    assert members.status_code == 403
    assert members.json()["errors"][0]["code"] == 9109
    assert roles.status_code == 200
    assert users.status_code == 403
    assert users.json()["errorCode"] == "E0000006"


def test_forbidden_scim_refuses_users_and_groups(org: Organization) -> None:
    """forbidden={"scim"} refuses both SCIM collections with a SCIM 403."""
    with Emulator(
        org,
        cloudflare_token=CF_TOKEN,
        okta_token=OKTA_TOKEN,
        forbidden=frozenset({"scim"}),
    ) as running:
        base = f"{running.cloudflare_url}/accounts/{org.cloudflare.account['id']}"
        auth = {"Authorization": f"Bearer {CF_TOKEN}"}
        statuses = [
            httpx.get(f"{base}/scim/v2/{kind}", headers=auth).status_code
            for kind in ("Users", "Groups")
        ]

    assert statuses == [403, 403]


def test_an_unknown_cloudflare_path_is_7003(cf: httpx.Client) -> None:
    """A path Cloudflare has no route for answers 404 code 7003."""
    response = cf.get("/no/such/thing")

    assert response.status_code == 404
    assert response.json()["errors"][0] == {
        "code": 7003,
        "message": "No route for the URI",
    }


def test_an_unknown_member_is_a_404(cf: httpx.Client) -> None:
    """A member id that does not exist answers 404 with the failure envelope."""
    response = cf.get("/members/" + "0" * 32)

    assert response.status_code == 404
    assert response.json()["success"] is False


def test_another_account_is_refused(emulator: Emulator) -> None:
    """An account id other than the organization's answers 403 code 9109."""
    url = f"{emulator.cloudflare_url}/accounts/{'a' * 32}/members"
    response = httpx.get(url, headers={"Authorization": f"Bearer {CF_TOKEN}"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 9109


def test_members_of_an_unknown_user_group_is_a_404(cf: httpx.Client) -> None:
    """Listing members of a user group that does not exist is a 404, not empty."""
    response = cf.get(f"/iam/user_groups/{'0' * 32}/members")

    assert response.status_code == 404
    assert response.json()["success"] is False


def test_an_unknown_okta_group_is_e0000007(okta: httpx.Client) -> None:
    """A group id Okta does not know answers 404 with E0000007."""
    response = okta.get("/groups/00gNOSUCHGROUP000000/users")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "E0000007"


def test_requests_are_recorded_with_path_and_status(org: Organization) -> None:
    """request_count and requests list every exchange with its status."""
    with Emulator(org, cloudflare_token=CF_TOKEN, okta_token=OKTA_TOKEN) as running:
        httpx.get(f"{running.okta_url}/api/v1/apps?q=x")
        httpx.get(
            f"{running.okta_url}/api/v1/apps?q=x",
            headers={"Authorization": f"SSWS {OKTA_TOKEN}"},
        )

    assert running.request_count == 2
    assert running.requests == [
        ("GET", "/api/v1/apps?q=x", 401),
        ("GET", "/api/v1/apps?q=x", 200),
    ]


def test_the_emulator_has_no_url_outside_its_with_block(org: Organization) -> None:
    """Asking for a URL before start says how to use the emulator."""
    emulator = Emulator(org, cloudflare_token=CF_TOKEN, okta_token=OKTA_TOKEN)

    with pytest.raises(RuntimeError, match="with block"):
        _ = emulator.cloudflare_url
