"""Snapshot files of the demo, pre and post migration, for CLI and JSON tests."""

from __future__ import annotations

from pathlib import Path

from analyze_fixtures import entries_from_organization, failure, snapshot_from_entries

from reporter.demo import build_organization
from reporter.snapshot import layout, write_snapshot


def demo_snapshot(path: Path, stage: str = "pre", *, okta: bool = True) -> Path:
    """Write the demo organization of ``stage`` as a snapshot file at ``path``."""
    org = build_organization(stage=stage)
    entries = entries_from_organization(org)
    failed = {}
    if not okta:
        okta_names = [name for name in entries if name.startswith("okta/")]
        for name in okta_names:
            del entries[name]
        failed = {
            name: failure(
                name, status=401, reason="Okta refused the token", hint="OKTA_API_TOKEN"
            )
            for name in okta_names
        }
    snapshot = snapshot_from_entries(
        entries, account_id=org.cloudflare.account["id"], failed=failed
    )
    write_snapshot(snapshot, path)
    return path


def other_account_snapshot(path: Path) -> Path:
    """The demo organization written under another account id."""
    org = build_organization()
    entries = entries_from_organization(org)
    entries[layout.CF_ACCOUNT] = {**entries[layout.CF_ACCOUNT], "id": "0" * 32}
    write_snapshot(snapshot_from_entries(entries, account_id="0" * 32), path)
    return path
