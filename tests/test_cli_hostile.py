"""What a new user found with only the README and --help: each one fixed."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reporter.snapshot import layout

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
ACCOUNT = "a" * 32


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it, with a dummy token."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_TOKEN")}
    env["CLOUDFLARE_API_TOKEN"] = "dummy-token-never-sent"
    return subprocess.run(
        [sys.executable, "-m", "reporter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a refused run; no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


def flip_compressed_byte(source: Path, target: Path, entry: str) -> None:
    """Copy ``source`` with one byte flipped inside ``entry``'s deflated data."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(entry)
    offset = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[offset + 26 : offset + 30])
    start = offset + 30 + name_len + extra_len
    assert info.compress_size > 64
    data[start + info.compress_size // 2] ^= 0xFF
    target.write_bytes(bytes(data))


# 3 (a): several accounts need a directory


def test_several_accounts_into_an_existing_file_is_refused_up_front(
    tmp_path: Path,
) -> None:
    """Two accounts with --out an existing file: exit 2 naming it, no traceback."""
    notes = tmp_path / "notes.md"
    notes.write_text("my notes\n")

    result = cli(
        "collect",
        *("--account", "a" * 32, "--account", "b" * 32),
        *("--out", str(notes), "--quiet"),
    )

    line = one_line_error(result)
    assert result.returncode == 2
    assert f"--out {notes} is a file" in line and "directory" in line
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


# 3 (b): damaged compressed data


@pytest.mark.parametrize("command", ["verify", "report"])
def test_a_flipped_compressed_byte_is_one_altered_line(
    tmp_path: Path, command: str
) -> None:
    """A byte flipped inside deflated data: exit 1, one line naming file and entry."""
    damaged = tmp_path / "damaged.zip"
    flip_compressed_byte(SAMPLE, damaged, layout.CF_MEMBERS)
    extra = ["--out", str(tmp_path / "out")] if command == "report" else []

    result = cli(command, str(damaged), *extra)

    line = one_line_error(result)
    assert result.returncode == 1
    assert f"{damaged}: entry {layout.CF_MEMBERS} is corrupt or was altered" in line
    assert not (tmp_path / "out").exists()


# 1: the audit window is a real window


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (["--audit-since", "2026-13-01"], "--audit-since '2026-13-01' is not a real"),
        (["--audit-since", "2026-02-30"], "--audit-since '2026-02-30' is not a real"),
        (
            ["--audit-since", "2020-01-01", "--audit-before", "2020-02-31"],
            "--audit-before '2020-02-31' is not a real",
        ),
        (
            ["--audit-since", "2025-12-01", "--audit-before", "2025-11-01"],
            "since 2025-12-01 is not before 2025-11-01",
        ),
        (
            ["--audit-since", "2025-12-01", "--audit-before", "2025-12-01"],
            "since 2025-12-01 is not before 2025-12-01",
        ),
        (["--audit-since", "2999-01-01"], "--audit-since 2999-01-01 is in the future"),
    ],
)
def test_an_impossible_audit_window_is_refused(
    tmp_path: Path, window: list[str], expected: str
) -> None:
    """Impossible dates, reversed, empty or future windows: exit 2 naming them."""
    out = tmp_path / "s.zip"

    result = cli("collect", "--account", ACCOUNT, "--out", str(out), *window)

    line = one_line_error(result)
    assert result.returncode == 2
    assert expected in line
    assert "--audit-" in line.split("(", 1)[1]  # the hint names the option
    assert not out.exists()


def test_a_timestamp_window_with_a_zone_is_accepted() -> None:
    """RFC 3339 timestamps, with Z or an offset, make a valid window."""
    from reporter.collect.interface import AuditWindow, audit_instant

    window = AuditWindow("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+00:30")

    assert window.since == "2026-01-01T00:00:00Z"
    assert audit_instant("since", "2026-01-01").isoformat() == (
        "2026-01-01T00:00:00+00:00"
    )
