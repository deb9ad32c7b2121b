"""Run the tool as a user would: a fresh process, credentials only as given."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

# Every variable the tool reads a credential from (README), never inherited
# from the developer's shell: a test sets the ones it means.
CREDENTIALS = frozenset(
    {
        "CLOUDFLARE_API_TOKEN",
        "OKTA_API_TOKEN",
        "OKTA_CLIENT_ID",
        "OKTA_PRIVATE_KEY",
        "OKTA_KEY_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
    }
)

# ``python -c`` code that runs the tool as ``python -m reporter`` with Ctrl-C's
# default handler, whatever SIGINT disposition a pytest worker passes down.
RUN_WITH_CTRL_C = (
    "import runpy, signal, sys; "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv = ['cf-scim-audit', *sys.argv[1:]]; "
    "runpy.run_module('reporter', run_name='__main__')"
)


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m reporter ARGS`` with ``env``'s credentials and no others."""
    full = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "reporter", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
        check=False,
    )
