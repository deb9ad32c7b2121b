"""A verified snapshot's manifest in a few lines, for ``cf-scim-audit verify``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from reporter.snapshot.model import Manifest, Snapshot


def summary_lines(snapshot: Snapshot) -> list[str]:
    """What was collected, when, from where, how, and what failed.

    Only call it on a snapshot from ``read_snapshot``: that is what checked
    every hash, which the first line states.
    """
    manifest = snapshot.manifest
    lines = [
        f"snapshot: {snapshot.path} (sha256 {snapshot.sha256})",
        f"verified: {len(manifest.files)} entries match their SHA-256",
        # No key signs the file: be plain about what the check above covers.
        "not verified: the manifest itself (sources, times, settings) is not "
        "signed; to detect a deliberate edit, compare the sha256 above with "
        "the one recorded at collection (report cover, ticket or signed PDF)",
        f"format {manifest.format_version}, written by cf-scim-audit "
        f"{manifest.tool_version}",
        f"account: {manifest.account_id}",
        _collected(manifest),
    ]
    lines += [f"source {name}: {url}" for name, url in sorted(manifest.sources.items())]
    lines += [
        f"setting {name}: {value}" for name, value in sorted(manifest.settings.items())
    ]
    lines += _requests(snapshot)
    for record in manifest.endpoints:
        if record.status == "ok":
            counts = f"{record.count} item(s), {record.pages} page(s)"
            lines.append(f"ok      {record.entry}: {counts}")
        else:
            lines.append(
                f"FAILED  {record.entry}: {record.reason} (fix: {record.hint})"
            )
    return lines


def _requests(snapshot: Snapshot) -> list[str]:
    requests = snapshot.manifest.requests
    statuses = Counter(str(r.status or "no answer") for r in requests)
    retried = sum(1 for r in requests if r.retries)
    tally = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    return [f"requests: {len(requests)} ({tally or 'none'}), {retried} of them retries"]


def _collected(manifest: Manifest) -> str:
    """When: a resumed collection names its resumption and what came before it."""
    line = (
        f"collected: {manifest.started_at} to {manifest.finished_at}"
        f"{_duration(manifest.started_at, manifest.finished_at)}"
    )
    if manifest.resumed_at is None:
        return line
    earlier = manifest.settings.get("resumed_entries", "")
    count = len([name for name in earlier.split(", ") if name])
    return (
        f"{line}; resumed at {manifest.resumed_at}"
        f"{_duration(manifest.resumed_at, manifest.finished_at)}, "
        f"{count} entries from the earlier run"
    )


def _duration(started: str, finished: str) -> str:
    try:
        seconds = (
            datetime.fromisoformat(finished) - datetime.fromisoformat(started)
        ).total_seconds()
    except ValueError:
        return ""
    return f" ({seconds:.1f} s)"
