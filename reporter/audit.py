"""The gated runs behind ``report``, ``check`` and ``diff``.

Each run analyses, applies the suppressions in force on ``today``, renders
the asked formats (``json`` is the machine-readable findings) and judges the
open findings by the gate. Today's date is always passed in.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
from reporter.collect import CollectConfig
from reporter.collect.http import Progress
from reporter.diff import DiffResult, diff_analyses
from reporter.errors import ConfigError
from reporter.findings_json import (
    Judgement,
    accounts_document,
    diff_document,
    report_document,
    to_bytes,
)
from reporter.gate import (
    Account,
    Gate,
    GateResult,
    Unassessed,
    evaluate,
    evaluate_accounts,
    unassessed_of,
)
from reporter.pipeline import (
    Tokens,
    collect_to_file,
    refuse_existing,
    refuse_existing_report,
)
from reporter.render import Report, build_report, render_reports, write_outputs
from reporter.render.accounts import render_account_reports
from reporter.render.audit_log import AuditLogView, audit_log_view
from reporter.render.diff import BASENAME as DIFF_BASENAME
from reporter.render.diff import build_diff_view, render_diff
from reporter.render.redact import (
    REDACTION_KEY,
    key_bytes,
    redact,
    redact_audit_log,
    redact_suppressions,
)
from reporter.snapshot import read_snapshot
from reporter.snapshot.io import check_writable
from reporter.suppress import Suppression, SuppressionOutcome, apply_suppressions

FORMATS = ("html", "pdf", "xlsx", "json")
BASENAME = "readiness"  # render_reports' default: readiness.html, .pdf, .xlsx
_log = logging.getLogger(__name__)
CHECK_SNAPSHOT = "snapshot.zip"
REPORT_JSON = "findings.json"
DIFF_JSON = "diff.json"


@dataclass(frozen=True)
class Judging:
    """How a run judges its findings: the gate, the suppressions and the date."""

    gate: Gate
    suppressions: tuple[Suppression, ...]
    today: date


@dataclass(frozen=True)
class RunOutcome:
    """The files written, the gate's result and the suppressions' outcome."""

    paths: list[Path]
    result: GateResult
    outcome: SuppressionOutcome
    # Files of the set an earlier run wrote that this run did not (--force).
    removed: tuple[Path, ...] = ()


def parse_formats(value: str) -> list[str]:
    """The comma-separated ``--format`` value, checked."""
    given = [f.strip() for f in value.split(",") if f.strip()]
    formats = list(dict.fromkeys(f.lower() for f in given))
    unknown = [f for f in given if f.lower() not in FORMATS]  # named as typed
    if not formats or unknown:
        raise ConfigError(
            f"unknown format {', '.join(unknown) or value!r}",
            hint=f"--format takes a comma-separated list of {', '.join(FORMATS)}",
        )
    return formats


def run_report(
    snapshot: Path,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    redact: bool = False,
    force: bool = False,
) -> RunOutcome:
    """Analyse ``snapshot``, write the reports and judge the findings.

    ``redact`` reports from the redacted analysis, so every format holds the
    same pseudonyms, and writes the key beside them. Without ``force`` an
    earlier report set in ``out_dir`` is refused before anything is read.
    """
    known = report_set(out_dir)
    refuse_reports(known, force=force, protect=(snapshot,))
    read = read_snapshot(snapshot)
    write = report_redacted if redact else report_analysis
    outcome = write(
        analyze(read),
        formats,
        out_dir,
        judging,
        protect=(snapshot,),
        audit_log=audit_log_view(read),
    )
    return remove_stale(outcome, known, protect=(snapshot,))


def report_analysis(
    analysis: Analysis,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    protect: Sequence[Path] = (),
    audit_log: AuditLogView | None = None,
    files: Sequence[tuple[str, bytes]] = (),
) -> RunOutcome:
    """Write the reports of ``analysis`` and judge its findings.

    No report may overwrite a ``protect`` path (the snapshot it came from).
    ``files`` (name, bytes) join the reports' all-or-nothing write.
    """
    outcome = apply_suppressions(analysis.findings, judging.suppressions, judging.today)
    result = evaluate(
        outcome,
        judging.gate,
        analysis.not_assessed,
        unassessed=unassessed_of(analysis),
        account=Account(analysis.account_id, analysis.account_name),
    )

    visual = [f for f in formats if f != "json"]
    extra = list(files)
    if "json" in formats:
        document = report_document(analysis, Judgement(outcome, result, judging.today))
        extra.append((REPORT_JSON, to_bytes(document)))
    # One write for every file, so a failure leaves none of this run's.
    if visual:
        paths = render_reports(
            analysis,
            visual,
            out_dir,
            suppressions=outcome,
            extra=extra,
            protect=protect,
            audit_log=audit_log,
        )
    else:
        paths = write_outputs(out_dir, extra, protect=protect)
    return RunOutcome(paths, result, outcome)


def report_redacted(
    analysis: Analysis,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    protect: Sequence[Path] = (),
    audit_log: AuditLogView | None = None,
) -> RunOutcome:
    """``report_analysis`` of the redacted ``analysis``, with the redaction key.

    Suppressions are judged as they match the real findings, so redaction
    never changes which findings are open. The key joins the reports' one
    write: no report without its key, and it may not replace a protected file.
    """
    redaction = redact(analysis)
    pseudonyms = redaction.pseudonyms
    accepted = redact_suppressions(judging.suppressions, analysis, pseudonyms)
    log = redact_audit_log(audit_log, pseudonyms) if audit_log else None
    # Last, once every value above has its pseudonym.
    key = (REDACTION_KEY, key_bytes(pseudonyms))
    outcome = report_analysis(
        redaction.analysis,
        formats,
        out_dir,
        replace(judging, suppressions=accepted),
        protect=protect,
        audit_log=log,
        files=[key],
    )
    # The key is listed last, after the reports it undoes.
    paths = [p for p in outcome.paths if p.name != REDACTION_KEY]
    return replace(outcome, paths=[*paths, out_dir / REDACTION_KEY])


def snapshot_paths(given: Sequence[Path]) -> list[Path]:
    """The snapshots named: each file as given, each folder's ``*.zip`` by name.

    In a folder, every ``*.zip`` is read as a snapshot (one that is not fails
    the run); any other file is skipped with a warning naming it, hidden files
    (``collect``'s own working files) silently.
    """
    found: list[Path] = []
    for path in given:
        found += _folder_snapshots(path) if path.is_dir() else [path]
    _refuse_repeated(found)
    if not found:
        raise ConfigError(
            f"no snapshot (*.zip) in {', '.join(str(p) for p in given)}",
            hint="pass the snapshot files, or the folder 'collect' wrote them to",
        )
    return found


def _refuse_repeated(found: Sequence[Path]) -> None:
    """One file named twice (also as part of a folder) is refused, saying so."""
    seen: dict[Path, Path] = {}
    for path in found:
        if not path.exists():
            continue  # reading it says so, without echoing what may be a secret
        key = path.resolve()
        if key not in seen:
            seen[key] = path
            continue
        first = seen[key]
        both = "" if str(first) == str(path) else f" (as {first} and {path})"
        raise ConfigError(
            f"snapshot {path} was given twice{both}", hint="pass each snapshot once"
        )


def _folder_snapshots(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    for skipped in (p for p in files if p.suffix != ".zip"):
        _log.warning("skipped %s: not a snapshot (*.zip)", skipped)
    return [p for p in files if p.suffix == ".zip" and p.is_file()]


def run_accounts_report(
    snapshots: Sequence[Path],
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    force: bool = False,
) -> RunOutcome:
    """One report set over several accounts' snapshots; every finding is judged.

    The gate counts the open findings of every account, so the run fails
    when any account does. No report may overwrite one of the snapshots,
    nor, without ``force``, an earlier report set.
    """
    known = report_set(out_dir)
    refuse_reports(known, force=force, protect=snapshots)
    analyses, reports = _account_reports(snapshots, judging)
    findings = [f for a in analyses for f in a.findings]
    outcome = apply_suppressions(findings, judging.suppressions, judging.today)
    result = evaluate_accounts(outcome, judging.gate, analyses)

    extra = []
    if "json" in formats:
        judgement = Judgement(outcome, result, judging.today)
        extra.append((REPORT_JSON, to_bytes(accounts_document(analyses, judgement))))
    visual = [f for f in formats if f != "json"]
    paths = render_account_reports(
        reports, visual, out_dir, extra=extra, protect=tuple(snapshots)
    )
    return remove_stale(RunOutcome(paths, result, outcome), known, protect=snapshots)


def _account_reports(
    snapshots: Sequence[Path], judging: Judging
) -> tuple[list[Analysis], list[Report]]:
    """Each snapshot's analysis, and its report with its own suppressions marked."""
    analyses, reports = [], []
    seen: dict[str, Path] = {}
    for path in snapshots:
        snapshot = read_snapshot(path)
        account = snapshot.manifest.account_id.lower()
        if account in seen:
            raise ConfigError(
                f"account {account} is in two snapshots: {seen[account]} and {path}",
                hint="pass one snapshot per account; 'diff' compares two of one "
                "account",
            )
        seen[account] = path
        analysis = analyze(snapshot)
        outcome = apply_suppressions(
            analysis.findings, judging.suppressions, judging.today
        )
        analyses.append(analysis)
        reports.append(build_report(analysis, outcome, audit_log_view(snapshot)))
    return analyses, reports


def report_targets(
    formats: Sequence[str],
    out_dir: Path,
    *,
    basename: str = BASENAME,
    json_name: str = REPORT_JSON,
    extra: Sequence[str] = (),
) -> list[Path]:
    """Every report file a run writes into ``out_dir`` for ``formats``."""
    names = [f"{basename}.{f}" if f != "json" else json_name for f in formats]
    return [out_dir / name for name in (*names, *extra)]


def report_set(out_dir: Path) -> list[Path]:
    """Every file a ``report`` (or ``check``'s report) may write into ``out_dir``."""
    return report_targets(FORMATS, out_dir, extra=(REDACTION_KEY,))


def diff_set(out_dir: Path) -> list[Path]:
    """Every file a ``diff`` may write into ``out_dir``."""
    return report_targets(FORMATS, out_dir, basename=DIFF_BASENAME, json_name=DIFF_JSON)


def refuse_reports(
    targets: Sequence[Path], *, force: bool, protect: Sequence[Path] = ()
) -> None:
    """An earlier report set is replaced only with ``force`` (as ``check``).

    ``targets`` is the whole set (``report_set``), not only this run's
    formats: a new file beside an earlier run's would make a mixed set.
    A ``protect`` path (an input snapshot) is left to the write, which
    refuses it even with ``force``.
    """
    inputs = {p.resolve() for p in protect}
    for target in targets:
        if target.resolve() not in inputs:
            refuse_existing_report(target, force=force)


def remove_stale(
    outcome: RunOutcome, known: Sequence[Path], *, protect: Sequence[Path] = ()
) -> RunOutcome:
    """Remove each file of the set ``known`` that this run did not write.

    A report set is one set: an earlier run's readiness.html left beside
    this run's findings.json (or a real-name report beside a redaction key)
    would be handed over as this run's. Only regular files of the set's own
    names go, never a folder or a ``protect`` input.
    """
    kept = {p.resolve() for p in (*outcome.paths, *protect)}
    removed = []
    for path in known:
        if path.resolve() in kept or not path.exists():
            continue
        if path.is_symlink() or not path.is_file():
            _log.warning("left %s: not a file cf-scim-audit writes", path)
            continue
        path.unlink()
        removed.append(path)
    return replace(outcome, removed=(*outcome.removed, *removed))


def check_targets(formats: Sequence[str], out_dir: Path) -> list[Path]:
    """Every file ``check`` writes into ``out_dir``: the snapshot, then the reports."""
    return [out_dir / CHECK_SNAPSHOT, *report_targets(formats, out_dir)]


def run_check(
    config: CollectConfig,
    tokens: Tokens,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> RunOutcome:
    """Collect into ``out_dir``/snapshot.zip, then report and judge it.

    Without ``force`` an existing snapshot or report is refused before any
    request. The snapshot is collected under a temporary name and renamed
    into place only once every report is written, so a failure at any point
    leaves the previous set whole and no new file behind.
    """
    targets = check_targets(formats, out_dir)
    refuse_existing(targets[0], force=force)
    refuse_reports(report_set(out_dir), force=force)
    check_writable(out_dir)  # named as given, not as the staged snapshot
    staging = out_dir / f".{CHECK_SNAPSHOT}.check"
    created = not out_dir.exists()
    try:
        # check has no --resume: nothing is kept of a run that fails.
        collect_to_file(config, tokens, staging, progress=progress, keep_partial=False)
        outcome = run_report(staging, formats, out_dir, judging, force=True)
        os.replace(staging, targets[0])
    except BaseException:
        _remove_staged(staging)
        if created:  # a folder made for nothing would look like a result
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only when empty
        raise
    finally:
        _remove_staged(staging)
    return replace(outcome, paths=[targets[0], *outcome.paths])


def _remove_staged(staging: Path) -> None:
    # Under a --out that is no folder (a file on its path) there is nothing to
    # remove, and the error to show is the one that stopped the run.
    with contextlib.suppress(OSError):
        staging.unlink(missing_ok=True)


def run_diff(
    before: Path,
    after: Path,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    force: bool = False,
) -> RunOutcome:
    """Diff two snapshots of one account, write the diff reports, judge them.

    Without ``force`` an earlier diff set in ``out_dir`` is refused first.
    """
    known = diff_set(out_dir)
    refuse_reports(known, force=force, protect=(before, after))
    earlier, later_snapshot = read_snapshot(before), read_snapshot(after)
    if earlier.sha256 == later_snapshot.sha256:
        # Nothing can have changed: a silent "unchanged" would read as evidence.
        _log.warning(
            "%s and %s are the same snapshot (sha256 %s): the diff compares it "
            "with itself, so it shows no change; pass the snapshot taken after "
            "the migration as AFTER",
            before,
            after,
            earlier.sha256,
        )
    later = analyze(later_snapshot)
    diff = diff_analyses(analyze(earlier), later)
    outcome = report_diff(
        diff,
        formats,
        out_dir,
        judging,
        protect=(before, after),
        unassessed=unassessed_of(later),
    )
    return remove_stale(outcome, known, protect=(before, after))


def report_diff(
    diff: DiffResult,
    formats: Sequence[str],
    out_dir: Path,
    judging: Judging,
    *,
    protect: Sequence[Path] = (),
    unassessed: Sequence[Unassessed] = (),
) -> RunOutcome:
    """Write the reports of ``diff``; only its own and new findings gate.

    ``unassessed``: the after snapshot's steps that could not assess (strict).
    """
    judged = (
        diff.findings
        + diff.new_findings
        + diff.persisting_findings
        + diff.unassessed_before
    )
    if diff.access_not_assessed:
        access = Unassessed(
            "member access comparison",
            "; ".join(diff.access_not_assessed),
            key="member-access",
        )
        unassessed = (*unassessed, access)
    outcome = apply_suppressions(judged, judging.suppressions, judging.today)
    gated = frozenset(f.finding_id for f in diff.gating_findings)
    result = evaluate(
        outcome,
        judging.gate,
        diff.not_assessed,
        gated_ids=gated,
        unassessed=unassessed,
        account=Account(diff.account_id, diff.account_name),
    )

    view = build_diff_view(diff, outcome, result, judging.today)
    visual = [f for f in formats if f != "json"]
    extra = []
    if "json" in formats:
        document = diff_document(diff, Judgement(outcome, result, judging.today))
        extra.append((DIFF_JSON, to_bytes(document)))
    paths = render_diff(view, visual, out_dir, extra=extra, protect=protect)
    return RunOutcome(paths, result, outcome)
