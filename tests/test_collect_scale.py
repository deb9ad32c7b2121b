"""A 20,000-member account over a 50 ms link, within the rate limit.

The collection needs about 920 Cloudflare requests: under Cloudflare's 1,200
per 5-minute window, so the real collection never waits for a window. To
exercise the limiter all the same, the emulator here enforces 600 requests per
10 s window with its own counter and the collector keeps to it, so the limit
binds and the collector waits one window (10 s, not 5 minutes).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import pytest

from reporter.collect import CollectConfig
from reporter.collect.limiter import RateLimit
from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions
from reporter.pipeline import Tokens, collect_to_file
from reporter.snapshot import Snapshot, layout, read_snapshot

SIZE = 20_000
LIMIT = RateLimit(requests=600, window=10.0)
CLOUDFLARE_WINDOW = 1200  # requests per 5 minutes (cloudflare-api.md §4)
TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Emulator]:
    """The snapshot of a 20,000-member account, and the emulator that served it."""
    org = build_organization(size=SIZE)
    options = EmulatorOptions(
        latency=0.05, rate_limit=LIMIT.requests, rate_window=LIMIT.window
    )
    out = tmp_path_factory.mktemp("scale") / "snapshot.zip"
    with Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN, options=options) as e:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=e.cloudflare_url,
            rate_limit=LIMIT,
        )
        collect_to_file(config, Tokens(cloudflare=TOKEN), out)
    return read_snapshot(Path(out)), e


def test_every_member_is_collected(collected: tuple[Snapshot, Emulator]) -> None:
    """All 20,000 members arrive, 50 a page, in order."""
    snapshot, _ = collected

    record = snapshot.manifest.endpoint(layout.CF_MEMBERS)
    assert len(snapshot.entries[layout.CF_MEMBERS]) == SIZE
    assert record is not None and (record.pages, record.count) == (400, SIZE)


def test_no_request_is_rate_limited(collected: tuple[Snapshot, Emulator]) -> None:
    """The emulator refused nothing and never counted more than the limit."""
    snapshot, emulator = collected

    assert emulator.rate is not None
    assert emulator.rate_limited == 0
    assert emulator.rate.peak <= LIMIT.requests
    assert all(r.status == 200 and r.retries == 0 for r in snapshot.manifest.requests)


def test_the_manifest_holds_request_count_and_time(
    collected: tuple[Snapshot, Emulator],
) -> None:
    """The manifest counts every request served and spans more than one window."""
    snapshot, emulator = collected
    manifest = snapshot.manifest

    took = datetime.fromisoformat(manifest.finished_at) - datetime.fromisoformat(
        manifest.started_at
    )
    assert len(manifest.requests) == emulator.request_count > LIMIT.requests
    # More requests than one window allows: the limiter had to wait it out.
    assert LIMIT.window <= took.total_seconds() < 120


def test_the_requests_fit_one_cloudflare_window(
    collected: tuple[Snapshot, Emulator],
) -> None:
    """Every request is needed: members 50 a page, one list per user group.

    No SCIM group is read on its own, so the whole account stays under one
    real 5-minute window.
    """
    snapshot, _ = collected
    manifest = snapshot.manifest

    per_entry = {e.entry: e.pages for e in manifest.endpoints}
    groups = len(snapshot.entries[layout.CF_USER_GROUPS])
    assert per_entry[layout.CF_MEMBERS] == SIZE // 50
    assert per_entry[layout.CF_SCIM_USERS] == SIZE // 100
    assert groups <= per_entry[layout.CF_USER_GROUP_MEMBERS] < 2 * groups
    assert layout.CF_SCIM_GROUP_DETAILS not in per_entry
    assert len(manifest.requests) < CLOUDFLARE_WINDOW
