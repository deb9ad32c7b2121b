"""One benchmark run of one size, in a fresh process: ``python -m benchmarks.measure``.

Arguments: MEMBERS LATENCY_MS pdf|no-pdf PDF_TIMEOUT_S PDF_MEMORY_GIB.

It serves the demo organization from a slow emulator process, collects it,
analyses and renders it, records the peak memory of this process, then times
the baselines. The figures go to stdout as one JSON object.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks import baselines, browser
from benchmarks.pdf import measure_pdf
from benchmarks.server import Server
from reporter.analyze import analyze
from reporter.collect import CollectConfig
from reporter.pipeline import Tokens, collect_to_file
from reporter.render import RENDERERS, Report, build_report
from reporter.snapshot import Snapshot, read_snapshot

Figures = dict[str, float]
MB = 1_000_000


@dataclass(frozen=True)
class PdfLimits:
    """Whether to print the PDF this run, and when to stop the printer."""

    enabled: bool
    timeout: float
    memory_gib: float


def measure(members: int, latency_ms: float, pdf: PdfLimits, work_dir: Path) -> Figures:
    """Every figure of one run at ``members`` members."""
    with Server(members, latency_ms) as server:
        figures: Figures = {
            "members": server.ready["members"],
            "user_groups": server.ready["user_groups"],
        }
        snapshot_path = work_dir / "snapshot.zip"
        figures |= _collect(server, snapshot_path)
        rendered, report = _analyse_and_render(snapshot_path, work_dir)
        # Peak memory of the pipeline, before any baseline adds its own.
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures |= rendered
        figures["pandas_s"] = baselines.to_excel_seconds(report)
        figures |= _sdk_baseline(server)
    figures["json_s"] = baselines.json_parse_seconds(snapshot_path)
    figures["open_s"] = browser.open_seconds(work_dir / "readiness.html")
    if pdf.enabled:
        figures |= measure_pdf(
            snapshot_path,
            work_dir / "readiness.pdf",
            timeout=pdf.timeout,
            memory_gib=pdf.memory_gib,
            pythonpath=os.environ.get("PYTHONPATH", ""),
        )
    return figures


def _collect(server: Server, snapshot_path: Path) -> Figures:
    ready = server.ready
    config = CollectConfig(
        account_id=ready["account_id"],
        cloudflare_url=ready["cloudflare_url"],
        okta_url=ready["okta_url"],
        okta_v1_app_id=ready["okta_v1_app_id"],
        okta_v2_app_id=ready["okta_v2_app_id"],
    )
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
        "throttled": after.throttled - before.throttled,
        "snapshot_mb": snapshot_path.stat().st_size / MB,
    }


def _collection_seconds(snapshot: Snapshot) -> float:
    """The manifest's start to end: the HTTP part, without writing the file."""
    manifest = snapshot.manifest
    started = datetime.fromisoformat(manifest.started_at)
    return (datetime.fromisoformat(manifest.finished_at) - started).total_seconds()


def _analyse_and_render(snapshot_path: Path, work_dir: Path) -> tuple[Figures, Report]:
    started = time.perf_counter()
    analysis = analyze(read_snapshot(snapshot_path))
    figures: Figures = {"analysis_s": time.perf_counter() - started}

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
    seconds, _ = baselines.sdk_collect(
        server.ready["cloudflare_url"],
        server.cloudflare_token,
        server.ready["account_id"],
    )
    after = server.stats()
    return {
        "sdk_s": seconds,
        "sdk_requests": after.requests - before.requests,
        "sdk_throttled": after.throttled - before.throttled,
    }


def main(argv: list[str]) -> int:
    """Measure one run; print its figures as JSON on stdout."""
    members, latency_ms = int(argv[0]), float(argv[1])
    pdf = PdfLimits(argv[2] == "pdf", float(argv[3]), float(argv[4]))
    with tempfile.TemporaryDirectory(prefix="cf-scim-bench-") as work_dir:
        figures = measure(members, latency_ms, pdf, Path(work_dir))
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
