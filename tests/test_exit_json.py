"""The JSON findings document: valid against docs/findings.schema.json, truthful."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from exit_fixtures import demo_snapshot
from jsonschema import Draft202012Validator

from reporter.audit import Judging, run_diff, run_report
from reporter.gate import Gate
from reporter.suppress import load_suppressions

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
    assert (document["kind"], document["schema_version"]) == ("report", 1)
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
