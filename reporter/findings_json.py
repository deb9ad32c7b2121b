"""The machine-readable findings (``--format json``), schema version 2.

The document is described by ``docs/findings.schema.json``; a change that
breaks a reader bumps ``SCHEMA_VERSION``. Keys only ever get added within a
version. What changed from one version to the next: ``docs/findings-json.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from reporter import __version__
from reporter.analyze.model import SEVERITY_ORDER, Analysis, Finding, NotAssessed
from reporter.diff.model import DiffResult, GrantChange, SnapshotRef
from reporter.gate import GateResult, Reason, ReasonGroup, reasons
from reporter.snapshot.io import utf8_json
from reporter.suppress import Suppression, SuppressionOutcome

SCHEMA_VERSION = 2
UNKNOWN_AFTER = "not assessed in after"
UNKNOWN_BEFORE = "not assessed in before"
# A finding's status by how it changed, when that decides it.
_STATUS = {"resolved": "resolved", UNKNOWN_AFTER: "not assessed"}
Document = dict[str, Any]


@dataclass(frozen=True)
class Judgement:
    """Everything beside the data that a document records about one run."""

    outcome: SuppressionOutcome
    result: GateResult
    today: date


def report_document(analysis: Analysis, judgement: Judgement) -> Document:
    """The findings of one snapshot."""
    ref = SnapshotRef(
        analysis.collected_at, analysis.snapshot_sha256, analysis.tool_version
    )
    findings = [
        _finding(j.finding, j.suppression, None, analysis.account_id)
        for j in judgement.outcome.judged
    ]
    return _document(
        "report",
        analysis.account_id,
        analysis.account_name,
        [("snapshot", ref)],
        findings,
        [(analysis.account_id, n) for n in analysis.not_assessed],
        judgement,
    )


def diff_document(diff: DiffResult, judgement: Judgement) -> Document:
    """The findings and the per-member changes between two snapshots."""
    change = {f.finding_id: "diff" for f in diff.findings}
    change.update({f.finding_id: "new" for f in diff.new_findings})
    change.update({f.finding_id: "persisting" for f in diff.persisting_findings})
    change.update({f.finding_id: UNKNOWN_BEFORE for f in diff.unassessed_before})
    findings = [
        _finding(
            j.finding, j.suppression, change[j.finding.finding_id], diff.account_id
        )
        for j in judgement.outcome.judged
    ]
    findings += [
        _finding(f, None, "resolved", diff.account_id) for f in diff.resolved_findings
    ]
    findings += [
        _finding(f, None, UNKNOWN_AFTER, diff.account_id) for f in diff.unassessed_after
    ]
    document = _document(
        "diff",
        diff.account_id,
        diff.account_name,
        [("before", diff.before), ("after", diff.after)],
        findings,
        [(diff.account_id, n) for n in diff.not_assessed],
        judgement,
    )
    document["diff"] = _diff_section(diff)
    return document


def accounts_document(analyses: Sequence[Analysis], judgement: Judgement) -> Document:
    """The findings of several accounts' snapshots, each naming its account.

    ``judgement`` judged every account's findings, in the order of ``analyses``.
    """
    owners = [a.account_id for a in analyses for _ in a.findings]
    findings = [
        _finding(j.finding, j.suppression, None, owner)
        for j, owner in zip(judgement.outcome.judged, owners, strict=True)
    ]
    document = _document(
        "accounts",
        "",
        "",
        [],
        findings,
        [(a.account_id, n) for a in analyses for n in a.not_assessed],
        judgement,
    )
    document["accounts"] = [
        {"account_id": a.account_id, "account_name": a.account_name} for a in analyses
    ]
    document["snapshots"] = [
        {
            **_snapshot(
                "snapshot",
                SnapshotRef(a.collected_at, a.snapshot_sha256, a.tool_version),
            ),
            "account_id": a.account_id,
        }
        for a in analyses
    ]
    return document


def to_bytes(document: Document) -> bytes:
    """The document as indented UTF-8 JSON with a final newline.

    A lone surrogate in a subject stays its ``\\uXXXX`` escape (``utf8_json``).
    """
    return utf8_json(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _document(
    kind: str,
    account_id: str,
    account_name: str,
    snapshots: list[tuple[str, SnapshotRef]],
    findings: list[Document],
    not_assessed: Iterable[tuple[str, NotAssessed]],  # (account id, check)
    judgement: Judgement,
) -> Document:
    result = judgement.result
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "tool_version": __version__,
        "account_id": account_id,
        "account_name": account_name,
        "accounts": [{"account_id": account_id, "account_name": account_name}],
        "today": judgement.today.isoformat(),
        "snapshots": [
            {**_snapshot(role, ref), "account_id": account_id}
            for role, ref in snapshots
        ],
        "gate": _gate(result),
        "counts": _counts(findings),
        "findings": findings,
        "not_assessed": [
            {
                "account_id": owner,
                "check_id": n.check_id,
                "title": n.title,
                "reason": n.reason,
                "hint": n.hint,
            }
            for owner, n in not_assessed
        ],
        "suppressions": {
            "expired": [_suppression(s) for s in judgement.outcome.expired],
            "unmatched": [_suppression(s) for s in judgement.outcome.unmatched],
        },
        "diff": None,
    }


def _gate(result: GateResult) -> Document:
    """The verdict and every reason for it, failed or not, with what it names."""
    return {
        "fail_on": result.gate.fail_on.value,
        "strict": result.gate.strict,
        "failed": result.failed,
        "exit_code": result.exit_code,
        "summary": result.summary,
        "failing_finding_ids": [f.finding_id for f in result.failing],
        "not_assessed": len(result.not_assessed),
        "reasons": [_reason(r) for r in reasons(result)],
    }


def _reason(reason: Reason) -> Document:
    return {
        "reason": reason.reason,
        "description": reason.description,
        "counted": reason.counted,
        "failed": reason.failed,
        "count": reason.count,
        "groups": [_reason_group(g) for g in reason.groups],
    }


def _reason_group(group: ReasonGroup) -> Document:
    return {
        "account_id": group.account.account_id,
        "account_name": group.account.account_name,
        "check_id": group.check_id,
        "severity": group.severity.value if group.severity else None,
        "count": group.count,
        "subjects": [
            {"id": s.id, "subject": s.subject, "reason": s.reason}
            for s in group.subjects
        ],
        "more": group.more,
    }


def _snapshot(role: str, ref: SnapshotRef) -> Document:
    return {
        "role": role,
        "collected_at": ref.collected_at,
        "sha256": ref.sha256,
        "collector_version": ref.tool_version,
    }


def _finding(
    finding: Finding,
    suppression: Suppression | None,
    change: str | None,
    account_id: str,
) -> Document:
    status = "suppressed" if suppression else "open"
    return {
        "finding_id": finding.finding_id,
        "account_id": account_id,
        "check_id": finding.check_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "subject": finding.subject,
        "detail": finding.detail,
        "member_ids": list(finding.member_ids),
        "status": _STATUS.get(change or "", status),
        "suppression": _suppression(suppression) if suppression else None,
        "change": change,
    }


def _suppression(suppression: Suppression) -> Document:
    return {
        "number": suppression.number,
        "owner": suppression.owner,
        "reason": suppression.reason,
        "expires": suppression.expires.isoformat(),
        "finding_id": suppression.finding_id,
        "check": suppression.check,
        "subject": suppression.subject if suppression.check else None,
    }


def _counts(findings: list[Document]) -> list[Document]:
    return [
        {
            "severity": severity.value,
            "open": sum(
                1
                for f in findings
                if f["severity"] == severity and f["status"] == "open"
            ),
            "suppressed": sum(
                1
                for f in findings
                if f["severity"] == severity and f["status"] == "suppressed"
            ),
        }
        for severity in SEVERITY_ORDER
    ]


def _diff_section(diff: DiffResult) -> Document:
    return {
        "members": [
            {
                "email": m.email,
                "name": m.name,
                "member_id": m.member_id,
                "verdict": m.verdict.value,
                "changes": [_change(c) for c in m.changes],
            }
            for m in diff.members
        ],
        "added": [{"email": m.email, "member_id": m.member_id} for m in diff.added],
        "removed": [{"email": m.email, "member_id": m.member_id} for m in diff.removed],
        "access_not_assessed": list(diff.access_not_assessed),
        "admin_gains": [
            {
                "email": g.email,
                "member_id": g.member_id,
                "permission_group": g.permission_group,
                "scopes": list(g.scopes),
                "sources": list(g.sources),
            }
            for g in diff.admin_gains
        ],
    }


def _change(change: GrantChange) -> Document:
    return {
        "kind": change.kind.value,
        "permission_group": change.permission_group,
        "permission_group_id": change.permission_group_id,
        "before_scopes": list(change.before_scopes),
        "after_scopes": list(change.after_scopes),
        "before_sources": list(change.before_sources),
        "after_sources": list(change.after_sources),
        "admin": change.admin,
        "summary": change.summary,
    }
