"""Fault modes of the emulator: what a hostile network or a busy API does.

``EmulatorOptions`` is given to ``Emulator(...)``: a latency per request, the
Cloudflare rate limit enforced with a request counter, and ``Fault`` rules
that make chosen requests answer 429, an HTML 5xx edge page, a body cut
short, a page repeated, a page without ``result_info``, one whose total is
``NaN`` (which Python's parser reads but JSON does not allow), or lists nested
100,000 deep.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from reporter.demo.org import Json
from reporter.emulator.wire import JSON, Reply

FaultKind = Literal[
    "429",
    "5xx_html",
    "truncated_json",
    "repeat_page",
    "no_result_info",
    "nan_number",
    "deep_json",
]
EDGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>"
)


@dataclass(frozen=True)
class Fault:
    """A misbehaviour for requests whose path contains ``path``.

    ``times`` is how many matching requests get it (0: every one); ``page``
    limits it to one v4 ``page``. A 429 sends ``retry_after`` (seconds or an
    HTTP date) when given, and no header at all otherwise. ``status`` is the
    5xx status of an HTML edge page.
    """

    kind: FaultKind
    path: str
    times: int = 1
    page: int | None = None
    retry_after: str | None = None
    status: int = 502

    def matches(self, path: str, query: dict[str, str]) -> bool:
        """Whether a request for ``path`` with ``query`` is one this fault hits."""
        if self.path not in path:
            return False
        return self.page is None or query.get("page", "1") == str(self.page)


@dataclass(frozen=True)
class EmulatorOptions:
    """How the emulator misbehaves; the defaults make it a well-behaved API.

    ``rate_limit`` requests per ``rate_window`` seconds are enforced on the
    Cloudflare API when set: one more answers 429 with ``retry-after``.
    ``audit_logs`` are the Audit Logs v2 entries ``{a}/logs/audit`` serves.
    """

    latency: float = 0.0
    rate_limit: int | None = None
    rate_window: float = 300.0
    faults: tuple[Fault, ...] = ()
    audit_logs: tuple[Json, ...] = field(default=())


class RateCounter:
    """Cloudflare requests counted in a sliding window, as the API counts them."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.counted = 0
        self.refused = 0
        self.peak = 0
        self._clock = clock
        self._arrivals: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> tuple[bool, int, float]:
        """Count one request: (admitted, remaining, seconds until room again)."""
        with self._lock:
            now = self._clock()
            while self._arrivals and self._arrivals[0] + self.window <= now:
                self._arrivals.popleft()
            if len(self._arrivals) >= self.limit:
                self.refused += 1
                return False, 0, self._arrivals[0] + self.window - now
            self._arrivals.append(now)
            self.counted += 1
            self.peak = max(self.peak, len(self._arrivals))
            return True, self.limit - len(self._arrivals), 0.0


def throttled(retry_after: str | None) -> Reply:
    """Cloudflare's 429 (§4): code 971, with ``retry-after`` when given."""
    body = {
        "success": False,
        "errors": [{"code": 971, "message": "Please wait and consider throttling"}],
        "messages": [],
        "result": None,
    }
    headers = (("retry-after", retry_after),) if retry_after else ()
    return Reply(429, body, JSON, headers)


def rate_limited(wait: float) -> Reply:
    """The 429 of an exceeded limit: retry-after in whole seconds, rounded up."""
    reply = throttled(str(max(1, math.ceil(wait))))
    return replace(reply, headers=(*reply.headers, ("x-ratelimit-remaining", "0")))


class FaultPlan:
    """The faults still to be served; each rule counts down its ``times``."""

    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self._faults = faults
        self._left = [fault.times for fault in faults]
        self._lock = threading.Lock()

    def take(self, target: str) -> Fault | None:
        """The fault the request for ``target`` gets, if any (counted as served)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        with self._lock:
            for n, fault in enumerate(self._faults):
                if not fault.matches(parts.path, query):
                    continue
                if fault.times == 0:
                    return fault
                if self._left[n] > 0:
                    self._left[n] -= 1
                    return fault
        return None


def before(fault: Fault) -> Reply | None:
    """The reply a fault gives instead of the real answer, if it replaces it."""
    if fault.kind == "429":
        return throttled(fault.retry_after)
    if fault.kind == "5xx_html":
        return Reply(fault.status, None, "text/html; charset=utf-8", raw=EDGE_PAGE)
    return None


def previous_page(target: str) -> str:
    """``target`` asking for the page before the one it asks for."""
    parts = urlsplit(target)
    query = dict(parse_qsl(parts.query))
    query["page"] = str(max(1, int(query.get("page", "1")) - 1))
    return f"{parts.path}?{urlencode(query)}"


def after(fault: Fault, reply: Reply) -> Reply:
    """The real answer altered by a fault that keeps it (cut short, no totals)."""
    if fault.kind == "truncated_json":
        payload = json.dumps(reply.body).encode()
        return replace(reply, raw=payload[: len(payload) // 2])
    if fault.kind == "deep_json":
        return replace(reply, raw=b"[" * 100_000 + b"]" * 100_000)
    if fault.kind == "nan_number" and isinstance(reply.body, dict):
        info = {**reply.body.get("result_info", {}), "total_count": math.nan}
        return replace(
            reply, raw=json.dumps({**reply.body, "result_info": info}).encode()
        )
    if fault.kind == "no_result_info" and isinstance(reply.body, dict):
        body = {k: v for k, v in reply.body.items() if k != "result_info"}
        return replace(reply, body=body)
    return reply
