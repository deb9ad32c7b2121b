"""'check' (collect, then report) and 'demo --stage post' through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reporter.cli import app
from reporter.demo import build_organization
from reporter.emulator import Emulator

TOKENS = {"CLOUDFLARE_API_TOKEN": "cf-test-token", "OKTA_API_TOKEN": "okta-test-token"}


def test_check_collects_reports_and_gates(tmp_path: Path) -> None:
    """'check' writes the snapshot and findings.json, and exits 3 on the demo."""
    org = build_organization()
    with Emulator(
        org,
        cloudflare_token=TOKENS["CLOUDFLARE_API_TOKEN"],
        okta_token=TOKENS["OKTA_API_TOKEN"],
    ) as emulator:
        result = CliRunner().invoke(
            app,
            [
                "check",
                "--account",
                org.cloudflare.account["id"],
                "--cloudflare-url",
                emulator.cloudflare_url,
                "--okta-url",
                emulator.okta_url,
                "--okta-v1-app",
                org.okta.v1_app_id,
                "--okta-v2-app",
                org.okta.v2_app_id,
                "--out",
                str(tmp_path),
                "--format",
                "json",
                "--quiet",
            ],
            env=TOKENS,
        )

    document = json.loads((tmp_path / "findings.json").read_text("utf-8"))
    assert result.exit_code == 3, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "snapshot.zip"),
        str(tmp_path / "findings.json"),
    ]
    assert document["account_id"] == org.cloudflare.account["id"]
    assert document["gate"]["failed"] is True


def test_check_without_token_is_a_usage_error(tmp_path: Path) -> None:
    """'check' needs CLOUDFLARE_API_TOKEN like 'collect' and says so, exit 2."""
    result = CliRunner().invoke(
        app,
        ["check", "--account", "0" * 32, "--out", str(tmp_path)],
        env={"CLOUDFLARE_API_TOKEN": ""},
    )

    assert result.exit_code == 2
    assert "CLOUDFLARE_API_TOKEN" in result.stderr


def test_demo_stage_post_writes_the_migrated_snapshot(tmp_path: Path) -> None:
    """'demo --stage post' collects the migrated organization over HTTP."""
    result = CliRunner().invoke(
        app, ["demo", "--stage", "post", "--out", str(tmp_path), "--quiet"]
    )

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "snapshot.zip").is_file()
    assert sorted(Path(p).suffix for p in result.stdout.split()) == [
        ".html",
        ".pdf",
        ".xlsx",
    ]


def test_demo_unknown_stage_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown stage is refused with exit 2, naming it."""
    result = CliRunner().invoke(
        app, ["demo", "--stage", "midway", "--out", str(tmp_path), "--quiet"]
    )

    assert result.exit_code == 2
    assert "midway" in result.stderr
