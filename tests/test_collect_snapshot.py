"""Collect the demo organization from the emulator over HTTP, write, read back."""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reporter.collect import (
    CollectConfig,
    cloudflare_client,
    collect_snapshot,
    okta_client,
)
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.snapshot import Snapshot, layout, read_snapshot, write_snapshot

CLOUDFLARE_TOKEN = secrets.token_hex(16)
OKTA_TOKEN = secrets.token_hex(16)


def _clock() -> datetime:
    return datetime(2026, 7, 30, 9, 0, tzinfo=UTC)


def _collect(org: Organization, emulator: Emulator) -> Snapshot:
    config = CollectConfig(
        account_id=org.cloudflare.account["id"],
        cloudflare_url=emulator.cloudflare_url,
        okta_url=emulator.okta_url,
        okta_v1_app_id=org.okta.v1_app_id,
        okta_v2_app_id=org.okta.v2_app_id,
    )
    cloudflare = cloudflare_client(emulator.cloudflare_url, CLOUDFLARE_TOKEN)
    okta = okta_client(emulator.okta_url, OKTA_TOKEN)
    with cloudflare, okta:
        return collect_snapshot(config, cloudflare, okta, clock=_clock)


@pytest.fixture(scope="module")
def org() -> Organization:
    """The default demo organization."""
    return build_organization()


@pytest.fixture(scope="module")
def served(
    org: Organization, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Snapshot, Snapshot, list[tuple[str, str, int]]]]:
    """The collected snapshot, the same read back from disk, and what was served."""
    path = tmp_path_factory.mktemp("collect") / "snapshot.zip"
    with Emulator(
        org, cloudflare_token=CLOUDFLARE_TOKEN, okta_token=OKTA_TOKEN
    ) as emulator:
        collected = _collect(org, emulator)
        requests = emulator.requests
    write_snapshot(collected, path)
    yield collected, read_snapshot(path), requests


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_every_entry_reads_back_as_collected(
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """Written and read back, the snapshot holds every entry unchanged."""
    collected, read_back, _ = served

    # SCIM group details are readable in older snapshots, no longer collected.
    collected_entries = layout.CLOUDFLARE_ENTRIES + layout.OKTA_ENTRIES
    assert sorted(read_back.entries) == sorted(
        e for e in collected_entries if e != layout.CF_SCIM_GROUP_DETAILS
    )
    assert read_back.entries == collected.entries
    assert read_back.manifest.endpoints == collected.manifest.endpoints


def test_cloudflare_entries_hold_the_organizations_objects(
    org: Organization,
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """Members, roles, groups and SCIM resources match the organization one for one."""
    entries = served[1].entries
    cf = org.cloudflare

    assert entries[layout.CF_ACCOUNT]["id"] == cf.account["id"]
    assert _ids(entries[layout.CF_MEMBERS]) == _ids(cf.members)
    assert _ids(entries[layout.CF_ROLES]) == _ids(cf.roles)
    assert _ids(entries[layout.CF_PERMISSION_GROUPS]) == _ids(cf.permission_groups)
    assert _ids(entries[layout.CF_RESOURCE_GROUPS]) == _ids(cf.resource_groups)
    # The user group list is ordered by name (cloudflare-api.md §3).
    assert sorted(_ids(entries[layout.CF_USER_GROUPS])) == sorted(_ids(cf.user_groups))
    assert {g: len(m) for g, m in entries[layout.CF_USER_GROUP_MEMBERS].items()} == {
        g["id"]: len(cf.user_group_members.get(g["id"], [])) for g in cf.user_groups
    }
    assert _ids(entries[layout.CF_SCIM_USERS]) == _ids(cf.scim_users)
    assert _ids(entries[layout.CF_SCIM_GROUPS]) == _ids(cf.scim_groups)


def test_no_scim_group_is_read_in_detail(
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """No check reads SCIM group details: the group list is read, no group alone."""
    _, read_back, requests = served

    assert not read_back.has(layout.CF_SCIM_GROUP_DETAILS)
    assert [t for _, t, _ in requests if "/scim/v2/Groups?" in t] != []
    assert [t for _, t, _ in requests if "/scim/v2/Groups/" in t] == []


def test_okta_entries_hold_the_organizations_objects(
    org: Organization,
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """Apps, app lists, mappings and users of every status match the organization."""
    entries = served[1].entries
    okta = org.okta
    apps = (okta.v1_app_id, okta.v2_app_id)

    assert entries[layout.OKTA_APPS]["v1"]["id"] == okta.v1_app_id
    assert entries[layout.OKTA_APPS]["v2"]["id"] == okta.v2_app_id
    for entry, source in (
        (layout.OKTA_APP_USERS, okta.app_users),
        (layout.OKTA_APP_GROUPS, okta.app_groups),
        (layout.OKTA_PUSH_MAPPINGS, okta.push_mappings),
    ):
        assert {a: _ids(v) for a, v in entries[entry].items()} == {
            a: _ids(source.get(a, [])) for a in apps
        }
    assert sorted(_ids(entries[layout.OKTA_USERS])) == sorted(_ids(okta.users))


def test_members_took_the_expected_number_of_pages(
    org: Organization,
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """Members are read 50 per page: the record counts every page and member."""
    record = served[1].manifest.endpoint(layout.CF_MEMBERS)

    members = len(org.cloudflare.members)
    assert record is not None
    assert (record.pages, record.count) == (math.ceil(members / 50), members)


def test_every_recorded_request_is_one_the_emulator_served(
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """The manifest lists exactly the exchanges served (in any order: concurrent)."""
    _, read_back, requests = served

    recorded = [(r.method, r.path, r.status) for r in read_back.manifest.requests]

    assert sorted(recorded) == sorted(requests)


def test_no_token_reaches_the_snapshot_file(
    served: tuple[Snapshot, Snapshot, list[tuple[str, str, int]]],
) -> None:
    """Neither API token appears anywhere in the archive's bytes."""
    data = Path(served[1].path or "").read_bytes()

    assert CLOUDFLARE_TOKEN.encode() not in data
    assert OKTA_TOKEN.encode() not in data


def test_a_forbidden_scim_api_is_recorded_not_collected(
    org: Organization, tmp_path: Path
) -> None:
    """With SCIM refused, the snapshot has no SCIM entries and says why for each."""
    with Emulator(
        org,
        cloudflare_token=CLOUDFLARE_TOKEN,
        okta_token=OKTA_TOKEN,
        forbidden=frozenset({"scim"}),
    ) as emulator:
        collected = _collect(org, emulator)
    written = write_snapshot(collected, tmp_path / "s.zip")
    snapshot = read_snapshot(Path(written.path or ""))

    scim = (layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS, layout.CF_SCIM_GROUP_DETAILS)
    assert not any(snapshot.has(entry) for entry in scim)
    statuses = {e.entry: (e.status, e.http_status) for e in snapshot.manifest.endpoints}
    assert statuses[layout.CF_SCIM_USERS] == ("failed", 403)
    assert statuses[layout.CF_SCIM_GROUPS] == ("failed", 403)
    assert layout.CF_SCIM_GROUP_DETAILS not in statuses
    assert _ids(snapshot.entries[layout.CF_MEMBERS]) == _ids(org.cloudflare.members)
