"""Exit codes of report and diff: 0 pass, 3 findings, 1 error, 2 usage."""

from __future__ import annotations

from pathlib import Path

import pytest
from exit_fixtures import demo_snapshot, other_account_snapshot
from typer.testing import CliRunner

from reporter.cli import app

LUCAS = "lucas.martin@northwind.example"


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Demo snapshots: pre, post, pre without Okta, another account."""
    root = tmp_path_factory.mktemp("snapshots")
    return {
        "pre": demo_snapshot(root / "pre.zip"),
        "post": demo_snapshot(root / "post.zip", "post"),
        "no-okta": demo_snapshot(root / "no-okta.zip", okta=False),
        "other": other_account_snapshot(root / "other.zip"),
    }


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_report_with_high_findings_exits_3(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """The pre demo has high findings: exit 3, report paths still printed."""
    code, out, err = _invoke(
        "report", str(snapshots["pre"]), "--out", str(tmp_path), "--format", "json"
    )

    assert code == 3, err
    assert out.split() == [str(tmp_path / "findings.json")]
    assert "failed:" in err


def test_report_below_fail_on_exits_0(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """With --fail-on critical the pre demo (no critical finding) passes."""
    code, _, err = _invoke(
        "report",
        str(snapshots["pre"]),
        "--out",
        str(tmp_path),
        "--format",
        "json",
        "--fail-on",
        "critical",
    )

    assert code == 0, err
    assert "passed" in err


def test_strict_fails_on_could_not_assess(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """Without Okta some checks could not assess: --strict makes that exit 3."""
    args = ["report", str(snapshots["no-okta"]), "--out", str(tmp_path)]
    args += ["--format", "json", "--fail-on", "critical"]

    lenient, _, _ = _invoke(*args)
    strict, _, err = _invoke(*args, "--strict", "--force")

    assert (lenient, strict) == (0, 3)
    assert "could not assess" in err


def test_suppressing_every_high_finding_passes(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """Suppressed findings no longer fail the run."""
    checks = [
        "member-at-risk",
        "admin-without-two-factor",
        "okta-inactive-admin-still-member",
        "okta-push-mapping-error",
        "idp-v1-unassign-deprovisions",
    ]
    text = "".join(
        f'[[suppress]]\nowner = "secops"\nreason = "accepted"\n'
        f'expires = 2999-12-31\ncheck = "{c}"\n'
        for c in checks
    )
    suppressions = tmp_path / "suppressions.toml"
    suppressions.write_text(text, encoding="utf-8")

    code, _, err = _invoke(
        "report",
        str(snapshots["pre"]),
        "--out",
        str(tmp_path),
        "--format",
        "json",
        "--suppressions",
        str(suppressions),
    )

    assert code == 0, err


def test_malformed_suppressions_file_is_a_usage_error(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """A bad suppressions file exits 2 naming the file and the field."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[[suppress]]\nowner = "x"\n', encoding="utf-8")

    code, _, err = _invoke(
        "report",
        str(snapshots["pre"]),
        "--out",
        str(tmp_path),
        "--suppressions",
        str(bad),
    )

    assert code == 2
    assert str(bad) in err and "suppress[1].reason" in err


def test_diff_of_pre_and_post_demo_exits_3_naming_the_member(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """The forgotten member fails the diff and is named on stderr."""
    code, out, err = _invoke(
        "diff", str(snapshots["pre"]), str(snapshots["post"]), "--out", str(tmp_path)
    )

    assert code == 3
    assert LUCAS in err
    assert sorted(Path(p).name for p in out.split()) == [
        "diff.html",
        "diff.pdf",
        "diff.xlsx",
    ]


def test_diff_of_a_snapshot_with_itself_exits_0(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """Nothing changed: no own finding, no new finding, exit 0."""
    code, _, err = _invoke(
        "diff",
        str(snapshots["pre"]),
        str(snapshots["pre"]),
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )

    assert code == 0, err


def test_diff_of_two_accounts_is_a_usage_error(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """Snapshots of different accounts exit 2 with both ids named."""
    code, _, err = _invoke(
        "diff", str(snapshots["pre"]), str(snapshots["other"]), "--out", str(tmp_path)
    )

    assert code == 2
    assert "different accounts" in err and "0" * 32 in err


def test_missing_snapshot_is_an_error(tmp_path: Path) -> None:
    """A snapshot file that does not exist exits 1 naming it."""
    missing = tmp_path / "missing.zip"

    code, _, err = _invoke("report", str(missing), "--out", str(tmp_path))

    assert code == 1
    assert str(missing) in err


def test_unknown_fail_on_is_a_usage_error(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """An unknown severity is refused by the option parser with exit 2."""
    code, _, _ = _invoke(
        "report", str(snapshots["pre"]), "--out", str(tmp_path), "--fail-on", "urgent"
    )

    assert code == 2
