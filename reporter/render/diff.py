"""The diff report: one view of a :class:`DiffResult`, rendered three ways.

HTML and PDF share one template (``diff.html.j2``) and stylesheet
(``diff.css``); the workbook reuses the readiness workbook's sheet writer, so
cells get the same formula-injection and control-character handling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup
from weasyprint import CSS, HTML, URLFetcher

from reporter import __version__
from reporter.analyze.model import Finding, NotAssessed
from reporter.diff.model import AdminGain, DiffResult, MemberDiff, MemberVerdict
from reporter.errors import ConfigError
from reporter.gate import GateResult
from reporter.render import write_outputs
from reporter.render.context import DISPLAY_LIMIT, shorten
from reporter.render.html import content_security_policy
from reporter.render.templates import asset_text, environment
from reporter.render.xlsx import Column, Properties, Record, Sheet, workbook_bytes
from reporter.suppress import Suppression, SuppressionOutcome

TEMPLATE = "diff.html.j2"
STYLE = "diff.css"
BASENAME = "diff"
# How a finding changed when one snapshot could not assess its check.
UNKNOWN_AFTER = "not assessed in after"
UNKNOWN_BEFORE = "not assessed in before"


@dataclass(frozen=True)
class DiffFindingRow:
    """One finding of the diff, with how it changed and who accepted it."""

    # "diff", "new", "persisting", "resolved", "not assessed in after" or
    # "not assessed in before"
    change: str
    finding_id: str
    severity: str
    check_id: str
    title: str
    subject: str
    detail: str
    suppression: Suppression | None


@dataclass(frozen=True)
class DiffView:
    """Everything the diff templates and the workbook show, in order."""

    title: str
    diff: DiffResult
    today: str
    gate_summary: str
    failed: bool
    verdict_counts: tuple[tuple[str, int], ...]
    changed: tuple[MemberDiff, ...]  # every member whose verdict is not unchanged
    lost: tuple[MemberDiff, ...]
    admin_gains: tuple[AdminGain, ...]
    findings: tuple[DiffFindingRow, ...]
    expired: tuple[Suppression, ...]
    unmatched: tuple[Suppression, ...]
    not_assessed: tuple[NotAssessed, ...]
    tool_version: str

    @property
    def stamp(self) -> datetime:
        """The after snapshot's time, which dates the workbook's entries."""
        return _parse_time(self.diff.after.collected_at)


def build_diff_view(
    diff: DiffResult, outcome: SuppressionOutcome, result: GateResult, today: date
) -> DiffView:
    """The view of ``diff`` with suppressions applied and the gate's verdict."""
    change = {f.finding_id: "diff" for f in diff.findings}
    change.update({f.finding_id: "new" for f in diff.new_findings})
    change.update({f.finding_id: "persisting" for f in diff.persisting_findings})
    change.update({f.finding_id: UNKNOWN_BEFORE for f in diff.unassessed_before})
    rows = [
        _row(change[j.finding.finding_id], j.finding, j.suppression)
        for j in outcome.judged
    ]
    rows += [_row("resolved", f, None) for f in diff.resolved_findings]
    rows += [_row(UNKNOWN_AFTER, f, None) for f in diff.unassessed_after]
    return DiffView(
        title=f"Migration diff: {diff.account_name or diff.account_id}",
        diff=diff,
        today=today.isoformat(),
        gate_summary=result.summary,
        failed=result.failed,
        verdict_counts=tuple(
            (v.value, len(diff.with_verdict(v))) for v in MemberVerdict
        ),
        changed=tuple(
            m for m in diff.members if m.verdict is not MemberVerdict.UNCHANGED
        ),
        lost=diff.with_verdict(MemberVerdict.LOST),
        admin_gains=diff.admin_gains,
        findings=tuple(rows),
        expired=outcome.expired,
        unmatched=outcome.unmatched,
        not_assessed=diff.not_assessed,
        tool_version=__version__,
    )


def _row(
    change: str, finding: Finding, suppression: Suppression | None
) -> DiffFindingRow:
    return DiffFindingRow(
        change=change,
        finding_id=finding.finding_id,
        severity=finding.severity.value,
        check_id=finding.check_id,
        title=finding.title,
        subject=finding.subject,
        detail=finding.detail,
        suppression=suppression,
    )


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # A snapshot always has a time; an unreadable one must not break bytes.
        return datetime(1980, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _environment() -> Environment:
    """The report environment, with ``short`` cutting a value as the report does.

    The HTML and PDF show names, emails and subjects up to 200 characters
    (details up to 1,000); the workbook keeps them whole. Uncut, one
    100,000-character email kept WeasyPrint laying out the diff for minutes.
    """
    env = environment()
    env.filters["short"] = shorten
    env.globals["detail_limit"] = 5 * DISPLAY_LIMIT
    return env


def render_diff_html(view: DiffView) -> bytes:
    """The self-contained HTML diff report as UTF-8 bytes."""
    style = asset_text(STYLE)
    html = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            view=view,
            print=False,
            csp=content_security_policy(style, ""),
            style=Markup(style),  # noqa: S704 - a file we ship, never data
        )
    )
    return html.encode("utf-8")


def render_diff_pdf(view: DiffView) -> bytes:
    """The diff report printed to PDF by WeasyPrint, loading nothing."""
    html = (
        _environment()
        .get_template(TEMPLATE)
        .render(view=view, print=True, csp="", style="")
    )
    fetcher = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=asset_text(STYLE), url_fetcher=fetcher)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet]
    )
    return pdf


def render_diff_xlsx(view: DiffView) -> bytes:
    """The diff workbook; the same view always gives the same bytes."""
    properties = Properties(view.title, view.tool_version, view.stamp)
    return workbook_bytes(diff_sheets(view), properties)


DiffRenderer = Callable[[DiffView], bytes]
DIFF_RENDERERS: Mapping[str, DiffRenderer] = {
    "html": render_diff_html,
    "pdf": render_diff_pdf,
    "xlsx": render_diff_xlsx,
}


def render_diff(
    view: DiffView,
    formats: Sequence[str],
    out_dir: Path,
    *,
    extra: Sequence[tuple[str, bytes]] = (),
    protect: Sequence[Path] = (),
) -> list[Path]:
    """Render ``formats`` of the diff into ``out_dir`` as ``diff.<format>``.

    ``extra`` (name, bytes) files join the same all-or-nothing write.
    """
    unknown = [f for f in formats if f not in DIFF_RENDERERS]
    if unknown:
        raise ConfigError(
            f"unknown diff format {', '.join(unknown)!r}",
            hint=f"choose from {', '.join(DIFF_RENDERERS)}, json",
        )
    chosen = list(dict.fromkeys(formats))
    rendered = [(f"{BASENAME}.{f}", DIFF_RENDERERS[f](view)) for f in chosen]
    return write_outputs(out_dir, [*rendered, *extra], protect=protect)


def _columns(*pairs: tuple[str, int]) -> tuple[Column, ...]:
    return tuple(Column(header, width) for header, width in pairs)


def diff_sheets(view: DiffView) -> tuple[Sheet, ...]:
    """Every sheet of the diff workbook, in order."""
    return (
        _summary(view),
        _members(view),
        _admin_gains(view),
        _findings(view),
        _suppressions(view),
    )


def _summary(view: DiffView) -> Sheet:
    diff = view.diff
    facts: list[tuple[str, str | int]] = [
        ("Account", diff.account_name),
        ("Account ID", diff.account_id),
        ("Before: snapshot taken (UTC)", diff.before.collected_at),
        ("Before: snapshot SHA-256", diff.before.sha256),
        ("After: snapshot taken (UTC)", diff.after.collected_at),
        ("After: snapshot SHA-256", diff.after.sha256),
        ("Judged on", view.today),
        ("Outcome", view.gate_summary),
    ]
    facts += [(f"Members: {verdict}", count) for verdict, count in view.verdict_counts]
    facts += [
        ("Members added", len(diff.added)),
        ("Members removed", len(diff.removed)),
    ]
    facts += [("Admin access gained", len(view.admin_gains))]
    facts += [("Checks not assessed", len(view.not_assessed))]
    facts += [
        ("Findings not assessed in after", len(diff.unassessed_after)),
        ("Findings not assessed in before", len(diff.unassessed_before)),
        ("Member access not assessed", "; ".join(diff.access_not_assessed)),
    ]
    return Sheet(
        "Summary",
        _columns(("Fact", 32), ("Value", 80)),
        tuple(Record(f"summary {k}", (k, v)) for k, v in facts),
    )


def _members(view: DiffView) -> Sheet:
    columns = _columns(
        ("Email", 34),
        ("Member ID", 34),
        ("Verdict", 30),
        ("Change", 14),
        ("Permission group", 30),
        ("Before", 50),
        ("After", 50),
    )
    records = [
        Record(
            f"member {m.email}",
            (
                m.email,
                m.member_id,
                m.verdict.value,
                c.kind.value,
                c.permission_group,
                "; ".join((*c.before_scopes, *c.before_sources)),
                "; ".join((*c.after_scopes, *c.after_sources)),
            ),
        )
        for m in view.changed
        for c in m.changes
    ]
    records += [
        Record(f"added {m.email}", (m.email, m.member_id, "added", "", "", "", ""))
        for m in view.diff.added
    ]
    records += [
        Record(f"removed {m.email}", (m.email, m.member_id, "removed", "", "", "", ""))
        for m in view.diff.removed
    ]
    return Sheet("Member changes", columns, tuple(records))


def _admin_gains(view: DiffView) -> Sheet:
    columns = _columns(
        ("Email", 34),
        ("Member ID", 34),
        ("Permission group", 34),
        ("Scopes", 30),
        ("Sources", 50),
    )
    records = tuple(
        Record(
            f"admin gain {g.email}",
            (
                g.email,
                g.member_id,
                g.permission_group,
                "; ".join(g.scopes),
                "; ".join(g.sources),
            ),
        )
        for g in view.admin_gains
    )
    return Sheet("Admin gains", columns, records)


def _findings(view: DiffView) -> Sheet:
    columns = _columns(
        ("Change", 12),
        ("Finding ID", 20),
        ("Severity", 10),
        ("Check", 30),
        ("Title", 40),
        ("Subject", 36),
        ("Detail", 60),
        ("Suppressed by", 40),
    )
    records = tuple(
        Record(
            f"finding {r.finding_id}",
            (
                r.change,
                r.finding_id,
                r.severity,
                r.check_id,
                r.title,
                r.subject,
                r.detail,
                _suppressed_by(r.suppression),
            ),
        )
        for r in view.findings
    )
    return Sheet("Findings", columns, records)


def _suppressions(view: DiffView) -> Sheet:
    columns = _columns(
        ("State", 10),
        ("Entry", 6),
        ("Target", 50),
        ("Owner", 30),
        ("Reason", 50),
        ("Expires", 12),
    )
    rows = [("expired", s) for s in view.expired] + [
        ("unmatched", s) for s in view.unmatched
    ]
    records = tuple(
        Record(
            f"suppression {s.number}",
            (state, s.number, s.target, s.owner, s.reason, s.expires.isoformat()),
        )
        for state, s in rows
    )
    return Sheet("Suppressions", columns, records)


def _suppressed_by(suppression: Suppression | None) -> str:
    if suppression is None:
        return ""
    return (
        f"#{suppression.number} {suppression.owner} until "
        f"{suppression.expires.isoformat()}: {suppression.reason}"
    )
