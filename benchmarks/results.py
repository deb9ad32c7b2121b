"""Medians of the runs, the side-by-side targets, and the RESULTS.md text."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Figures = Mapping[str, float]


@dataclass(frozen=True)
class Column:
    """One table column: its header, the figure it shows, and the decimals."""

    header: str
    key: str
    decimals: int
    bound_when_stopped: bool = False  # "≥": the PDF was stopped before its peak


TIME_COLUMNS = (
    Column("requests", "requests", 0),
    Column("of them Cloudflare", "cf_requests", 0),
    Column("Okta requests", "okta_requests", 0),
    Column("concurrency", "concurrency", 0),
    Column("collect s", "collect_s", 2),
    Column("floor s", "floor_s", 3),
    Column("429s", "throttled", 0),
    Column("SDK requests", "sdk_requests", 0),
    Column("SDK s", "sdk_s", 2),
    Column("ours CF-only requests", "cf_only_requests", 0),
    Column("ours CF-only s", "cf_only_s", 2),
    Column("CF-only floor s", "cf_only_floor_s", 3),
    Column("write s", "write_s", 2),
    Column("analysis s", "analysis_s", 3),
    Column("json.loads s", "json_s", 3),
    Column("json.loads, GC paused s", "json_paused_s", 3),
    Column("model s", "model_s", 3),
    Column("HTML s", "html_s", 3),
    Column("PDF s", "pdf_s", 2),
    Column("XLSX s", "xlsx_s", 3),
    Column("to_excel s", "pandas_s", 3),
    Column("open s", "open_s", 3),
)
SIZE_COLUMNS = (
    Column("members", "members", 0),
    Column("user groups", "user_groups", 0),
    Column("peak MiB", "peak_mb", 0),
    Column("PDF peak MiB", "pdf_peak_mb", 0, bound_when_stopped=True),
    Column("snapshot MB", "snapshot_mb", 2),
    Column("HTML MB", "html_mb", 2),
    Column("PDF MB", "pdf_mb", 2),
    Column("PDF pages", "pdf_pages", 0),
    Column("XLSX MB", "xlsx_mb", 2),
)


def medians(runs: Sequence[Figures]) -> dict[str, float]:
    """The median of every figure over the runs that have it."""
    keys = dict.fromkeys(key for run in runs for key in run)
    figures = {
        key: statistics.median(run[key] for run in runs if key in run) for key in keys
    }
    figures["overall_peak_mb"] = _peak(figures)
    return figures


def _peak(figures: Figures) -> float:
    """The larger of the pipeline's and the PDF process's peak; NaN when unknown."""
    pdf = figures.get("pdf_peak_mb", math.nan)
    return math.nan if math.isnan(pdf) else max(figures["peak_mb"], pdf)


def peak_is_lower_bound(figures: Figures) -> bool:
    """Whether the PDF was stopped, so its peak is only what it had reached."""
    return figures.get("pdf_stop", 0.0) != 0.0


def table(rows: Mapping[str, Figures], columns: Sequence[Column]) -> list[str]:
    """A Markdown table: one row per size, one column per figure."""
    lines = [
        "| size | " + " | ".join(c.header for c in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for size, figures in rows.items():
        cells = [_cell(figures, c) for c in columns]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    return lines


RULES: Mapping[str, Callable[[float, float], bool]] = {
    ">=": lambda value, limit: value >= limit,
    "<=": lambda value, limit: value <= limit,
    "<": lambda value, limit: value < limit,
    "=": lambda value, limit: value == limit,
}


def _cell(figures: Figures, column: Column) -> str:
    # A figure no run measured (a baseline not run at this size) is n/a too.
    value = figures.get(column.key, math.nan)
    if math.isnan(value):
        return "n/a"
    at_least = column.bound_when_stopped and peak_is_lower_bound(figures)
    return ("≥ " if at_least else "") + f"{value:,.{column.decimals}f}"


@dataclass(frozen=True)
class Target:
    """One side-by-side target of issue 7: figure ``rule`` limit."""

    name: str
    sizes: tuple[str, ...]
    figure: Callable[[Mapping[str, Figures]], float]
    rule: str
    limit: float
    unit: str = ""
    bound_when_stopped: bool = False  # the figure includes the PDF's peak
    decimals: int = 2  # 0 for counts (pages, answers)


def _ratio(
    size: str, top: str, bottom: str
) -> Callable[[Mapping[str, Figures]], float]:
    return lambda rows: _divide(rows[size][top], rows[size][bottom])


def _divide(top: float, bottom: float) -> float:
    """``top / bottom``; NaN (shown "not known") when ``bottom`` is zero.

    A floor is zero when the emulator answers at once (``--latency-ms 0``).
    """
    return top / bottom if bottom else math.nan


def _value(size: str, key: str) -> Callable[[Mapping[str, Figures]], float]:
    return lambda rows: rows[size][key]


def _growth(rows: Mapping[str, Figures]) -> float:
    return _divide(rows["XL"]["analysis_s"], rows["L"]["analysis_s"])


def _throttled(rows: Mapping[str, Figures]) -> float:
    """429 answers to both of our collections of L."""
    return rows["L"]["throttled"] + rows["L"].get("cf_only_throttled", 0.0)


TARGETS = (
    # The comparison: the same endpoints. Ours Cloudflare-only reads the
    # SDK's endpoints and SCIM users and groups besides, so it is conservative.
    Target(
        "L collection, SDK baseline / ours Cloudflare-only (the target's figure)",
        ("L",),
        _ratio("L", "sdk_s", "cf_only_s"),
        ">=",
        5,
        "x",
    ),
    Target(
        "L collection / floor, whole (Cloudflare + Okta)",
        ("L",),
        _ratio("L", "collect_s", "floor_s"),
        "<=",
        1.25,
        "x",
    ),
    Target(
        "L collection / floor, Cloudflare-only",
        ("L",),
        _ratio("L", "cf_only_s", "cf_only_floor_s"),
        "<=",
        1.25,
        "x",
    ),
    Target(
        "L collection, 429 answers (both collections)",
        ("L",),
        _throttled,
        "=",
        0,
        decimals=0,
    ),
    Target("analysis, XL / L", ("L", "XL"), _growth, "<=", 6, "x"),
    Target(
        "L analysis / json.loads",
        ("L",),
        _ratio("L", "analysis_s", "json_s"),
        "<=",
        3,
        "x",
    ),
    Target(
        "L workbook / to_excel",
        ("L",),
        _ratio("L", "xlsx_s", "pandas_s"),
        "<=",
        1.5,
        "x",
    ),
    Target("L HTML size", ("L",), _value("L", "html_mb"), "<", 15, " MB"),
    Target("L HTML open time", ("L",), _value("L", "open_s"), "<", 3, " s"),
    Target("L PDF pages", ("L",), _value("L", "pdf_pages"), "<", 150, decimals=0),
    Target(
        "L peak memory",
        ("L",),
        _value("L", "overall_peak_mb"),
        "<",
        1536,
        " MiB",
        bound_when_stopped=True,
    ),
    Target(
        "XL peak memory",
        ("XL",),
        _value("XL", "overall_peak_mb"),
        "<",
        4096,
        " MiB",
        bound_when_stopped=True,
    ),
)


def _unknown(target: Target) -> str:
    if target.bound_when_stopped:
        return "not known: the PDF was stopped"
    return "not known: its baseline is zero"


def verdicts(rows: Mapping[str, Figures]) -> list[str]:
    """One line per target: met, missed, or not measured, with the figures."""
    return [_verdict(target, rows) for target in TARGETS]


def _verdict(target: Target, rows: Mapping[str, Figures]) -> str:
    missing = [size for size in target.sizes if size not in rows]
    if missing:
        return f"- {target.name}: not measured ({', '.join(missing)} not run)"
    value = target.figure(rows)
    met = RULES[target.rule](value, target.limit)
    shown = (
        _unknown(target)
        if math.isnan(value)
        else f"{value:,.{target.decimals}f}{target.unit}"
    )
    stopped = target.bound_when_stopped and peak_is_lower_bound(rows[target.sizes[0]])
    if stopped and not math.isnan(value):
        # A stopped printer's peak is a lower bound: it can miss, never meet.
        shown = f"at least {shown}, when the PDF was stopped"
        word = "MISSED" if not met else "not known"
    elif math.isnan(value):
        word = "not known"
    else:
        word = "met" if met else "MISSED"
    return (
        f"- {target.name}: **{word}** ({shown}; "
        f"target {target.rule} {target.limit:g}{target.unit})"
    )


def beside_targets(rows: Mapping[str, Figures]) -> list[str]:
    """Ratios shown beside the targets, not targets of their own.

    - The SDK baseline against our whole collection: the SDK reads no Okta, so
      it is not the same endpoints (the target compares ours Cloudflare-only);
      and Okta is read one request at a time (idp-apis.md §2.3), so no
      collector could make the whole of it 5 times faster.
    - L's analysis against json.loads with the collector paused: the target's
      baseline is plain ``json.loads``, but our reader pauses the collector,
      which the plain baseline does not; this takes that advantage away.
    """
    figures = rows.get("L", {})
    lines = []
    if {"sdk_s", "collect_s"} <= figures.keys():
        value = _divide(figures["sdk_s"], figures["collect_s"])
        lines.append(
            "- beside it, L collection, SDK baseline / ours whole (Cloudflare + "
            f"Okta; the SDK reads no Okta, so not like for like): {_shown(value)}"
        )
    if "json_paused_s" in figures:
        value = _divide(figures["analysis_s"], figures["json_paused_s"])
        lines.append(
            "- beside it, L analysis / json.loads with the GC paused (as our "
            f"reader runs): {_shown(value)} (3x would be the same target against "
            "this baseline)"
        )
    return lines


def _shown(value: float) -> str:
    return "not known" if math.isnan(value) else f"{value:,.2f}x"
