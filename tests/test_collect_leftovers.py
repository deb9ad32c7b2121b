"""What a failed or interrupted collect leaves: a .partial only when it read entries."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import CREDENTIALS, RUN_WITH_CTRL_C, run_cli

from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault

TOKEN = "cf-leftovers-test-token-81c4"
BOUND = 60.0


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


def collect(
    org: Organization, url: str, out: Path, token: str = TOKEN
) -> subprocess.CompletedProcess[str]:
    """``collect`` of the demo account from ``url`` into ``out``, as a user runs it."""
    account = org.cloudflare.account["id"]
    return run_cli(
        *("collect", "--account", account, "--cloudflare-url", url),
        *("--out", str(out), "--quiet"),
        env={"CLOUDFLARE_API_TOKEN": token},
    )


def closed_port() -> int:
    """A loopback port nothing listens on (one just bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_token_no_header_can_carry_leaves_nothing(
    org: Organization, tmp_path: Path
) -> None:
    """A token with a line break is refused, exit 2, and no .partial folder is left."""
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as emulator:
        result = collect(
            org, emulator.cloudflare_url, tmp_path / "t" / "2.zip", "x\r\nX: 1"
        )

    assert result.returncode == 2, result.stderr
    assert "CLOUDFLARE_API_TOKEN holds characters" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_closed_port_leaves_nothing(org: Organization, tmp_path: Path) -> None:
    """Cloudflare unreachable: exit 1 after the retries, no .partial, no folder made."""
    url = f"http://127.0.0.1:{closed_port()}/client/v4"

    result = collect(org, url, tmp_path / "t" / "3.zip")

    assert result.returncode == 1, result.stderr
    assert "failed after 4 attempt(s)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_403_on_the_first_request_leaves_nothing(
    org: Organization, tmp_path: Path
) -> None:
    """A token Cloudflare refuses: exit 1 naming the permission, and no .partial."""
    (tmp_path / "t").mkdir()
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as emulator:
        result = collect(
            org, emulator.cloudflare_url, tmp_path / "t" / "4.zip", "wrong"
        )

    assert result.returncode == 1, result.stderr
    assert "Account Settings Read" in result.stderr
    assert "--resume" not in result.stderr
    assert list((tmp_path / "t").iterdir()) == []


def test_a_run_that_read_entries_then_failed_keeps_them(
    org: Organization, tmp_path: Path
) -> None:
    """Entries read before an error stay in .partial for --resume, exit 1."""
    out = tmp_path / "5.zip"
    deep = EmulatorOptions(faults=(Fault("deep_json", "/iam/resource_groups"),))
    with Emulator(
        org, cloudflare_token=TOKEN, okta_token="unused", options=deep
    ) as emulator:
        result = collect(org, emulator.cloudflare_url, out)

    kept = {p.name for p in (tmp_path / ".5.zip.partial").iterdir()}
    assert result.returncode == 1, result.stderr
    assert "nested" in result.stderr
    assert {"state.json", "cloudflare__account.json"} <= kept
    assert not out.exists()


def test_ctrl_c_before_any_entry_leaves_nothing_and_no_resume_hint(
    org: Organization, tmp_path: Path
) -> None:
    """Ctrl-C while the first answer is awaited: exit 130, no --resume, no .partial."""
    out = tmp_path / "sub" / "snap.zip"
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    env["CLOUDFLARE_API_TOKEN"] = TOKEN
    command = [sys.executable, "-c", RUN_WITH_CTRL_C, "collect", "--quiet"]
    command += ["--account", org.cloudflare.account["id"], "--out", str(out)]
    slow = EmulatorOptions(latency=BOUND)
    with Emulator(
        org, cloudflare_token=TOKEN, okta_token="unused", options=slow
    ) as emulator:
        command += ["--cloudflare-url", emulator.cloudflare_url]
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + BOUND
        while not (tmp_path / "sub" / ".snap.zip.partial" / "started.json").exists():
            assert time.monotonic() < deadline, "the collection never started"
            time.sleep(0.05)
        time.sleep(0.3)  # the account's request now waits for its answer
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=BOUND)

    assert child.returncode == 130, stderr
    assert stdout == ""
    assert stderr.splitlines()[-1] == (
        "interrupted: stopped at Ctrl-C before the end; no output was finished"
    )
    assert list(tmp_path.iterdir()) == []
