"""Write snapshots atomically and read them back with every hash checked."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import asdict, replace
from pathlib import Path, PurePosixPath
from typing import Any

from reporter.errors import SnapshotError
from reporter.snapshot.layout import FORMAT_VERSION, MANIFEST
from reporter.snapshot.model import EndpointRecord, Manifest, RequestRecord, Snapshot

# A fixed timestamp for every archive member keeps the bytes reproducible.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_snapshot(snapshot: Snapshot, path: Path) -> Snapshot:
    """Write ``snapshot`` to ``path`` (owner-only) and return it with its hashes.

    The archive is built in a temporary file beside ``path`` and renamed into
    place, so an interrupted write never leaves a half-written snapshot.
    """
    blobs = {name: _dump(snapshot.entries[name]) for name in sorted(snapshot.entries)}
    manifest = replace(
        snapshot.manifest, files={name: _sha256(data) for name, data in blobs.items()}
    )
    blobs[MANIFEST] = _dump(asdict(manifest))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [MANIFEST, *sorted(n for n in blobs if n != MANIFEST)]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, blobs[name])
    data = buffer.getvalue()
    write_private_atomic(path, data)
    return replace(snapshot, manifest=manifest, sha256=_sha256(data), path=str(path))


def write_private_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_snapshot(path: Path) -> Snapshot:
    """Read and verify the snapshot at ``path``.

    Raises SnapshotError naming the file when it is missing, not an archive,
    lacks or has a newer manifest, holds an unsafe or unlisted entry, or when
    any entry's hash differs from the manifest's.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(
            f"cannot read snapshot {path}: {exc.strerror}",
            path=str(path),
            hint="check the path; snapshots are written by 'cf-scim-audit collect'",
        ) from exc
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SnapshotError(
            f"{path} is not a snapshot archive (corrupt or truncated)",
            path=str(path),
            hint="collect it again with 'cf-scim-audit collect'",
        ) from exc
    with archive:
        blobs = _read_members(archive, path)
    manifest = _parse_manifest(blobs.pop(MANIFEST, None), path)
    entries = _verified_entries(blobs, manifest, path)
    return Snapshot(
        manifest=manifest, entries=entries, sha256=_sha256(data), path=str(path)
    )


def _read_members(archive: zipfile.ZipFile, path: Path) -> dict[str, bytes]:
    blobs: dict[str, bytes] = {}
    for info in archive.infolist():
        name = info.filename
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or "\\" in name:
            raise SnapshotError(
                f"{path} holds an entry with an unsafe path: {name!r}",
                path=str(path),
                hint="this file was not written by cf-scim-audit; do not use it",
            )
        try:
            blobs[name] = archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SnapshotError(
                f"{path}: entry {name} is corrupt ({exc})",
                path=str(path),
                hint="collect it again with 'cf-scim-audit collect'",
            ) from exc
    return blobs


def _parse_manifest(blob: bytes | None, path: Path) -> Manifest:
    if blob is None:
        raise SnapshotError(
            f"{path} has no {MANIFEST}: not a cf-scim-audit snapshot",
            path=str(path),
        )
    try:
        raw = json.loads(blob)
        version = raw["format_version"]
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SnapshotError(
                f"{path} has snapshot format {version!r}; this version reads "
                f"up to {FORMAT_VERSION}",
                path=str(path),
                hint="upgrade cf-scim-audit to read it",
            )
        return Manifest(
            format_version=version,
            tool_version=raw["tool_version"],
            started_at=raw["started_at"],
            finished_at=raw["finished_at"],
            account_id=raw["account_id"],
            sources=dict(raw["sources"]),
            settings=dict(raw.get("settings", {})),
            endpoints=tuple(EndpointRecord(**e) for e in raw["endpoints"]),
            requests=tuple(RequestRecord(**r) for r in raw["requests"]),
            files=dict(raw["files"]),
        )
    except SnapshotError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(
            f"{path}: {MANIFEST} is malformed ({exc!r})",
            path=str(path),
            hint="collect it again with 'cf-scim-audit collect'",
        ) from exc


def _verified_entries(
    blobs: dict[str, bytes], manifest: Manifest, path: Path
) -> dict[str, Any]:
    unlisted = sorted(set(blobs) - set(manifest.files))
    missing = sorted(set(manifest.files) - set(blobs))
    if unlisted or missing:
        raise SnapshotError(
            f"{path}: entries do not match the manifest "
            f"(unlisted: {unlisted or 'none'}, missing: {missing or 'none'})",
            path=str(path),
            hint="the file was altered after collection; collect it again",
        )
    entries: dict[str, Any] = {}
    for name, blob in blobs.items():
        if _sha256(blob) != manifest.files[name]:
            raise SnapshotError(
                f"{path}: entry {name} does not match its SHA-256 in the manifest",
                path=str(path),
                hint="the file was altered after collection; collect it again",
            )
        try:
            entries[name] = json.loads(blob)
        except ValueError as exc:
            raise SnapshotError(
                f"{path}: entry {name} is not valid JSON ({exc})",
                path=str(path),
            ) from exc
    return entries
