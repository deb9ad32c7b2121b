"""The snapshot archive: written whole, read back only when every hash matches."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from reporter.errors import SnapshotError
from reporter.snapshot import (
    EndpointRecord,
    Manifest,
    RequestRecord,
    Snapshot,
    read_snapshot,
    write_snapshot,
)
from reporter.snapshot.layout import CF_ACCOUNT, CF_MEMBERS, FORMAT_VERSION, MANIFEST

ACCOUNT = "92676c84a627399250800312ecb90514"


def _snapshot() -> Snapshot:
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        tool_version="0.0.test",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:05+00:00",
        account_id=ACCOUNT,
        sources={"cloudflare": "http://127.0.0.1:1/client/v4"},
        settings={},
        endpoints=(
            EndpointRecord(entry=CF_ACCOUNT, status="ok", pages=1, count=1),
            EndpointRecord(entry=CF_MEMBERS, status="ok", pages=1, count=1),
        ),
        requests=(
            RequestRecord("GET", f"/accounts/{ACCOUNT}", 200, 3.5, CF_ACCOUNT, 1),
        ),
    )
    entries = {
        CF_ACCOUNT: {"id": ACCOUNT, "name": "Zoë ☃ Corp", "type": "enterprise"},
        CF_MEMBERS: [{"id": "m1", "email": "a@example.com", "status": "accepted"}],
    }
    return Snapshot(manifest=manifest, entries=entries)


def _rewrite(path: Path, change: dict[str, bytes]) -> None:
    """Rewrite the archive at ``path`` with some members replaced or added."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(change)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_round_trip_keeps_entries_and_records_hashes(tmp_path: Path) -> None:
    """A written snapshot reads back with the same entries and a hash per entry."""
    written = write_snapshot(_snapshot(), tmp_path / "s.zip")

    read = read_snapshot(tmp_path / "s.zip")

    assert read.entries == _snapshot().entries
    assert set(read.manifest.files) == {CF_ACCOUNT, CF_MEMBERS}
    assert read.sha256 == written.sha256 and len(read.sha256) == 64
    assert read.manifest.requests[0].path == f"/accounts/{ACCOUNT}"


def test_same_snapshot_gives_same_bytes(tmp_path: Path) -> None:
    """Writing the same snapshot twice produces identical files."""
    write_snapshot(_snapshot(), tmp_path / "a.zip")
    write_snapshot(_snapshot(), tmp_path / "b.zip")

    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_snapshot_is_owner_only(tmp_path: Path) -> None:
    """The snapshot file is readable and writable by its owner alone."""
    write_snapshot(_snapshot(), tmp_path / "s.zip")

    mode = stat.S_IMODE((tmp_path / "s.zip").stat().st_mode)

    assert mode == 0o600


def test_tampered_entry_is_rejected(tmp_path: Path) -> None:
    """Changing an entry after collection fails the hash check, naming the entry."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _rewrite(path, {CF_MEMBERS: b"[]\n"})

    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)

    assert CF_MEMBERS in str(caught.value) and str(path) in str(caught.value)


def test_unlisted_entry_is_rejected(tmp_path: Path) -> None:
    """An entry the manifest does not list is refused."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _rewrite(path, {"cloudflare/extra.json": b"{}"})

    with pytest.raises(SnapshotError, match=r"cloudflare/extra\.json"):
        read_snapshot(path)


def test_path_escaping_the_archive_is_rejected(tmp_path: Path) -> None:
    """An entry named with '..' is refused before anything is parsed."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _rewrite(path, {"../evil.json": b"{}"})

    with pytest.raises(SnapshotError, match="unsafe path"):
        read_snapshot(path)


def test_truncated_file_is_rejected_naming_it(tmp_path: Path) -> None:
    """A truncated snapshot is reported as corrupt with its path."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    path.write_bytes(path.read_bytes()[:200])

    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)

    assert str(path) in str(caught.value)


def test_newer_format_is_rejected(tmp_path: Path) -> None:
    """A manifest from a newer format asks the user to upgrade."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest["format_version"] = FORMAT_VERSION + 1
    _rewrite(path, {MANIFEST: json.dumps(manifest).encode()})

    with pytest.raises(SnapshotError, match="upgrade"):
        read_snapshot(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    """Reading a snapshot that does not exist names the path."""
    with pytest.raises(SnapshotError, match=r"nope\.zip"):
        read_snapshot(tmp_path / "nope.zip")


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    """A write that fails at the final rename leaves no temporary file."""
    target = tmp_path / "s.zip"
    target.mkdir()

    with pytest.raises(OSError):
        write_snapshot(_snapshot(), target)

    assert [p.name for p in tmp_path.iterdir()] == ["s.zip"]
    assert list(target.iterdir()) == []
