"""A non-editable install carries its templates and catalog and renders reports."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Runs the CLI from the unpacked wheel, after checking that is what was imported.
_DEMO_FROM_SITE = """
import sys
import reporter
from reporter.cli import main
assert reporter.__file__.startswith(sys.argv[1]), reporter.__file__
sys.argv = ["cf-scim-audit", "demo", "--quiet", "--out", sys.argv[2]]
main()
"""


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("cf_scim_audit-*.whl")
    return wheel


def test_wheel_renders_reports_without_the_checkout(tmp_path: Path) -> None:
    """Installed from the wheel alone, 'demo' renders all three reports."""
    wheel = _build_wheel(tmp_path / "dist")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}

    result = subprocess.run(
        [sys.executable, "-c", _DEMO_FROM_SITE, str(site), str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert sorted(Path(p).name for p in result.stdout.split()) == [
        "readiness.html",
        "readiness.pdf",
        "readiness.xlsx",
    ]
    assert (site / "reporter" / "templates" / "report.html.j2").is_file()
