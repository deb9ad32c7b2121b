"""A report set is one set; the CLI's lines say what a run did and did not judge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import run_cli
from exit_fixtures import demo_snapshot, other_account_snapshot
from typer.testing import CliRunner, Result

from reporter.cli import app
from reporter.demo import build_organization

SECRET = "S3CRETxyz"
ACCOUNT = "a" * 32


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo, the demo under another account id, and the demo without Okta."""
    root = tmp_path_factory.mktemp("sets")
    return {
        "demo": demo_snapshot(root / "demo.zip"),
        "other": other_account_snapshot(root / "other.zip"),
        "no-okta": demo_snapshot(root / "no-okta.zip", okta=False),
        "post": demo_snapshot(root / "post.zip", "post"),
    }


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"CLOUDFLARE_API_TOKEN": "dummy"})


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _emails(*files: Path) -> set[str]:
    """Every demo member email that appears in any of ``files``."""
    emails = {m["email"] for m in build_organization().cloudflare.members}
    data = b"".join(p.read_bytes() for p in files)
    return {e for e in emails if e.encode() in data}


def test_force_with_fewer_formats_removes_the_earlier_runs_other_reports(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """report html,json of one account, then json --force of another: no stale HTML."""
    out = tmp_path / "out"
    first = _cli(
        "report", str(snapshots["demo"]), "--format", "html,json", "--out", str(out)
    )
    assert first.exit_code == 3, first.stderr

    second = _cli(
        "report",
        str(snapshots["other"]),
        "--format",
        "json",
        "--force",
        "--out",
        str(out),
    )

    document = json.loads((out / "findings.json").read_text("utf-8"))
    assert second.exit_code == 3, second.stderr
    assert _names(out) == ["findings.json"]
    assert document["account_id"] == "0" * 32
    assert f"removed {out / 'readiness.html'}: " in second.stderr


def test_redacted_force_run_leaves_no_real_name_report_beside_the_key(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """html,xlsx then json --redact --force: only the redacted set, no real email."""
    out = tmp_path / "out"
    first = _cli(
        "report", str(snapshots["demo"]), "--format", "html,xlsx", "--out", str(out)
    )
    assert first.exit_code == 3, first.stderr
    assert _emails(out / "readiness.html", out / "readiness.xlsx")

    second = _cli(
        "report",
        str(snapshots["demo"]),
        "--format",
        "json",
        "--redact",
        "--force",
        "--out",
        str(out),
    )

    assert second.exit_code == 3, second.stderr
    assert _names(out) == ["findings.json", "redaction-key.json"]
    assert _emails(out / "findings.json") == set()
    assert f"removed {out / 'readiness.html'}: " in second.stderr
    assert f"removed {out / 'readiness.xlsx'}: " in second.stderr


def test_an_earlier_report_of_another_format_is_refused_without_force(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """report html, then report json without --force: refused, naming the HTML."""
    out = tmp_path / "out"
    _cli("report", str(snapshots["demo"]), "--format", "html", "--out", str(out))

    result = _cli(
        "report", str(snapshots["other"]), "--format", "json", "--out", str(out)
    )

    assert result.exit_code == 2, result.stderr
    assert f"{out / 'readiness.html'} already exists" in result.stderr
    assert _names(out) == ["readiness.html"]


def test_force_removes_only_the_sets_own_files(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """Other files, a snapshot, a diff set and a folder named readiness.pdf stay."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the auditor's notes", "utf-8")
    (out / "readiness.pdf").mkdir()
    (out / "diff.html").write_text("an earlier diff", "utf-8")
    shutil.copy(snapshots["demo"], out / "snapshot.zip")
    (out / "readiness.xlsx").write_bytes(b"an earlier workbook")

    result = _cli(
        "report",
        str(out / "snapshot.zip"),
        "--format",
        "json",
        "--force",
        "--out",
        str(out),
    )

    assert result.exit_code == 3, result.stderr
    assert _names(out) == [
        "diff.html",
        "findings.json",
        "notes.txt",
        "readiness.pdf",
        "snapshot.zip",
    ]
    assert (out / "notes.txt").read_text("utf-8") == "the auditor's notes"
    assert (out / "diff.html").read_text("utf-8") == "an earlier diff"
    assert f"removed {out / 'readiness.xlsx'}: " in result.stderr


def test_diff_force_with_fewer_formats_removes_the_earlier_diff_html(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """diff html,json then diff json --force: diff.html of the earlier pair is gone."""
    out = tmp_path / "out"
    pair = [str(snapshots["demo"]), str(snapshots["post"])]
    first = _cli("diff", *pair, "--format", "html,json", "--out", str(out))
    assert first.exit_code == 3, first.stderr
    (out / "readiness.html").write_text("a report beside the diff", "utf-8")

    second = _cli("diff", *pair, "--format", "json", "--force", "--out", str(out))

    assert second.exit_code == 3, second.stderr
    assert _names(out) == ["diff.json", "readiness.html"]
    assert f"removed {out / 'diff.html'}: " in second.stderr


def _last_line(result: Result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_gate_summary_is_the_last_stderr_line(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """gate.summary equals stderr's last line, suppressed count included."""
    out = tmp_path / "out"
    accepted = tmp_path / "accepted.toml"
    accepted.write_text(
        '[[suppress]]\nowner = "secops"\nreason = "accepted"\n'
        'expires = 2099-01-01\ncheck = "member-at-risk"\n',
        "utf-8",
    )

    result = _cli(
        "report",
        str(snapshots["demo"]),
        "--format",
        "json",
        "--suppressions",
        str(accepted),
        "--out",
        str(out),
    )

    document = json.loads((out / "findings.json").read_text("utf-8"))
    suppressed = sum(1 for f in document["findings"] if f["status"] == "suppressed")
    assert suppressed > 0
    assert document["gate"]["summary"] == _last_line(result)
    assert _last_line(result).endswith(f"({suppressed} suppressed)")


def test_lenient_pass_counts_what_could_not_assess(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """A pass without --strict says how many checks and steps could not assess."""
    out = tmp_path / "out"

    result = _cli(
        "report",
        str(snapshots["no-okta"]),
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--out",
        str(out),
    )

    document = json.loads((out / "findings.json").read_text("utf-8"))
    counts = {r["reason"]: r["count"] for r in document["gate"]["reasons"]}
    steps = counts["steps-not-assessed"] + counts["at-risk-not-assessed"]
    expected = (
        "passed: no open finding at or above critical (0 suppressed); "
        f"{counts['checks-not-assessed']} check(s) and {steps} step(s) or "
        "assessment(s) could not assess, not counted without --strict"
    )
    assert result.exit_code == 0, result.stderr
    assert counts["checks-not-assessed"] > 0 and steps > 0
    assert _last_line(result) == expected
    assert document["gate"]["summary"] == expected


def test_strict_summary_does_not_say_not_counted(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """With --strict the same snapshot fails on them, as counted reasons."""
    out = tmp_path / "out"

    result = _cli(
        "report",
        str(snapshots["no-okta"]),
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--strict",
        "--out",
        str(out),
    )

    assert result.exit_code == 3, result.stderr
    assert _last_line(result).startswith("failed: ")
    assert "not counted" not in _last_line(result)


def test_the_same_snapshot_given_twice_is_named_so(
    snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """report a.zip a.zip: refused as given twice, not as one account in two files."""
    demo = str(snapshots["demo"])

    result = _cli("report", demo, demo, "--out", str(tmp_path / "out"))

    assert result.exit_code == 2, result.stderr
    assert f"snapshot {demo} was given twice" in result.stderr
    assert "two snapshots" not in result.stderr


@pytest.mark.parametrize("copy", [False, True])
def test_diff_of_one_snapshot_with_itself_warns(
    snapshots: dict[str, Path], tmp_path: Path, copy: bool
) -> None:
    """diff X X (or X and a copy of it) warns that both sides are the same snapshot."""
    before = snapshots["demo"]
    after = tmp_path / "copy.zip" if copy else before
    if copy:
        shutil.copy(before, after)

    # A fresh process: the warning goes through the CLI's logging to stderr.
    result = run_cli(
        "diff",
        str(before),
        str(after),
        "--format",
        "json",
        "--out",
        str(tmp_path / "d"),
    )

    assert result.returncode == 0, result.stderr
    assert f"{before} and {after} are the same snapshot (sha256 " in result.stderr
    assert "shows no change" in result.stderr


def test_collect_into_an_existing_directory_suggests_a_file_path(
    tmp_path: Path,
) -> None:
    """collect --out DIR for one account: exit 2, suggesting DIR/snapshot.zip."""
    result = _cli("collect", "--account", ACCOUNT, "--out", str(tmp_path), "--quiet")

    assert result.exit_code == 2, result.stderr
    assert f"--out {tmp_path} is a directory" in result.stderr
    assert (
        f"pass --out with a file path, e.g. {tmp_path / 'snapshot.zip'}"
        in result.stderr
    )
    assert "pass --force" not in result.stderr


@pytest.mark.parametrize("command", ["collect", "check"])
def test_an_unexpected_argument_is_counted_never_echoed(
    tmp_path: Path, command: str
) -> None:
    """A token typed as an argument is not printed back; the error names the env."""
    out = str(tmp_path / ("x.zip" if command == "collect" else "x"))

    result = _cli(command, "--account", ACCOUNT, "--out", out, SECRET, "--quiet")

    assert result.exit_code == 2, result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert "1 unexpected argument(s), not shown" in result.stderr
    assert "CLOUDFLARE_API_TOKEN" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["verify", "demo"])
def test_verify_and_demo_count_an_unexpected_argument_too(
    tmp_path: Path, command: str
) -> None:
    """The same refusal for the commands that take no token: nothing is run."""
    arguments = {
        "verify": ["verify", str(tmp_path / "s.zip"), SECRET],
        "demo": ["demo", SECRET, "--out", str(tmp_path / "d"), "--quiet"],
    }

    result = _cli(*arguments[command])

    assert result.exit_code == 2, result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert "1 unexpected argument(s), not shown" in result.stderr
    assert list(tmp_path.iterdir()) == []
