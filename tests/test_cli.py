"""The command line: exit codes, one-line errors, report paths on stdout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_runner import run_cli

from reporter.demo import build_organization
from reporter.emulator import Emulator

ACCOUNT = "92676c84a627399250800312ecb90514"


def _cli(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point as a user would."""
    return run_cli(*args, env=env)


def test_demo_prints_three_report_paths(tmp_path: Path) -> None:
    """'demo' writes a snapshot and prints exactly the three report paths."""
    result = _cli("demo", "--out", str(tmp_path), "--quiet")

    paths = [Path(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert sorted(p.suffix for p in paths) == [".html", ".pdf", ".xlsx"]
    assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)
    assert (tmp_path / "snapshot.zip").is_file()


def test_wrong_token_names_the_permission(tmp_path: Path) -> None:
    """A token Cloudflare refuses ends with one line naming the permission, exit 1."""
    org = build_organization()
    with Emulator(org, cloudflare_token="right", okta_token="right") as emulator:
        result = _cli(
            "collect",
            "--account",
            org.cloudflare.account["id"],
            "--cloudflare-url",
            emulator.cloudflare_url,
            "--out",
            str(tmp_path / "s.zip"),
            "--quiet",
            env={"CLOUDFLARE_API_TOKEN": "wrong-token-value"},
        )

    assert result.returncode == 1
    assert "Account Settings Read" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "wrong-token-value" not in result.stderr
    assert not (tmp_path / "s.zip").exists()


def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    """Without CLOUDFLARE_API_TOKEN, collect says which variable to set."""
    result = _cli("collect", "--account", ACCOUNT, "--out", str(tmp_path / "s.zip"))

    assert result.returncode == 2
    assert "CLOUDFLARE_API_TOKEN" in result.stderr


def test_missing_option_names_it(tmp_path: Path) -> None:
    """Leaving out --account is a usage error naming the option."""
    result = _cli("collect", "--out", str(tmp_path / "s.zip"))

    assert result.returncode == 2
    assert "--account" in result.stderr


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"not a zip"])
def test_corrupt_snapshot_is_rejected_naming_the_file(
    tmp_path: Path, content: bytes
) -> None:
    """'report' on a corrupt snapshot fails with exit 1, names it, writes nothing."""
    bad = tmp_path / "bad.zip"
    bad.write_bytes(content)
    out = tmp_path / "out"

    result = _cli("report", str(bad), "--out", str(out))

    assert result.returncode == 1
    assert str(bad) in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    """An unknown --format value is named with the accepted ones."""
    result = _cli(
        "report", str(tmp_path / "s.zip"), "--out", str(tmp_path), "--format", "docx"
    )

    assert result.returncode == 2
    assert "docx" in result.stderr and "html" in result.stderr


def test_report_writes_only_the_requested_format(tmp_path: Path) -> None:
    """'report' renders the requested formats only, from a demo snapshot."""
    demo = _cli("demo", "--out", str(tmp_path / "demo"), "--quiet")
    assert demo.returncode == 0, demo.stderr

    result = _cli(
        "report",
        str(tmp_path / "demo" / "snapshot.zip"),
        "--out",
        str(tmp_path / "r"),
        "--format",
        "xlsx",
    )

    # The demo has high findings: exit 3 (README, "Exit codes").
    assert result.returncode == 3, result.stderr
    assert [Path(p).name for p in result.stdout.split()] == ["readiness.xlsx"]
