"""The Entra (Graph) collector against fixture payloads in httpx.MockTransport."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from cloudflare_fakes import empty_cloudflare

from reporter.collect import CollectConfig, cloudflare_client, collect_snapshot
from reporter.collect.entra import (
    EntraSettings,
    client_secret_credential,
    collect_entra,
    graph_token,
    settings_from_env,
)
from reporter.collect.evidence import Evidence
from reporter.collect.http import ApiSession, graph_client
from reporter.errors import CollectError, ConfigError
from reporter.snapshot import layout

FIXTURES = Path(__file__).parent / "fixtures" / "entra"
GRAPH = "https://graph.microsoft.com/v1.0"
CLOUDFLARE = "https://api.cloudflare.test/client/v4"
ACCOUNT = "92676c84a627399250800312ecb90514"
TOKEN = "eyJ0eXAiOiJKV1QiEXAMPLE.graph-token-4f9a"
SECRET = "Qx8Q~client-secret-EXAMPLE-do-not-log"
CF_TOKEN = "cf-token-7d2e91bb40"
V1 = "475596a6-5868-40e3-9210-b1b6188afabe"
V2 = "8d2f6a1e-3b4c-4e5f-9a0b-1c2d3e4f5a6b"
G_ADMIN = "273782e6-fba8-4b8e-b8ec-bb9815648eaf"
G_DNS = "5b0e8f3c-1a2d-4c6e-8f90-a1b2c3d4e5f6"
G_V2 = "c6a1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e"
G_NEST = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
ALICE = "d5dd2bac-26a4-4923-859d-a3e6da2ad787"
BOB = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CAROL = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
DAN = "6762b11e-c5e5-4ab5-99d5-1db99d4f1ab5"
JOB_V1 = "scim.0c9a3e1f5b7d4e2a8f6c1b3d5e7a9c2e.473cd22b-afc6-4bf2-a96a-d74127f95595"
JOB_V2 = "scim.0c9a3e1f5b7d4e2a8f6c1b3d5e7a9c2e.2e4c6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a"

Route = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def answer(
    name: str, status: int = 200, headers: dict[str, str] | None = None
) -> Route:
    return lambda request: httpx.Response(
        status, json=fixture(name), headers=headers or {}
    )


def paged(*names: str) -> Route:
    """Pages chained by the fixtures' nextLinks: the n-th skiptoken, the n-th page."""

    def route(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("$skiptoken")
        if token is None:
            return answer(names[0])(request)
        for n, name in enumerate(names[:-1]):
            link = fixture(name).get("@odata.nextLink", "")
            if token in link:
                return answer(names[n + 1])(request)
        raise AssertionError(f"unknown skiptoken {token}")

    return route


def healthy_routes() -> dict[str, Route]:
    """Two apps; v1 assignments on three pages (the second empty)."""
    sp = f"/v1.0/servicePrincipals/{V1}"
    sp2 = f"/v1.0/servicePrincipals/{V2}"
    routes: dict[str, Route] = {
        sp: answer("sp_v1.json"),
        sp2: answer("sp_v2.json"),
        f"{sp}/appRoleAssignedTo": paged(
            "assignments_v1_page1.json",
            "assignments_v1_page2.json",
            "assignments_v1_page3.json",
        ),
        f"{sp2}/appRoleAssignedTo": answer("assignments_v2.json"),
        f"/v1.0/groups/{G_ADMIN}": answer("group_admin.json"),
        f"/v1.0/groups/{G_V2}": answer("group_v2_admins.json"),
        "/v1.0/groups": answer("groups_cf.json"),
        f"/v1.0/groups/{G_ADMIN}/members/microsoft.graph.user": paged(
            "members_admin_page1.json", "members_admin_page2.json"
        ),
        f"/v1.0/groups/{G_V2}/members/microsoft.graph.user": answer(
            "members_v2_admins.json"
        ),
        f"/v1.0/groups/{G_DNS}/members/microsoft.graph.user": answer(
            "members_dns.json"
        ),
        f"/v1.0/groups/{G_ADMIN}/transitiveMembers": paged(
            "transitive_admin_page1.json", "transitive_admin_page2.json"
        ),
        f"/v1.0/groups/{G_V2}/transitiveMembers": answer("transitive_v2_admins.json"),
        f"/v1.0/groups/{G_DNS}/transitiveMembers": answer("transitive_dns.json"),
        f"{sp}/synchronization/jobs": answer("jobs_v1.json"),
        f"{sp2}/synchronization/jobs": answer("jobs_v2.json"),
        f"{sp}/synchronization/jobs/{JOB_V1}/schema": answer("schema_v1.json"),
        f"{sp2}/synchronization/jobs/{JOB_V2}/schema": answer("schema_v2.json"),
    }
    for user, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol"), (DAN, "dan")):
        routes[f"/v1.0/users/{user}"] = answer(f"user_{name}.json")
    return routes


class FakeGraph:
    """A MockTransport handler routing by path; records every request."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != "graph.microsoft.com":
            raise AssertionError(f"request to another host: {request.url}")
        if request.url.path not in self.routes:
            raise AssertionError(f"unexpected request: {request.url}")
        return self.routes[request.url.path](request)

    def sent(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == f"/v1.0{path}"]


def config(**changes: Any) -> CollectConfig:
    base = CollectConfig(
        account_id=ACCOUNT,
        cloudflare_url=CLOUDFLARE,
        graph_url=GRAPH,
        entra_v1_sp=V1,
        entra_v2_sp=V2,
    )
    return replace(base, **changes)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected retry wait of {seconds} s")


def collect(
    fake: FakeGraph,
    *,
    sleep: Callable[[float], None] = _no_sleep,
    cfg: CollectConfig | None = None,
) -> Evidence:
    """Run the Entra collector alone and return what it gathered."""
    evidence = Evidence()
    with graph_client(GRAPH, TOKEN, transport=httpx.MockTransport(fake)) as client:
        session = ApiSession(client, sleep=sleep, concurrency=1)
        collect_entra(session, evidence, cfg or config())
    return evidence


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_every_entry_holds_the_raw_graph_objects_in_the_layout_shapes() -> None:
    evidence = collect(FakeGraph(healthy_routes()))
    entries = evidence.entries

    assert set(entries) == set(layout.ENTRA_ENTRIES)
    sps = entries[layout.ENTRA_SERVICE_PRINCIPALS]
    assert sps["v1"]["displayName"] == "Cloudflare SCIM v1"
    assert sps["v2"]["id"] == V2
    assigned = entries[layout.ENTRA_ASSIGNMENTS]
    assert [a["principalId"] for a in assigned[V1]] == [G_ADMIN, DAN]
    assert [a["principalType"] for a in assigned[V1]] == ["Group", "User"]
    assert ids(assigned[V2]) == ["x7Kd0s9LmU6EXAMPLE3"]
    assert ids(entries[layout.ENTRA_GROUPS]) == [G_ADMIN, G_V2, G_DNS]
    members = entries[layout.ENTRA_GROUP_MEMBERS]
    assert {g: ids(m) for g, m in members.items()} == {
        G_ADMIN: [ALICE, BOB],
        G_V2: [ALICE],
        G_DNS: [],
    }
    transitive = entries[layout.ENTRA_GROUP_TRANSITIVE]
    assert ids(transitive[G_ADMIN]) == [ALICE, BOB, G_NEST, CAROL]
    assert transitive[G_ADMIN][2]["@odata.type"] == "#microsoft.graph.group"
    users = entries[layout.ENTRA_USERS]
    assert ids(users) == [DAN, ALICE, BOB, CAROL]
    bob = next(u for u in users if u["id"] == BOB)
    assert bob["accountEnabled"] is False
    assert entries[layout.ENTRA_SYNC_JOBS][V1][0]["status"]["code"] == "Active"
    schema = entries[layout.ENTRA_SYNC_SCHEMAS][JOB_V1]
    assert schema["synchronizationRules"][0]["objectMappings"][1]["scope"] is not None
    assert set(entries[layout.ENTRA_SYNC_SCHEMAS]) == {JOB_V1, JOB_V2}


def test_paging_follows_next_links_verbatim_through_an_empty_page() -> None:
    fake = FakeGraph(healthy_routes())
    evidence = collect(fake)

    sent = fake.sent(f"/servicePrincipals/{V1}/appRoleAssignedTo")
    assert [r.url.params.get("$skiptoken") for r in sent] == [
        None,
        "RFNwdAIAAQAAAA1",
        "RFNwdAIAAQAAAA2",
    ]
    # Page 2 and 3 are the nextLinks exactly as Graph sent them.
    link = fixture("assignments_v1_page1.json")["@odata.nextLink"]
    assert str(sent[1].url) == link
    record = next(r for r in evidence.endpoints if r.entry == layout.ENTRA_ASSIGNMENTS)
    assert (record.status, record.pages, record.count) == ("ok", 4, 3)


def test_consistency_level_is_resent_on_every_transitive_page() -> None:
    fake = FakeGraph(healthy_routes())
    collect(fake)

    sent = fake.sent(f"/groups/{G_ADMIN}/transitiveMembers")
    assert len(sent) == 2
    assert [r.headers.get("consistencylevel") for r in sent] == ["eventual"] * 2
    assert sent[0].url.params["$count"] == "true"
    # Direct members need no such header.
    direct = fake.sent(f"/groups/{G_ADMIN}/members/microsoft.graph.user")
    assert [r.headers.get("consistencylevel") for r in direct] == [None, None]


def test_users_are_read_with_the_select_fields() -> None:
    """A directly assigned user is read from /users/{id} with the $select fields."""
    fake = FakeGraph(healthy_routes())
    collect(fake)

    sent = fake.sent(f"/users/{DAN}")
    assert sent[0].url.params["$select"] == (
        "id,userPrincipalName,mail,otherMails,accountEnabled,userType,displayName"
    )


def test_users_a_member_list_carried_whole_are_not_read_again() -> None:
    """Members listed with every $select field cost no /users/{id} request."""
    fake = FakeGraph(healthy_routes())
    evidence = collect(fake)

    assert [fake.sent(f"/users/{u}") for u in (ALICE, BOB, CAROL)] == [[], [], []]
    users = {u["id"]: u for u in evidence.entries[layout.ENTRA_USERS]}
    assert users[CAROL]["mail"] == "carol.white@example.com"
    assert users[CAROL]["accountEnabled"] is True


def test_a_repeated_next_link_is_an_error() -> None:
    routes = healthy_routes()
    page = fixture("assignments_v2.json")
    looping = f"{GRAPH}/servicePrincipals/{V2}/appRoleAssignedTo?$skiptoken=LOOP"
    routes[f"/v1.0/servicePrincipals/{V2}/appRoleAssignedTo"] = lambda request: (
        httpx.Response(200, json={**page, "@odata.nextLink": looping})
    )

    with pytest.raises(CollectError, match="already read"):
        collect(FakeGraph(routes))


def test_a_next_link_to_another_origin_is_refused() -> None:
    routes = healthy_routes()
    page = fixture("assignments_v2.json")
    elsewhere = "https://graph.evil.example/v1.0/next?$skiptoken=X"
    routes[f"/v1.0/servicePrincipals/{V2}/appRoleAssignedTo"] = lambda request: (
        httpx.Response(200, json={**page, "@odata.nextLink": elsewhere})
    )

    with pytest.raises(CollectError, match="another origin"):
        collect(FakeGraph(routes))


def test_more_pages_than_the_cap_is_an_error() -> None:
    with pytest.raises(CollectError, match="after 2 pages"):
        collect(FakeGraph(healthy_routes()), cfg=config(max_pages=2))


def _throttled_once(path: str, headers: dict[str, str]) -> dict[str, Route]:
    routes = healthy_routes()
    real = routes[path]
    answers = [answer("error_429.json", 429, headers)]
    routes[path] = lambda r: answers.pop()(r) if answers else real(r)
    return routes


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0.249"}, 0.249),
        (
            {
                "retry-after": "Thu, 30 Jul 2026 09:00:12 GMT",
                "date": "Thu, 30 Jul 2026 09:00:00 GMT",
            },
            12.0,
        ),
    ],
    ids=["seconds", "decimal", "http-date"],
)
def test_a_429_waits_as_retry_after_says(
    headers: dict[str, str], expected: float
) -> None:
    routes = _throttled_once(
        f"/v1.0/servicePrincipals/{V1}/synchronization/jobs", headers
    )
    sleeps: list[float] = []

    evidence = collect(FakeGraph(routes), sleep=sleeps.append)

    assert sleeps == [pytest.approx(expected)]
    assert evidence.entries[layout.ENTRA_SYNC_JOBS][V1][0]["id"] == JOB_V1


def test_a_429_without_retry_after_backs_off_exponentially() -> None:
    routes = healthy_routes()
    path = f"/v1.0/groups/{G_DNS}/transitiveMembers"
    real = routes[path]
    answers = [answer("error_429.json", 429)] * 3
    routes[path] = lambda r: answers.pop()(r) if answers else real(r)
    sleeps: list[float] = []

    evidence = collect(FakeGraph(routes), sleep=sleeps.append)

    assert len(sleeps) == 3
    # wait_exponential_jitter(initial=1): 1, 2, 4 seconds plus up to 1 s jitter.
    for wait, base in zip(sleeps, (1, 2, 4), strict=True):
        assert base <= wait <= base + 1
    assert evidence.entries[layout.ENTRA_GROUP_TRANSITIVE][G_DNS] == []


def test_a_503_with_retry_after_is_retried() -> None:
    routes = healthy_routes()
    real = routes[f"/v1.0/users/{DAN}"]
    first = [True]

    def unavailable(request: httpx.Request) -> httpx.Response:
        if first.pop() if first else False:
            return httpx.Response(503, headers={"retry-after": "3"}, text="busy")
        return real(request)

    routes[f"/v1.0/users/{DAN}"] = unavailable
    sleeps: list[float] = []

    evidence = collect(FakeGraph(routes), sleep=sleeps.append)

    assert sleeps == [3.0]
    assert DAN in ids(evidence.entries[layout.ENTRA_USERS])


def test_a_403_fails_only_its_entry_naming_the_graph_permission() -> None:
    routes = healthy_routes()
    for group in (G_ADMIN, G_V2, G_DNS):
        routes[f"/v1.0/groups/{group}/transitiveMembers"] = answer(
            "error_403.json", 403
        )

    evidence = collect(FakeGraph(routes))

    failed = {r.entry: r for r in evidence.endpoints if r.status == "failed"}
    assert set(failed) == {layout.ENTRA_GROUP_TRANSITIVE, layout.ENTRA_USERS}
    record = failed[layout.ENTRA_GROUP_TRANSITIVE]
    assert record.http_status == 403
    assert record.error_code == "Authorization_RequestDenied"
    assert "GroupMember.Read.All" in (record.hint or "")
    assert layout.ENTRA_GROUP_TRANSITIVE not in evidence.entries
    assert "not attempted" in (failed[layout.ENTRA_USERS].reason or "")
    # What did not need the transitive members is still collected.
    assert evidence.entries[layout.ENTRA_GROUP_MEMBERS][G_ADMIN]
    assert set(evidence.entries[layout.ENTRA_SYNC_SCHEMAS]) == {JOB_V1, JOB_V2}


def test_forbidden_assignments_leave_groups_members_and_users_unattempted() -> None:
    routes = healthy_routes()
    routes[f"/v1.0/servicePrincipals/{V1}/appRoleAssignedTo"] = answer(
        "error_403.json", 403
    )

    evidence = collect(FakeGraph(routes))

    failed = {r.entry: r.hint for r in evidence.endpoints if r.status == "failed"}
    assert failed == {
        layout.ENTRA_ASSIGNMENTS: pytest.approx(failed[layout.ENTRA_ASSIGNMENTS]),
        layout.ENTRA_GROUPS: failed[layout.ENTRA_GROUPS],
        layout.ENTRA_GROUP_MEMBERS: failed[layout.ENTRA_GROUP_MEMBERS],
        layout.ENTRA_GROUP_TRANSITIVE: failed[layout.ENTRA_GROUP_TRANSITIVE],
        layout.ENTRA_USERS: failed[layout.ENTRA_USERS],
    }
    assert "Application.Read.All" in (failed[layout.ENTRA_ASSIGNMENTS] or "")
    assert layout.ENTRA_SYNC_JOBS in evidence.entries


def test_forbidden_sync_jobs_leave_the_schemas_unattempted() -> None:
    routes = healthy_routes()
    routes[f"/v1.0/servicePrincipals/{V2}/synchronization/jobs"] = answer(
        "error_403.json", 403
    )

    evidence = collect(FakeGraph(routes))

    failed = {r.entry: r for r in evidence.endpoints if r.status == "failed"}
    assert set(failed) == {layout.ENTRA_SYNC_JOBS, layout.ENTRA_SYNC_SCHEMAS}
    assert "Synchronization.Read.All" in (failed[layout.ENTRA_SYNC_JOBS].hint or "")


def test_an_unknown_service_principal_is_fatal_naming_the_option() -> None:
    routes = healthy_routes()
    routes[f"/v1.0/servicePrincipals/{V2}"] = answer("error_404.json", 404)

    with pytest.raises(CollectError, match="--entra-v2-sp") as raised:
        collect(FakeGraph(routes))

    assert V2 in str(raised.value)


def test_an_unset_v2_service_principal_is_stored_as_null() -> None:
    evidence = collect(FakeGraph(healthy_routes()), cfg=config(entra_v2_sp=None))

    assert evidence.entries[layout.ENTRA_SERVICE_PRINCIPALS]["v2"] is None
    assert list(evidence.entries[layout.ENTRA_ASSIGNMENTS]) == [V1]


def test_an_invalid_token_is_fatal_naming_the_azure_variables() -> None:
    routes = {
        f"/v1.0/servicePrincipals/{V1}": answer("error_403.json", 401),
    }

    with pytest.raises(CollectError, match="rejected the access token") as raised:
        collect(FakeGraph(routes))

    assert "AZURE_CLIENT_SECRET" in str(raised.value)


def test_the_client_sends_the_bearer_token() -> None:
    fake = FakeGraph(healthy_routes())
    collect(fake)

    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


class _Credential:
    """A stand-in for ClientSecretCredential: anything with get_token."""

    def __init__(self) -> None:
        self.scopes: tuple[str, ...] = ()

    def get_token(self, *scopes: str) -> AccessToken:
        self.scopes = scopes
        return AccessToken(TOKEN, 4_102_444_800)


def test_the_token_comes_from_the_credential_for_the_graph_scope() -> None:
    credential = _Credential()

    assert graph_token(credential) == TOKEN
    assert credential.scopes == ("https://graph.microsoft.com/.default",)


def test_a_refused_credential_names_the_variables_not_the_secret() -> None:
    class Refused:
        def get_token(self, *scopes: str) -> AccessToken:
            raise ClientAuthenticationError(f"AADSTS7000215: bad secret {SECRET}")

    with pytest.raises(CollectError, match="refused the client credentials") as raised:
        graph_token(Refused())

    assert SECRET not in str(raised.value)
    assert "AZURE_CLIENT_SECRET" in str(raised.value)


def test_settings_come_from_the_three_azure_variables() -> None:
    env = {
        "AZURE_TENANT_ID": "contoso.onmicrosoft.com",
        "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
        "AZURE_CLIENT_SECRET": SECRET,
    }

    settings = settings_from_env(env)

    assert settings == EntraSettings(
        "contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", SECRET
    )
    assert SECRET not in repr(settings)
    credential = client_secret_credential(settings)
    assert isinstance(credential, ClientSecretCredential)


def test_a_missing_azure_variable_is_named() -> None:
    env = {"AZURE_TENANT_ID": "t", "AZURE_CLIENT_SECRET": SECRET}

    with pytest.raises(ConfigError, match="AZURE_CLIENT_ID not set") as raised:
        settings_from_env(env)

    assert SECRET not in str(raised.value)


def test_every_graph_request_is_in_the_manifest_and_no_secret_anywhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cloudflare = cloudflare_client(
        CLOUDFLARE, CF_TOKEN, transport=httpx.MockTransport(empty_cloudflare(ACCOUNT))
    )
    fake = FakeGraph(healthy_routes())
    graph = graph_client(GRAPH, TOKEN, transport=httpx.MockTransport(fake))

    with cloudflare, graph:
        snapshot = collect_snapshot(
            config(),
            cloudflare,
            None,
            graph=graph,
            clock=lambda: datetime(2026, 7, 30, tzinfo=UTC),
        )

    manifest = json.dumps(asdict(snapshot.manifest))
    entries = json.dumps(snapshot.entries)
    for secret in (TOKEN, SECRET, CF_TOKEN):
        assert secret not in manifest and secret not in entries
        assert secret not in caplog.text
    assert dict(snapshot.manifest.sources) == {"cloudflare": CLOUDFLARE, "entra": GRAPH}
    assert snapshot.manifest.settings["entra_v1_sp"] == V1
    graph_records = [
        r for r in snapshot.manifest.requests if r.entry.startswith("entra/")
    ]
    assert len(graph_records) == len(fake.requests)
    paths = {r.path for r in graph_records}
    # Page 3 is recorded as the nextLink Graph sent, the first page as asked.
    assert (
        f"/v1.0/servicePrincipals/{V1}/appRoleAssignedTo"
        "?$top=999&$skiptoken=RFNwdAIAAQAAAA2"
    ) in paths
    assert f"/v1.0/servicePrincipals/{V1}/appRoleAssignedTo?%24top=999" in paths
    assert set(layout.ENTRA_ENTRIES) <= set(snapshot.entries)


def test_collect_with_entra_names_each_missing_azure_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from reporter.cli import app

    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", CF_TOKEN)
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    args = ["collect", "--account", ACCOUNT, "--out", str(tmp_path / "s.zip")]

    result = CliRunner().invoke(app, [*args, "--entra-v1-sp", V1])

    assert result.exit_code == 2
    assert "AZURE_CLIENT_ID not set" in result.output
    assert SECRET not in result.output
    assert not (tmp_path / "s.zip").exists()
    without_v1 = CliRunner().invoke(app, [*args, "--entra-v2-sp", V2])
    assert without_v1.exit_code == 2
    assert "--entra-v1-sp" in without_v1.output
