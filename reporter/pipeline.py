"""The stages wired together: collect to a file, report from a file, the demo."""

from __future__ import annotations

import json
import secrets
import time
import zipfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from reporter.analyze import analyze
from reporter.collect import CollectConfig, collect_snapshot
from reporter.collect.cloudflare import list_accounts
from reporter.collect.entra import TokenCredential, graph_token
from reporter.collect.http import ApiSession, Progress, cloudflare_client, graph_client
from reporter.collect.interface import AuditWindow, check_account_id
from reporter.collect.okta_auth import ServiceApp, okta_http_client
from reporter.collect.partial import PartialState
from reporter.errors import CollectError, ConfigError, SnapshotError
from reporter.render import render_reports
from reporter.render.audit_log import audit_log_view
from reporter.snapshot import Snapshot, read_snapshot, write_snapshot
from reporter.snapshot.io import check_writable, is_snapshot_file
from reporter.snapshot.layout import MANIFEST

ALL_FORMATS = ("html", "pdf", "xlsx")
DEMO_IDPS = ("okta", "entra")


def utc_now() -> datetime:
    """The wall clock, in UTC; injected everywhere else."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Tokens:
    """API credentials, read from the environment by the caller, never stored."""

    cloudflare: str
    okta: str | None = None  # an SSWS API token
    okta_app: ServiceApp | None = None  # or an OAuth service app (okta_auth.py)
    # Entra ID: anything with get_token (azure-identity's ClientSecretCredential)
    entra: TokenCredential | None = None


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
    keep_partial: bool = True,
) -> Snapshot:
    """Collect from Cloudflare (and Okta when configured) into the snapshot ``out``.

    Finished entries are kept beside ``out`` until the snapshot is written, so
    an interrupted run leaves no snapshot and ``resume`` skips what was done;
    a run that fails having saved no entry keeps nothing, and without
    ``keep_partial`` (a caller with no resume) nothing is kept at all.
    ``sleep`` waits between retries (tests inject one that does not wait).
    Without ``overwrite`` an existing ``out`` is refused before any request,
    as is an ``out`` that cannot be written.
    """
    refuse_existing(out, force=overwrite)
    check_account_id(config.account_id)  # before a folder is made for it
    check_writable(out, folder=out.parent)
    state = (
        PartialState.beside(out, _state_key(config), resume=resume)
        if keep_partial
        else None
    )
    try:
        snapshot = _collect(config, tokens, clock, progress, state, sleep)
        written = write_snapshot(snapshot, out)
    except BaseException as exc:
        if state is None or state.discard_if_unread():
            raise
        if isinstance(exc, SnapshotError):  # a write failed: a full disk, say
            raise _resumable(exc, state) from exc
        raise
    if state is not None:
        state.remove()
    return written


def _collect(
    config: CollectConfig,
    tokens: Tokens,
    clock: Callable[[], datetime],
    progress: Progress | None,
    state: PartialState | None,
    sleep: Callable[[float], None],
) -> Snapshot:
    """``collect_snapshot`` with the clients ``tokens`` open, closed after."""
    okta = None
    graph_context = _graph_client(config, tokens)
    with (
        cloudflare_client(config.cloudflare_url, tokens.cloudflare) as cloudflare,
        graph_context as graph,
    ):
        credential = tokens.okta or tokens.okta_app
        if config.okta_url and credential:
            okta = okta_http_client(config.okta_url, credential)
        try:
            return collect_snapshot(
                config,
                cloudflare,
                okta,
                clock=clock,
                progress=progress,
                state=state,
                sleep=sleep,
                graph=graph,
            )
        finally:
            if okta is not None:
                okta.close()


def _resumable(exc: SnapshotError, state: PartialState) -> SnapshotError:
    """``exc``, a failed write, saying that the entries read wait for --resume."""
    return SnapshotError(
        exc.message,
        path=exc.path,
        hint="free some space beside --out, then run the same command with "
        f"--resume: the entries read are kept in {state.directory}",
    )


def _graph_client(
    config: CollectConfig, tokens: Tokens
) -> AbstractContextManager[httpx.Client | None]:
    """A Graph client with a fresh access token when Entra is configured."""
    if not (config.graph_url and tokens.entra is not None):
        return nullcontext()
    return graph_client(config.graph_url, graph_token(tokens.entra))


def refuse_existing(out: Path, *, force: bool = False) -> None:
    """Evidence is never replaced silently: an existing snapshot is a ConfigError.

    With ``force`` an existing snapshot may be replaced, but never a file
    that is not one (a zip holding our manifest): that is someone's data.
    """
    if not out.exists():
        return
    if not force:
        raise ConfigError(
            f"{out} already exists",
            hint="pass --force to replace it, or choose another --out",
        )
    if not is_snapshot_file(out):
        raise ConfigError(
            f"{out} exists and is not a cf-scim-audit snapshot; --force replaces "
            "only a snapshot",
            hint="move that file away, or choose another --out",
        )


# The files of any report set (audit.py's names; it imports this module).
_SET_FILES = (
    "snapshot.zip",
    *(
        f"{base}.{ext}"
        for base in ("readiness", "diff")
        for ext in ("html", "pdf", "xlsx")
    ),
    "findings.json",
    "diff.json",
    "redaction-key.json",
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def refuse_real_set(out_dir: Path) -> None:
    """``demo`` replaces its own earlier output only, never a real report set.

    A demo snapshot was collected from the emulator on loopback; a folder
    holding any other snapshot, or reports with no snapshot, is someone's
    evidence, which demo's reports must not replace or sit beside.
    """
    found = [name for name in _SET_FILES if (out_dir / name).exists()]
    if not found or _from_loopback(out_dir / "snapshot.zip"):
        return
    raise ConfigError(
        f"{out_dir} holds reports that demo did not write ({', '.join(found)}); "
        "demo replaces only its own earlier output",
        hint="pass demo another --out, e.g. demo-output",
    )


def _from_loopback(snapshot: Path) -> bool:
    """Whether ``snapshot`` was collected from an emulator on this machine."""
    if not is_snapshot_file(snapshot):
        return False
    try:
        with zipfile.ZipFile(snapshot) as archive:
            sources = json.loads(archive.read(MANIFEST)).get("sources") or {}
        return bool(sources) and all(
            urlsplit(url).hostname in _LOOPBACK for url in sources.values()
        )
    except (OSError, ValueError, TypeError, AttributeError, zipfile.BadZipFile):
        return False


def refuse_existing_report(path: Path, *, force: bool = False) -> None:
    """A report file already in the output folder is refused unless ``force``.

    A folder of that name is left to the write, which refuses it.
    """
    if path.is_file() and not force:
        raise ConfigError(
            f"{path} already exists",
            hint="pass --force to replace the earlier reports, or choose another --out",
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
        "graph_url": config.graph_url or "",
        "entra_v1_sp": config.entra_v1_sp or "",
        "entra_v2_sp": config.entra_v2_sp or "",
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
    stage: str = "pre",
    idp: str = "okta",
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> tuple[Path, list[Path]]:
    """Serve the demo organization on loopback, collect it over HTTP and report.

    ``stage`` is "pre" (mid-migration) or "post"; ``idp`` is the identity
    provider the same organization is collected through: "okta" or "entra".
    Returns the snapshot path and the report paths.
    """
    # Imported here: the demo and emulator are not needed for real collections.
    from reporter.demo import build_organization
    from reporter.demo.entra import DemoCredential, build_entra
    from reporter.demo.generator import DEMO_AUDIT_SINCE, demo_audit_logs
    from reporter.emulator import Emulator
    from reporter.emulator.faults import EmulatorOptions

    if idp not in DEMO_IDPS:
        raise ConfigError(
            f"unknown demo identity provider {idp!r}",
            hint=f"pass --idp {' or '.join(DEMO_IDPS)}",
        )
    check_writable(out_dir)  # before the organization is built and served
    refuse_real_set(out_dir)
    org = build_organization(seed=seed, size=size, stage=stage)
    entra = idp == "entra"
    if entra:
        org.entra = build_entra(org)
    # Throwaway credentials for the emulator only: real runs read the environment.
    graph_secret = secrets.token_hex(20)
    tokens = Tokens(
        cloudflare=secrets.token_hex(20),
        okta=None if entra else secrets.token_hex(20),
        entra=DemoCredential(graph_secret) if entra else None,
    )
    options = EmulatorOptions(audit_logs=tuple(demo_audit_logs(org)))
    with Emulator(
        org,
        cloudflare_token=tokens.cloudflare,
        okta_token=tokens.okta or "",
        graph_token=graph_secret,
        options=options,
    ) as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
            okta_url=None if entra else emulator.okta_url,
            okta_v1_app_id=None if entra else org.okta.v1_app_id,
            okta_v2_app_id=None if entra else org.okta.v2_app_id,
            audit_since=AuditWindow(DEMO_AUDIT_SINCE, clock().isoformat()),
            graph_url=emulator.graph_url if entra else None,
            entra_v1_sp=org.entra.v1_sp_id if org.entra else None,
            entra_v2_sp=org.entra.v2_sp_id if org.entra else None,
        )
        snapshot_path = out_dir / "snapshot.zip"
        # demo has no --resume: nothing is kept of a run that fails.
        collect_to_file(
            config,
            tokens,
            snapshot_path,
            clock=clock,
            progress=progress,
            keep_partial=False,
        )
    reports = report_from_file(snapshot_path, ALL_FORMATS, out_dir)
    return snapshot_path, reports
