"""The stages wired together: collect to a file, report from a file, the demo."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reporter.analyze import analyze
from reporter.collect import CollectConfig, collect_snapshot
from reporter.collect.cloudflare import list_accounts
from reporter.collect.http import ApiSession, Progress, cloudflare_client, okta_client
from reporter.collect.interface import AuditWindow
from reporter.collect.partial import PartialState
from reporter.errors import CollectError, ConfigError
from reporter.render import render_reports
from reporter.render.audit_log import audit_log_view
from reporter.snapshot import Snapshot, read_snapshot, write_snapshot

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
    resume: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    overwrite: bool = True,
) -> Snapshot:
    """Collect from Cloudflare (and Okta when configured) into the snapshot ``out``.

    Finished entries are kept beside ``out`` until the snapshot is written, so
    an interrupted run leaves no snapshot and ``resume`` skips what was done.
    ``sleep`` waits between retries (tests inject one that does not wait).
    Without ``overwrite`` an existing ``out`` is refused before any request.
    """
    if not overwrite:
        refuse_existing(out)
    state = PartialState.beside(out, _state_key(config), resume=resume)
    okta = None
    with cloudflare_client(config.cloudflare_url, tokens.cloudflare) as cloudflare:
        if config.okta_url and tokens.okta:
            okta = okta_client(config.okta_url, tokens.okta)
        try:
            snapshot = collect_snapshot(
                config,
                cloudflare,
                okta,
                clock=clock,
                progress=progress,
                state=state,
                sleep=sleep,
            )
        finally:
            if okta is not None:
                okta.close()
    written = write_snapshot(snapshot, out)
    state.remove()
    return written


def refuse_existing(out: Path) -> None:
    """Evidence is never replaced silently: an existing snapshot is a ConfigError."""
    if out.exists():
        raise ConfigError(
            f"{out} already exists",
            hint="pass --force to replace it, or choose another --out",
        )


def _state_key(config: CollectConfig) -> dict[str, str]:
    """What a resumed collection must share with the one it continues."""
    window = config.audit_since
    return {
        "account_id": config.account_id,
        "cloudflare_url": config.cloudflare_url,
        "okta_url": config.okta_url or "",
        "okta_v1_app_id": config.okta_v1_app_id or "",
        "okta_v2_app_id": config.okta_v2_app_id or "",
        "audit_window": f"{window.since}/{window.before}" if window else "",
    }


def token_accounts(cloudflare_url: str, token: str) -> list[str]:
    """The ids of every account the Cloudflare token can list (at least one)."""
    with cloudflare_client(cloudflare_url, token) as client:
        accounts = list_accounts(ApiSession(client))
    if not accounts:
        raise CollectError(
            "the Cloudflare token lists no accounts",
            url=cloudflare_url + "/accounts",
            hint="pass --account with the id of the account to audit",
        )
    return accounts


def report_from_file(
    snapshot_path: Path, formats: Sequence[str], out_dir: Path
) -> list[Path]:
    """Analyse a snapshot file and write the requested reports into ``out_dir``.

    No report may overwrite the snapshot itself.
    """
    snapshot = read_snapshot(snapshot_path)
    return render_reports(
        analyze(snapshot),
        formats,
        out_dir,
        protect=(snapshot_path,),
        audit_log=audit_log_view(snapshot),
    )


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
    from reporter.demo.generator import DEMO_AUDIT_SINCE, demo_audit_logs
    from reporter.emulator import Emulator
    from reporter.emulator.faults import EmulatorOptions

    org = build_organization(seed=seed, size=size)
    # Throwaway credentials for the emulator only: real runs read the environment.
    tokens = Tokens(cloudflare=secrets.token_hex(20), okta=secrets.token_hex(20))
    options = EmulatorOptions(audit_logs=tuple(demo_audit_logs(org)))
    with Emulator(
        org,
        cloudflare_token=tokens.cloudflare,
        okta_token=tokens.okta or "",
        options=options,
    ) as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
            okta_url=emulator.okta_url,
            okta_v1_app_id=org.okta.v1_app_id,
            okta_v2_app_id=org.okta.v2_app_id,
            audit_since=AuditWindow(DEMO_AUDIT_SINCE, clock().isoformat()),
        )
        snapshot_path = out_dir / "snapshot.zip"
        collect_to_file(config, tokens, snapshot_path, clock=clock, progress=progress)
    reports = report_from_file(snapshot_path, ALL_FORMATS, out_dir)
    return snapshot_path, reports
