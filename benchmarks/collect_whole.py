"""The whole collection, Cloudflare and Okta: ``python -m benchmarks.collect_whole``.

What ``benchmarks.measure`` times as ``collect_s``: the emulator in a process of
its own, our collector reading Cloudflare (``--concurrency`` at once) while it
reads Okta on its own thread, one request at a time (idp-apis.md §2.3). So the
floor is the larger of the two APIs' own bounds: Cloudflare's requests x
latency / concurrency, Okta's requests x latency. Each run prints its seconds
(manifest start to end), the requests of each API, both floors, the ratio, the
429s, and where Okta's time went: its requests while Cloudflare was still read
and after, and the idle time between two of its requests. Then the median.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import MAX_PAGES, UNLIMITED
from benchmarks.server import Server
from reporter.collect import CollectConfig
from reporter.collect.limiter import RateLimit
from reporter.pipeline import Tokens, collect_to_file
from reporter.snapshot import Snapshot

IDP_THREAD = "collect-idp"


class _Ends(logging.Handler):
    """The end time, elapsed seconds and thread of every request logged."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.rows: list[tuple[float, float, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        # The one INFO line per exchange: method, path, status, elapsed ms.
        if not (isinstance(args, tuple) and len(args) == 4 and args[0] == "GET"):
            return
        if not isinstance(args[3], float):
            return
        elapsed = args[3] / 1000
        okta = (record.threadName or "").startswith(IDP_THREAD)
        self.rows.append((time.perf_counter(), elapsed, okta))


def run_once(args: argparse.Namespace, work_dir: Path) -> dict[str, Any]:
    """One collection on a fresh emulator; its figures."""
    ends = _Ends()
    http_log = logging.getLogger("reporter.collect.http")
    http_log.addHandler(ends)
    http_log.setLevel(logging.INFO)
    try:
        with Server(args.members, args.latency_ms, args.rate_limit) as server:
            config = _config(server.ready, args)
            tokens = Tokens(cloudflare=server.cloudflare_token, okta=server.okta_token)
            before = server.stats()
            snapshot = collect_to_file(config, tokens, work_dir / "whole.zip")
            after = server.stats()
    finally:
        http_log.removeHandler(ends)
    cloudflare = after.cloudflare - before.cloudflare
    okta = after.requests - before.requests - cloudflare
    latency = args.latency_ms / 1000
    floors = {
        "cloudflare": cloudflare * latency / config.concurrency,
        "okta": okta * latency,
    }
    seconds = _seconds(snapshot)
    return {
        "seconds": round(seconds, 3),
        "cloudflare_requests": cloudflare,
        "okta_requests": okta,
        "cloudflare_floor_s": round(floors["cloudflare"], 3),
        "okta_floor_s": round(floors["okta"], 3),
        "ratio": round(seconds / max(floors.values()), 3),
        "throttled": after.throttled - before.throttled,
        **_okta_split(ends.rows, latency),
    }


def _config(ready: dict[str, Any], args: argparse.Namespace) -> CollectConfig:
    return CollectConfig(
        account_id=ready["account_id"],
        cloudflare_url=ready["cloudflare_url"],
        okta_url=ready["okta_url"],
        okta_v1_app_id=ready["okta_v1_app_id"],
        okta_v2_app_id=ready["okta_v2_app_id"],
        max_pages=MAX_PAGES,
        concurrency=args.concurrency,
        rate_limit=RateLimit(args.rate_limit or UNLIMITED),
    )


def _okta_split(
    rows: list[tuple[float, float, bool]], latency: float
) -> dict[str, Any]:
    """Okta's requests before and after Cloudflare's last one, and its idle time."""
    cloudflare_end = max((end for end, _, okta in rows if not okta), default=0.0)
    okta = [(end, elapsed) for end, elapsed, is_okta in rows if is_okta]
    beside = [elapsed for end, elapsed in okta if end <= cloudflare_end]
    alone = [elapsed for end, elapsed in okta if end > cloudflare_end]
    idle = sum(
        max(0.0, end - elapsed - previous)
        for (previous, _), (end, elapsed) in itertools.pairwise(okta)
    )
    return {
        "okta_beside_cf": len(beside),
        "okta_beside_cf_ms": _mean_ms(beside),
        "okta_after_cf": len(alone),
        "okta_after_cf_ms": _mean_ms(alone),
        "okta_idle_s": round(idle, 3),
        "okta_over_latency_s": round(sum(e - latency for _, e in okta), 3),
    }


def _mean_ms(elapsed: list[float]) -> float:
    return round(statistics.mean(elapsed) * 1000, 1) if elapsed else 0.0


def _seconds(snapshot: Snapshot) -> float:
    """The manifest's start to end: the HTTP part, without writing the file."""
    manifest = snapshot.manifest
    started = datetime.fromisoformat(manifest.started_at)
    return (datetime.fromisoformat(manifest.finished_at) - started).total_seconds()


def main() -> None:
    """Run the collection ``--runs`` times and print each run and the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate-limit", type=int, default=1200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="collect-whole-") as work:
        for _ in range(args.runs):
            result = run_once(args, Path(work))
            print(result, flush=True)
            results.append(result)
    median = statistics.median(r["seconds"] for r in results)
    print(f"median {median:.2f} s of {args.runs}: {[r['seconds'] for r in results]}")


if __name__ == "__main__":
    main()
