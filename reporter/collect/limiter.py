"""A client-side rate limiter shared by every thread of one collection.

Cloudflare allows 1,200 requests per 5 minutes per user, and blocks the token
for the whole window once it is exceeded (cloudflare-api.md §4). So the limiter
counts request starts in a sliding window and never lets more than the limit
start within it, slows down when ``x-ratelimit-remaining`` says the server
counted more than we did (the dashboard and other tools share the budget), and
pauses every thread while a 429's ``retry-after`` runs. Its waits last minutes,
so ``stop`` ends them at once: Ctrl-C must not wait for a window to pass.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reporter.errors import ConfigError

# Seconds added to the window at least: more than a request takes to arrive.
MARGIN = 0.5

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` per ``window`` seconds (Cloudflare: 1,200 per 300 s)."""

    requests: int = 1200
    window: float = 300.0

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window <= 0:
            raise ConfigError(
                f"rate limit {self.requests} requests per {self.window} s is not "
                "usable",
                hint="pass --rate-limit with a positive number of requests",
            )

    @property
    def interval(self) -> float:
        """Seconds between requests when spread evenly over the window."""
        return self.window / self.requests


class VirtualTime:
    """Time that only passes when slept: what tests inject so they never wait."""

    def __init__(self, record: Sleep | None = None) -> None:
        self.now = 0.0
        self._record = record
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """The virtual clock's reading, in seconds."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds``, telling ``record`` when given."""
        self.advance(seconds)
        if self._record is not None:
            self._record(seconds)

    def advance(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` without telling ``record``.

        The limiter waits this way, so a test's record of sleeps holds the
        retry waits only, however many threads wait on the limiter meanwhile.
        """
        with self._lock:
            self.now += max(0.0, seconds)


class RateLimiter:
    """Lets a request start only when the limit, the pacing and any pause allow.

    The window is counted longer than the server's (by 1%, at least half a
    second), so a request slow to reach the server cannot land in the
    server's window together with the one that starts after it. Without a
    ``sleep``, it waits on an event that ``stop`` sets.
    """

    def __init__(
        self,
        limit: RateLimit | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
        reserve: float = 0.05,
    ) -> None:
        self.limit = limit or RateLimit()
        self._window = self.limit.window + max(0.01 * self.limit.window, MARGIN)
        self._clock = clock
        self._stopped = threading.Event()
        self._sleep = sleep or self._wait_unless_stopped
        self._reserve = max(1, round(self.limit.requests * reserve))
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._next_start = 0.0
        self._spacing = 0.0
        self.waited = 0.0
        # Seconds of the waits that ``stop`` cut short, by ``clock``.
        self.cut = 0.0
        self.peak = 0

    def acquire(self) -> bool:
        """Block until a request may start and count it; False once stopped.

        A stopped limiter starts nothing more and returns at once.
        """
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_at(now)
                if self._stopped.is_set():
                    return False
                if wait <= 0:
                    self._start(now)
                    return True
                self.waited += wait
            self._sleep(wait)
            if self._stopped.is_set():
                with self._lock:
                    self.cut += max(0.0, now + wait - self._clock())
                return False

    def stop(self) -> None:
        """End every wait now and start no more requests: the collection stopped."""
        self._stopped.set()

    def _wait_unless_stopped(self, seconds: float) -> None:
        self._stopped.wait(seconds)

    def _wait_at(self, now: float) -> float:
        # The same sum as the wait below, so float rounding cannot let one through.
        while self._starts and self._starts[0] + self._window <= now:
            self._starts.popleft()
        earliest = max(self._paused_until, self._next_start)
        if len(self._starts) >= self.limit.requests:
            earliest = max(earliest, self._starts[0] + self._window)
        return earliest - now

    def _start(self, now: float) -> None:
        self._starts.append(now)
        self.peak = max(self.peak, len(self._starts))
        self._next_start = now + self._spacing

    def pause(self, seconds: float) -> None:
        """Let no request start for ``seconds`` (a 429 asked every caller to wait)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pace by the server's ``x-ratelimit-remaining`` (or IETF ``ratelimit``).

        Above the reserve (5% of the limit) requests go as fast as the window
        allows; below it they are spaced out more the closer it gets to zero.
        """
        remaining = _remaining(headers)
        if remaining is None:
            return
        with self._lock:
            if remaining > self._reserve:
                self._spacing = 0.0
                return
            factor = self._reserve / max(remaining, 1)
            self._spacing = min(self.limit.window, self.limit.interval * factor)


def _remaining(headers: Mapping[str, str]) -> int | None:
    """Requests left in the server's window, from whichever header it sent."""
    value = headers.get("x-ratelimit-remaining")
    if value is None:
        # IETF draft form: "ratelimit: limit=1200, remaining=17, reset=40".
        for part in headers.get("ratelimit", "").split(","):
            name, _, number = part.strip().partition("=")
            if name == "remaining":
                value = number
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())
