"""What a new user found with only the README and --help: each one fixed."""

from __future__ import annotations

import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from snapshot_edits import edit_manifest

from reporter.snapshot import layout

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
ACCOUNT = "a" * 32


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it, with a dummy token."""
    return run_cli(*args, env={"CLOUDFLARE_API_TOKEN": "dummy-token-never-sent"})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a refused run; no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


def flip_compressed_byte(source: Path, target: Path, entry: str) -> None:
    """Copy ``source`` with one byte flipped inside ``entry``'s deflated data."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(entry)
    offset = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[offset + 26 : offset + 30])
    start = offset + 30 + name_len + extra_len
    assert info.compress_size > 64
    data[start + info.compress_size // 2] ^= 0xFF
    target.write_bytes(bytes(data))


# 3 (a): several accounts need a directory


def test_several_accounts_into_an_existing_file_is_refused_up_front(
    tmp_path: Path,
) -> None:
    """Two accounts with --out an existing file: exit 2 naming it, no traceback."""
    notes = tmp_path / "notes.md"
    notes.write_text("my notes\n")

    result = cli(
        "collect",
        *("--account", "a" * 32, "--account", "b" * 32),
        *("--out", str(notes), "--quiet"),
    )

    line = one_line_error(result)
    assert result.returncode == 2
    assert f"--out {notes} is a file" in line and "directory" in line
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


# An --out that cannot be written: refused before any request


@pytest.mark.parametrize(
    ("command", "out", "refusal"),
    [
        (["collect", "--account", ACCOUNT], "taken/snap.zip/x.zip", "is a file"),
        (["collect", "--account", ACCOUNT], "/proc/x.zip", "no file can be made"),
        (["collect", "--all-accounts"], "taken/snap.zip/all", "is a file"),
        (["check", "--account", ACCOUNT], "taken/snap.zip/x", "is a file"),
        (["check", "--account", ACCOUNT], "/proc/x", "no file can be made"),
        (["demo"], "taken/snap.zip/demo", "is a file"),
        (["demo"], "/proc/demo", "no file can be made"),
    ],
)
def test_an_out_that_cannot_be_written_is_refused_before_any_request(
    tmp_path: Path, command: list[str], out: str, refusal: str
) -> None:
    """One line naming --out and the fix, exit 2; nothing is sent, nothing made."""
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "snap.zip").write_text("a file in the way")
    target = out if out.startswith("/") else str(tmp_path / out)
    url = "http://127.0.0.1:1/client/v4"  # nothing listens: a request would retry
    given = [*command, "--out", target]
    if command[0] != "demo":
        given += ["--cloudflare-url", url]

    result = cli(*given, "--quiet")

    line = one_line_error(result)
    assert result.returncode == 2
    assert line.startswith(f"error: cannot write {target}: ") and refusal in line
    assert "pass --out with a path in a folder you can write to" in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["snap.zip", "taken"]


# 3 (b): damaged compressed data


@pytest.mark.parametrize("command", ["verify", "report"])
def test_a_flipped_compressed_byte_is_one_altered_line(
    tmp_path: Path, command: str
) -> None:
    """A byte flipped inside deflated data: exit 1, one line naming file and entry."""
    damaged = tmp_path / "damaged.zip"
    flip_compressed_byte(SAMPLE, damaged, layout.CF_MEMBERS)
    extra = ["--out", str(tmp_path / "out")] if command == "report" else []

    result = cli(command, str(damaged), *extra)

    line = one_line_error(result)
    assert result.returncode == 1
    assert f"{damaged}: entry {layout.CF_MEMBERS} is corrupt or was altered" in line
    assert not (tmp_path / "out").exists()


# 1: the audit window is a real window


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (["--audit-since", "2026-13-01"], "--audit-since '2026-13-01' is not a real"),
        (["--audit-since", "2026-02-30"], "--audit-since '2026-02-30' is not a real"),
        (
            ["--audit-since", "2020-01-01", "--audit-before", "2020-02-31"],
            "--audit-before '2020-02-31' is not a real",
        ),
        (
            ["--audit-since", "2025-12-01", "--audit-before", "2025-11-01"],
            "since 2025-12-01 is not before 2025-11-01",
        ),
        (
            ["--audit-since", "2025-12-01", "--audit-before", "2025-12-01"],
            "since 2025-12-01 is not before 2025-12-01",
        ),
        (["--audit-since", "2999-01-01"], "--audit-since 2999-01-01 is in the future"),
    ],
)
def test_an_impossible_audit_window_is_refused(
    tmp_path: Path, window: list[str], expected: str
) -> None:
    """Impossible dates, reversed, empty or future windows: exit 2 naming them."""
    out = tmp_path / "s.zip"

    result = cli("collect", "--account", ACCOUNT, "--out", str(out), *window)

    line = one_line_error(result)
    assert result.returncode == 2
    assert expected in line
    assert "--audit-" in line.split("(", 1)[1]  # the hint names the option
    assert not out.exists()


def test_a_timestamp_window_with_a_zone_is_accepted() -> None:
    """RFC 3339 timestamps, with Z or an offset, make a valid window."""
    from reporter.collect.interface import AuditWindow, audit_instant

    window = AuditWindow("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+00:30")

    assert window.since == "2026-01-01T00:00:00Z"
    assert audit_instant("since", "2026-01-01").isoformat() == (
        "2026-01-01T00:00:00+00:00"
    )


# 2: --force replaces a snapshot, never a file that is not one


def test_collect_force_does_not_replace_a_file_that_is_not_a_snapshot(
    tmp_path: Path,
) -> None:
    """collect --out existing.txt --force: exit 2 naming it; the text stays."""
    existing = tmp_path / "existing.txt"
    existing.write_text("quarterly notes\n")

    result = cli(
        "collect", "--account", ACCOUNT, "--out", str(existing), "--force", "--quiet"
    )

    line = one_line_error(result)
    assert result.returncode == 2
    assert f"{existing} exists and is not a cf-scim-audit snapshot" in line
    assert existing.read_text() == "quarterly notes\n"


def test_collect_force_does_not_replace_a_zip_without_our_manifest(
    tmp_path: Path,
) -> None:
    """A zip of something else is not a snapshot either."""
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("holiday.txt", "sea")
    before = other.read_bytes()

    result = cli("collect", "--account", ACCOUNT, "--out", str(other), "--force")

    assert result.returncode == 2
    assert "is not a cf-scim-audit snapshot" in one_line_error(result)
    assert other.read_bytes() == before


def test_check_force_does_not_replace_a_snapshot_zip_that_is_not_one(
    tmp_path: Path,
) -> None:
    """check --force with a plain file named snapshot.zip in --out: refused."""
    planted = tmp_path / "snapshot.zip"
    planted.write_text("not evidence\n")

    result = cli(
        "check", "--account", ACCOUNT, "--out", str(tmp_path), "--force", "--quiet"
    )

    assert result.returncode == 2
    assert f"{planted} exists and is not a cf-scim-audit snapshot" in (
        one_line_error(result)
    )
    assert planted.read_text() == "not evidence\n"


def test_force_still_replaces_a_real_snapshot() -> None:
    """The sample snapshot is one: --force may replace it."""
    from reporter.pipeline import refuse_existing

    refuse_existing(SAMPLE, force=True)  # no error
    with pytest.raises(Exception, match="already exists"):
        refuse_existing(SAMPLE)


# 7: report and diff refuse an earlier report set unless --force


@pytest.mark.parametrize("command", ["report", "diff"])
def test_a_second_run_into_the_same_out_is_refused_unless_force(
    tmp_path: Path, command: str
) -> None:
    """report/diff into a folder holding their reports: exit 2 naming file, flag."""
    out = tmp_path / "out"
    snapshots = [str(SAMPLE)] * (2 if command == "diff" else 1)
    args = [command, *snapshots, "--out", str(out), "--format", "json,html"]
    first = cli(*args)
    assert first.returncode in (0, 3), first.stderr
    name = "diff.html" if command == "diff" else "readiness.html"
    written = (out / name).read_bytes()
    (out / name).write_bytes(b"earlier report")
    # The JSON, named first, is gone: the refusal names the HTML left behind.
    (out / ("diff.json" if command == "diff" else "findings.json")).unlink()

    second = cli(*args)
    forced = cli(*args, "--force")

    assert second.returncode == 2
    line = one_line_error(second)
    assert f"{out / name} already exists" in line and "--force" in line
    assert forced.returncode == first.returncode, forced.stderr
    assert (out / name).read_bytes()[:15] == written[:15]


# 4: --strict counts steps and the at-risk assessment, not only checks


def test_strict_fails_on_a_step_that_could_not_assess(tmp_path: Path) -> None:
    """No check unassessed, one step could not assess: strict exits 3, names it."""
    from dataclasses import replace

    from exit_fixtures import demo_snapshot

    from reporter.analyze import analyze
    from reporter.analyze.model import Severity, StepResult, StepStatus
    from reporter.audit import Judging, report_analysis
    from reporter.gate import Gate, gate_lines
    from reporter.snapshot import read_snapshot

    analysis = analyze(read_snapshot(demo_snapshot(tmp_path / "post.zip", "post")))
    blind = StepResult(3, "Sync groups", StepStatus.COULD_NOT_ASSESS, ("no pushes",))
    steps = tuple(blind if s.number == 3 else s for s in analysis.steps)
    hidden = replace(analysis, not_assessed=(), steps=steps)
    today = analysis.collected_at[:10]

    def run(strict: bool, out: str):  # type: ignore[no-untyped-def]
        from datetime import date

        judging = Judging(
            Gate(fail_on=Severity.CRITICAL, strict=strict),
            (),
            date.fromisoformat(today),
        )
        return report_analysis(hidden, ["json"], tmp_path / out, judging).result

    lenient, strict = run(False, "a"), run(True, "b")

    assert lenient.exit_code == 0 and strict.exit_code == 3
    assert "could not assess: step 3 (Sync groups) could not assess: no pushes" in (
        gate_lines(strict)
    )
    assert "1 step(s) or assessment(s) could not assess" in strict.summary


def test_strict_fails_when_who_is_at_risk_was_not_assessed() -> None:
    """at_risk_assessed false alone fails a strict gate, and says so."""
    from reporter.analyze.model import Severity
    from reporter.gate import Gate, Unassessed, evaluate, gate_lines
    from reporter.suppress import SuppressionOutcome

    outcome = SuppressionOutcome(judged=(), expired=(), unmatched=())
    result = evaluate(
        outcome,
        Gate(fail_on=Severity.CRITICAL, strict=True),
        (),
        unassessed=(Unassessed("who is at risk"),),
    )

    assert result.exit_code == 3
    assert gate_lines(result) == [
        "could not assess: who is at risk could not be assessed"
    ]


def test_strict_report_names_unassessed_steps_on_stderr(tmp_path: Path) -> None:
    """report --strict on a snapshot without Okta names its blind steps."""
    from exit_fixtures import demo_snapshot

    snapshot = demo_snapshot(tmp_path / "no-okta.zip", okta=False)

    result = cli(
        "report",
        str(snapshot),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "json",
        "--strict",
        "--fail-on",
        "critical",
    )

    assert result.returncode == 3, result.stderr
    assert "could not assess: step 1 (" in result.stderr
    assert "step(s) or assessment(s) could not assess" in result.stderr


# 6: the gate names each failing subject, without flooding stderr


def _finding(n: int, subject: str, check_id: str = "v1-only-access"):  # type: ignore[no-untyped-def]
    from reporter.analyze.model import Finding, Severity

    return Finding(
        check_id=check_id,
        severity=Severity.HIGH,
        title="Unassigning this user from v1 would remove them from Cloudflare",
        subject=subject,
        detail="",
        finding_id=f"{n:016x}",
    )


def test_gate_lines_name_subjects_and_cap_each_check() -> None:
    """25 failures of one check: 5 named by subject, then 'and 20 more'."""
    from reporter.analyze.model import Severity
    from reporter.gate import SUBJECT_CHARS, Gate, evaluate, gate_lines
    from reporter.suppress import apply_suppressions

    findings = [_finding(n, f"user{n:02d}@example.com") for n in range(25)]
    long_subject = "x" * 300 + "@example.com"
    findings.append(_finding(99, "al\u202eice" + long_subject, "mfa-missing"))
    outcome = apply_suppressions(findings, (), __import__("datetime").date.today())

    lines = gate_lines(evaluate(outcome, Gate(fail_on=Severity.HIGH), ()))

    title = "Unassigning this user from v1 would remove them from Cloudflare"
    assert lines[:6] == [
        *(f"high: {title}: user{n:02d}@example.com [v1-only-access]" for n in range(5)),
        "high: and 20 more [v1-only-access]",
    ]
    assert len(lines) == 7
    mfa = lines[6]
    assert mfa.startswith(f"high: {title}: al\\u202eicexxx")
    assert "\u202e" not in mfa
    assert mfa.endswith("… [mfa-missing]")
    subject = mfa.split(": ", 2)[2].rsplit(" [", 1)[0]
    assert len(subject) == SUBJECT_CHARS


def test_report_gate_lines_name_a_member(tmp_path: Path) -> None:
    """Through the CLI: the pre demo's failing findings name their subjects."""
    from exit_fixtures import demo_snapshot

    snapshot = demo_snapshot(tmp_path / "pre.zip")

    result = cli(
        "report", str(snapshot), "--out", str(tmp_path / "o"), "--format", "json"
    )

    lines = result.stderr.splitlines()
    assert result.returncode == 3
    assert (
        "high: Administrator has no two-factor authentication: "
        "anna.taylor26@northwind.example [admin-without-two-factor]"
    ) in lines


# 5: a network failure reaching Entra ID is not a refusal


def test_an_unreachable_entra_is_named_as_a_network_failure() -> None:
    """As azure-identity does: a DNS failure wrapped in ClientAuthenticationError."""
    from azure.core.credentials import AccessToken
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    from reporter.collect.entra import graph_token
    from reporter.errors import CollectError

    dns = "Failed to resolve 'login.microsoftonline.com' (Name or service not known)"

    class Offline:
        def get_token(self, *scopes: str) -> AccessToken:
            try:
                raise ServiceRequestError(dns)
            except ServiceRequestError as exc:
                raise ClientAuthenticationError(
                    f"Authentication failed: {exc}"
                ) from exc

    class Refused:
        def get_token(self, *scopes: str) -> AccessToken:
            raise ClientAuthenticationError("AADSTS7000215: invalid client secret")

    with pytest.raises(CollectError) as offline:
        graph_token(Offline())
    with pytest.raises(CollectError) as refused:
        graph_token(Refused())

    assert str(offline.value).startswith(
        f"cannot reach Entra ID (login.microsoftonline.com) to get a Graph token: {dns}"
    )
    assert "refused" not in str(offline.value)
    assert "Entra ID refused the client credentials" in str(refused.value)


def test_a_missing_snapshot_says_no_such_file(tmp_path: Path) -> None:
    """verify/report of a path that does not exist: 'no such file' with the path."""
    missing = tmp_path / "nowhere.zip"

    for command in (["verify"], ["report", "--out", str(tmp_path / "o")]):
        result = cli(*command, str(missing))

        assert result.returncode == 1
        assert one_line_error(result).startswith(f"error: {missing}: no such file")


def test_a_folder_with_one_account_twice_names_both_files(tmp_path: Path) -> None:
    """report DIR/ with two snapshots of one account: exit 2 naming both files."""
    import shutil

    folder = tmp_path / "snapshots"
    folder.mkdir()
    first, second = folder / "a.zip", folder / "b.zip"
    shutil.copy(SAMPLE, first)
    shutil.copy(SAMPLE, second)

    result = cli(
        "report", str(folder), "--out", str(tmp_path / "o"), "--format", "json"
    )

    line = one_line_error(result)
    assert result.returncode == 2
    assert f"is in two snapshots: {first} and {second}" in line


def test_a_folder_names_each_file_it_skips(tmp_path: Path) -> None:
    """A non-snapshot .txt in a report folder is skipped with a warning naming it."""
    import shutil

    folder = tmp_path / "snapshots"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "a.zip")
    (folder / "notes.txt").write_text("hello")
    (folder / ".a.zip.partial").mkdir()  # collect's working files: silent

    result = cli(
        "report", str(folder), "--out", str(tmp_path / "o"), "--format", "json"
    )

    assert result.returncode in (0, 3), result.stderr
    warnings = [line for line in result.stderr.splitlines() if "skipped" in line]
    notes = folder / "notes.txt"
    assert warnings == [
        f"WARNING reporter.audit: skipped {notes}: not a snapshot (*.zip)"
    ]


# 8: warnings show control characters escaped


def test_a_workbook_warning_escapes_the_control_characters_it_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An IdP login 'al<RLO>ice' is warned about as 'al\\u202eice', never raw."""
    import logging
    from dataclasses import replace

    from render_fixtures import build_analysis

    from reporter.render.context import build_report
    from reporter.render.xlsx import render_xlsx
    from reporter.suppress import apply_suppressions

    analysis = build_analysis()
    first = replace(analysis.idp_assignments[0], login="al\u202eice\x00")
    analysis = replace(analysis, idp_assignments=(first, *analysis.idp_assignments[1:]))
    outcome = apply_suppressions(
        analysis.findings, (), __import__("datetime").date(2026, 12, 1)
    )

    with caplog.at_level(logging.WARNING, logger="reporter.render.xlsx"):
        render_xlsx(build_report(analysis, outcome))

    warnings = [r.getMessage() for r in caplog.records]
    named = [w for w in warnings if "IdP assignment v1" in w]
    assert named, warnings
    assert all("\u202e" not in w and "\x00" not in w for w in warnings)
    assert "IdP assignment v1 al\\u202eice\\x00 (sheet" in named[0]


def test_offline_commands_do_not_promise_http_logging() -> None:
    """--verbose on report and diff says nothing of HTTP: they read files only."""
    for command in ("report", "diff"):
        text = " ".join(cli(command, "--help").stdout.split())

        assert "HTTP" not in text, command
        assert "--verbose" in text and "warnings" in text, command


def test_collect_help_lists_every_credential_variable() -> None:
    """collect --help names each environment variable a credential comes from."""
    text = " ".join(cli("collect", "--help").stdout.split())

    for name in (
        "CLOUDFLARE_API_TOKEN",
        "OKTA_API_TOKEN",
        "OKTA_CLIENT_ID",
        "OKTA_PRIVATE_KEY",
        "OKTA_KEY_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
    ):
        assert name in text, name


# 9: an edited manifest is not detectable without a key; verify says so


def test_verify_prints_the_file_sha256_that_an_edited_manifest_changes(
    tmp_path: Path,
) -> None:
    """A manifest edit passes the entry hashes, but the file's SHA-256 changes."""
    import hashlib

    edited = tmp_path / "edited.zip"

    def to_evil(manifest: dict[str, Any]) -> None:
        manifest["sources"] = {k: "https://evil.example" for k in manifest["sources"]}

    edit_manifest(SAMPLE, edited, to_evil)

    original, altered = cli("verify", str(SAMPLE)), cli("verify", str(edited))

    digest = hashlib.sha256(edited.read_bytes()).hexdigest()
    assert original.returncode == altered.returncode == 0
    assert altered.stdout.splitlines()[0] == f"snapshot: {edited} (sha256 {digest})"
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() in original.stdout
    assert digest not in original.stdout
    assert any(
        line.startswith("not verified: the manifest itself")
        and "compare the sha256 above" in line
        for line in altered.stdout.splitlines()
    )
