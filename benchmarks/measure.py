"""One benchmark run of one size, in a fresh process: ``python -m benchmarks.measure``.

Its one argument is the run's ``Settings`` as a JSON object.

It serves the demo organization from a slow emulator process, collects it,
analyses and renders it, records the peak memory of this process, then times
the baselines. The figures go to stdout as one JSON object.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cloudflare

from benchmarks import baselines, browser
from benchmarks.pdf import measure_pdf
from benchmarks.server import Server
from reporter.analyze import analyze
from reporter.collect import CollectConfig
from reporter.collect.limiter import RateLimit
from reporter.collect.okta import OKTA_RATE_LIMIT
from reporter.pipeline import Tokens, collect_to_file
from reporter.render import RENDERERS, Report, build_report
from reporter.snapshot import Snapshot, read_snapshot

Figures = dict[str, float]
MB = 1_000_000
MAX_PAGES = 10_000
# The collector always limits itself; "no rate limit" lifts that limit too.
UNLIMITED = 10**9


@dataclass(frozen=True)
class Settings:
    """One run: its size, the emulator's latency and rate limit, the PDF's limits.

    ``reuse_snapshot`` names an earlier run's snapshot to analyse instead of
    collecting (and timing the SDK) again; empty to collect.
    """

    members: int
    latency_ms: float
    rate_limit: int  # enforced by the emulator on Cloudflare; 0 for none
    pdf: bool  # whether this run prints the PDF
    pdf_timeout: float
    pdf_memory_gib: float
    work_dir: str
    reuse_snapshot: str = ""
    baselines: bool = True  # whether to time the SDK and ours on Cloudflare alone


def measure(settings: Settings) -> Figures:
    """Every figure of one run."""
    work_dir = Path(settings.work_dir)
    if settings.reuse_snapshot:
        snapshot_path = Path(settings.reuse_snapshot)
        figures, report = _analyse_and_render(snapshot_path, work_dir)
    else:
        snapshot_path = work_dir / "snapshot.zip"
        figures, report = _collect_and_report(settings, snapshot_path)
    figures["pandas_s"] = baselines.to_excel_seconds(report)
    figures["open_s"] = browser.open_seconds(work_dir / "readiness.html")
    if settings.pdf:
        figures |= measure_pdf(
            snapshot_path,
            work_dir / "readiness.pdf",
            timeout=settings.pdf_timeout,
            memory_gib=settings.pdf_memory_gib,
            pythonpath=os.environ.get("PYTHONPATH", ""),
        )
    return figures


def _collect_and_report(
    settings: Settings, snapshot_path: Path
) -> tuple[Figures, Report]:
    """Collect, analyse and render, then time the SDK on a fresh emulator."""
    with Server(settings.members, settings.latency_ms, settings.rate_limit) as server:
        figures: Figures = {
            "members": server.ready["members"],
            "user_groups": server.ready["user_groups"],
        }
        figures |= _collect(server, snapshot_path, settings)
        rendered, report = _analyse_and_render(snapshot_path, snapshot_path.parent)
        # Peak memory of the whole pipeline, before any baseline adds its own.
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not settings.baselines:
        return figures | rendered, report
    # A fresh emulator: the collection must not have used up the SDK's rate limit.
    with Server(settings.members, settings.latency_ms, settings.rate_limit) as server:
        figures |= _sdk_baseline(server)
    # Like for like with the SDK: ours on Cloudflare alone, on a fresh emulator.
    with Server(settings.members, settings.latency_ms, settings.rate_limit) as server:
        figures |= _cloudflare_only(server, snapshot_path.parent, settings)
    return figures | rendered, report


def _config(server: Server, settings: Settings, *, okta: bool) -> CollectConfig:
    """What the collector is told: the emulator's URLs, Okta's only when ``okta``."""
    ready = server.ready
    return CollectConfig(
        account_id=ready["account_id"],
        cloudflare_url=ready["cloudflare_url"],
        okta_url=ready["okta_url"] if okta else None,
        okta_v1_app_id=ready["okta_v1_app_id"] if okta else None,
        okta_v2_app_id=ready["okta_v2_app_id"] if okta else None,
        # XL's members are 2,000 pages of 50: twice the default cap.
        max_pages=MAX_PAGES,
        rate_limit=RateLimit(settings.rate_limit or UNLIMITED),
    )


def _cloudflare_only(server: Server, work_dir: Path, settings: Settings) -> Figures:
    """Our collector without Okta: the SDK's endpoints plus SCIM users and groups."""
    config = _config(server, settings, okta=False)
    before = server.stats()
    snapshot = collect_to_file(
        config, Tokens(cloudflare=server.cloudflare_token), work_dir / "cf-only.zip"
    )
    after = server.stats()
    requests = after.cloudflare - before.cloudflare
    return {
        "cf_only_s": _collection_seconds(snapshot),
        "cf_only_requests": requests,
        "cf_only_floor_s": floor_seconds(
            requests, requests, settings.latency_ms, config
        ),
        "cf_only_throttled": after.throttled - before.throttled,
    }


def _collect(server: Server, snapshot_path: Path, settings: Settings) -> Figures:
    latency_ms = settings.latency_ms
    config = _config(server, settings, okta=True)
    tokens = Tokens(cloudflare=server.cloudflare_token, okta=server.okta_token)
    before = server.stats()
    started = time.perf_counter()
    snapshot = collect_to_file(config, tokens, snapshot_path)
    total = time.perf_counter() - started
    after = server.stats()
    http = _collection_seconds(snapshot)
    return {
        "collect_s": http,
        "write_s": total - http,
        "requests": after.requests - before.requests,
        "cf_requests": after.cloudflare - before.cloudflare,
        "okta_requests": (after.requests - before.requests)
        - (after.cloudflare - before.cloudflare),
        "throttled": after.throttled - before.throttled,
        "concurrency": config.concurrency,
        "rate_bound": float(
            _rate_bound(after.cloudflare - before.cloudflare, config.rate_limit) > 0
        ),
        "floor_s": floor_seconds(
            after.requests - before.requests,
            after.cloudflare - before.cloudflare,
            latency_ms,
            config,
        ),
        "snapshot_mb": snapshot_path.stat().st_size / MB,
    }


def floor_seconds(
    requests: int, cloudflare: int, latency_ms: float, config: CollectConfig
) -> float:
    """The least time the collection can take: the slower API's own bound.

    Cloudflare and the IdP are read side by side, each at its own concurrency,
    so the whole collection can end no sooner than the slower of the two.
    Cloudflare's bound is its requests × latency ÷ the collector's concurrency,
    or when larger, when its rate limit lets the last request start. Okta is
    read one request at a time (idp-apis.md §2.3), so its bound is its requests
    × latency, or its own per-minute limit's bound when larger.
    """
    okta = requests - cloudflare
    cloudflare_bound = max(
        cloudflare * latency_ms / 1000 / config.concurrency,
        _rate_bound(cloudflare, config.rate_limit),
    )
    okta_bound = max(okta * latency_ms / 1000, _rate_bound(okta, OKTA_RATE_LIMIT))
    return max(cloudflare_bound, okta_bound)


def _rate_bound(requests: int, limit: RateLimit) -> float:
    """When the last of ``requests`` may start: a whole window per full limit."""
    return (max(requests - 1, 0) // limit.requests) * limit.window


def _collection_seconds(snapshot: Snapshot) -> float:
    """The manifest's start to end: the HTTP part, without writing the file."""
    manifest = snapshot.manifest
    started = datetime.fromisoformat(manifest.started_at)
    return (datetime.fromisoformat(manifest.finished_at) - started).total_seconds()


def _analyse_and_render(snapshot_path: Path, work_dir: Path) -> tuple[Figures, Report]:
    # The baseline just before the analysis, so both see the same machine load.
    figures: Figures = {
        "json_s": baselines.json_parse_seconds(snapshot_path),
        "json_paused_s": baselines.json_parse_seconds(
            snapshot_path, collector_paused=True
        ),
    }
    started = time.perf_counter()
    analysis = analyze(read_snapshot(snapshot_path))
    figures["analysis_s"] = time.perf_counter() - started

    started = time.perf_counter()
    report = build_report(analysis)
    figures["model_s"] = time.perf_counter() - started

    # The PDF is printed in a process of its own, with a deadline (benchmarks.pdf).
    for fmt, renderer in RENDERERS.items():
        if fmt == "pdf":
            continue
        started = time.perf_counter()
        data = renderer(report)
        figures[f"{fmt}_s"] = time.perf_counter() - started
        figures[f"{fmt}_mb"] = len(data) / MB
        (work_dir / f"readiness.{fmt}").write_bytes(data)
    return figures, report


def _sdk_baseline(server: Server) -> Figures:
    before = server.stats()
    try:
        seconds, _ = baselines.sdk_collect(
            server.ready["cloudflare_url"],
            server.cloudflare_token,
            server.ready["account_id"],
        )
    except cloudflare.RateLimitError:
        # Its retries gave up inside the rate-limit window: no time to compare.
        seconds = math.nan
    after = server.stats()
    return {
        "sdk_s": seconds,
        "sdk_requests": after.requests - before.requests,
        "sdk_throttled": after.throttled - before.throttled,
    }


def main(argv: list[str]) -> int:
    """Measure one run; print its figures as JSON on stdout."""
    figures = measure(Settings(**json.loads(argv[0])))
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
