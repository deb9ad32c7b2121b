"""A snapshot holding one entry name twice is refused by every command reading it."""

from __future__ import annotations

import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest
from cli_runner import run_cli

from reporter.errors import SnapshotError
from reporter.snapshot import layout, read_snapshot

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
FORGED = b'[{"id": "forged"}]\n'
HINT = (
    "zip tools disagree on which copy they read; this file was not written by "
    "cf-scim-audit, do not use it"
)


def with_forged_first(target: Path, forged_name: str = layout.CF_MEMBERS) -> Path:
    """The sample snapshot with a forged ``forged_name`` before the real members."""
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(target, "w") as copy:
        copy.writestr(forged_name, FORGED)
        with warnings.catch_warnings():
            # The duplicate is the point of the test.
            warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
            for info in source.infolist():
                copy.writestr(info, source.read(info))
    return target


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a refused run; no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_verify_refuses_a_repeated_entry_naming_it(tmp_path: Path) -> None:
    """verify: exit 1, one line naming the entry, no 'entries match' line."""
    forged = with_forged_first(tmp_path / "dup.zip")

    result = run_cli("verify", str(forged))

    assert result.returncode == 1
    assert result.stdout == ""
    assert error_line(result) == (
        f"error: {forged} holds the entry 'cloudflare/members.json' twice ({HINT})"
    )


def test_report_refuses_a_repeated_entry_writing_nothing(tmp_path: Path) -> None:
    """report: exit 1, the same line, and no report written."""
    forged = with_forged_first(tmp_path / "dup.zip")
    out = tmp_path / "out"

    result = run_cli("report", str(forged), "--out", str(out), "--format", "json")

    assert result.returncode == 1
    assert error_line(result) == (
        f"error: {forged} holds the entry 'cloudflare/members.json' twice ({HINT})"
    )
    assert not (out / "findings.json").exists()


def test_diff_refuses_a_repeated_entry_in_either_snapshot(tmp_path: Path) -> None:
    """diff reads through the same reader: the repeated manifest is refused."""
    forged = with_forged_first(tmp_path / "dup.zip", layout.MANIFEST)

    result = run_cli("diff", str(SAMPLE), str(forged), "--out", str(tmp_path / "d"))

    assert result.returncode == 1
    assert error_line(result) == (
        f"error: {forged} holds the entry 'manifest.json' twice ({HINT})"
    )


def test_a_name_cut_at_a_nul_byte_is_refused_as_unsafe(tmp_path: Path) -> None:
    """zipfile reads 'members.json<NUL>x' as members.json; other tools may not."""
    path = with_forged_first(tmp_path / "nul.zip", layout.CF_MEMBERS + "X")
    data = path.read_bytes().replace(b"members.jsonX", b"members.json\x00")
    path.write_bytes(data)

    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)

    assert caught.value.message == (
        f"{path} holds an entry with an unsafe path: 'cloudflare/members.json\\x00'"
    )
