"""The Cloudflare collector against each fault mode of the emulator."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reporter.collect import CollectConfig, PageSizes, cloudflare_client
from reporter.collect import collect_snapshot as collect_from
from reporter.collect.limiter import RateLimit
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault
from reporter.errors import CollectError
from reporter.snapshot import Snapshot, layout

TOKEN = secrets.token_hex(16)
MEMBERS = "/members"
# The emulator's members minimum page size: the 60 demo members take 12 pages.
SIZES = PageSizes(cf_members=5)


@pytest.fixture(scope="module")
def org() -> Organization:
    """The default demo organization (60 members)."""
    return build_organization()


def collect(
    emulator: Emulator,
    org: Organization,
    *,
    sleeps: list[float] | None = None,
    rate_limit: RateLimit | None = None,
    real_time: bool = False,
) -> Snapshot:
    """Collect Cloudflare from ``emulator``; waits go to ``sleeps`` unless real."""
    config = CollectConfig(
        account_id=org.cloudflare.account["id"],
        cloudflare_url=emulator.cloudflare_url,
        page_sizes=SIZES,
        rate_limit=rate_limit or RateLimit(),
    )
    waits = sleeps if sleeps is not None else []
    with cloudflare_client(emulator.cloudflare_url, TOKEN) as client:
        return collect_from(
            config,
            client,
            None,
            clock=lambda: datetime.now(UTC),
            sleep=time.sleep if real_time else waits.append,
        )


def serve(
    org: Organization,
    *faults: Fault,
    latency: float = 0.0,
    rate_limit: int | None = None,
    rate_window: float = 300.0,
) -> Emulator:
    options = EmulatorOptions(
        latency=latency, rate_limit=rate_limit, rate_window=rate_window, faults=faults
    )
    return Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN, options=options)


def member_ids(snapshot: Snapshot) -> list[str]:
    return [m["id"] for m in snapshot.entries[layout.CF_MEMBERS]]


def statuses(snapshot: Snapshot, page: int) -> list[int | None]:
    """The statuses of every attempt at one members page, in order."""
    return [
        r.status
        for r in snapshot.manifest.requests
        if r.entry == layout.CF_MEMBERS and r.page == page
    ]


def test_latency_is_overlapped_by_concurrent_requests(org: Organization) -> None:
    """With 50 ms per request, pages overlap: the run is shorter than its requests."""
    with serve(org, latency=0.05) as emulator:
        started = time.perf_counter()
        snapshot = collect(emulator, org)
        wall_ms = (time.perf_counter() - started) * 1000

    elapsed = [r.elapsed_ms for r in snapshot.manifest.requests]
    assert member_ids(snapshot) == [m["id"] for m in org.cloudflare.members]
    assert min(elapsed) >= 50
    assert wall_ms < sum(elapsed) / 2


def test_a_429_burst_waits_each_retry_after(org: Organization) -> None:
    """Three 429s with retry-after 7 on one page: three 7 s waits, then the page."""
    fault = Fault("429", MEMBERS, times=3, page=2, retry_after="7")
    sleeps: list[float] = []
    with serve(org, fault) as emulator:
        snapshot = collect(emulator, org, sleeps=sleeps)

    assert sleeps == [7.0, 7.0, 7.0]
    assert statuses(snapshot, 2) == [429, 429, 429, 200]
    assert [r.retries for r in snapshot.manifest.requests if r.page == 2][-1] == 3
    assert len(member_ids(snapshot)) == len(org.cloudflare.members)


def test_a_429_retry_after_date_is_waited_until(org: Organization) -> None:
    """retry-after as an HTTP date is waited until, against the server's Date."""
    until = datetime.now(UTC) + timedelta(seconds=30)
    fault = Fault("429", MEMBERS, page=2, retry_after=format_datetime(until, True))
    sleeps: list[float] = []
    with serve(org, fault) as emulator:
        snapshot = collect(emulator, org, sleeps=sleeps)

    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 31
    assert statuses(snapshot, 2) == [429, 200]


def test_a_429_without_retry_after_backs_off_exponentially(org: Organization) -> None:
    """Without retry-after, the waits grow: about 1 s, then about 2 s (with jitter)."""
    sleeps: list[float] = []
    with serve(org, Fault("429", MEMBERS, times=2, page=3)) as emulator:
        snapshot = collect(emulator, org, sleeps=sleeps)

    assert len(sleeps) == 2
    assert 1 <= sleeps[0] <= 2 and 2 <= sleeps[1] <= 3
    assert statuses(snapshot, 3) == [429, 429, 200]


def test_an_html_502_is_retried_then_collected(org: Organization) -> None:
    """Two 502 edge pages in HTML are retried; the third answer is used."""
    with serve(org, Fault("5xx_html", MEMBERS, times=2, page=1)) as emulator:
        snapshot = collect(emulator, org)

    assert statuses(snapshot, 1) == [502, 502, 200]
    assert len(member_ids(snapshot)) == len(org.cloudflare.members)


def test_a_lasting_html_503_is_a_collect_error_not_a_decode_error(
    org: Organization,
) -> None:
    """An HTML 503 that never ends is one CollectError naming status and type."""
    fault = Fault("5xx_html", MEMBERS, times=0, page=1, status=503)
    with serve(org, fault) as emulator, pytest.raises(CollectError) as caught:
        collect(emulator, org)

    assert "HTTP 503 with text/html after 4 attempts" in str(caught.value)
    assert caught.value.status == 503


def test_a_truncated_body_is_retried(org: Organization) -> None:
    """A JSON body cut in half is asked again, and the full one is kept."""
    with serve(org, Fault("truncated_json", MEMBERS, page=4)) as emulator:
        snapshot = collect(emulator, org)

    assert statuses(snapshot, 4) == [200, 200]
    assert member_ids(snapshot) == [m["id"] for m in org.cloudflare.members]


def test_a_body_always_truncated_is_a_collect_error(org: Organization) -> None:
    """A body that stays cut short ends in a CollectError saying so, after retries."""
    fault = Fault("truncated_json", MEMBERS, times=0, page=4)
    with serve(org, fault) as emulator, pytest.raises(CollectError) as caught:
        collect(emulator, org)

    assert "invalid JSON after 4 attempts" in str(caught.value)
    assert "page=4" in str(caught.value.url)


def test_a_repeated_page_is_a_collect_error(org: Organization) -> None:
    """Page 3 answering page 2's members again stops with an error naming it."""
    fault = Fault("repeat_page", MEMBERS, page=3)
    with serve(org, fault) as emulator, pytest.raises(CollectError) as caught:
        collect(emulator, org)

    assert "page 3 only repeats ids already seen" in str(caught.value)


def test_missing_result_info_is_walked_to_the_end(org: Organization) -> None:
    """With no result_info at all, pages are followed until an empty one."""
    with serve(org, Fault("no_result_info", MEMBERS, times=0)) as emulator:
        snapshot = collect(emulator, org)

    record = snapshot.manifest.endpoint(layout.CF_MEMBERS)
    assert member_ids(snapshot) == [m["id"] for m in org.cloudflare.members]
    assert record is not None and record.pages == 13  # 12 full pages, 1 empty


def test_the_limiter_keeps_under_the_enforced_limit(org: Organization) -> None:
    """Limited to 20 per second like the server, the collector is never refused."""
    limit = RateLimit(requests=20, window=1.0)
    with serve(org, rate_limit=20, rate_window=1.0) as emulator:
        snapshot = collect(emulator, org, rate_limit=limit, real_time=True)
        assert emulator.rate is not None
        peak, served = emulator.rate.peak, emulator.request_count

    assert emulator.rate_limited == 0
    assert served > 20 and peak <= 20
    assert len(snapshot.manifest.requests) == served


def test_an_exceeded_limit_is_waited_out(org: Organization) -> None:
    """A collector allowed more than the server gets 429s, waits them out, finishes."""
    # The collection makes 24 requests: 15 a second is exceeded whatever the order.
    with serve(org, rate_limit=15, rate_window=1.0) as emulator:
        snapshot = collect(
            emulator, org, rate_limit=RateLimit(1000, 1.0), real_time=True
        )
        refused = emulator.rate_limited

    recorded = [r.status for r in snapshot.manifest.requests]
    assert refused > 0 and recorded.count(429) == refused
    assert member_ids(snapshot) == [m["id"] for m in org.cloudflare.members]


def test_a_nan_in_a_body_is_a_collect_error_asked_once(org: Organization) -> None:
    """NaN is not JSON: the page is refused naming it, and not asked again."""
    fault = Fault("nan_number", MEMBERS, times=0, page=2)
    with serve(org, fault) as emulator:
        with pytest.raises(CollectError) as caught:
            collect(emulator, org)
        asked = [r for r in emulator.requests if MEMBERS in r[1] and "page=2" in r[1]]

    assert len(asked) == 1
    message = str(caught.value)
    assert "JSON that is not standard (NaN is not a JSON number)" in message
    assert "page=2" in str(caught.value.url)
    assert "RFC 8259" in (caught.value.hint or "")
