"""Ctrl-C stops a collection at once, even while it waits out a rate limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cli_runner import CREDENTIALS, RUN_WITH_CTRL_C

from reporter.collect.http import Aborted, ApiSession, cloudflare_client
from reporter.collect.interface import CollectConfig, collect_snapshot
from reporter.collect.limiter import RateLimit, RateLimiter
from reporter.collect.partial import PartialState
from reporter.demo import build_organization
from reporter.emulator import Emulator

TOKEN = "cf-interrupt-test-token-5c2a"
# Far above what a stopped wait takes: the limiter would wait 303 s.
BOUND = 60.0


def _interrupt_when(started: threading.Event) -> threading.Thread:
    """A thread sending this process SIGINT (Ctrl-C) once ``started`` is set."""

    def run() -> None:
        if started.wait(BOUND):
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class _Watched(RateLimiter):
    """A real limiter that tells the test when a request first has to wait."""

    def __init__(self, limit: RateLimit) -> None:
        super().__init__(limit)
        self.waiting = threading.Event()

    def _wait_at(self, now: float) -> float:
        wait = super()._wait_at(now)
        if wait > 0:
            self.waiting.set()
        return wait


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt here, whatever this process inherited.

    A shell starts a background job with SIGINT ignored, and Python then
    leaves it ignored: the signal would be lost and the wait run its course.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_cuts_the_rate_limit_wait_and_keeps_the_partial(
    tmp_path: Path,
) -> None:
    """At 8 requests per 300 s, Ctrl-C ends the 303 s wait; finished entries stay."""
    org = build_organization(size=50)
    limiter = _Watched(RateLimit(8, 300.0))
    out = tmp_path / "snap.zip"
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
            rate_limit=limiter.limit,
        )
        state = PartialState.beside(
            out, {"account_id": config.account_id}, resume=False
        )
        _interrupt_when(limiter.waiting)
        with (
            cloudflare_client(config.cloudflare_url, TOKEN) as client,
            pytest.raises(KeyboardInterrupt),
        ):
            collect_snapshot(
                config,
                client,
                None,
                clock=lambda: datetime.now(UTC),
                limiter=limiter,
                state=state,
            )
        served = emulator.request_count

    saved = sorted(p.name for p in state.directory.iterdir())
    assert served == 8
    assert limiter.waited >= 300.0
    # Each waiting thread waited a fraction of a second of its 303 s.
    assert limiter.cut > 0.9 * limiter.waited
    assert "state.json" in saved and len(saved) > 1


def test_abort_ends_a_retry_after_wait_of_minutes() -> None:
    """A 429 asking 250 s (Okta, Entra alike): abort from another thread ends it."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(429, headers={"retry-after": "250"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    session = ApiSession(client)
    timer = threading.Timer(0.3, session.abort)
    timer.start()
    began = time.monotonic()

    with pytest.raises(Aborted):
        session.get("https://idp.example/api/v1/users", entry="okta/users.json")

    assert sent == ["/api/v1/users"]
    assert time.monotonic() - began < BOUND
    assert [r.status for r in session.records] == [429]


def test_ctrl_c_at_the_command_line_says_what_was_kept(tmp_path: Path) -> None:
    """`collect` stopped by SIGINT: exit 130, one line naming --resume, partial kept."""
    org = build_organization(size=50)
    out = tmp_path / "snap.zip"
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    env["CLOUDFLARE_API_TOKEN"] = TOKEN
    # Ctrl-C's handler set whatever SIGINT disposition this process passes down
    # (a pytest worker may ignore it), then the tool run as `python -m reporter`.
    command = [sys.executable, "-c", RUN_WITH_CTRL_C, "collect", "--quiet"]
    command += ["--account", org.cloudflare.account["id"], "--out", str(out)]
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as emulator:
        command += ["--cloudflare-url", emulator.cloudflare_url, "--rate-limit", "8"]
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + BOUND
        while emulator.request_count < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the ninth request now waits out the window
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=BOUND)

    assert child.returncode == 130
    assert stdout == ""
    assert stderr.splitlines()[-1] == (
        "interrupted: stopped at Ctrl-C before the end; no output was finished; "
        "the entries already read are kept in a .<name>.partial folder beside "
        "the output; run the same command with --resume to continue"
    )
    assert not out.exists()
    assert (tmp_path / ".snap.zip.partial" / "state.json").is_file()
