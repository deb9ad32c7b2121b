"""The JSON findings document: valid against docs/findings.schema.json, truthful."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from exit_fixtures import demo_snapshot
from jsonschema import Draft202012Validator

from reporter.analyze import analyze
from reporter.analyze.model import Analysis, Severity, StepResult, StepStatus
from reporter.audit import Judging, report_analysis, run_diff, run_report
from reporter.gate import Gate, gate_lines
from reporter.snapshot import read_snapshot
from reporter.suppress import Suppression, load_suppressions

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "docs" / "findings.schema.json").read_text(
        "utf-8"
    )
)
TODAY = date(2026, 6, 1)
NO_SUPPRESSIONS = Judging(Gate(), (), TODAY)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The pre and post demo snapshots."""
    root = tmp_path_factory.mktemp("json")
    return demo_snapshot(root / "pre.zip"), demo_snapshot(root / "post.zip", "post")


def _document(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def test_schema_is_a_valid_json_schema() -> None:
    """The published schema itself is valid Draft 2020-12."""
    Draft202012Validator.check_schema(SCHEMA)


def test_report_json_matches_the_schema(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """findings.json of the demo validates and says it failed the gate."""
    outcome = run_report(snapshots[0], ["json"], tmp_path, NO_SUPPRESSIONS)

    document = _document(outcome.paths[0])

    Draft202012Validator(SCHEMA).validate(document)
    assert (document["kind"], document["schema_version"]) == ("report", 2)
    assert document["gate"]["exit_code"] == 3
    assert len(document["findings"]) == len(outcome.outcome.judged)


def test_diff_json_matches_the_schema(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """diff.json validates and names the member who lost access."""
    outcome = run_diff(*snapshots, ["json"], tmp_path, NO_SUPPRESSIONS)

    document = _document(outcome.paths[0])

    Draft202012Validator(SCHEMA).validate(document)
    lost = [
        m["email"] for m in document["diff"]["members"] if m["verdict"] == "lost access"
    ]
    assert lost == ["lucas.martin@northwind.example"]
    assert document["gate"]["failing_finding_ids"] == [
        f.finding_id for f in outcome.result.failing
    ]


def test_suppressed_findings_are_listed_and_counted(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """A suppressed finding stays in the document, marked and counted."""
    path = tmp_path / "suppressions.toml"
    path.write_text(
        '[[suppress]]\nowner = "secops"\nreason = "known"\nexpires = 2026-12-31\n'
        'check = "member-at-risk"\n'
        '[[suppress]]\nowner = "secops"\nreason = "old"\nexpires = 2026-01-31\n'
        'check = "email-case-mismatch"\n'
        '[[suppress]]\nowner = "secops"\nreason = "stale"\nexpires = 2026-12-31\n'
        'finding_id = "0000000000000000"\n',
        encoding="utf-8",
    )
    judging = Judging(Gate(), load_suppressions(path), TODAY)

    outcome = run_report(snapshots[0], ["json"], tmp_path / "out", judging)
    document = _document(outcome.paths[0])

    at_risk = [f for f in document["findings"] if f["check_id"] == "member-at-risk"]
    high = next(c for c in document["counts"] if c["severity"] == "high")
    assert at_risk and {f["status"] for f in at_risk} == {"suppressed"}
    assert high["suppressed"] == len(at_risk)
    assert [s["number"] for s in document["suppressions"]["expired"]] == [2]
    assert [s["number"] for s in document["suppressions"]["unmatched"]] == [3]


# The gate block explains its own verdict: every reason, counted or not.


def _reasons(document: Any) -> dict[str, Any]:
    return {r["reason"]: r for r in document["gate"]["reasons"]}


def _blind_analysis(snapshot: Path, *, at_risk: bool = True) -> Analysis:
    """The post demo with no check unassessed and step 3 that could not assess."""
    analysis = analyze(read_snapshot(snapshot))
    blind = StepResult(3, "Sync groups", StepStatus.COULD_NOT_ASSESS, ("no pushes",))
    steps = tuple(blind if s.number == 3 else s for s in analysis.steps)
    return replace(analysis, not_assessed=(), steps=steps, at_risk_assessed=at_risk)


def _gate_document(
    analysis: Analysis, out: Path, *, strict: bool, fail_on: Severity
) -> Any:
    judging = Judging(Gate(fail_on=fail_on, strict=strict), (), TODAY)
    outcome = report_analysis(analysis, ["json"], out, judging)
    document = _document(outcome.paths[0])
    Draft202012Validator(SCHEMA).validate(document)
    return document


def test_strict_gate_states_a_step_that_could_not_assess(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """--strict failed by step 3 alone: the gate block says so, naming the step."""
    analysis = _blind_analysis(snapshots[1])

    document = _gate_document(
        analysis, tmp_path, strict=True, fail_on=Severity.CRITICAL
    )

    gate, reasons = document["gate"], _reasons(document)
    assert (gate["failed"], gate["not_assessed"]) == (True, 0)
    assert gate["summary"] == (
        "failed: 1 step(s) or assessment(s) could not assess (0 suppressed)"
    )
    assert [r["reason"] for r in gate["reasons"] if r["failed"]] == [
        "steps-not-assessed"
    ]
    assert reasons["steps-not-assessed"]["groups"] == [
        {
            "account_id": analysis.account_id,
            "account_name": analysis.account_name,
            "check_id": None,
            "severity": None,
            "count": 1,
            "subjects": [
                {
                    "id": "step-3",
                    "subject": "step 3 (Sync groups)",
                    "reason": "no pushes",
                }
            ],
            "more": 0,
        }
    ]
    assert (reasons["findings"]["count"], reasons["checks-not-assessed"]["count"]) == (
        0,
        0,
    )


def test_lenient_gate_counts_the_step_without_failing(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """Without --strict the same step is counted, not counted toward the verdict."""
    analysis = _blind_analysis(snapshots[1])

    document = _gate_document(
        analysis, tmp_path, strict=False, fail_on=Severity.CRITICAL
    )

    steps = _reasons(document)["steps-not-assessed"]
    assert document["gate"]["failed"] is False
    assert (steps["counted"], steps["failed"], steps["count"]) == (False, False, 1)
    assert all(not r["failed"] for r in document["gate"]["reasons"])


def test_strict_gate_states_who_is_at_risk_was_not_assessed(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """An unassessed at-risk computation is its own reason, apart from steps."""
    analysis = _blind_analysis(snapshots[1], at_risk=False)

    document = _gate_document(
        analysis, tmp_path, strict=True, fail_on=Severity.CRITICAL
    )

    at_risk = _reasons(document)["at-risk-not-assessed"]
    assert (at_risk["failed"], at_risk["count"]) == (True, 1)
    assert at_risk["groups"][0]["subjects"] == [
        {"id": "at-risk", "subject": "who is at risk", "reason": ""}
    ]
    assert _reasons(document)["steps-not-assessed"]["count"] == 1
    assert document["gate"]["summary"] == (
        "failed: 2 step(s) or assessment(s) could not assess (0 suppressed)"
    )


def test_strict_gate_names_checks_five_then_more(tmp_path: Path) -> None:
    """A snapshot without Okta: its blind checks named five at a time, with reasons."""
    snapshot = demo_snapshot(tmp_path / "no-okta.zip", okta=False)
    analysis = analyze(read_snapshot(snapshot))

    document = _gate_document(
        analysis, tmp_path / "out", strict=True, fail_on=Severity.CRITICAL
    )

    checks = _reasons(document)["checks-not-assessed"]
    (group,) = checks["groups"]
    assert checks["count"] == document["gate"]["not_assessed"]
    assert checks["count"] == len(analysis.not_assessed) > 5
    assert group["subjects"] == [
        {"id": n.check_id, "subject": n.title, "reason": n.reason}
        for n in analysis.not_assessed[:5]
    ]
    assert group["more"] == len(analysis.not_assessed) - 5
    assert {n["account_id"] for n in document["not_assessed"]} == {analysis.account_id}


def test_gate_names_the_subjects_stderr_names(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """Per failing check: its count, the five subjects stderr names, 'and K more'."""
    outcome = run_report(snapshots[0], ["json"], tmp_path, NO_SUPPRESSIONS)
    document = _document(outcome.paths[0])
    lines = gate_lines(outcome.result)

    groups = _reasons(document)["findings"]["groups"]
    at_risk = next(g for g in groups if g["check_id"] == "member-at-risk")
    failing = [f for f in outcome.result.failing if f.check_id == "member-at-risk"]
    assert at_risk["count"] == len(failing) > 5
    assert [s["id"] for s in at_risk["subjects"]] == [f.finding_id for f in failing[:5]]
    assert f"high: and {at_risk['more']} more [member-at-risk]" in lines
    assert at_risk["more"] == len(failing) - 5
    for subject in at_risk["subjects"]:
        assert f"high: {subject['reason']}: {subject['subject']} [member-at-risk]" in (
            lines
        )
    assert sum(g["count"] for g in groups) == len(
        document["gate"]["failing_finding_ids"]
    )


def test_a_passing_gate_states_each_reason_at_zero(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """Every finding accepted: passed, and each reason says why with its count."""
    findings = analyze(read_snapshot(snapshots[0])).findings
    accepted = tuple(
        Suppression(
            number=n,
            owner="secops",
            reason="accepted for the test",
            expires=date(2027, 1, 1),
            finding_id=f.finding_id,
            check=None,
            subject="",
        )
        for n, f in enumerate(findings, start=1)
    )
    judging = Judging(Gate(strict=True), accepted, TODAY)

    outcome = run_report(snapshots[0], ["json"], tmp_path, judging)
    document = _document(outcome.paths[0])

    gate = document["gate"]
    assert (gate["failed"], gate["exit_code"]) == (False, 0)
    assert gate["summary"] == (
        f"passed: no open finding at or above high ({len(accepted)} suppressed)"
    )
    assert [(r["reason"], r["counted"], r["count"]) for r in gate["reasons"]] == [
        ("findings", True, 0),
        ("checks-not-assessed", True, 0),
        ("steps-not-assessed", True, 0),
        ("at-risk-not-assessed", True, 0),
    ]


def test_diff_gate_names_the_member_who_lost_access(
    snapshots: tuple[Path, Path], tmp_path: Path
) -> None:
    """diff.json's findings reason names Lucas, the one member who lost access."""
    outcome = run_diff(*snapshots, ["json"], tmp_path, NO_SUPPRESSIONS)

    groups = _reasons(_document(outcome.paths[0]))["findings"]["groups"]

    assert [(g["check_id"], g["count"]) for g in groups] == [("member-lost-access", 1)]
    assert groups[0]["subjects"][0]["subject"] == "lucas.martin@northwind.example"
