"""The benchmark's tables and verdicts, from figures given here (no run)."""

from __future__ import annotations

from benchmarks import results
from benchmarks.run import parse_args, runs_of

L_ROW = {
    "analysis_s": 10.0,
    "json_s": 4.0,
    "sdk_s": 60.0,
    "cf_only_s": 8.0,
    "peak_mb": 700.0,
    "pdf_peak_mb": 800.0,
}


def test_a_figure_no_run_measured_is_shown_as_n_a() -> None:
    """XL runs without the collection baselines: their cells say n/a."""
    columns = [c for c in results.TIME_COLUMNS if c.key in {"sdk_s", "analysis_s"}]
    xl = {"analysis_s": 55.0, "peak_mb": 3000.0}

    lines = results.table({"L": L_ROW, "XL": xl}, columns)

    assert lines[0] == "| size | SDK s | analysis s |"
    assert lines[2] == "| L | 60.00 | 10.000 |"
    assert lines[3] == "| XL | n/a | 55.000 |"


def test_growth_target_compares_xl_with_l_analysis() -> None:
    """XL at 5.5 times L's analysis meets the at-most-6x target; 6.5 misses."""
    target = next(t for t in results.TARGETS if t.name == "analysis, XL / L")

    met = results._verdict(target, {"L": L_ROW, "XL": {"analysis_s": 55.0}})
    missed = results._verdict(target, {"L": L_ROW, "XL": {"analysis_s": 65.0}})

    assert met == "- analysis, XL / L: **met** (5.50x; target <= 6x)"
    assert missed == "- analysis, XL / L: **MISSED** (6.50x; target <= 6x)"


def test_xl_gets_its_own_run_count() -> None:
    """``--xl-runs`` counts XL's runs; every other size has ``--runs``."""
    args = parse_args(["--sizes", "S,L,XL", "--runs", "3", "--xl-runs", "1"])

    assert [runs_of(size, args) for size in args.sizes] == [3, 3, 1]
