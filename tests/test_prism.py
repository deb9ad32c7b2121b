"""The tool against a peer no one here wrote: Stoplight Prism in dynamic mode.

Prism answers every GET of the Cloudflare spec subset with random, schema-valid
data. Whatever it sends, ``collect`` then ``report`` must end in a snapshot and
reports, or in one clear error line: never a traceback.

Prism is installed into ``.tools/`` by ``scripts/install-prism.sh`` (``make
test`` runs it).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cli_runner import run_cli

REPO = Path(__file__).resolve().parents[1]
PRISM = REPO / ".tools" / "node_modules" / ".bin" / "prism"
ACCOUNT = "92676c84a627399250800312ecb90514"
SEEDS = (1, 2, 3, 5, 8)


@pytest.fixture(scope="module")
def prism_spec(
    openapi_spec_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The spec subset, each operation also accepting the API token.

    The spec lists only email + key on some operations, yet API tokens work
    there (cloudflare-api.md §2, "Spec oddity"); Prism enforces the listed
    schemes, so the Bearer token the tool sends is added to each. And a real
    API answers the account asked for, which a random mock cannot know: the
    account id is pinned, else every run would stop at the account check.
    """
    spec = json.loads(openapi_spec_path.read_text())
    account = spec["components"]["schemas"]["iam_account"]["properties"]
    account["id"] = {"type": "string", "enum": [ACCOUNT]}
    for operations in spec["paths"].values():
        for operation in operations.values():
            security = operation.get("security")
            if security is not None and {"api_token": []} not in security:
                security.insert(0, {"api_token": []})
    path = tmp_path_factory.mktemp("prism") / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prism(spec: Path, seed: int) -> Iterator[str]:
    """A Prism mock of ``spec`` in dynamic mode; yields its base URL."""
    if not PRISM.is_file():
        pytest.fail(f"{PRISM} is missing: run 'sh scripts/install-prism.sh'")
    port = _free_port()
    command = [str(PRISM), "mock", "-d", "--seed", str(seed)]
    command += ["-p", str(port), "-h", "127.0.0.1", str(spec)]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_listening(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prism exited with {server.returncode} before listening")
        try:
            httpx.get(url + "/accounts", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("prism did not listen within 60 s")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    token = {"CLOUDFLARE_API_TOKEN": "prism-accepts-any-bearer-token"}
    return run_cli(*args, env=token, timeout=600)


def assert_clean(result: subprocess.CompletedProcess[str], *ok: int) -> None:
    """An ``ok`` exit code, or exit 1 with a last line that is one error message."""
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode not in ok:
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines()[-1].startswith("error: "), result.stderr


@pytest.mark.parametrize("seed", SEEDS)
def test_random_answers_give_a_report_or_a_clear_error(
    prism_spec: Path, seed: int, tmp_path: Path
) -> None:
    """Random schema-valid answers: a snapshot and reports, or one error line."""
    snapshot = tmp_path / "snapshot.zip"
    with prism(prism_spec, seed) as url:
        collected = cli(
            "collect",
            "--account",
            ACCOUNT,
            "--cloudflare-url",
            url,
            "--out",
            str(snapshot),
            "--quiet",
        )
    assert_clean(collected, 0)
    assert snapshot.exists() == (collected.returncode == 0)
    if collected.returncode != 0:
        return

    # The PDF renderer is tested elsewhere and takes half a minute per run here.
    reported = cli(
        "report", str(snapshot), "--format", "html,xlsx", "--out", str(tmp_path)
    )

    # Exit 3: reports written, and a finding at or above the gate (README).
    assert_clean(reported, 0, 3)
    written = sorted(Path(line).name for line in reported.stdout.splitlines())
    expected = ["readiness.html", "readiness.xlsx"] if reported.returncode != 1 else []
    assert written == expected
    assert all((tmp_path / name).is_file() for name in written)
