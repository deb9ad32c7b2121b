"""The benchmark runs end to end at size S and writes a table of real figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import results

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "RESULTS.md"
# Figures that count things which may rightly be zero at size S.
COUNTS_THAT_MAY_BE_ZERO = {"429s"}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def committed_results() -> bytes | None:
    """RESULTS.md as it was before the smoke run (None when absent)."""
    return RESULTS.read_bytes() if RESULTS.exists() else None


@pytest.fixture(scope="module")
def results_text(
    tmp_path_factory: pytest.TempPathFactory, committed_results: bytes | None
) -> str:
    """The RESULTS.md a one-run, size-S benchmark writes to a temporary path."""
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    command = [sys.executable, str(REPO / "benchmarks" / "run.py")]
    command += ["--sizes", "S", "--runs", "1", "--latency-ms", "2"]
    command += ["--out", str(out)]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(encoding="utf-8")


def _table_row(text: str, heading: str) -> dict[str, str]:
    """The S row of the table under ``heading``, keyed by column header."""
    section = text.split(f"## {heading}\n", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    row = next(line for line in lines if line.startswith("| S |"))
    return dict(
        zip(headers, (c.strip() for c in row.strip("|").split("|")), strict=True)
    )


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_time_table_has_a_positive_figure_in_every_column(results_text: str) -> None:
    """Every timing and request count of size S is a number above zero."""
    row = _table_row(results_text, "Time")
    figures = {
        k: v for k, v in row.items() if k not in {"size", *COUNTS_THAT_MAY_BE_ZERO}
    }

    assert len(figures) == 21
    assert {k: v for k, v in figures.items() if _number(v) <= 0} == {}


def test_floor_is_the_slower_apis_own_bound(results_text: str) -> None:
    """Cloudflare's requests share the concurrency; Okta's are read one at a time."""
    row = _table_row(results_text, "Time")
    latency = 0.002  # the smoke run's --latency-ms
    cloudflare = _number(row["of them Cloudflare"])
    okta = _number(row["Okta requests"])

    assert cloudflare + okta == _number(row["requests"])
    expected = max(cloudflare * latency / _number(row["concurrency"]), okta * latency)
    assert _number(row["floor s"]) == pytest.approx(expected, abs=0.0005)


def test_collection_of_size_s_gets_no_429(results_text: str) -> None:
    """The collector is never throttled at size S."""
    row = _table_row(results_text, "Time")

    assert _number(row["429s"]) == 0


def test_size_table_counts_the_demo_organization(results_text: str) -> None:
    """The size table names the 50 members of size S."""
    row = _table_row(results_text, "Size and memory")

    assert _number(row["members"]) == 50


def test_size_table_has_a_positive_figure_in_every_column(results_text: str) -> None:
    """Peak memory, page count and every output size of size S are above zero."""
    row = _table_row(results_text, "Size and memory")
    figures = {k: v for k, v in row.items() if k != "size"}

    assert len(figures) == 9
    assert {k: v for k, v in figures.items() if _number(v) <= 0} == {}


def test_targets_needing_size_l_are_reported_unmeasured(results_text: str) -> None:
    """Without an L run, each target says it was not measured rather than met."""
    targets = results_text.split("## Targets (issue 7)\n", 1)[1].split("##", 1)[0]
    lines = [line for line in targets.splitlines() if line.startswith("- ")]

    assert len(lines) == len(results.TARGETS) == 12
    assert all("not measured" in line for line in lines)


def test_smoke_run_leaves_the_committed_results_alone(
    results_text: str, committed_results: bytes | None
) -> None:
    """Writing to a temporary path does not touch benchmarks/RESULTS.md."""
    now = RESULTS.read_bytes() if RESULTS.exists() else None

    assert now == committed_results
