"""A loopback HTTP server that answers like Cloudflare and Okta for one org.

The collectors cannot tell it from the real APIs for the GETs they make:
same paths, envelopes, paging, headers and errors. It binds 127.0.0.1 on a
free port and runs in a daemon thread for the life of a ``with`` block.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from reporter.demo.org import Organization
from reporter.emulator import faults
from reporter.emulator.cloudflare import CloudflareApi
from reporter.emulator.faults import EmulatorOptions, FaultPlan, RateCounter
from reporter.emulator.graph import GraphApi
from reporter.emulator.graph import throttled as graph_throttled
from reporter.emulator.okta import OktaApi
from reporter.emulator.wire import BadQuery, Reply, Request, Route

log = logging.getLogger(__name__)

OKTA_TOKEN_PATH = "/oauth2/v1/token"  # noqa: S105 (a path)


class Api(Protocol):
    """What the server needs from each emulated API."""

    prefix: str
    routes: tuple[Route, ...]

    def authorized(self, request: Request) -> bool: ...
    def denied(self, found: Route | None) -> Reply: ...
    def refused(self, found: Route) -> Reply: ...
    def no_route(self) -> Reply: ...
    def bad_query(self, found: Route, error: BadQuery) -> Reply: ...
    def rate_headers(self, served: int) -> tuple[tuple[str, str], ...]: ...


class Emulator:
    """Serve ``org`` as Cloudflare (``/client/v4``) and Okta (``/api/v1``).

    When ``org.entra`` is set, Microsoft Graph (``/v1.0``) serves it too,
    answering requests that carry ``Bearer <graph_token>``.

    ``forbidden`` names endpoint families (``"members"``, ``"scim"``,
    ``"okta_users"``, ...) that answer 403 as a token without that permission
    would, so callers can exercise "could not assess". ``options`` adds
    latency, rate-limit enforcement and faults (see ``faults.py``).
    """

    def __init__(
        self,
        org: Organization,
        *,
        cloudflare_token: str,
        okta_token: str,
        forbidden: frozenset[str] = frozenset(),
        options: EmulatorOptions | None = None,
        graph_token: str = "",
        okta_clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options or EmulatorOptions()
        self._cloudflare = CloudflareApi(
            org.cloudflare, cloudflare_token, audit_logs=self.options.audit_logs
        )
        self.okta = OktaApi(org.okta, okta_token, clock=okta_clock)
        self._apis: tuple[Api, ...] = (self._cloudflare, self.okta)
        if org.entra is not None:
            self._apis = (*self._apis, GraphApi(org.entra, graph_token))
        self._forbidden = forbidden
        self._faults = FaultPlan(self.options.faults)
        limit = self.options.rate_limit
        self.rate = (
            RateCounter(limit, self.options.rate_window) if limit is not None else None
        )
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, int]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Emulator:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        # A short poll interval keeps shutdown (the end of a with block) quick.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="api-emulator",
            daemon=True,
        )
        self._thread.start()
        log.info("API emulator listening on %s", self.base_url)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running: use it in a with block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def cloudflare_url(self) -> str:
        """The Cloudflare API base URL, ending in ``/client/v4``."""
        return self.base_url + "/client/v4"

    @property
    def okta_url(self) -> str:
        """The Okta org URL (endpoints live under ``/api/v1``)."""
        return self.base_url

    @property
    def graph_url(self) -> str:
        """The Microsoft Graph base URL, ending in ``/v1.0``."""
        return self.base_url + "/v1.0"

    @property
    def request_count(self) -> int:
        """How many requests the emulator has answered."""
        with self._lock:
            return len(self._requests)

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Every request answered so far: (method, path with query, status)."""
        with self._lock:
            return list(self._requests)

    @property
    def rate_limited(self) -> int:
        """How many requests answered 429 because the enforced limit was exceeded."""
        return self.rate.refused if self.rate is not None else 0

    def answer(
        self, method: str, target: str, authorization: str, body: bytes = b""
    ) -> Reply:
        """The reply to one request, recorded in ``requests``."""
        if self.options.latency:
            time.sleep(self.options.latency)
        served: tuple[tuple[str, str], ...] = ()
        if method == "POST" and urlsplit(target).path == OKTA_TOKEN_PATH:
            reply = self._okta_token(body)
        else:
            reply, served = self._faulty(method, target, authorization)
        with self._lock:
            self._requests.append((method, target, reply.status))
        return replace(reply, headers=reply.headers + served)

    def _okta_token(self, body: bytes) -> Reply:
        """Okta's token endpoint: the one POST served (idp-apis.md section 2.1)."""
        try:
            form = dict(parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return Reply(400, {"error": "invalid_request"})
        return self.okta.token(form, self.base_url + OKTA_TOKEN_PATH)

    def _faulty(
        self, method: str, target: str, authorization: str
    ) -> tuple[Reply, tuple[tuple[str, str], ...]]:
        """The answer after the rate limit and any fault had their say."""
        cloudflare = urlsplit(target).path.startswith(self._cloudflare.prefix + "/")
        remaining = 0
        if cloudflare and self.rate is not None:
            admitted, remaining, wait = self.rate.admit()
            if not admitted:
                return faults.rate_limited(wait), ()
        fault = self._faults.take(target)
        early = faults.before(fault) if fault is not None else None
        if early is not None and urlsplit(target).path.startswith("/v1.0/"):
            early = graph_throttled(early)
        if early is not None:
            return early, ()
        if fault is not None and fault.kind == "repeat_page":
            target = faults.previous_page(target)
        reply, served = self._dispatch(method, target, authorization)
        if cloudflare and self.rate is not None:
            served = _remaining(served, self.rate.limit, remaining)
        return (faults.after(fault, reply) if fault else reply), served

    def _dispatch(
        self, method: str, target: str, authorization: str
    ) -> tuple[Reply, tuple[tuple[str, str], ...]]:
        parts = urlsplit(target)
        for api in self._apis:
            if parts.path == api.prefix or parts.path.startswith(api.prefix + "/"):
                headers = api.rate_headers(self.request_count)
                if method != "GET":
                    return api.no_route(), headers
                request = Request(
                    path=parts.path,
                    query=dict(reversed(parse_qsl(parts.query))),
                    authorization=authorization,
                    base_url=self.base_url,
                )
                return _answer(api, request, self._forbidden), headers
        return Reply(404, {"error": f"nothing is served at {parts.path}"}), ()


def _remaining(
    headers: tuple[tuple[str, str], ...], limit: int, remaining: int
) -> tuple[tuple[str, str], ...]:
    """``headers`` with the enforced limit and what is really left of it."""
    kept = tuple(h for h in headers if not h[0].startswith("x-ratelimit-"))
    return (
        *kept,
        ("x-ratelimit-limit", str(limit)),
        ("x-ratelimit-remaining", str(remaining)),
    )


def _answer(api: Api, request: Request, forbidden: frozenset[str]) -> Reply:
    """Authenticate, route, apply the forbidden families, then handle."""
    path = request.path[len(api.prefix) :]
    found, params = _match(api.routes, path)
    if not api.authorized(request):
        return api.denied(found)
    if found is None:
        return api.no_route()
    if found.families & forbidden:
        return api.refused(found)
    try:
        return found.handle(request, params)
    except BadQuery as exc:
        return api.bad_query(found, exc)


def _match(routes: Iterable[Route], path: str) -> tuple[Route | None, dict[str, str]]:
    for candidate in routes:
        found = candidate.pattern.fullmatch(path)
        if found is not None:
            return candidate, found.groupdict()
    return None, {}


def _handler_for(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``emulator``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle
        # and delayed ACKs add 40 ms to every keep-alive request.
        disable_nagle_algorithm = True
        server_version = "api-emulator"
        sys_version = ""

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def do_PUT(self) -> None:
            self._reply("PUT")

        def do_PATCH(self) -> None:
            self._reply("PATCH")

        def do_DELETE(self) -> None:
            self._reply("DELETE")

        def _reply(self, method: str) -> None:
            authorization = self.headers.get("Authorization", "")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            reply = emulator.answer(method, self.path, authorization, body)
            payload = reply.raw
            if payload is None:
                # A lone surrogate (a UTF-16 string cut in half) goes out as
                # the \\uXXXX escape, as a UTF-16 server's JSON writer sends it.
                text = json.dumps(reply.body, ensure_ascii=False)
                payload = text.encode("utf-8", "backslashreplace")
            # send_response adds the Date header Okta clients read (§2.3).
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("emulator: " + format, *args)

    return Handler
