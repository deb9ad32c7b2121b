"""One IdP per snapshot: Okta and Entra ID options together are refused.

The analysis reads one identity provider per snapshot, so ``collect`` and
``check`` stop before any request when both are named, and say how to
collect instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter.cli import app

ACCOUNT = "92676c84a627399250800312ecb90514"
OKTA = "https://example.okta.com"
V1_SP = "475596a6-5868-40e3-9210-b1b6188afabe"


@pytest.mark.parametrize("command", ["collect", "check"])
@pytest.mark.parametrize("entra_option", ["--entra-v1-sp", "--entra-v2-sp"])
def test_okta_and_entra_options_together_are_refused(
    command: str,
    entra_option: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 2 naming both options and the fix; nothing is written."""
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "cf-test-token")
    monkeypatch.setenv("OKTA_API_TOKEN", "okta-test-token")
    out = tmp_path / ("s.zip" if command == "collect" else "out")
    args = [command, "--account", ACCOUNT, "--out", str(out)]
    args += ["--okta-url", OKTA, "--okta-v1-app", "v1", "--okta-v2-app", "v2"]

    result = CliRunner().invoke(app, [*args, entra_option, V1_SP])

    assert result.exit_code == 2
    assert f"--okta-url {OKTA} and --entra-v1-sp/--entra-v2-sp" in result.output
    assert "collect one snapshot per IdP" in result.output
    assert not out.exists()
