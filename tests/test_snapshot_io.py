"""The snapshot archive: written whole, read back only when every hash matches."""

from __future__ import annotations

import gc
import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from reporter.errors import ConfigError, SnapshotError
from reporter.snapshot import (
    EndpointRecord,
    Manifest,
    RequestRecord,
    Snapshot,
    read_snapshot,
    write_snapshot,
)
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.io import check_writable, write_private_atomic
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


def test_reading_leaves_the_garbage_collector_running(tmp_path: Path) -> None:
    """The collector, paused while entries are parsed, runs again after a read."""
    write_snapshot(_snapshot(), tmp_path / "s.zip")

    read_snapshot(tmp_path / "s.zip")

    assert gc.isenabled()


def test_a_refused_snapshot_leaves_the_garbage_collector_running(
    tmp_path: Path,
) -> None:
    """A read that fails on a hash still turns the paused collector back on."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _rewrite(path, {CF_MEMBERS: b"[]\n"})

    with pytest.raises(SnapshotError):
        read_snapshot(path)

    assert gc.isenabled()


def test_long_lived_data_is_aged_to_the_oldest_generation() -> None:
    """What a long-lived paused block built skips the young collections after it."""
    with gc_paused(long_lived=True):
        built = [[n] for n in range(3)]

    assert gc.isenabled()
    assert any(o is built for o in gc.get_objects(generation=2))
    assert not any(o is built for o in gc.get_objects(generation=0))


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
    (target / "keep").write_text("x")

    with pytest.raises(OSError):
        write_private_atomic(target, b"data")

    assert [p.name for p in tmp_path.iterdir()] == ["s.zip"]


def _edit_manifest(path: Path, **changes: object) -> None:
    """Change manifest fields in place, keeping every entry hash valid."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    manifest.update(changes)
    _rewrite(path, {MANIFEST: json.dumps(manifest).encode()})


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"finished_at": None}, "finished_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"finished_at": "2001-01-01T00:00:00+00:00"}, "before started_at"),
        ({"started_at": "2026-01-01T00:00:00"}, "time zone"),
        ({"account_id": "../../etc"}, "account_id"),
        ({"requests": [{"method": "GET"}]}, "requests.0"),
        ({"endpoints": [{"entry": CF_ACCOUNT, "status": "error"}]}, "endpoints.0"),
    ],
)
def test_malformed_manifest_is_rejected_naming_the_field(
    tmp_path: Path, changes: dict[str, object], named: str
) -> None:
    """A manifest with a wrong or contradictory field is refused, naming it."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _edit_manifest(path, **changes)

    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)

    assert named in str(caught.value) and "Error(" not in str(caught.value)


def test_failed_endpoint_with_data_is_rejected(tmp_path: Path) -> None:
    """An entry whose endpoint is recorded as failed must not carry data."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _edit_manifest(
        path,
        endpoints=[
            {"entry": CF_ACCOUNT, "status": "ok"},
            {"entry": CF_MEMBERS, "status": "failed", "reason": "403"},
        ],
    )

    with pytest.raises(SnapshotError, match="failed but has data"):
        read_snapshot(path)


def test_account_entry_must_match_the_manifest(tmp_path: Path) -> None:
    """A manifest naming another account than the account entry is refused."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _edit_manifest(path, account_id="0" * 32)

    with pytest.raises(SnapshotError, match="account entry"):
        read_snapshot(path)


def test_directory_is_not_a_snapshot(tmp_path: Path) -> None:
    """Passing a directory is refused without reading it."""
    with pytest.raises(SnapshotError, match="directory"):
        read_snapshot(tmp_path)


def test_device_file_is_not_read(tmp_path: Path) -> None:
    """/dev/zero is refused at once instead of being read without end."""
    with pytest.raises(SnapshotError, match="not a snapshot file"):
        read_snapshot(Path("/dev/zero"))


def test_oversized_entry_is_refused_before_unpacking(tmp_path: Path) -> None:
    """An entry declaring more than the limit is refused without inflating it."""
    path = tmp_path / "s.zip"
    write_snapshot(_snapshot(), path)
    _rewrite(path, {"cloudflare/roles.json": b"[" + b" " * 5000 + b"]"})

    with pytest.raises(SnapshotError, match="unpacks to 5002 bytes"):
        read_snapshot(path, max_entry_bytes=4096)


def test_writing_onto_a_directory_names_it(tmp_path: Path) -> None:
    """--out naming an existing directory is a clear error, not a traceback."""
    with pytest.raises(SnapshotError, match="is a directory"):
        write_snapshot(_snapshot(), tmp_path)


def test_unwritable_location_is_a_snapshot_error(tmp_path: Path) -> None:
    """A location that cannot be created is reported with the path."""
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(SnapshotError, match="cannot write snapshot"):
        write_snapshot(_snapshot(), blocker / "s.zip")


def test_an_out_name_too_long_for_its_working_files_is_refused_first(
    tmp_path: Path,
) -> None:
    """A legal name whose .<name>.partial would not fit fails before any request."""
    out = tmp_path / f"{'a' * 246}.zip"

    with pytest.raises(ConfigError) as raised:
        check_writable(out, folder=out.parent)

    assert str(raised.value) == (
        f"cannot write {out}: no file can be made in {tmp_path} (File name too "
        "long) (choose a shorter --out file name)"
    )
    check_writable(tmp_path / f"{'a' * 240}.zip", folder=tmp_path)  # fits
