"""'check' (collect, then report) and 'demo --stage post' through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reporter.cli import app
from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.snapshot import read_snapshot

# A real earlier snapshot: --force replaces only a cf-scim-audit snapshot.
EARLIER = (Path(__file__).parents[1] / "sample_reports" / "snapshot.zip").read_bytes()
TOKENS = {"CLOUDFLARE_API_TOKEN": "cf-test-token", "OKTA_API_TOKEN": "okta-test-token"}


def _check(out: Path, *options: str) -> Result:
    """Run 'check' against the demo organization's emulator."""
    org = build_organization()
    with Emulator(
        org,
        cloudflare_token=TOKENS["CLOUDFLARE_API_TOKEN"],
        okta_token=TOKENS["OKTA_API_TOKEN"],
    ) as emulator:
        return CliRunner().invoke(
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
                str(out),
                "--quiet",
                *options,
            ],
            env=TOKENS,
        )


def _folder(out: Path) -> dict[str, bytes]:
    """Every file in ``out``, hidden ones included, by name."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_check_collects_reports_and_gates(tmp_path: Path) -> None:
    """'check' writes the snapshot and findings.json, and exits 3 on the demo."""
    org = build_organization()
    result = _check(tmp_path, "--format", "json")

    document = json.loads((tmp_path / "findings.json").read_text("utf-8"))
    assert result.exit_code == 3, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "snapshot.zip"),
        str(tmp_path / "findings.json"),
    ]
    assert document["account_id"] == org.cloudflare.account["id"]
    assert document["gate"]["failed"] is True


@pytest.mark.parametrize("existing", ["snapshot.zip", "findings.json"])
def test_check_refuses_to_replace_an_earlier_run(tmp_path: Path, existing: str) -> None:
    """An existing snapshot or report is refused, exit 2, naming it and --force."""
    (tmp_path / existing).write_bytes(b"earlier evidence")

    result = _check(tmp_path, "--format", "json")

    assert result.exit_code == 2, result.stderr
    assert f"{tmp_path / existing} already exists" in result.stderr
    assert "--force" in result.stderr
    assert _folder(tmp_path) == {existing: b"earlier evidence"}


def test_check_force_replaces_the_earlier_run(tmp_path: Path) -> None:
    """With --force the snapshot and reports are replaced, and nothing else is left."""
    (tmp_path / "snapshot.zip").write_bytes(EARLIER)
    (tmp_path / "findings.json").write_bytes(b"earlier findings")

    result = _check(tmp_path, "--format", "json", "--force")

    written = _folder(tmp_path)
    assert result.exit_code == 3, result.stderr
    assert sorted(written) == ["findings.json", "snapshot.zip"]
    assert written["snapshot.zip"].startswith(b"PK")
    assert written["snapshot.zip"] != EARLIER
    assert json.loads(written["findings.json"])["gate"]["failed"] is True


def test_check_force_removes_an_earlier_report_it_does_not_write(
    tmp_path: Path,
) -> None:
    """check --format json --force: the earlier run's readiness.html goes, named."""
    (tmp_path / "snapshot.zip").write_bytes(EARLIER)
    (tmp_path / "readiness.html").write_bytes(b"an earlier run's report")
    (tmp_path / "redaction-key.json").write_bytes(b"an earlier run's key")

    result = _check(tmp_path, "--format", "json", "--force")

    assert result.exit_code == 3, result.stderr
    assert sorted(_folder(tmp_path)) == ["findings.json", "snapshot.zip"]
    for name in ("readiness.html", "redaction-key.json"):
        assert f"removed {tmp_path / name}: " in result.stderr


def test_check_force_that_fails_to_report_keeps_the_earlier_run(
    tmp_path: Path,
) -> None:
    """A report that cannot be written leaves the earlier snapshot and no new file."""
    (tmp_path / "snapshot.zip").write_bytes(EARLIER)
    (tmp_path / "readiness.html").mkdir()

    result = _check(tmp_path, "--format", "html,json", "--force")

    assert result.exit_code == 1, result.stderr
    assert "a folder has that name" in result.stderr
    assert _folder(tmp_path) == {"snapshot.zip": EARLIER}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "readiness.html",
        "snapshot.zip",
    ]


def test_check_passes_the_collection_options_to_the_collector(
    tmp_path: Path,
) -> None:
    """--rate-limit, --concurrency and the audit window reach the manifest's settings.

    60, not fewer than the demo's 15 Cloudflare requests: the limiter would
    otherwise hold the test for its 5-minute window.
    """
    options = ["--rate-limit", "60", "--concurrency", "2"]
    options += ["--audit-since", "2026-01-01", "--audit-before", "2026-02-01"]
    result = _check(tmp_path, "--format", "json", *options)

    settings = read_snapshot(tmp_path / "snapshot.zip").manifest.settings
    assert result.exit_code == 3, result.stderr
    assert settings["rate_limit"] == "60 requests per 300 s"
    assert settings["concurrency"] == "2"
    assert settings["audit_window"] == "2026-01-01 to 2026-02-01"


@pytest.mark.parametrize("command", ["collect", "check"])
@pytest.mark.parametrize(
    "option",
    [
        ["--rate-limit", "0"],
        ["--concurrency", "0"],
        ["--concurrency", "33"],
        ["--audit-since", "2026-02-30"],
        ["--audit-before", "2026-02-01"],
    ],
)
def test_check_validates_the_collection_options_as_collect(
    tmp_path: Path, command: str, option: list[str]
) -> None:
    """A value collect refuses, check refuses too: exit 2 naming the option."""
    result = CliRunner().invoke(
        app,
        [command, "--account", "0" * 32, "--out", str(tmp_path / "o"), *option],
        env=TOKENS,
    )

    assert result.exit_code == 2, result.stderr
    assert option[0] in result.stderr
    assert list(tmp_path.iterdir()) == []


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
