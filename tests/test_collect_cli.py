"""The 'collect' and 'verify' commands end to end: faults become evidence."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from cli_runner import run_cli

from reporter.collect.cloudflare import SCIM_HINT
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions
from reporter.snapshot import layout, read_snapshot

TOKEN = "cf-cli-test-token-7d1e"
OKTA_TOKEN = "okta-cli-test-token-2b9c"
AUDIT = (
    {"id": "a" * 32, "action": {"time": "2026-07-03T12:00:00Z", "type": "update"}},
    {"id": "b" * 32, "action": {"time": "2026-06-01T12:00:00Z", "type": "update"}},
)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the tool as a user would, with both tokens in the environment."""
    return run_cli(
        *args, env={"CLOUDFLARE_API_TOKEN": TOKEN, "OKTA_API_TOKEN": OKTA_TOKEN}
    )


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@pytest.fixture(scope="module")
def no_scim(org: Organization) -> Iterator[Emulator]:
    """The demo account for a token without the SCIM reads."""
    with Emulator(
        org,
        cloudflare_token=TOKEN,
        okta_token=OKTA_TOKEN,
        forbidden=frozenset({"scim"}),
    ) as emulator:
        yield emulator


def collect(
    emulator: Emulator, org: Organization, out: Path, *more: str
) -> subprocess.CompletedProcess[str]:
    return cli(
        "collect",
        "--account",
        org.cloudflare.account["id"],
        "--cloudflare-url",
        emulator.cloudflare_url,
        "--out",
        str(out),
        "--quiet",
        *more,
    )


def test_a_scim_403_is_recorded_and_reported_as_could_not_assess(
    no_scim: Emulator, org: Organization, tmp_path: Path
) -> None:
    """Refused SCIM reads: collect succeeds, the report names reason and permission."""
    out = tmp_path / "s.zip"
    collected = collect(no_scim, org, out)
    reported = cli("report", str(out), "--format", "html", "--out", str(tmp_path))

    record = read_snapshot(out).manifest.endpoint(layout.CF_SCIM_USERS)
    html = BeautifulSoup((tmp_path / "readiness.html").read_text(), "html.parser")
    section = html.find(id="not-assessed")
    assert collected.returncode == 0, collected.stderr
    assert reported.returncode == 0, reported.stderr
    assert record is not None and (record.status, record.http_status) == ("failed", 403)
    assert section is not None and SCIM_HINT in section.get_text()
    assert "HTTP 403" in section.get_text()


def test_strict_turns_could_not_assess_into_exit_3(
    no_scim: Emulator, org: Organization, tmp_path: Path
) -> None:
    """--strict with refused SCIM reads exits 3 with one error; the snapshot stays."""
    out = tmp_path / "s.zip"

    result = collect(no_scim, org, out, "--strict")

    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert result.returncode == 3
    assert len(errors) == 1 and "could not be assessed" in errors[0]
    assert out.is_file()


def test_strict_passes_a_complete_collection(org: Organization, tmp_path: Path) -> None:
    """Cloudflare and Okta both read in full: --strict exits 0."""
    out = tmp_path / "s.zip"
    with Emulator(org, cloudflare_token=TOKEN, okta_token=OKTA_TOKEN) as emulator:
        result = collect(
            emulator,
            org,
            out,
            "--strict",
            "--okta-url",
            emulator.okta_url,
            "--okta-v1-app",
            org.okta.v1_app_id,
            "--okta-v2-app",
            org.okta.v2_app_id,
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)


def test_refused_members_stop_naming_account_settings_read(
    org: Organization, tmp_path: Path
) -> None:
    """A 403 on members ends with one line naming the permission, and no snapshot."""
    forbidden = frozenset({"members"})
    with Emulator(
        org, cloudflare_token=TOKEN, okta_token=OKTA_TOKEN, forbidden=forbidden
    ) as emulator:
        result = collect(emulator, org, tmp_path / "s.zip")

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Account Settings Read" in result.stderr and "HTTP 403" in result.stderr
    assert not (tmp_path / "s.zip").exists()


def test_all_accounts_writes_one_snapshot_per_account(
    org: Organization, tmp_path: Path
) -> None:
    """--all-accounts writes DIR/<account id>.zip for each listed account."""
    account = org.cloudflare.account["id"]
    with Emulator(org, cloudflare_token=TOKEN, okta_token=OKTA_TOKEN) as emulator:
        result = cli(
            "collect",
            "--all-accounts",
            "--cloudflare-url",
            emulator.cloudflare_url,
            "--out",
            str(tmp_path / "audit"),
            "--quiet",
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(tmp_path / "audit" / f"{account}.zip")]
    assert read_snapshot(tmp_path / "audit" / f"{account}.zip").manifest.account_id == (
        account
    )


def test_account_and_all_accounts_together_is_a_usage_error(tmp_path: Path) -> None:
    """Naming accounts and asking for all of them is refused with exit 2."""
    result = cli("collect", "--account", "a" * 32, "--all-accounts", "--out", "x")

    assert result.returncode == 2
    assert "--account ID (repeatable) or --all-accounts" in result.stderr


def test_audit_since_stores_the_windows_audit_logs(
    org: Organization, tmp_path: Path
) -> None:
    """--audit-since keeps the Audit Logs v2 entries of the window as an entry."""
    out = tmp_path / "s.zip"
    options = EmulatorOptions(audit_logs=AUDIT)
    with Emulator(
        org, cloudflare_token=TOKEN, okta_token=OKTA_TOKEN, options=options
    ) as emulator:
        result = collect(
            emulator,
            org,
            out,
            "--audit-since",
            "2026-07-01",
            "--audit-before",
            "2026-08-01",
        )

    snapshot = read_snapshot(out)
    assert result.returncode == 0, result.stderr
    assert [e["id"] for e in snapshot.entries[layout.CF_AUDIT_LOGS]] == ["a" * 32]
    assert snapshot.manifest.settings["audit_window"] == "2026-07-01 to 2026-08-01"


def test_a_malformed_audit_date_names_it(tmp_path: Path) -> None:
    """--audit-since with no date is a usage error naming the value and the form."""
    result = cli(
        "collect", "--account", "a" * 32, "--out", "x", "--audit-since", "last week"
    )

    assert result.returncode == 2
    assert "'last week' is not a date" in result.stderr


def test_an_existing_snapshot_is_not_replaced(tmp_path: Path) -> None:
    """collect --out an existing file exits 2 naming it and --force; it stays."""
    out = tmp_path / "existing.zip"
    out.write_bytes(b"earlier evidence")

    result = cli("collect", "--account", "a" * 32, "--out", str(out), "--quiet")

    assert result.returncode == 2, result.stderr
    assert f"{out} already exists" in result.stderr and "--force" in result.stderr
    assert out.read_bytes() == b"earlier evidence"


def test_force_replaces_an_existing_snapshot(
    no_scim: Emulator, org: Organization, tmp_path: Path
) -> None:
    """collect --force writes a new snapshot over an earlier snapshot."""
    out = tmp_path / "existing.zip"
    sample = Path(__file__).parents[1] / "sample_reports" / "snapshot.zip"
    out.write_bytes(sample.read_bytes())

    result = collect(no_scim, org, out, "--force")

    assert result.returncode == 0, result.stderr
    assert read_snapshot(out).manifest.account_id == org.cloudflare.account["id"]


def test_resume_may_continue_onto_an_existing_output(
    no_scim: Emulator, org: Organization, tmp_path: Path
) -> None:
    """collect --resume is not refused because its output already exists."""
    out = tmp_path / "s.zip"
    assert collect(no_scim, org, out).returncode == 0

    result = collect(no_scim, org, out, "--resume")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)


def test_okta_app_ids_without_okta_url_are_refused(tmp_path: Path) -> None:
    """--okta-v1-app without --okta-url exits 2 naming the missing option."""
    out = tmp_path / "s.zip"

    result = cli(
        "collect", "--account", "a" * 32, "--out", str(out), "--okta-v1-app", "0oa1"
    )

    assert result.returncode == 2, result.stderr
    assert "--okta-v1-app given without --okta-url" in result.stderr
    assert not out.exists()


def test_an_upper_case_account_id_is_collected_in_lower_case(
    no_scim: Emulator, org: Organization, tmp_path: Path
) -> None:
    """--account in upper case is sent and kept in the manifest in lower case."""
    account_id = org.cloudflare.account["id"]
    out = tmp_path / "s.zip"

    result = cli(
        "collect",
        "--account",
        account_id.upper(),
        "--cloudflare-url",
        no_scim.cloudflare_url,
        "--out",
        str(out),
        "--quiet",
    )

    assert result.returncode == 0, result.stderr
    assert read_snapshot(out).manifest.account_id == account_id
