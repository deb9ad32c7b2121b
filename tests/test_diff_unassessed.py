"""What AFTER could not collect is never resolved, migrated or removed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from analyze_fixtures import entries_from_organization, failure, snapshot_from_entries
from diff_fixtures import demo_analysis

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
from reporter.audit import Judging, report_diff
from reporter.demo import build_organization
from reporter.diff import DiffResult, MemberVerdict, diff_analyses
from reporter.gate import Gate
from reporter.snapshot import layout

FORBIDDEN = "the token may not read SCIM (HTTP 403)"


def _after(*failed: str, okta: bool = True) -> Analysis:
    """The pre demo organization again, with ``failed`` entries answering 403."""
    org = build_organization(stage="pre")
    entries = entries_from_organization(org)
    for entry in failed:
        del entries[entry]
    if not okta:
        entries = {k: v for k, v in entries.items() if not k.startswith("okta/")}
    records = {
        e: failure(e, status=403, reason=FORBIDDEN, hint="grant SCIM read")
        for e in failed
    }
    snapshot = snapshot_from_entries(
        entries, account_id=org.cloudflare.account["id"], failed=records
    )
    return analyze(snapshot)


def _exit(diff: DiffResult, tmp_path: Path, *, strict: bool) -> tuple[int, str]:
    judging = Judging(Gate(strict=strict), (), date(2026, 1, 20))
    out = tmp_path / ("strict" if strict else "plain")
    outcome = report_diff(diff, ["json"], out, judging)
    document = json.loads((out / "diff.json").read_text("utf-8"))
    assert document["gate"]["summary"] == outcome.result.summary
    return outcome.result.exit_code, outcome.result.summary


def test_scim_forbidden_in_after_is_not_a_migration(tmp_path: Path) -> None:
    """SCIM 403 in AFTER: nobody migrated, no at-risk finding resolved."""
    before = demo_analysis("pre")
    diff = diff_analyses(before, _after(layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS))

    assert {m.verdict for m in diff.members} == {MemberVerdict.NOT_ASSESSED}
    assert len(diff.members) == len(before.members)
    assert (diff.added, diff.removed, diff.admin_gains, diff.findings) == (
        (),
        (),
        (),
        (),
    )
    assert diff.access_not_assessed == (
        f"AFTER: {layout.CF_SCIM_USERS}: {FORBIDDEN}",
        f"AFTER: {layout.CF_SCIM_GROUPS}: {FORBIDDEN}",
    )
    assert not [f for f in diff.resolved_findings if f.check_id == "member-at-risk"]
    at_risk = {
        f.subject for f in diff.unassessed_after if f.check_id == "member-at-risk"
    }
    assert at_risk == {m.email for m in before.members_at_risk}
    assert "member-at-risk" in {n.check_id for n in diff.not_assessed}
    assert _exit(diff, tmp_path, strict=False)[0] == 0
    code, summary = _exit(diff, tmp_path, strict=True)
    assert code == 3
    assert "could not assess" in summary

    document = json.loads((tmp_path / "strict" / "diff.json").read_text("utf-8"))
    assert document["diff"]["access_not_assessed"] == list(diff.access_not_assessed)
    statuses = {
        f["status"] for f in document["findings"] if f["check_id"] == "member-at-risk"
    }
    assert statuses == {"not assessed"}
    access = next(
        r for r in document["gate"]["reasons"] if r["reason"] == "at-risk-not-assessed"
    )
    assert "member-access" in [s["id"] for g in access["groups"] for s in g["subjects"]]


def test_after_without_idp_resolves_no_idp_finding() -> None:
    """An AFTER collected without Okta: its IdP findings are not resolved."""
    before = demo_analysis("pre")
    diff = diff_analyses(before, _after(okta=False))

    idp = [f for f in before.findings if f.check_id in {"member-not-in-okta"}]
    unassessed = {f.finding_id for f in diff.unassessed_after}
    resolved = {f.finding_id for f in diff.resolved_findings}
    assert unassessed and idp
    assert {f.finding_id for f in idp} <= unassessed
    assert not unassessed & resolved
    assert diff.resolved_findings == ()
    assert diff.access_not_assessed == ()
    assert {m.verdict for m in diff.members} == {MemberVerdict.UNCHANGED}


def test_members_failed_in_after_removes_nobody() -> None:
    """members.json failed in AFTER: no member removed, no finding resolved."""
    diff = diff_analyses(demo_analysis("pre"), _after(layout.CF_MEMBERS))

    assert (diff.removed, diff.added, diff.resolved_findings) == ((), (), ())
    assert diff.access_not_assessed[0] == f"AFTER: {layout.CF_MEMBERS}: {FORBIDDEN}"


def test_demo_diff_still_names_only_lucas(tmp_path: Path) -> None:
    """The demo pre -> post diff is unchanged: lucas.martin lost access, exit 3."""
    diff = diff_analyses(demo_analysis("pre"), demo_analysis("post"))

    assert diff.access_not_assessed == ()
    assert (diff.unassessed_after, diff.unassessed_before) == ((), ())
    assert [m.email for m in diff.with_verdict(MemberVerdict.LOST)] == [
        "lucas.martin@northwind.example"
    ]
    assert _exit(diff, tmp_path, strict=False)[0] == 3
