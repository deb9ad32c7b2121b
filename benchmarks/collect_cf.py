"""Cloudflare alone from the slow emulator: ``python -m benchmarks.collect_cf``.

It does what ``benchmarks.measure`` times as ``cf_only``: the emulator in a
process of its own, our collector with Okta left out. Each run prints its
collection seconds (manifest start to end), requests, the floor, the ratio and
the 429s; then the median. ``--trace FILE`` writes each request's start and
end (seconds from the first start) and entry, to find idle gaps.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import MAX_PAGES, UNLIMITED, floor_seconds
from benchmarks.server import Server
from reporter.collect import CollectConfig
from reporter.collect.limiter import RateLimit
from reporter.pipeline import Tokens, collect_to_file
from reporter.snapshot import Snapshot


def run_once(args: argparse.Namespace, work_dir: Path) -> dict[str, Any]:
    """One collection on a fresh emulator; its figures."""
    with Server(args.members, args.latency_ms, args.rate_limit) as server:
        ready = server.ready
        config = CollectConfig(
            account_id=ready["account_id"],
            cloudflare_url=ready["cloudflare_url"],
            max_pages=MAX_PAGES,
            concurrency=args.concurrency,
            rate_limit=RateLimit(args.rate_limit or UNLIMITED),
        )
        before = server.stats()
        cpu = time.process_time()
        snapshot = collect_to_file(
            config, Tokens(cloudflare=server.cloudflare_token), work_dir / "cf.zip"
        )
        cpu = time.process_time() - cpu
        after = server.stats()
    requests = after.cloudflare - before.cloudflare
    seconds = _seconds(snapshot)
    floor = floor_seconds(requests, requests, args.latency_ms, config)
    if args.entries:
        _dump_entries(snapshot, Path(args.entries))
    return {
        "seconds": round(seconds, 3),
        "requests": requests,
        "floor_s": round(floor, 3),
        "ratio": round(seconds / floor, 3),
        "throttled": after.throttled - before.throttled,
        "cpu_s": round(cpu, 3),
    }


def _seconds(snapshot: Snapshot) -> float:
    """The manifest's start to end: the HTTP part, without writing the file."""
    manifest = snapshot.manifest
    started = datetime.fromisoformat(manifest.started_at)
    return (datetime.fromisoformat(manifest.finished_at) - started).total_seconds()


def _dump_entries(snapshot: Snapshot, path: Path) -> None:
    """The entries (in their order) and endpoint records, without timings."""
    endpoints = [
        {k: v for k, v in vars(e).items() if k != "elapsed_ms"}
        for e in snapshot.manifest.endpoints
    ]
    requests = sorted(
        (r.method, r.path, r.status, r.entry, r.page, r.retries)
        for r in snapshot.manifest.requests
    )
    body = {
        "files": snapshot.manifest.files,
        "order": list(snapshot.entries),
        "entries": snapshot.entries,
        "endpoints": endpoints,
        "requests": requests,
    }
    path.write_text(json.dumps(body), encoding="utf-8")


class _Trace(logging.Handler):
    """Collects the end time and the elapsed of every request the collector logs."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.rows: list[tuple[float, float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        method, path, _status, elapsed = record.args  # type: ignore[misc]
        if method != "GET" or not isinstance(elapsed, float):
            return
        end = time.perf_counter()
        self.rows.append((end - elapsed / 1000, end, str(path)))


def _write_trace(trace: _Trace, path: Path) -> None:
    rows = sorted(trace.rows)
    origin = rows[0][0] if rows else 0.0
    lines = [f"{s - origin:.4f} {e - origin:.4f} {p}" for s, e, p in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # In flight per 100 ms: where the concurrency sat idle.
    end = max((e for _, e, _ in rows), default=origin) - origin
    buckets = int(end / 0.1) + 1
    busy = [0.0] * buckets
    for s, e, _ in rows:
        for b in range(int((s - origin) / 0.1), int((e - origin) / 0.1) + 1):
            lo, hi = max(s - origin, b * 0.1), min(e - origin, (b + 1) * 0.1)
            busy[b] += max(0.0, hi - lo) / 0.1
    print(" ".join(f"{b:.0f}" for b in busy), file=sys.stderr)


def main(argv: list[str]) -> int:
    """Run the collection ``--runs`` times; print each run and the median."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate-limit", type=int, default=1200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trace", help="write per-request start/end to this file")
    parser.add_argument("--entries", help="write the last run's entries (JSON) here")
    args = parser.parse_args(argv)
    trace = _Trace()
    if args.trace:
        logger = logging.getLogger("reporter.collect.http")
        logger.setLevel(logging.INFO)
        logger.addHandler(trace)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            trace.rows.clear()
            figures = run_once(args, Path(tmp))
            print(json.dumps(figures), flush=True)
            runs.append(figures)
    if args.trace:
        _write_trace(trace, Path(args.trace))
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print("median", json.dumps(median))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
