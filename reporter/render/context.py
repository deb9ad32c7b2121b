"""The one report model every renderer reads, built from an ``Analysis``.

HTML, PDF and XLSX all take a ``Report``, so the three formats cannot disagree
about what the snapshot showed. Nothing here reads the wall clock: every date
comes from the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from reporter.analyze.catalog import load_catalog
from reporter.analyze.model import (
    SEVERITY_ORDER,
    Analysis,
    Evidence,
    Finding,
    Grant,
    IdpAssignment,
    MemberAccess,
    NotAssessed,
    Source,
    StepResult,
    UserGroupSummary,
    VirtualGroup,
)
from reporter.errors import RenderError
from reporter.render.audit_log import AuditEntryRow, AuditLogView, not_requested
from reporter.render.charts import BarChart, StepStrip, bar_chart, step_strip
from reporter.snapshot.model import RequestRecord
from reporter.suppress import Suppression, SuppressionOutcome

REPORT_TITLE = "SCIM v1 virtual group migration readiness"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
NOT_ASSESSED_TEXT = "could not assess"
# Names, emails and subjects longer than this are cut in the HTML and PDF
# (a 20,000-character name added 48 PDF pages); the workbook keeps them whole.
DISPLAY_LIMIT = 200
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class GrantRow:
    """One grant as a report row."""

    permission_group: str
    permission_group_id: str | None
    scope_kind: str
    scope_label: str
    access: str
    source: str
    source_name: str


@dataclass(frozen=True)
class MemberLink:
    """A link from a finding to the member it concerns."""

    member_id: str
    anchor: str
    label: str  # the member's email, or the id when the member is unknown


@dataclass(frozen=True)
class FindingLink:
    """A link from a member to a finding about them."""

    finding_id: str
    anchor: str
    severity: str
    title: str


@dataclass(frozen=True)
class MemberRow:
    """One member with every grant, group and finding that concerns them."""

    member_id: str
    anchor: str
    email: str
    name: str
    status: str
    two_factor: bool | None
    idp_status: str | None
    grants: tuple[GrantRow, ...]
    virtual_groups: tuple[str, ...]
    user_groups: tuple[str, ...]
    would_lose: tuple[str, ...]  # permission groups held only through virtual groups
    findings: tuple[FindingLink, ...]
    at_risk_assessed: bool = True  # False: would_lose is unknown, not empty

    @property
    def at_risk(self) -> bool:
        """Whether removing the virtual groups today would take access away."""
        return bool(self.would_lose)

    @property
    def at_risk_text(self) -> str:
        """ "yes", "no" or "could not assess", as every format shows it."""
        if not self.at_risk_assessed:
            return NOT_ASSESSED_TEXT
        return "yes" if self.at_risk else "no"


@dataclass(frozen=True)
class SuppressionView:
    """The accepted risk a finding is suppressed by, as the reports show it."""

    owner: str
    reason: str
    expires: date
    expires_text: str  # ISO date, e.g. "2027-01-31"


@dataclass(frozen=True)
class FindingRow:
    """One finding with its anchor and links to the members it concerns."""

    finding_id: str
    anchor: str
    check_id: str
    severity: str
    title: str
    subject: str
    detail: str
    members: tuple[MemberLink, ...]
    suppression: SuppressionView | None = None  # None: the finding is open

    @property
    def suppressed(self) -> bool:
        """Whether an accepted risk suppresses the finding."""
        return self.suppression is not None


@dataclass(frozen=True)
class SeverityGroup:
    """The findings of one severity; present for every severity, even at zero."""

    severity: str
    count: int
    findings: tuple[FindingRow, ...]
    suppressed: int = 0  # how many of ``count`` are suppressed

    @property
    def count_text(self) -> str:
        """The count, with the suppressed ones named: "3 (1 suppressed)"."""
        if not self.suppressed:
            return str(self.count)
        return f"{self.count} ({self.suppressed} suppressed)"


@dataclass(frozen=True)
class CheckGroup:
    """The findings of one check and every member they concern."""

    check_id: str
    title: str  # the catalog's title, else the first finding's
    severity: str  # the most urgent severity among its findings
    findings: tuple[FindingRow, ...]
    members: tuple[MemberLink, ...]  # each member once, in finding order
    rationale: str | None  # from the findings catalog, when the check is in it
    remediation: str | None


@dataclass(frozen=True)
class EndpointRow:
    """How one snapshot entry was collected, with its file's SHA-256."""

    entry: str
    status: str  # ok or failed
    pages: int
    count: int
    http_status: int | None
    error_code: str | None
    reason: str | None
    hint: str | None
    sha256: str | None  # None for a failed entry: it has no file


@dataclass(frozen=True)
class EvidenceView:
    """The manifest as the evidence appendix shows it."""

    started_at: datetime
    finished_at: datetime
    started_text: str
    finished_text: str
    sources: tuple[tuple[str, str], ...]
    settings: tuple[tuple[str, str], ...]
    endpoints: tuple[EndpointRow, ...]
    failed: tuple[EndpointRow, ...]
    requests: tuple[RequestRecord, ...]
    failed_requests: tuple[RequestRecord, ...]  # no status, or not 2xx
    # A resumed collection: when its last run started, and the entries the
    # earlier runs had read (empty when the collection was not resumed).
    resumed_at: datetime | None = None
    resumed_text: str = ""


@dataclass(frozen=True)
class Charts:
    """The summary charts, as geometry the templates draw in SVG."""

    steps: StepStrip
    severities: BarChart
    sources: BarChart


@dataclass(frozen=True)
class StepRow:
    """One migration step; ``status_class`` is the status as a CSS class."""

    number: int
    title: str
    status: str
    status_class: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class VerdictView:
    """The go/no-go verdict for step 6 and the reasons it is not yet a go."""

    go: bool
    label: str
    summary: str
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything the three reports show, in the order they show it."""

    title: str
    account_name: str
    account_id: str
    snapshot_time: datetime  # UTC, from the snapshot manifest
    snapshot_time_text: str  # e.g. "2026-12-01 10:00:00 UTC"
    tool_version: str
    snapshot_sha256: str
    verdict: VerdictView
    steps: tuple[StepRow, ...]
    finding_groups: tuple[SeverityGroup, ...]
    finding_count: int
    members: tuple[MemberRow, ...]
    members_at_risk: tuple[MemberRow, ...]
    virtual_groups: tuple[VirtualGroup, ...]  # of the audited account
    foreign_virtual_groups: tuple[VirtualGroup, ...]  # naming another account
    user_groups: tuple[UserGroupSummary, ...]
    not_assessed: tuple[NotAssessed, ...]
    unmapped_roles: tuple[str, ...]
    finding_checks: tuple[CheckGroup, ...]  # the same findings, one group per check
    idp_assignments: tuple[IdpAssignment, ...]
    evidence: EvidenceView | None  # None when the analysis carries no manifest
    charts: Charts
    at_risk_assessed: bool = True  # False: members_at_risk is unknown, not empty
    suppressed_count: int = 0  # findings an accepted risk suppresses
    # The audit window's member, user group and SCIM changes, or why none.
    audit_log: AuditLogView = field(default_factory=not_requested)

    @property
    def at_risk_count_text(self) -> str:
        """How many members are at risk, or "could not assess"."""
        if not self.at_risk_assessed:
            return NOT_ASSESSED_TEXT
        return str(len(self.members_at_risk))

    @property
    def finding_count_text(self) -> str:
        """The findings count, with the suppressed ones named."""
        if not self.suppressed_count:
            return str(self.finding_count)
        return f"{self.finding_count}, {self.suppressed_count} suppressed"


def build_report(
    analysis: Analysis,
    suppressions: SuppressionOutcome | None = None,
    audit_log: AuditLogView | None = None,
) -> Report:
    """Turn an analysis into the report model the renderers share.

    ``suppressions`` marks the findings an accepted risk suppresses;
    ``audit_log`` is the snapshot's audit-log evidence (none: not collected).
    """
    snapshot_time = parse_snapshot_time(analysis.collected_at)
    members = _member_rows(analysis)
    emails = {m.member_id: m.email for m in analysis.members}
    # One lookup table: SuppressionOutcome.suppression_of scans every finding.
    accepted = {
        j.finding.finding_id: j.suppression
        for j in (suppressions.judged if suppressions else ())
        if j.suppression is not None
    }
    findings = tuple(
        _finding_row(f, emails, _suppression_view(accepted.get(f.finding_id)))
        for f in analysis.findings
    )
    steps = tuple(_step_row(step) for step in analysis.steps)
    severity_groups = _group_by_severity(findings)

    return Report(
        title=f"{REPORT_TITLE}: {analysis.account_name}",
        account_name=analysis.account_name,
        account_id=analysis.account_id,
        snapshot_time=snapshot_time,
        snapshot_time_text=snapshot_time.strftime(TIME_FORMAT),
        tool_version=analysis.tool_version,
        snapshot_sha256=analysis.snapshot_sha256,
        verdict=VerdictView(
            go=analysis.verdict.go,
            label="GO" if analysis.verdict.go else "NO-GO",
            summary=analysis.verdict.summary,
            blockers=analysis.verdict.blockers,
        ),
        steps=steps,
        finding_groups=severity_groups,
        finding_count=len(findings),
        members=members,
        members_at_risk=tuple(m for m in members if m.at_risk),
        virtual_groups=tuple(g for g in analysis.virtual_groups if not g.foreign),
        foreign_virtual_groups=tuple(g for g in analysis.virtual_groups if g.foreign),
        user_groups=analysis.user_groups,
        not_assessed=analysis.not_assessed,
        unmapped_roles=analysis.unmapped_roles,
        finding_checks=_group_by_check(severity_groups),
        idp_assignments=analysis.idp_assignments,
        evidence=_evidence_view(analysis.evidence),
        charts=_charts(steps, severity_groups, analysis.members),
        at_risk_assessed=analysis.at_risk_assessed,
        suppressed_count=sum(1 for f in findings if f.suppressed),
        audit_log=audit_log or not_requested(),
    )


def for_display(report: Report, limit: int = DISPLAY_LIMIT) -> Report:
    """``report`` with names, emails and subjects cut at ``limit`` characters.

    The HTML and PDF show this; the workbook keeps the full text.
    """
    members = tuple(_short_member(m, limit) for m in report.members)
    groups = tuple(
        replace(g, findings=tuple(_short_finding(f, limit) for f in g.findings))
        for g in report.finding_groups
    )
    return replace(
        report,
        account_name=shorten(report.account_name, limit),
        members=members,
        members_at_risk=tuple(m for m in members if m.at_risk),
        finding_groups=groups,
        finding_checks=_group_by_check(groups),
        virtual_groups=tuple(_short_group(g, limit) for g in report.virtual_groups),
        foreign_virtual_groups=tuple(
            _short_group(g, limit) for g in report.foreign_virtual_groups
        ),
        user_groups=tuple(
            replace(g, name=shorten(g.name, limit)) for g in report.user_groups
        ),
        idp_assignments=tuple(
            replace(a, login=shorten(a.login, limit), group=shorten(a.group, limit))
            for a in report.idp_assignments
        ),
        verdict=replace(
            report.verdict,
            blockers=tuple(shorten(b, 2 * limit) for b in report.verdict.blockers),
        ),
        audit_log=replace(
            report.audit_log,
            rows=tuple(_short_audit(r, limit) for r in report.audit_log.rows),
        ),
    )


def _short_audit(row: AuditEntryRow, limit: int) -> AuditEntryRow:
    return replace(
        row,
        actor=shorten(row.actor, limit),
        action=shorten(row.action, limit),
        resource=shorten(row.resource, limit),
    )


def shorten(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def _short_member(member: MemberRow, limit: int) -> MemberRow:
    return replace(
        member,
        email=shorten(member.email, limit),
        name=shorten(member.name, limit),
        user_groups=tuple(shorten(g, limit) for g in member.user_groups),
        virtual_groups=tuple(shorten(g, limit) for g in member.virtual_groups),
    )


def _short_finding(finding: FindingRow, limit: int) -> FindingRow:
    return replace(
        finding,
        subject=shorten(finding.subject, limit),
        detail=shorten(finding.detail, 5 * limit),
        members=tuple(
            replace(m, label=shorten(m.label, limit)) for m in finding.members
        ),
    )


def _short_group(group: VirtualGroup, limit: int) -> VirtualGroup:
    return replace(
        group,
        display_name=shorten(group.display_name, limit),
        members=tuple(shorten(m, limit) for m in group.members),
    )


def _suppression_view(suppression: Suppression | None) -> SuppressionView | None:
    if suppression is None:
        return None
    return SuppressionView(
        owner=suppression.owner,
        reason=suppression.reason,
        expires=suppression.expires,
        expires_text=suppression.expires.isoformat(),
    )


def parse_snapshot_time(value: str) -> datetime:
    """Read the manifest's ISO 8601 time as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RenderError(
            f"snapshot time {value!r} is not an ISO 8601 date and time",
            hint="check finished_at in the snapshot's manifest.json",
        ) from exc

    # The manifest writes UTC; a time without an offset is read as UTC too.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def member_anchor(member_id: str) -> str:
    """The HTML id of a member's row."""
    return f"member-{member_id}"


def finding_anchor(finding_id: str) -> str:
    """The HTML id of a finding's row."""
    return f"finding-{finding_id}"


def _member_rows(analysis: Analysis) -> tuple[MemberRow, ...]:
    links: dict[str, list[FindingLink]] = {}
    for finding in analysis.findings:
        link = FindingLink(
            finding_id=finding.finding_id,
            anchor=finding_anchor(finding.finding_id),
            severity=finding.severity.value,
            title=finding.title,
        )
        for member_id in finding.member_ids:
            links.setdefault(member_id, []).append(link)

    return tuple(
        _member_row(m, tuple(links.get(m.member_id, ())), analysis.at_risk_assessed)
        for m in analysis.members
    )


def _member_row(
    member: MemberAccess, findings: tuple[FindingLink, ...], assessed: bool
) -> MemberRow:
    return MemberRow(
        member_id=member.member_id,
        anchor=member_anchor(member.member_id),
        email=member.email,
        name=member.name,
        status=member.status,
        two_factor=member.two_factor,
        idp_status=member.idp_status,
        grants=tuple(_grant_row(g) for g in member.grants),
        virtual_groups=member.virtual_groups,
        user_groups=member.user_groups,
        would_lose=member.at_risk,
        findings=findings,
        at_risk_assessed=assessed,
    )


def _grant_row(grant: Grant) -> GrantRow:
    return GrantRow(
        permission_group=grant.permission_group,
        permission_group_id=grant.permission_group_id,
        scope_kind=grant.scope.kind,
        scope_label=grant.scope.label,
        access=grant.access.value,
        source=grant.source.value,
        source_name=grant.source_name,
    )


def _finding_row(
    finding: Finding, emails: dict[str, str], suppression: SuppressionView | None
) -> FindingRow:
    return FindingRow(
        finding_id=finding.finding_id,
        anchor=finding_anchor(finding.finding_id),
        check_id=finding.check_id,
        severity=finding.severity.value,
        title=finding.title,
        subject=finding.subject,
        detail=finding.detail,
        members=tuple(
            MemberLink(
                member_id=member_id,
                anchor=member_anchor(member_id),
                label=emails.get(member_id, member_id),
            )
            for member_id in finding.member_ids
        ),
        suppression=suppression,
    )


def _group_by_severity(findings: tuple[FindingRow, ...]) -> tuple[SeverityGroup, ...]:
    groups = []
    for severity in SEVERITY_ORDER:
        chosen = tuple(f for f in findings if f.severity == severity.value)
        suppressed = sum(1 for f in chosen if f.suppressed)
        groups.append(SeverityGroup(severity.value, len(chosen), chosen, suppressed))
    return tuple(groups)


def _step_row(step: StepResult) -> StepRow:
    return StepRow(
        number=step.number,
        title=step.title,
        status=step.status.value,
        status_class=step.status.value.replace(" ", "-"),
        evidence=step.evidence,
    )


def _group_by_check(groups: tuple[SeverityGroup, ...]) -> tuple[CheckGroup, ...]:
    # Severity groups come most urgent first, so a check's first finding
    # carries its most urgent severity and checks keep that order.
    by_check: dict[str, list[FindingRow]] = {}
    for group in groups:
        for finding in group.findings:
            by_check.setdefault(finding.check_id, []).append(finding)
    return tuple(_check_group(rows) for rows in by_check.values())


def _check_group(rows: list[FindingRow]) -> CheckGroup:
    members: dict[str, MemberLink] = {}
    for row in rows:
        for link in row.members:
            members.setdefault(link.member_id, link)
    described = load_catalog().get(rows[0].check_id)
    return CheckGroup(
        check_id=rows[0].check_id,
        title=described.title if described else rows[0].title,
        severity=rows[0].severity,
        findings=tuple(rows),
        members=tuple(members.values()),
        rationale=described.rationale if described else None,
        remediation=described.remediation if described else None,
    )


def _evidence_view(evidence: Evidence | None) -> EvidenceView | None:
    if evidence is None:
        return None
    hashes = dict(evidence.files)
    endpoints = tuple(
        EndpointRow(
            entry=e.entry,
            status=e.status,
            pages=e.pages,
            count=e.count,
            http_status=e.http_status,
            error_code=e.error_code,
            reason=e.reason,
            hint=e.hint,
            sha256=hashes.get(e.entry),
        )
        for e in evidence.endpoints
    )
    started = parse_snapshot_time(evidence.started_at)
    finished = parse_snapshot_time(evidence.finished_at)
    resumed = (
        None
        if evidence.resumed_at is None
        else parse_snapshot_time(evidence.resumed_at)
    )
    return EvidenceView(
        started_at=started,
        finished_at=finished,
        started_text=started.strftime(TIME_FORMAT),
        finished_text=finished.strftime(TIME_FORMAT),
        sources=evidence.sources,
        settings=evidence.settings,
        endpoints=endpoints,
        failed=tuple(e for e in endpoints if e.status != "ok"),
        requests=evidence.requests,
        failed_requests=tuple(r for r in evidence.requests if not _succeeded(r)),
        resumed_at=resumed,
        resumed_text=_resumed_text(resumed, dict(evidence.settings)),
    )


def _resumed_text(resumed: datetime | None, settings: dict[str, str]) -> str:
    """``<time>, N entries from the earlier run`` for a resumed collection."""
    if resumed is None:
        return ""
    earlier = settings.get("resumed_entries", "").split(", ")
    count = len([name for name in earlier if name])
    return f"{resumed.strftime(TIME_FORMAT)}, {count} entries from the earlier run"


def _succeeded(request: RequestRecord) -> bool:
    return request.status is not None and 200 <= request.status < 300


def _charts(
    steps: tuple[StepRow, ...],
    severities: tuple[SeverityGroup, ...],
    members: tuple[MemberAccess, ...],
) -> Charts:
    sources: dict[str, int] = {source.value: 0 for source in Source}
    for member in members:
        for grant in member.grants:
            sources[grant.source.value] += 1
    return Charts(
        steps=step_strip([(s.number, s.status, s.status_class) for s in steps]),
        severities=bar_chart(
            "Findings by severity",
            [(g.severity, g.count, f"severity-{g.severity}") for g in severities],
        ),
        sources=bar_chart(
            "Grants by source of access",
            [
                (name, n, f"source-{name.replace(' ', '-')}")
                for name, n in sources.items()
            ],
        ),
    )
