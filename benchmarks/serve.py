"""The emulator in a process of its own, with a fixed latency and a rate limit.

Run as ``python -m benchmarks.serve SIZE LATENCY_MS RATE_LIMIT`` (0: none); the
API tokens come in the environment. It prints one JSON line with the URLs and
ids a collector needs, then answers ``stats`` lines on stdin with the requests
served so far, and stops at ``quit`` or end of input. A process of its own
keeps the demo organization out of the measured process and off its
interpreter lock.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.emulator.cloudflare import PREFIX as CF_PREFIX
from reporter.emulator.faults import EmulatorOptions

SEED = 2026
# Cloudflare counts requests over 5 minutes (cloudflare-api.md §4).
RATE_WINDOW = 300.0
# The names of the environment variables, not tokens.
CLOUDFLARE_TOKEN_VAR = "BENCH_CLOUDFLARE_TOKEN"  # noqa: S105
OKTA_TOKEN_VAR = "BENCH_OKTA_TOKEN"  # noqa: S105


@dataclass(frozen=True)
class Stats:
    """Requests served so far, those to Cloudflare, and those that answered 429."""

    requests: int
    cloudflare: int
    throttled: int


def stats_of(emulator: Emulator) -> Stats:
    """The emulator's request counts."""
    served = emulator.requests
    return Stats(
        requests=len(served),
        cloudflare=sum(1 for _, target, _ in served if target.startswith(CF_PREFIX)),
        throttled=sum(1 for _, _, status in served if status == 429),
    )


def main(argv: list[str]) -> int:
    """Serve one demo organization until told to quit."""
    size, latency_ms, rate_limit = int(argv[0]), float(argv[1]), int(argv[2])
    org = build_organization(seed=SEED, size=size)
    options = EmulatorOptions(
        latency=latency_ms / 1000,
        rate_limit=rate_limit or None,
        rate_window=RATE_WINDOW,
    )
    emulator = Emulator(
        org,
        cloudflare_token=os.environ[CLOUDFLARE_TOKEN_VAR],
        okta_token=os.environ[OKTA_TOKEN_VAR],
        options=options,
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
            _say(asdict(stats))
    return 0


def _say(message: dict[str, Any]) -> None:
    # stdout is the pipe to the measuring process, not a log.
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
