"""The stages wired together: collect to a file, report from a file, the demo."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reporter.analyze import analyze
from reporter.collect import CollectConfig, collect_snapshot
from reporter.collect.http import cloudflare_client, okta_client
from reporter.render import render_reports
from reporter.snapshot import Snapshot, read_snapshot, write_snapshot

Progress = Callable[[str, int], None]
ALL_FORMATS = ("html", "pdf", "xlsx")


def utc_now() -> datetime:
    """The wall clock, in UTC; injected everywhere else."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Tokens:
    """API credentials, read from the environment by the caller, never stored."""

    cloudflare: str
    okta: str | None = None


def collect_to_file(
    config: CollectConfig,
    tokens: Tokens,
    out: Path,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> Snapshot:
    """Collect from Cloudflare (and Okta when configured) into the snapshot ``out``."""
    okta = None
    with cloudflare_client(config.cloudflare_url, tokens.cloudflare) as cloudflare:
        if config.okta_url and tokens.okta:
            okta = okta_client(config.okta_url, tokens.okta)
        try:
            snapshot = collect_snapshot(
                config, cloudflare, okta, clock=clock, progress=progress
            )
        finally:
            if okta is not None:
                okta.close()
    return write_snapshot(snapshot, out)


def report_from_file(
    snapshot_path: Path, formats: Sequence[str], out_dir: Path
) -> list[Path]:
    """Analyse a snapshot file and write the requested reports into ``out_dir``."""
    return render_reports(analyze(read_snapshot(snapshot_path)), formats, out_dir)


def run_demo(
    out_dir: Path,
    *,
    seed: int,
    size: int,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> tuple[Path, list[Path]]:
    """Serve the demo organization on loopback, collect it over HTTP and report.

    Returns the snapshot path and the report paths.
    """
    # Imported here: the demo and emulator are not needed for real collections.
    from reporter.demo import build_organization
    from reporter.emulator import Emulator

    org = build_organization(seed=seed, size=size)
    # Throwaway credentials for the emulator only: real runs read the environment.
    tokens = Tokens(cloudflare=secrets.token_hex(20), okta=secrets.token_hex(20))
    with Emulator(
        org, cloudflare_token=tokens.cloudflare, okta_token=tokens.okta or ""
    ) as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
            okta_url=emulator.okta_url,
            okta_v1_app_id=org.okta.v1_app_id,
            okta_v2_app_id=org.okta.v2_app_id,
        )
        snapshot_path = out_dir / "snapshot.zip"
        collect_to_file(config, tokens, snapshot_path, clock=clock, progress=progress)
    reports = report_from_file(snapshot_path, ALL_FORMATS, out_dir)
    return snapshot_path, reports
