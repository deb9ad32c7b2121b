"""The benchmark's tables and verdicts, from figures given here (no run)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_a_zero_floor_makes_the_ratio_not_known() -> None:
    """At --latency-ms 0 the floor is 0 s: the ratio is not known, not a crash."""
    target = next(t for t in results.TARGETS if t.name.endswith("Cloudflare-only"))
    row = {"cf_only_s": 1.2, "cf_only_floor_s": 0.0}

    verdict = results._verdict(target, {"L": row})

    assert verdict == (
        "- L collection / floor, Cloudflare-only: **not known** "
        "(not known: its baseline is zero; target <= 1.25x)"
    )


def test_counts_are_judged_as_whole_numbers() -> None:
    """Pages and 429 answers print without decimals."""
    pages = next(t for t in results.TARGETS if t.name == "L PDF pages")

    assert results._verdict(pages, {"L": {"pdf_pages": 80.0}}) == (
        "- L PDF pages: **met** (80; target < 150)"
    )


def test_ratios_beside_the_targets_are_not_targets() -> None:
    """The paused parse and the whole collection are shown, never judged."""
    row = {**L_ROW, "json_paused_s": 2.5, "collect_s": 20.0}

    assert results.beside_targets({"L": row}) == [
        "- beside it, L collection, SDK baseline / ours whole (Cloudflare + Okta; "
        "the SDK reads no Okta, so not like for like): 3.00x",
        "- beside it, L analysis / json.loads with the GC paused (as our reader "
        "runs): 4.00x (3x would be the same target against this baseline)",
    ]
    assert results.beside_targets({"S": row}) == []
    assert not any("ours whole" in t.name for t in results.TARGETS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--latency-ms", "nan"], "--latency-ms nan: pass a number of 0 or more"),
        (["--latency-ms", "inf"], "--latency-ms inf: pass a number of 0 or more"),
        (["--rate-limit", "-1"], "--rate-limit -1: pass 0 (no limit) or more"),
        (["--pdf-timeout", "-3"], "--pdf-timeout -3.0: pass a number above 0"),
        (["--pdf-memory-gib", "0"], "--pdf-memory-gib 0.0: pass a number above 0"),
    ],
)
def test_bad_numbers_are_refused_before_any_run(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad value is named with what to pass instead; exit 2."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)

    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unusable_out_path_is_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory, or a file in a folder that does not exist, is refused up front."""
    missing = tmp_path / "nope" / "R.md"
    for out, message in (
        (tmp_path, "is a directory; pass a file path such as DIR/RESULTS.md"),
        (missing, f"its folder {missing.parent} does not exist; create it first"),
    ):
        with pytest.raises(SystemExit) as stopped:
            parse_args(["--out", str(out)])

        assert stopped.value.code == 2
        assert f"--out {out}: {message}" in capsys.readouterr().err
    assert not missing.parent.exists()
