"""Write snapshots atomically and read them back with every hash checked."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reporter.errors import ConfigError, SnapshotError, may_be_secret, unshown
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.layout import CF_ACCOUNT, FORMAT_VERSION, MANIFEST
from reporter.snapshot.model import Manifest, Snapshot

# A fixed timestamp for every archive member keeps the bytes reproducible.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _dump_lines(value: Any) -> Iterator[bytes]:
    """``value`` as JSON text, one top-level item (or key) a line.

    Each item goes through the C encoder on its own (``indent`` would select
    the pure-Python one, several times the text's size in memory and slower),
    so the whole text is never built at once.
    """
    if isinstance(value, dict) and value:
        pairs = (f"{_compact(k)}: {_compact(v)}" for k, v in value.items())
        yield from _framed("{", "}", pairs, len(value))
    elif isinstance(value, list) and value:
        yield from _framed("[", "]", (_compact(v) for v in value), len(value))
    else:
        yield utf8_json(_compact(value) + "\n")


def _framed(
    opening: str, closing: str, items: Iterable[str], count: int
) -> Iterator[bytes]:
    yield f"{opening}\n".encode()
    for n, text in enumerate(items, start=1):
        yield utf8_json(f" {text}{',' if n < count else ''}\n")
    yield f"{closing}\n".encode()


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def utf8_json(text: str) -> bytes:
    """JSON text as UTF-8, a lone surrogate kept as its ``\\uXXXX`` escape.

    An API may send half a UTF-16 pair as an escape; Python parses it into a
    string UTF-8 cannot encode. Only surrogates can fail, ``backslashreplace``
    writes each as the JSON escape it came as, and ``json.loads`` reads it
    back unchanged.
    """
    return text.encode("utf-8", "backslashreplace")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_snapshot(snapshot: Snapshot, path: Path) -> Snapshot:
    """Write ``snapshot`` to ``path`` (owner-only) and return it with its hashes.

    The archive is built in a temporary file beside ``path`` and renamed into
    place, so an interrupted write never leaves a half-written snapshot.
    """
    buffer = io.BytesIO()
    files: dict[str, str] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # One entry's text at a time, never the whole snapshot's beside its
        # objects; the manifest, which lists their hashes, comes last.
        for name in sorted(snapshot.entries):
            files[name] = _write_member(
                archive, name, _dump_lines(snapshot.entries[name])
            )
        manifest = replace(snapshot.manifest, files=files)
        _write_member(archive, MANIFEST, _dump_lines(asdict(manifest)))
    data = buffer.getvalue()
    if path.is_dir():
        raise SnapshotError(
            f"cannot write snapshot {path}: it is a directory",
            path=str(path),
            hint="name a file with --out, e.g. audit/snapshot.zip",
        )
    try:
        write_private_atomic(path, data)
    except OSError as exc:
        raise SnapshotError(
            f"cannot write snapshot {path}: {exc.strerror or exc}",
            path=str(path),
            hint="choose a writable --out location with free space",
        ) from exc
    return replace(snapshot, manifest=manifest, sha256=_sha256(data), path=str(path))


def _write_member(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> str:
    """Compress ``chunks`` into the member ``name``; the SHA-256 of its bytes."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    digest = hashlib.sha256()
    with archive.open(info, "w") as member:
        for chunk in chunks:
            digest.update(chunk)
            member.write(chunk)
    return digest.hexdigest()


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


def check_writable(out: Path, *, folder: Path | None = None) -> None:
    """Refuse an ``out`` that cannot be written, before any request or file is made.

    ``folder`` is where the files go: ``out`` itself by default, the parent
    for a single file. It need not exist yet; its nearest existing ancestor
    must be a folder in which a file can be made (one is, and removed at once).
    """
    where = out if folder is None else folder
    try:
        while not where.exists() and where != where.parent:
            where = where.parent
        if not where.is_dir():
            raise ConfigError(
                f"cannot write {out}: {where} is a file, not a folder",
                hint="pass --out with a path in a folder you can write to",
            )
        # A file's own name: the longest made from it (".<name>.XXXXXXXX" while
        # it is written, ".<name>.partial" beside it) must fit the filesystem.
        stem = out.name if folder is not None and folder != out else "cf-scim-audit"
        handle, probe = tempfile.mkstemp(prefix=f".{stem}.", dir=where)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        too_long = exc.errno == errno.ENAMETOOLONG
        raise ConfigError(
            f"cannot write {out}: no file can be made in {where} "
            f"({exc.strerror or exc})",
            hint="choose a shorter --out file name"
            if too_long
            else "pass --out with a path in a folder you can write to",
        ) from exc


# Far above any real account (100,000 members make about 150 MB of entries),
# low enough that a hostile file cannot exhaust memory.
MAX_ARCHIVE_BYTES = 512 << 20
MAX_ENTRY_BYTES = 512 << 20


def _read_limited(path: Path) -> bytes:
    if not path.exists():
        # The last part alone may be a token too ("exports/<token>").
        secret = may_be_secret(str(path)) or may_be_secret(path.name)
        named = unshown(str(path)) if secret else str(path)
        raise SnapshotError(
            f"{named}: no such file",
            path=named,
            hint="check the path; pass the .zip written by 'cf-scim-audit collect'",
        )
    if not path.is_file():
        raise SnapshotError(
            f"{path} is not a snapshot file"
            + (" (it is a directory)" if path.is_dir() else ""),
            path=str(path),
            hint="pass the .zip written by 'cf-scim-audit collect'",
        )
    with path.open("rb") as handle:
        data = handle.read(MAX_ARCHIVE_BYTES + 1)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise SnapshotError(
            f"{path} is larger than {MAX_ARCHIVE_BYTES >> 20} MiB: not a snapshot",
            path=str(path),
        )
    return data


def is_snapshot_file(path: Path) -> bool:
    """Whether ``path`` is a zip holding our manifest: what ``--force`` may replace.

    Only the shape is checked (the hashes are ``read_snapshot``'s job), so a
    damaged snapshot can still be replaced by a fresh collection.
    """
    if not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return MANIFEST in archive.namelist()
    except (*_DAMAGED, RuntimeError):
        return False


def read_snapshot(path: Path, *, max_entry_bytes: int = MAX_ENTRY_BYTES) -> Snapshot:
    """Read and verify the snapshot at ``path``.

    Raises SnapshotError naming the file when it is missing, not an archive,
    lacks or has a newer manifest, holds an unsafe, unlisted or repeated entry,
    or when any entry's hash differs from the manifest's.
    """
    try:
        data = _read_limited(path)
    except OSError as exc:
        raise SnapshotError(
            f"cannot read snapshot {path}: {exc.strerror}",
            path=str(path),
            hint="check the path; snapshots are written by 'cf-scim-audit collect'",
        ) from exc
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED as exc:
        raise SnapshotError(
            f"{path} is not a snapshot archive (corrupt or truncated)",
            path=str(path),
            hint="collect it again with 'cf-scim-audit collect'",
        ) from exc
    with archive, gc_paused(long_lived=True):
        names = _member_names(archive, path, max_entry_bytes)
        blob = _read_member(archive, MANIFEST, path) if MANIFEST in names else None
        manifest = _parse_manifest(blob, path)
        # Each entry is parsed as soon as it is read and checked, so the raw
        # bytes of only one entry are held beside the parsed objects.
        entries = _verified_entries(archive, names - {MANIFEST}, manifest, path)
    _check_account(entries.get(CF_ACCOUNT), manifest, path)
    return Snapshot(
        manifest=manifest, entries=entries, sha256=_sha256(data), path=str(path)
    )


def _member_names(
    archive: zipfile.ZipFile, path: Path, max_entry_bytes: int
) -> set[str]:
    """The archive's member names, each checked for a safe path and size."""
    names: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        pure = PurePosixPath(name)
        # zipfile cuts a name at its first NUL; other readers may not.
        altered = name != info.orig_filename
        if pure.is_absolute() or ".." in pure.parts or "\\" in name or altered:
            raise SnapshotError(
                f"{path} holds an entry with an unsafe path: {info.orig_filename!r}",
                path=str(path),
                hint="this file was not written by cf-scim-audit; do not use it",
            )
        if name in names:
            # zipfile reads the last of two same-named members, other tools
            # the first: the hash check would vouch for one copy only.
            raise SnapshotError(
                f"{path} holds the entry {name!r} twice",
                path=str(path),
                hint="zip tools disagree on which copy they read; this file was not "
                "written by cf-scim-audit, do not use it",
            )
        if info.file_size > max_entry_bytes:
            raise SnapshotError(
                f"{path}: entry {name} unpacks to {info.file_size} bytes, more "
                f"than the {max_entry_bytes} a snapshot entry may hold",
                path=str(path),
                hint="this file was not written by cf-scim-audit; do not use it",
            )
        names.add(name)
    return names


# What a damaged or altered compressed entry raises while it is inflated:
# a CRC mismatch (BadZipFile), bad deflate data (zlib.error), a cut stream.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def _read_member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return archive.read(name)
    except _DAMAGED as exc:
        raise SnapshotError(
            f"{path}: entry {name} is corrupt or was altered after collection "
            f"({type(exc).__name__}: {exc})",
            path=str(path),
            hint="the file was altered or damaged; collect it again with "
            "'cf-scim-audit collect'",
        ) from exc


def _standard_json(blob: bytes) -> Any:
    """``blob`` parsed as RFC 8259 JSON: NaN, Infinity and 1e999 are refused.

    Python's parser takes them; the collector refuses them in API bodies, so a
    snapshot holding one was edited. A NaN in the manifest emptied every table
    of the HTML report, whose embedded data then was no JSON.
    """
    return json.loads(blob, parse_constant=_no_constant, parse_float=_finite_float)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number; RFC 8259 has no NaN or Infinity")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a JSON number")
    return value


def _parse_manifest(blob: bytes | None, path: Path) -> Manifest:
    if blob is None:
        raise SnapshotError(
            f"{path} has no {MANIFEST}: not a cf-scim-audit snapshot",
            path=str(path),
        )
    try:
        raw = _standard_json(blob)
    except ValueError as exc:
        raise _malformed(path, f"not valid JSON ({exc})") from exc
    except RecursionError:
        raise _malformed(path, "JSON nested too deeply to read") from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if not isinstance(version, int):
        raise _malformed(path, "format_version is missing or not a number")
    if version > FORMAT_VERSION:
        raise SnapshotError(
            f"{path} has snapshot format {version}; this version reads "
            f"up to {FORMAT_VERSION}",
            path=str(path),
            hint="upgrade cf-scim-audit to read it",
        )
    try:
        manifest = _MANIFEST_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _malformed(path, f"field {where}: {first['msg']}") from exc
    _check_manifest(manifest, path)
    return manifest


_MANIFEST_ADAPTER = TypeAdapter(Manifest)
_ACCOUNT_ID = re.compile(r"^[0-9a-fA-F]{32}$")


def _malformed(path: Path, what: str) -> SnapshotError:
    return SnapshotError(
        f"{path}: {MANIFEST} is malformed: {what}",
        path=str(path),
        hint="collect it again with 'cf-scim-audit collect'",
    )


def _check_manifest(manifest: Manifest, path: Path) -> None:
    """Refuse a manifest whose facts contradict each other."""
    if not _ACCOUNT_ID.match(manifest.account_id):
        raise _malformed(path, f"account_id {manifest.account_id!r} is not 32 hex")
    started = _timestamp(manifest.started_at, "started_at", path)
    finished = _timestamp(manifest.finished_at, "finished_at", path)
    if finished < started:
        raise _malformed(
            path,
            f"finished_at {manifest.finished_at} is before "
            f"started_at {manifest.started_at}",
        )
    for record in manifest.endpoints:
        listed = record.entry in manifest.files
        if listed != (record.status == "ok"):
            raise _malformed(
                path,
                f"entry {record.entry} is {record.status} but "
                f"{'has' if listed else 'has no'} data",
            )


def _check_account(account: Any, manifest: Manifest, path: Path) -> None:
    """The account entry must be the account the manifest says was collected."""
    if account is None:
        return
    found = account.get("id") if isinstance(account, dict) else None
    if not isinstance(found, str) or found.lower() != manifest.account_id.lower():
        raise SnapshotError(
            f"{path}: the manifest names account {manifest.account_id} but the "
            f"account entry is {found!r}",
            path=str(path),
            hint="the file was altered after collection; collect it again",
        )


def _timestamp(value: str, field_name: str, path: Path) -> datetime:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _malformed(path, f"{field_name} {value!r} is not ISO 8601") from exc
    if stamp.tzinfo is None:
        raise _malformed(path, f"{field_name} {value!r} has no time zone")
    return stamp


def _verified_entries(
    archive: zipfile.ZipFile, names: set[str], manifest: Manifest, path: Path
) -> dict[str, Any]:
    unlisted = sorted(names - set(manifest.files))
    missing = sorted(set(manifest.files) - names)
    if unlisted or missing:
        raise SnapshotError(
            f"{path}: entries do not match the manifest "
            f"(unlisted: {unlisted or 'none'}, missing: {missing or 'none'})",
            path=str(path),
            hint="the file was altered after collection; collect it again",
        )
    entries: dict[str, Any] = {}
    for name in sorted(names):
        blob = _read_member(archive, name, path)
        if _sha256(blob) != manifest.files[name]:
            raise SnapshotError(
                f"{path}: entry {name} does not match its SHA-256 in the manifest",
                path=str(path),
                hint="the file was altered after collection; collect it again",
            )
        try:
            entries[name] = _standard_json(blob)
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise SnapshotError(
                f"{path}: entry {name} is not valid JSON ({why})",
                path=str(path),
                hint="the file was altered after collection; collect it again",
            ) from None
    return entries
