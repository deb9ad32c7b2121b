"""HTTP clients and the one request helper every collector goes through.

The helper retries what is worth retrying, logs and records every exchange, and
turns an answer it cannot use into a ``CollectError`` that names the URL.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import tenacity

from reporter import __version__
from reporter.collect.limiter import RateLimiter
from reporter.errors import CollectError, ConfigError
from reporter.snapshot.model import RequestRecord

log = logging.getLogger(__name__)

USER_AGENT = f"cf-scim-audit/{__version__}"
JSON_TYPES = frozenset({"application/json", "application/scim+json"})
MAX_ATTEMPTS = 4
# Requests in flight at once; far below Cloudflare's 200 per second per IP (§4).
CONCURRENCY = 8
# cloudflare-api.md §4: a 429 blocks calls for up to the 5-minute window, so
# all the waits of one request together stay within that window.
RETRY_BUDGET_SECONDS = 300.0
# Okta's rate-limit buckets are per minute (idp-apis.md §2.3): a reset is at
# most a minute off, so a longer wait is clamped, plus a margin for the clocks.
MAX_RESET_WAIT = 75.0
# Requests left in an Okta bucket below which the collector waits for its reset.
OKTA_LOW_REMAINING = 2
_BACKOFF = tenacity.wait_exponential_jitter(initial=1, max=30, jitter=1)
_RETRIED_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

# Server text (error messages, content types) shown to the user is cut here.
SERVER_TEXT_CAP = 300
REDACTED = "[redacted]"
_CREDENTIAL = re.compile(r"\b(Bearer|SSWS)\s+[^\s\"',;]+", re.IGNORECASE)

Params = Mapping[str, str | int]
Clean = Callable[[str], str]
# progress(entry, pages read, pages known so far to be needed)
Progress = Callable[[str, int, int], None]
Sleep = Callable[[float], None]
T = TypeVar("T")
R = TypeVar("R")


# What an HTTP header can carry: visible ASCII, no spaces or line breaks.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
CLOUDFLARE_URL_OPTION = "--cloudflare-url"
OKTA_URL_OPTION = "--okta-url"
GRAPH_URL_OPTION = "--graph-url"
_EXAMPLES = {
    CLOUDFLARE_URL_OPTION: "https://api.cloudflare.com/client/v4",
    OKTA_URL_OPTION: "https://example.okta.com",
    GRAPH_URL_OPTION: "https://graph.microsoft.com/v1.0",
}
# Where each API's credentials go instead of the URL.
_CREDENTIAL_VARIABLES = {
    CLOUDFLARE_URL_OPTION: "CLOUDFLARE_API_TOKEN",
    OKTA_URL_OPTION: "OKTA_API_TOKEN, or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY",
    GRAPH_URL_OPTION: "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
}


def check_base_url(url: str, option: str) -> None:
    """Refuse an API base URL that is not http(s) with a host, or carries secrets.

    A password, query string or fragment in the URL would be stored in the
    manifest's sources and the partial state, and logged; a query would also
    end up in the middle of every request path. Each is refused and never
    echoed: it may hold a token.
    """
    try:
        parsed: httpx.URL | None = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    example = _EXAMPLES.get(option, "https://host/path")
    variables = _CREDENTIAL_VARIABLES.get(option, "the environment")
    for mark, part in (("?", "a query string"), ("#", "a fragment")):
        if mark in url:
            raise ConfigError(
                f"{option} has {part} ('{mark}...', not shown: it may be a secret)",
                hint=f"pass {option} without it, like {example}; credentials go in "
                f"the environment: {variables}",
            )
    if "@" in url or (parsed is not None and parsed.userinfo):
        raise ConfigError(
            f"{option} carries a user name or password (not shown)",
            hint=f"pass {option} without 'user:password@'; tokens come from "
            "the environment",
        )
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(
            f"{option} {url!r} is not an http(s) URL with a host",
            hint=f"pass {option} like {example}",
        )


def cloudflare_client(
    base_url: str,
    token: str,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for the Cloudflare v4 API (dashboard SCIM included), Bearer auth."""
    check_base_url(base_url, CLOUDFLARE_URL_OPTION)
    _require_token(token, "CLOUDFLARE_API_TOKEN")
    return _client(base_url, f"Bearer {token}", timeout, transport)


def okta_client(
    base_url: str,
    token: str,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for the Okta Management API, ``SSWS`` token auth (idp-apis.md §2.1)."""
    check_base_url(base_url, OKTA_URL_OPTION)
    _require_token(token, "OKTA_API_TOKEN")
    return _client(base_url, f"SSWS {token}", timeout, transport)


def graph_client(
    base_url: str,
    token: str,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for Microsoft Graph, Bearer auth with an Entra access token (§3.1)."""
    check_base_url(base_url, GRAPH_URL_OPTION)
    _require_token(token, "the Entra access token (AZURE_CLIENT_SECRET)")
    return _client(base_url, f"Bearer {token}", timeout, transport)


def _require_token(token: str, variable: str) -> None:
    if not token.strip():
        raise ConfigError("the API token is empty", hint=f"set {variable}")
    if not _HEADER_SAFE.fullmatch(token):
        # The value is never shown: it is a secret, even when malformed.
        raise ConfigError(
            f"{variable} holds characters an HTTP header cannot carry "
            "(non-ASCII, spaces or line breaks)",
            hint=f"set {variable} to the token exactly as issued, without quotes, "
            "spaces or line breaks",
        )


def _client(
    base_url: str,
    authorization: str | httpx.Auth,
    timeout: float,
    transport: httpx.BaseTransport | None,
) -> httpx.Client:
    """A client sending a fixed ``Authorization`` header, or using an httpx.Auth."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json, application/scim+json",
    }
    auth = None
    if isinstance(authorization, str):
        headers["Authorization"] = authorization
    else:
        auth = authorization
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(timeout),
        transport=transport,
        auth=auth,
    )


def authorized_client(
    base_url: str,
    auth: httpx.Auth,
    option: str,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for ``base_url`` (checked as ``option``) whose ``auth`` signs in."""
    check_base_url(base_url, option)
    return _client(base_url, auth, timeout, transport)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Server-provided ``text`` safe to show: no known token, no credential, capped.

    A server may echo the Authorization header back; its text reaches stderr,
    the manifest and the reports, so it is cleaned before any of them.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _CREDENTIAL.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
    if len(text) > SERVER_TEXT_CAP:
        return text[: SERVER_TEXT_CAP - 1] + "…"
    return text


class ApiError(CollectError):
    """An API answered with an HTTP error; carries the API's own error code."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int,
        code: str | None,
        detail: str | None,
        content_type: str = "",
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.status: int = status
        self.code = code
        self.detail = detail
        self.content_type = content_type

    @property
    def is_json(self) -> bool:
        """Whether the error came as JSON, as the APIs' own errors do."""
        return self.content_type in JSON_TYPES


class _RetryableStatus(Exception):
    """A 429 or 5xx answer, raised so tenacity retries it."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Aborted(CollectError):
    """The collection was stopped (an error elsewhere, or Ctrl-C) before this GET."""


class _Slots:
    """``size`` request slots; a freed slot goes to the waiter of lowest rank.

    Among equal ranks the earliest waiter goes first, as with a semaphore.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, int, threading.Lock]] = []
        self._arrivals = itertools.count()

    def acquire(self, rank: int) -> None:
        """Block until a slot is this caller's."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            handed = threading.Lock()
            handed.acquire()
            heapq.heappush(self._waiting, (rank, next(self._arrivals), handed))
        # release() hands its slot over by releasing this lock.
        handed.acquire()

    @property
    def waiting(self) -> int:
        """How many callers wait for a slot now."""
        with self._lock:
            return len(self._waiting)

    def release(self) -> None:
        """Give the slot to the best waiter, or back to the free ones."""
        with self._lock:
            if self._waiting:
                heapq.heappop(self._waiting)[2].release()
            else:
                self._free += 1


class ApiSession:
    """Sends GETs through one client: paced, retried, logged and recorded.

    Safe to share between threads: at most ``concurrency`` requests are in
    flight, and ``limiter`` (when given) decides when each may start. When
    more wait, those of the entries named first in ``prefer`` go first.
    ``records`` may be shared between sessions so one manifest lists every
    exchange. ``sleep`` is injectable so tests never wait; without it (or
    with ``time.sleep``) retry waits end as soon as ``abort`` is called.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        records: list[RequestRecord] | None = None,
        sleep: Sleep | None = None,
        progress: Progress | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        limiter: RateLimiter | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.client = client
        self.records: list[RequestRecord] = [] if records is None else records
        self.limiter = limiter
        self.concurrency = max(1, concurrency)
        self._aborted = threading.Event()
        # Ctrl-C must not wait out a 429's minutes: the real wait ends on abort.
        if sleep is None or sleep is time.sleep:
            sleep = self._wait_unless_aborted
        self._sleep = sleep
        self._progress = progress
        self._pages: Counter[str] = Counter()
        self._expected: Counter[str] = Counter()
        self._max_attempts = max_attempts
        self._slots = _Slots(self.concurrency)
        self._ranks: dict[str, int] = {}
        self._lock = threading.Lock()
        authorization = client.headers.get("authorization", "")
        self._secrets = [s for s in (authorization.partition(" ")[2],) if s]

    def server_text(self, text: str) -> str:
        """``text`` from a server, without this session's token, capped (scrub)."""
        return scrub(text, self._known_secrets())

    def _known_secrets(self) -> list[str]:
        """The header token, and any token an ``httpx.Auth`` holds right now."""
        held = getattr(self.client.auth, "secrets", None)
        return [*self._secrets, *(held() if callable(held) else ())]

    def prefer(self, entries: Sequence[str]) -> None:
        """Serve waiting requests of ``entries`` in this order, before any other.

        An entry finished early can be saved while the others are in flight.
        """
        self._ranks = {entry: rank for rank, entry in enumerate(entries)}

    @property
    def waiting(self) -> int:
        """How many requests wait for one of the ``concurrency`` slots now."""
        return self._slots.waiting

    def abort(self) -> None:
        """Make every later GET of this session raise Aborted (threads stop soon).

        Waits for the limiter or before a retry end now, not when they would.
        """
        self._aborted.set()
        if self.limiter is not None:
            self.limiter.stop()

    def _wait_unless_aborted(self, seconds: float) -> None:
        self._aborted.wait(seconds)

    def map(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``work`` applied to each item on up to ``concurrency`` threads, in order.

        The first error raised by any call is raised here, and calls not yet
        started are cancelled.
        """
        items = list(items)
        if len(items) <= 1 or self.concurrency == 1:
            return [work(item) for item in items]
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="collect")
        futures: list[Future[R]] = []
        try:
            futures = [pool.submit(work, item) for item in items]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            _raise_first_error([f for f in futures if f in done])
            return [future.result() for future in futures]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def expect(self, entry: str, pages: int) -> None:
        """Tell the progress display that ``pages`` more pages of ``entry`` follow."""
        with self._lock:
            self._expected[entry] += pages
            done, total = self._pages[entry], self._expected[entry]
        if self._progress is not None:
            self._progress(entry, done, total)

    def get_json(
        self,
        url: str,
        *,
        entry: str,
        page: int = 1,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, httpx.Response]:
        """GET ``url`` and return its parsed JSON body with the response.

        A body cut short (invalid JSON) is retried like a 5xx. ``headers`` are
        sent with this request only (Graph's ``ConsistencyLevel``).
        """
        exchange = _Exchange(want_json=True)
        response = self._get(url, entry, page, params, exchange, headers)
        if exchange.parsed:
            return exchange.body, response
        return json_body(response, exchange.sent, clean=self.server_text), response

    def get(
        self, url: str, *, entry: str, page: int = 1, params: Params | None = None
    ) -> httpx.Response:
        """GET ``url``; raise ApiError for an HTTP error left after the retries."""
        return self._get(url, entry, page, params, _Exchange(want_json=False))

    def _get(
        self,
        url: str,
        entry: str,
        page: int,
        params: Params | None,
        exchange: _Exchange,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        request = self.client.build_request("GET", url, params=params, headers=headers)
        retrying = self._retrying()
        try:
            response = retrying(self._send, request, entry, page, exchange)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TransportError as exc:
            url = self.server_text(str(request.url))
            raise CollectError(
                f"GET {url} failed after {_attempts(retrying)} attempt(s): "
                f"{type(exc).__name__}",
                url=url,
                hint="check the network and the API base URL",
            ) from exc
        if response.is_error:
            raise api_error(response, _attempts(retrying), clean=self.server_text)
        self._count_page(entry)
        return response

    def _count_page(self, entry: str) -> None:
        """Count a page read; a page nobody announced adds itself to the total."""
        with self._lock:
            self._pages[entry] += 1
            done = self._pages[entry]
            self._expected[entry] = max(self._expected[entry], done)
            total = self._expected[entry]
        if self._progress is not None:
            self._progress(entry, done, total)

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_attempts) | _BudgetSpent(),
            wait=self._retry_wait,
            retry=tenacity.retry_if_exception_type((_RetryableStatus, *_RETRIED_ERRORS))
            & _NotAborted(self._aborted),
            sleep=self._sleep,
            before_sleep=_log_retry,
            reraise=True,
        )

    def _retry_wait(self, state: tenacity.RetryCallState) -> float:
        """The wait before the next attempt; a 429 pauses every thread as long."""
        wait_for = _retry_wait(state)
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if (
            self.limiter is not None
            and isinstance(error, _RetryableStatus)
            and error.response.status_code == 429
        ):
            self.limiter.pause(wait_for)
        return wait_for

    def _send(
        self,
        request: httpx.Request,
        entry: str,
        page: int,
        exchange: _Exchange,
    ) -> httpx.Response:
        self._check_aborted(request)
        self._slots.acquire(self._ranks.get(entry, len(self._ranks)))
        try:
            # The wait for a slot may have outlasted the collection.
            self._check_aborted(request)
            retries = exchange.sent
            exchange.sent += 1
            if self.limiter is not None and not self.limiter.acquire():
                # The limiter stops only when the collection does.
                raise Aborted(
                    f"GET {self.server_text(str(request.url))} not sent: the "
                    "collection was stopped"
                )
            started = time.perf_counter()
            try:
                response = self.client.send(request)
            except httpx.TransportError:
                self._record(request, None, started, entry, page, retries)
                raise
        finally:
            self._slots.release()
        self._record(request, response.status_code, started, entry, page, retries)
        if self.limiter is not None:
            _pace(self.limiter, response)
        if response.status_code == 429 or response.is_server_error:
            raise _RetryableStatus(response)
        if exchange.want_json and _content_type(response) in JSON_TYPES:
            exchange.parse(response, self.server_text)
        return response

    def _check_aborted(self, request: httpx.Request) -> None:
        if self._aborted.is_set():
            url = self.server_text(str(request.url))
            raise Aborted(f"GET {url} not sent: the collection was stopped")

    def _record(
        self,
        request: httpx.Request,
        status: int | None,
        started: float,
        entry: str,
        page: int,
        retries: int,
    ) -> None:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        # Path and query only: the host is in the manifest's sources. A next
        # link's query comes from the server, so it is cleaned too.
        path = scrub(request.url.raw_path.decode("ascii"), self._known_secrets())
        log.info(
            "%s %s %s %.1f ms", request.method, path, status or "no answer", elapsed_ms
        )
        record = RequestRecord(
            method=request.method,
            path=path,
            status=status,
            elapsed_ms=elapsed_ms,
            entry=entry,
            page=page,
            retries=retries,
        )
        with self._lock:
            self.records.append(record)


class _Exchange:
    """One GET across its attempts: how many were sent, and the parsed body."""

    def __init__(self, *, want_json: bool) -> None:
        self.want_json = want_json
        self.sent = 0
        self.parsed = False
        self.body: Any = None

    def parse(self, response: httpx.Response, clean: Clean) -> None:
        """Parse a 2xx JSON body; a truncated one is retried as a 5xx would be."""
        if response.is_error:
            return
        try:
            self.body = strict_json(response)
        except RefusedJson:
            return  # the same every time: json_body says what it is, unretried
        except ValueError:
            url = clean(str(response.request.url))
            log.warning("GET %s: the JSON body is invalid", url)
            raise _RetryableStatus(response) from None
        self.parsed = True


class RefusedJson(ValueError):
    """A body that parses but is refused: the same answer every time it is asked."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


_NOT_STANDARD = "RFC 8259 has no NaN or Infinity; check the API base URL"


def _refuse_constant(text: str) -> Any:
    raise RefusedJson(
        f"JSON that is not standard ({text} is not a JSON number)", _NOT_STANDARD
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise RefusedJson(
            f"JSON that is not standard ({text[:40]} is too large for a JSON number)",
            _NOT_STANDARD,
        )
    return value


def strict_json(response: httpx.Response) -> Any:
    """The body of ``response`` parsed as standard JSON (RFC 8259).

    Python's parser also takes NaN and Infinity, and reads a number too large
    for a float as infinity. No API we read sends them, and a partial entry
    (``reporter.collect.partial``) could not keep them, so they are refused.
    So is nesting deeper than Python's parser can recurse (RFC 8259 section 9
    lets a parser limit it), which would otherwise end in a RecursionError.
    """
    try:
        return response.json(parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise RefusedJson(
            "JSON nested too deeply to read",
            "no API this tool reads nests its answers more than a few levels; "
            "check the API base URL",
        ) from None


def _raise_first_error(done: list[Future[Any]]) -> None:
    """Raise the first real error among ``done``; Aborted ones only if alone."""
    errors = [e for e in (f.exception() for f in done) if e is not None]
    real = [e for e in errors if not isinstance(e, Aborted)]
    for error in real or errors:
        raise error


def _attempts(retrying: tenacity.Retrying) -> int:
    return int(retrying.statistics.get("attempt_number", 1))


class _NotAborted(tenacity.retry_base):
    """Retry only while the collection goes on: a stopped one fails at once."""

    def __init__(self, aborted: threading.Event) -> None:
        self._aborted = aborted

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return not self._aborted.is_set()


class _BudgetSpent(tenacity.stop.stop_base):
    """Stop once the waits of one request have used the whole retry budget."""

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return retry_state.idle_for >= RETRY_BUDGET_SECONDS


def _retry_wait(state: tenacity.RetryCallState) -> float:
    """Seconds the API asked us to wait, else exponential backoff with jitter.

    Never more than what is left of the retry budget.
    """
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    asked = _asked_wait(error.response) if isinstance(error, _RetryableStatus) else None
    wait = float(_BACKOFF(state)) if asked is None else asked
    return min(wait, RETRY_BUDGET_SECONDS - state.idle_for)


def _asked_wait(response: httpx.Response) -> float | None:
    """``retry-after`` (seconds or a date), else Okta's reset minus the Date header.

    Dates are compared with the response's Date, not the local clock, when it
    has one (idp-apis.md §2.3).
    """
    retry_after = response.headers.get("retry-after", "").strip()
    seconds = _seconds(retry_after)
    if seconds is not None:
        return seconds
    now = _server_time(response)
    if retry_after:
        # RFC 9110 §10.2.3: retry-after may also be an HTTP date.
        until = _http_date(retry_after)
        if until is not None:
            return max(0.0, until - (now if now is not None else time.time()))
    return _until_reset(response, now)


def _until_reset(response: httpx.Response, now: float | None) -> float | None:
    """Seconds from the response's Date to Okta's ``X-Rate-Limit-Reset``.

    None without both headers or for a reset already past (then backoff
    decides); at most ``MAX_RESET_WAIT``, as Okta's buckets are per minute and
    a reset further off is an estimate or a wrong clock (idp-apis.md §2.3).
    """
    reset = response.headers.get("x-rate-limit-reset", "").strip()
    if not (reset.isdigit() and now is not None):
        return None
    wait = int(reset) - now
    return min(wait, MAX_RESET_WAIT) if wait > 0 else None


def _pace(limiter: RateLimiter, response: httpx.Response) -> None:
    """Tell ``limiter`` what the server has left; wait out an Okta bucket near empty.

    Okta's ``X-Rate-Limit-Remaining`` is read as Cloudflare's header would be,
    and at ``OKTA_LOW_REMAINING`` or fewer no request starts before the
    bucket's reset (idp-apis.md §2.3: slow down when Remaining is low).
    """
    okta = response.headers.get("x-rate-limit-remaining")
    if okta is None or "x-ratelimit-remaining" in response.headers:
        limiter.observe(response.headers)
        return
    limiter.observe({"x-ratelimit-remaining": okta})
    if okta.strip().isdigit() and int(okta) <= OKTA_LOW_REMAINING:
        wait = _until_reset(response, _server_time(response))
        if wait is not None:
            log.warning("Okta has %s requests left; waiting %.0f s", okta, wait)
            limiter.pause(wait)


def _seconds(value: str) -> float | None:
    """``retry-after`` as seconds: whole or decimal (Graph sends ``0.249``, §3.3)."""
    if not re.fullmatch(r"\d+(\.\d+)?", value):
        return None
    return float(value)


def _server_time(response: httpx.Response) -> float | None:
    date = response.headers.get("date")
    return _http_date(date) if date else None


def _http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _log_retry(state: tenacity.RetryCallState) -> None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    what = (
        f"HTTP {error.response.status_code}"
        if isinstance(error, _RetryableStatus)
        else type(error).__name__
    )
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s; retry %d in %.1f s", what, state.attempt_number, wait)


def json_body(
    response: httpx.Response, attempts: int = 1, *, clean: Clean = scrub
) -> Any:
    """The JSON body of ``response``; a CollectError when it is not JSON."""
    content_type = clean(_content_type(response))
    url = clean(str(response.request.url))
    if _content_type(response) not in JSON_TYPES:
        raise CollectError(
            f"GET {url} answered HTTP {response.status_code} with "
            f"{content_type or 'no content type'}, not JSON",
            url=url,
            status=response.status_code,
            hint="check the API base URL; a proxy or an edge page may have answered",
        )
    try:
        return strict_json(response)
    except RefusedJson as exc:
        raise CollectError(
            f"GET {url} answered HTTP {response.status_code} with {exc}",
            url=url,
            status=response.status_code,
            hint=exc.hint,
        ) from exc
    except ValueError as exc:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        raise CollectError(
            f"GET {url} answered HTTP {response.status_code} with invalid JSON{tries}",
            url=url,
            status=response.status_code,
            hint="the answer was cut short; collect again (--resume keeps what "
            "was read)",
        ) from exc


def api_error(
    response: httpx.Response, attempts: int = 1, *, clean: Clean = scrub
) -> ApiError:
    """An ApiError for an HTTP error answer, with the API's code when it gave one.

    Every piece of server text in it has gone through ``clean``.
    """
    code, detail = (
        None if text is None else clean(text)
        for text in _error_details(_error_body(response))
    )
    status = response.status_code
    url = clean(str(response.request.url))
    content_type = clean(_content_type(response))
    message = f"GET {url} answered HTTP {status}"
    if code or detail:
        message += f" ({', '.join(p for p in (code, detail) if p)})"
    elif content_type:
        message += f" with {content_type}"
    if attempts > 1:
        message += f" after {attempts} attempts"
    return ApiError(
        message,
        url=url,
        status=status,
        code=code,
        detail=detail,
        content_type=content_type,
    )


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


def _error_body(response: httpx.Response) -> Any:
    if _content_type(response) not in JSON_TYPES:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _error_details(body: Any) -> tuple[str | None, str | None]:
    """The (code, message) of a Cloudflare v4, Okta, Graph or SCIM (RFC 7644) error."""
    if not isinstance(body, dict):
        return None, None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return _text(first.get("code")), _text(first.get("message"))
    if "errorCode" in body:
        return _text(body["errorCode"]), _text(body.get("errorSummary"))
    graph = body.get("error")
    if isinstance(graph, dict):
        # Microsoft Graph: {"error": {"code": ..., "message": ...}}
        return _text(graph.get("code")), _text(graph.get("message"))
    return _text(body.get("scimType")), _text(body.get("detail"))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
