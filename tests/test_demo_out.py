"""demo --out replaces its own earlier output only, never a real report set."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_cli
from snapshot_edits import edit_manifest

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"


REAL_SOURCES = {
    "cloudflare": "https://api.cloudflare.com/client/v4",
    "okta": "https://northwind.okta.com",
}


@pytest.mark.parametrize("left", ["real snapshot", "reports alone"])
def test_demo_refuses_a_folder_holding_a_real_report_set(
    tmp_path: Path, left: str
) -> None:
    """Exit 2, one line naming what is there; every file is left as it was."""
    out = tmp_path / "audit"
    out.mkdir()
    if left == "real snapshot":
        # The sample as if collected from Cloudflare and Okta themselves.
        edit_manifest(
            SAMPLE, out / "snapshot.zip", lambda m: m.update(sources=REAL_SOURCES)
        )
    (out / "findings.json").write_text('{"kind": "readiness"}', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    result = run_cli("demo", "--quiet", "--out", str(out))

    assert result.returncode == 2, result.stderr
    found = "findings.json"
    if left == "real snapshot":
        found = "snapshot.zip, findings.json"
    assert (
        f"error: {out} holds reports that demo did not write ({found}); demo "
        "replaces only its own earlier output (pass demo another --out, e.g. "
        "demo-output)"
    ) in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_demo_replaces_its_own_earlier_output(tmp_path: Path) -> None:
    """A second demo into the same folder replaces the first, as make demo does."""
    out = tmp_path / "demo"
    first = run_cli("demo", "--quiet", "--out", str(out))
    assert first.returncode == 0, first.stderr

    second = run_cli("demo", "--quiet", "--out", str(out))

    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "readiness.html",
        "readiness.pdf",
        "readiness.xlsx",
        "snapshot.zip",
    ]
