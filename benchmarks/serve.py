"""The emulator in a process of its own, answering after a fixed latency.

Run as ``python -m benchmarks.serve SIZE LATENCY_MS``; the API tokens come in
the environment. It prints one JSON line with the URLs and ids a collector
needs, then answers ``stats`` lines on stdin with the requests served so far,
and stops at ``quit`` or end of input. A process of its own keeps the demo
organization out of the measured process and off its interpreter lock.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.emulator.wire import Reply

SEED = 2026
# The names of the environment variables, not tokens.
CLOUDFLARE_TOKEN_VAR = "BENCH_CLOUDFLARE_TOKEN"  # noqa: S105
OKTA_TOKEN_VAR = "BENCH_OKTA_TOKEN"  # noqa: S105


class SlowEmulator(Emulator):
    """An Emulator whose every answer waits ``latency`` seconds first.

    Each request is answered in its own server thread, so concurrent requests
    wait concurrently, as they would on a real network.
    """

    def __init__(self, *args: Any, latency: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._latency = latency

    def answer(self, method: str, target: str, authorization: str) -> Reply:
        """Sleep for the latency, then answer as the plain emulator does."""
        time.sleep(self._latency)
        return super().answer(method, target, authorization)


@dataclass(frozen=True)
class Stats:
    """Requests served so far and how many of them answered 429."""

    requests: int
    throttled: int


def stats_of(emulator: Emulator) -> Stats:
    """The emulator's request count and 429 count."""
    statuses = [status for _, _, status in emulator.requests]
    return Stats(requests=len(statuses), throttled=statuses.count(429))


def main(argv: list[str]) -> int:
    """Serve one demo organization until told to quit."""
    size, latency_ms = int(argv[0]), float(argv[1])
    org = build_organization(seed=SEED, size=size)
    emulator = SlowEmulator(
        org,
        cloudflare_token=os.environ[CLOUDFLARE_TOKEN_VAR],
        okta_token=os.environ[OKTA_TOKEN_VAR],
        latency=latency_ms / 1000,
    )
    with emulator:
        ready = {
            "cloudflare_url": emulator.cloudflare_url,
            "okta_url": emulator.okta_url,
            "account_id": org.cloudflare.account["id"],
            "okta_v1_app_id": org.okta.v1_app_id,
            "okta_v2_app_id": org.okta.v2_app_id,
            "members": len(org.cloudflare.members),
            "user_groups": len(org.cloudflare.user_groups),
        }
        _say(ready)
        for line in sys.stdin:
            if line.strip() != "stats":
                break
            stats = stats_of(emulator)
            _say({"requests": stats.requests, "throttled": stats.throttled})
    return 0


def _say(message: dict[str, Any]) -> None:
    # stdout is the pipe to the measuring process, not a log.
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
