"""The emulator's Microsoft Graph, the Entra collector against it, and the demo."""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from reporter.cli import app
from reporter.collect import CollectConfig, cloudflare_client, collect_snapshot
from reporter.collect.http import graph_client
from reporter.demo import build_organization
from reporter.demo.entra import (
    DemoCredential,
    EntraTenant,
    build_entra,
    entra_facts_for,
)
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault
from reporter.snapshot import layout, read_snapshot

GRAPH_TOKEN = "graph-emulator-token-6c1f"
CF_TOKEN = "cf-emulator-token-0b7d"
CLOCK = datetime(2026, 7, 30, 9, 0, tzinfo=UTC)


def _user(n: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "displayName": f"User {n}",
        "userPrincipalName": f"user{n}@example.com",
        "mail": f"user{n}@example.com",
        "otherMails": [],
        "accountEnabled": n % 7 != 0,
        "userType": "Member",
    }


def _tenant(count: int = 150) -> EntraTenant:
    """One app, one big group holding a nested group with one more user."""
    users = [_user(n) for n in range(count + 1)]
    big = {"id": "big-group", "displayName": "CF-0123 - Administrator"}
    inner = {"id": "inner-group", "displayName": "Nested"}
    sp = {"id": "sp-v1", "appId": "app-v1", "displayName": "Cloudflare SCIM v1"}
    assignment = {
        "id": "a1",
        "principalId": "big-group",
        "principalType": "Group",
        "principalDisplayName": big["displayName"],
        "appRoleId": "00000000-0000-0000-0000-000000000000",
        "resourceId": "sp-v1",
    }
    return EntraTenant(
        service_principals=[sp],
        assignments={"sp-v1": [assignment]},
        groups=[big, inner],
        group_members={
            "big-group": [u["id"] for u in users[:count]] + ["inner-group"],
            "inner-group": [users[count]["id"]],
        },
        users=users,
        jobs={"sp-v1": []},
        schemas={},
        v1_sp_id="sp-v1",
    )


def _org(tenant: EntraTenant | None = None) -> Organization:
    org = build_organization(seed=2026, size=60)
    org.entra = tenant or build_entra(org)
    return org


def _get(emulator: Emulator, path: str, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {GRAPH_TOKEN}"}
    return httpx.get(emulator.graph_url + path, params=params, headers=headers)


def test_members_page_by_100_with_a_verbatim_next_link() -> None:
    with Emulator(
        _org(_tenant()), cloudflare_token="c", okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        first = _get(emulator, "/groups/big-group/members/microsoft.graph.user")
        base = emulator.base_url
        body = first.json()
        link = body["@odata.nextLink"]
        second = httpx.get(link, headers={"Authorization": f"Bearer {GRAPH_TOKEN}"})

    assert first.status_code == 200
    assert len(body["value"]) == 100
    assert body["value"][0]["@odata.type"] == "#microsoft.graph.user"
    assert link.startswith(base + "/v1.0/groups/big-group/members/")
    assert "$skiptoken=" in link
    rest = second.json()
    # The nested group is no user: the cast leaves it out.
    assert len(rest["value"]) == 50
    assert "@odata.nextLink" not in rest


def test_top_and_select_shape_the_page_and_count_is_on_page_1_only() -> None:
    with Emulator(
        _org(_tenant()), cloudflare_token="c", okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        first = _get(
            emulator,
            "/groups/big-group/transitiveMembers",
            **{"$top": 60, "$count": "true", "$select": "id,mail"},
        ).json()
        pages = [first]
        while "@odata.nextLink" in pages[-1]:
            link = pages[-1]["@odata.nextLink"]
            pages.append(
                httpx.get(
                    link, headers={"Authorization": f"Bearer {GRAPH_TOKEN}"}
                ).json()
            )

    assert first["@odata.count"] == 152  # 150 users, the nested group, its user
    assert [len(p["value"]) for p in pages] == [60, 60, 32]
    assert all("@odata.count" not in p for p in pages[1:])
    assert set(first["value"][0]) == {"@odata.type", "id", "mail"}
    every = [item for p in pages for item in p["value"]]
    types = [item["@odata.type"] for item in every]
    assert types.count("#microsoft.graph.group") == 1
    assert every[-1]["mail"] == "user150@example.com"


def test_a_missing_or_wrong_bearer_token_is_a_graph_401() -> None:
    with Emulator(
        _org(), cloudflare_token="c", okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        url = emulator.graph_url + "/users/x"
        missing = httpx.get(url)
        wrong = httpx.get(url, headers={"Authorization": "Bearer not-it"})

    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_forbidden_family_answers_authorization_request_denied() -> None:
    org = _org()
    assert org.entra is not None
    with Emulator(
        org,
        cloudflare_token="c",
        okta_token="o",
        graph_token=GRAPH_TOKEN,
        forbidden=frozenset({"entra_sync"}),
    ) as emulator:
        answer = _get(
            emulator, f"/servicePrincipals/{org.entra.v1_sp_id}/synchronization/jobs"
        )

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "Authorization_RequestDenied"


def test_an_unknown_object_is_request_resource_not_found() -> None:
    with Emulator(
        _org(), cloudflare_token="c", okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        answer = _get(emulator, "/servicePrincipals/no-such-sp")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "Request_ResourceNotFound"


def test_groups_filter_by_display_name_prefix() -> None:
    org = _org()
    with Emulator(
        org, cloudflare_token="c", okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        found = _get(
            emulator, "/groups", **{"$filter": "startswith(displayName,'CF-')"}
        ).json()["value"]
        bad = _get(emulator, "/groups", **{"$filter": "displayName eq 'x'"})

    names = [g["displayName"] for g in found]
    assert names and all(n.startswith("CF-") for n in names)
    assert entra_facts_for().v1_group_names == tuple(sorted(names))
    assert bad.status_code == 400


def _collect(
    emulator: Emulator, org: Organization, sleeps: list[float] | None = None
) -> Any:
    assert org.entra is not None
    config = CollectConfig(
        account_id=org.cloudflare.account["id"],
        cloudflare_url=emulator.cloudflare_url,
        graph_url=emulator.graph_url,
        entra_v1_sp=org.entra.v1_sp_id,
        entra_v2_sp=org.entra.v2_sp_id,
    )
    token = DemoCredential(GRAPH_TOKEN).get_token("x").token
    cloudflare = cloudflare_client(emulator.cloudflare_url, CF_TOKEN)
    graph = graph_client(emulator.graph_url, token)
    recorded: list[float] = [] if sleeps is None else sleeps
    with cloudflare, graph:
        return collect_snapshot(
            config,
            cloudflare,
            None,
            graph=graph,
            clock=lambda: CLOCK,
            sleep=recorded.append,
        )


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("0.249", 0.249), (None, None)],
    ids=["seconds", "decimal", "missing"],
)
def test_the_collector_honours_each_retry_after_of_a_graph_429(
    retry_after: str | None, expected: float | None
) -> None:
    org = _org()
    fault = Fault("429", "/transitiveMembers", times=1, retry_after=retry_after)
    sleeps: list[float] = []
    with Emulator(
        org,
        cloudflare_token=CF_TOKEN,
        okta_token="o",
        graph_token=GRAPH_TOKEN,
        options=EmulatorOptions(faults=(fault,)),
    ) as emulator:
        snapshot = _collect(emulator, org, sleeps)
        statuses = [s for _, p, s in emulator.requests if "/transitiveMembers" in p]

    assert statuses.count(429) == 1
    assert len(sleeps) == 1
    if expected is None:
        assert 1.0 <= sleeps[0] <= 2.0  # exponential backoff, first step
    else:
        assert sleeps[0] == pytest.approx(expected)
    records = [r for r in snapshot.manifest.requests if r.status == 429]
    assert len(records) == 1 and records[0].entry == layout.ENTRA_GROUP_TRANSITIVE
    assert layout.ENTRA_GROUP_TRANSITIVE in snapshot.entries


def test_the_http_date_retry_after_is_read_against_the_server_date() -> None:
    """An HTTP date in the past (the server's Date is later) waits nothing."""
    org = _org()
    fault = Fault(
        "429",
        "/appRoleAssignedTo",
        times=1,
        retry_after="Thu, 01 Jan 2026 00:00:00 GMT",
    )
    sleeps: list[float] = []
    with Emulator(
        org,
        cloudflare_token=CF_TOKEN,
        okta_token="o",
        graph_token=GRAPH_TOKEN,
        options=EmulatorOptions(faults=(fault,)),
    ) as emulator:
        _collect(emulator, org, sleeps)

    assert sleeps == [0.0]


def test_the_demo_tenant_is_collected_with_its_pitfalls_and_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    org = _org()
    assert org.entra is not None
    facts = entra_facts_for()
    with Emulator(
        org, cloudflare_token=CF_TOKEN, okta_token="o", graph_token=GRAPH_TOKEN
    ) as emulator:
        snapshot = _collect(emulator, org)

    entries = snapshot.entries
    assert set(layout.ENTRA_ENTRIES) <= set(entries)
    users = {u["mail"]: u for u in entries[layout.ENTRA_USERS]}
    (nested,) = facts.nested_only
    direct = {
        m["mail"] for ms in entries[layout.ENTRA_GROUP_MEMBERS].values() for m in ms
    }
    transitive = {
        m.get("mail")
        for ms in entries[layout.ENTRA_GROUP_TRANSITIVE].values()
        for m in ms
    }
    assert nested not in direct and nested in transitive and nested in users
    (guest,) = facts.guests
    assert any(u["userPrincipalName"] == guest for u in users.values())
    for mail in facts.disabled_still_member:
        assert users[mail]["accountEnabled"] is False
    jobs = entries[layout.ENTRA_SYNC_JOBS][facts.v1_sp_id]
    assert jobs[0]["status"]["code"] == facts.v1_job_status == "Active"
    everything = json.dumps(asdict(snapshot.manifest)) + json.dumps(entries)
    assert GRAPH_TOKEN not in everything and CF_TOKEN not in everything
    assert GRAPH_TOKEN not in caplog.text


def test_demo_idp_entra_writes_the_entra_entries_and_three_reports(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--idp", "entra", "--out", str(tmp_path), "--quiet"]
    )

    assert result.exit_code == 0, result.output
    names = sorted(Path(line).name for line in result.stdout.split())
    assert names == ["readiness.html", "readiness.pdf", "readiness.xlsx"]
    snapshot = read_snapshot(tmp_path / "snapshot.zip")
    assert set(layout.ENTRA_ENTRIES) <= set(snapshot.entries)
    assert not set(layout.OKTA_ENTRIES) & set(snapshot.entries)
    assert "entra" in snapshot.manifest.sources
    assert all(r.status == "ok" for r in snapshot.manifest.endpoints)
    with zipfile.ZipFile(tmp_path / "snapshot.zip") as archive:
        assert "entra/users.json" in archive.namelist()


def test_demo_rejects_an_unknown_idp(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--idp", "ping", "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "unknown demo identity provider 'ping'" in result.output
