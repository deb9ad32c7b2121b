"""The client-side rate limiter, on a virtual clock."""

from __future__ import annotations

import threading

import pytest

from reporter.collect.limiter import RateLimit, RateLimiter, VirtualTime
from reporter.errors import ConfigError


def limiter(requests: int, window: float) -> tuple[RateLimiter, VirtualTime]:
    time = VirtualTime()
    made = RateLimiter(
        RateLimit(requests, window), clock=time.monotonic, sleep=time.advance
    )
    return made, time


def starts(made: RateLimiter, time: VirtualTime, count: int) -> list[float]:
    """The virtual times at which ``count`` requests were let through."""
    seen = []
    for _ in range(count):
        made.acquire()
        seen.append(time.monotonic())
    return seen


def test_requests_within_the_limit_never_wait() -> None:
    """1,200 requests in a 300 s window start at once."""
    made, time = limiter(1200, 300.0)

    seen = starts(made, time, 1200)

    assert seen[-1] == 0.0 and made.waited == 0.0


def test_the_request_over_the_limit_waits_for_the_window() -> None:
    """The 4th of 3 per 10 s starts once the 1st leaves the window (+ 0.5 s)."""
    made, time = limiter(3, 10.0)

    seen = starts(made, time, 4)

    assert seen[:3] == [0.0, 0.0, 0.0]
    assert seen[3] == pytest.approx(10.5)


def test_a_long_window_gets_a_margin_of_one_percent() -> None:
    """With the real 300 s window, the request over the limit waits 303 s."""
    made, time = limiter(2, 300.0)

    seen = starts(made, time, 3)

    assert seen[2] == pytest.approx(303.0)


def test_no_window_ever_holds_more_than_the_limit() -> None:
    """Over 50 requests at 7 per 5 s, any 5 s span holds at most 7 starts."""
    made, time = limiter(7, 5.0)

    seen = starts(made, time, 50)

    assert max(sum(1 for t in seen if s <= t < s + 5.0) for s in seen) == 7
    assert made.peak == 7


def test_a_pause_holds_every_request_back() -> None:
    """After pause(30) (a 429's retry-after), the next start is 30 s later."""
    made, time = limiter(1200, 300.0)
    made.acquire()

    made.pause(30.0)
    made.acquire()

    assert time.monotonic() == pytest.approx(30.0)


def test_a_low_remaining_header_spaces_requests_out() -> None:
    """x-ratelimit-remaining below 5% of the limit spreads requests over the window."""
    made, time = limiter(1200, 300.0)

    made.observe({"x-ratelimit-remaining": "30"})
    seen = starts(made, time, 3)

    # 300 s / 1200 = 0.25 s per request, doubled as 30 is half the reserve of 60.
    assert seen == pytest.approx([0.0, 0.5, 1.0])


def test_a_high_remaining_header_lifts_the_spacing() -> None:
    """Once the server reports plenty left again, requests go without spacing."""
    made, time = limiter(1200, 300.0)
    made.observe({"x-ratelimit-remaining": "1"})
    made.acquire()

    made.observe({"x-ratelimit-remaining": "900"})
    made.acquire()
    made.acquire()

    assert time.monotonic() == pytest.approx(15.0)  # only the 1st spacing waited


def test_the_ietf_ratelimit_header_is_read_too() -> None:
    """'ratelimit: limit=1200, remaining=0' paces like x-ratelimit-remaining: 0."""
    made, time = limiter(1200, 300.0)

    made.observe({"ratelimit": "limit=1200, remaining=0, reset=40"})
    seen = starts(made, time, 2)

    assert seen[1] == pytest.approx(15.0)


@pytest.mark.parametrize(("requests", "window"), [(0, 300.0), (1200, 0.0)])
def test_an_unusable_limit_is_a_config_error(requests: int, window: float) -> None:
    """A limit of no requests or no window is refused, naming the values."""
    with pytest.raises(ConfigError, match=f"{requests} requests per {window}"):
        RateLimit(requests, window)


def test_stop_ends_a_wait_at_once_and_starts_nothing_more() -> None:
    """Stopped from another thread, a 303 s wait returns False, the rest cut."""
    made = RateLimiter(RateLimit(1, 300.0))
    assert made.acquire()
    threading.Timer(0.2, made.stop).start()

    started = made.acquire()

    assert started is False
    assert made.waited == pytest.approx(303.0, abs=0.1)
    assert made.cut > 250.0
    assert made.acquire() is False and made.peak == 1
