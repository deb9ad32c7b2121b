"""'cf-scim-audit verify': every hash re-checked, the manifest summarised."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from snapshot_edits import edit_manifest

from reporter.snapshot import layout, read_snapshot

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"


def verify(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reporter", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_sound_snapshot_prints_its_summary() -> None:
    """A sound snapshot exits 0 and prints account, entries checked and requests."""
    manifest = read_snapshot(SAMPLE).manifest

    result = verify(SAMPLE)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert f"verified: {len(manifest.files)} entries match their SHA-256" in lines
    assert f"account: {manifest.account_id}" in lines
    assert lines[-len(manifest.endpoints) :][1].startswith(
        f"ok      {layout.CF_MEMBERS}"
    )
    assert any(
        line.startswith(f"requests: {len(manifest.requests)} (") for line in lines
    )


def test_a_tampered_entry_fails_naming_it(tmp_path: Path) -> None:
    """One changed entry: exit 1, one line naming the file and the entry."""
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(tampered, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == layout.CF_MEMBERS:
                data = data.replace(b"accepted", b"ACCEPTED", 1)
            copy.writestr(info, data)

    result = verify(tampered)

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"{tampered}: entry {layout.CF_MEMBERS} does not match" in result.stderr


@pytest.mark.parametrize("content", [b"", b"not a zip"])
def test_a_file_that_is_no_snapshot_fails_naming_it(
    tmp_path: Path, content: bytes
) -> None:
    """An empty or foreign file is refused with exit 1 naming the path."""
    bad = tmp_path / "bad.zip"
    bad.write_bytes(content)

    result = verify(bad)

    assert result.returncode == 1
    assert str(bad) in result.stderr


def test_control_characters_in_the_manifest_are_printed_escaped(
    tmp_path: Path,
) -> None:
    """An edited manifest's ESC sequences reach stdout escaped, never raw."""
    hostile = tmp_path / "hostile.zip"
    label = "Cloudflare\x1b]0;PWNED\x07\x1b[2J app"
    edit_manifest(
        SAMPLE, hostile, lambda m: m["settings"].update(okta_v2_app_label=label)
    )

    result = verify(hostile)

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert (
        "setting okta_v2_app_label: Cloudflare\\x1b]0;PWNED\\x07\\x1b[2J app"
        in result.stdout.splitlines()
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_manifest_with_a_number_json_has_not_is_refused(
    tmp_path: Path, constant: str
) -> None:
    """NaN in the unsigned manifest is refused, not carried into the reports."""
    edited = tmp_path / "edited.zip"
    edit_manifest(
        SAMPLE,
        edited,
        lambda m: m["requests"][0].update(elapsed_ms="@@"),
        raw=lambda data: data.replace(b'"@@"', constant.encode()),
    )

    result = verify(edited)

    assert result.returncode == 1
    assert result.stdout == ""
    why = (
        f"{constant} is not a JSON number; RFC 8259 has no NaN or Infinity"
        if constant != "1e999"
        else "1e999 is too large for a JSON number"
    )
    assert f"{edited}: {layout.MANIFEST} is malformed: not valid JSON ({why})" in (
        result.stderr
    ), result.stderr


def test_a_stdout_that_cannot_be_written_is_one_error_line() -> None:
    """verify > /dev/full: one line naming the failure and exit 1, no traceback."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run(
            [sys.executable, "-m", "reporter", "verify", str(SAMPLE)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )

    assert result.returncode == 1
    assert result.stderr == (
        "error: cannot write to standard output (No space left on device)\n"
    )
