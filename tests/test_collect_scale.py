"""A 20,000-member account over a 50 ms link, within the rate limit.

The emulator enforces Cloudflare's 1,200 requests per window with its own
counter. The collection needs about 1,220 requests, so the limit binds. The
real window is 5 minutes; this test uses a 10 s window (same 1,200 requests,
so the limiter does the same thing), to keep ``make test`` short: with 300 s,
the run takes the full window, 5 minutes and more.
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
LIMIT = RateLimit(requests=1200, window=10.0)
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
