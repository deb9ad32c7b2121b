"""--suppressions reads a regular file of at most 8 MiB, or refuses it (exit 2)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_runner import run_cli

from reporter.regular_file import FileTooLarge, read_regular_file
from reporter.suppress import MAX_BYTES

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
SAMPLE_POST = SAMPLE.with_name("snapshot-post.zip")
ACCOUNT = "a" * 32
ON_DISK = "pass --suppressions the path of a TOML file saved on disk"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process; the timeout only stops a hang."""
    return run_cli(*args, env={"CLOUDFLARE_API_TOKEN": "dummy-token-never-sent"})


def report(suppressions: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``report`` of the sample snapshot, as JSON, with ``suppressions``."""
    args = ["report", str(SAMPLE), "--out", str(out), "--format", "json"]
    return run(*args, "--suppressions", str(suppressions))


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a refused run; no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["report", "diff", "check"])
def test_dev_zero_is_refused_by_every_command_without_reading(
    command: str, tmp_path: Path
) -> None:
    """/dev/zero is a device: exit 2 at once, not a read until memory runs out."""
    out = tmp_path / "out"
    args = {
        "report": ["report", str(SAMPLE)],
        "diff": ["diff", str(SAMPLE), str(SAMPLE_POST)],
        "check": ["check", "--account", ACCOUNT],
    }[command]

    result = run(*args, "--out", str(out), "--suppressions", "/dev/zero")

    assert result.returncode == 2, result.stderr
    assert error_line(result) == (
        "error: the suppressions file /dev/zero is a character device, "
        f"not a regular file ({ON_DISK})"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("make", "kind"), [(os.mkfifo, "a named pipe (FIFO)"), (os.mkdir, "a directory")]
)
def test_a_pipe_or_a_directory_is_refused_before_it_is_opened(
    make: Callable[[Path], None], kind: str, tmp_path: Path
) -> None:
    """A FIFO with no writer, or a folder: exit 2 naming it, never a hang."""
    path = tmp_path / "accepted"
    make(path)

    result = report(path, tmp_path / "out")

    assert result.returncode == 2, result.stderr
    assert error_line(result) == (
        f"error: the suppressions file {path} is {kind}, not a regular file ({ON_DISK})"
    )


def test_a_file_over_8_mib_is_refused_naming_its_size(tmp_path: Path) -> None:
    """One byte over the cap: exit 2, naming the file's size and the cap."""
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))

    result = report(big, tmp_path / "out")

    assert result.returncode == 2, result.stderr
    assert error_line(result) == (
        f"error: the suppressions file {big} is 8,388,609 bytes, more than the "
        "8,388,608 bytes (8 MiB) a suppressions file may hold "
        "(check that --suppressions names the TOML file of accepted risks)"
    )


def test_a_good_file_still_suppresses(tmp_path: Path) -> None:
    """A regular file under the cap is read: its entry suppresses a finding."""
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(
        '[[suppress]]\nowner = "secops"\nreason = "accepted"\n'
        'expires = 2999-12-31\ncheck = "okta-push-mapping-error"\n',
        encoding="utf-8",
    )

    result = report(accepted, tmp_path / "out")

    assert result.returncode == 3, result.stderr
    assert "error:" not in result.stderr
    assert "(1 suppressed)" in result.stderr.splitlines()[-1]


def test_a_file_larger_than_it_says_is_read_only_to_the_cap() -> None:
    """/proc files claim 0 bytes: reading stops one byte past the cap."""
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("needs Linux /proc")

    with pytest.raises(FileTooLarge) as caught:
        read_regular_file(status, 16)

    assert (caught.value.size, caught.value.limit) == (17, 16)
