"""Every line on stderr is safe to print: controls escaped, hostile values cut."""

from __future__ import annotations

import copy
import logging
import subprocess
from dataclasses import replace
from pathlib import Path

from cli_runner import run_cli

from reporter.snapshot import layout, read_snapshot
from reporter.snapshot.io import write_snapshot
from reporter.terminal import TerminalFormatter, for_terminal

SAMPLE = Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
ACCOUNT = "a" * 32
# A header that sets the terminal's title (OSC 0, ended by BEL), then clears
# the screen (CSI 2J).
TITLE_AND_CLEAR = "sta\x1b]0;PWNED\x07tus\x1b[2J"
SHOWN_TITLE_AND_CLEAR = r"sta\x1b]0;PWNED\x07tus\x1b[2J"
SIGNATURES = (
    "generic (canonical columns or user, email, status, group, app) (only known "
    "columns), Okta Current Assignments report (application name, login, user), "
    "Okta Recent Unassignments report (assigneeoktaid, assigneeoktausername), "
    "Entra Download users (with --idp-file-group: Download members) "
    "(displayname, userprincipalname)"
)


def _collect(idp_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(
        *("collect", "--account", ACCOUNT, "--idp-file", str(idp_file)),
        *("--out", str(tmp_path / "s.zip"), "--quiet"),
        env={"CLOUDFLARE_API_TOKEN": "dummy-token-never-sent"},
    )


def _raw_controls(text: str) -> list[str]:
    """The characters of ``text`` a terminal would act on: C0 but newline, DEL, C1."""
    return [
        hex(ord(c)) for c in text if (c < " " and c != "\n") or "\x7f" <= c <= "\x9f"
    ]


def test_controls_are_escaped_as_repr_shows_them() -> None:
    """C0 (tab and CR too), DEL, C1, a bidi override and a lone surrogate."""
    text = "a\x00b\x1b[2Jc\x7fd\x85e\u202ef\ud800g\th\ri"

    assert for_terminal(text) == r"a\x00b\x1b[2Jc\x7fd\x85e\u202ef\ud800g\th\ri"


def test_letters_of_any_script_and_newlines_are_kept() -> None:
    """Accents, CJK, Arabic, a no-break space and line breaks print as they are."""
    text = "Ána Núñez-Ørsted, 李小龍\nليلى الأحمد\u00a0ok"

    assert for_terminal(text) == text


def test_a_long_run_of_controls_is_cut_with_its_length() -> None:
    """1,000 NULs print 16 escapes and the count, not 1,000 escapes."""
    text = "headers " + "\x00" * 1000 + " are no known format"

    assert for_terminal(text) == (
        "headers "
        + r"\x00" * 16
        + "… (1,000 control characters in a row) are no known format"
    )


def test_a_run_of_sixteen_is_shown_whole() -> None:
    assert for_terminal("\x1b" * 16) == r"\x1b" * 16


def test_a_very_long_line_keeps_its_start_and_end() -> None:
    """The start says what happened, the end the hint; the middle is counted."""
    line = "error: " + "A" * 5000 + " (the hint)"

    shown = for_terminal(line)

    assert shown == f"{line[:600]}… (4,018 characters cut) …{line[-400:]}"
    assert shown.endswith("A (the hint)")


def test_the_log_formatter_escapes_the_message() -> None:
    """A log record's message, arguments included, is printed escaped."""
    formatter = TerminalFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord(
        "reporter.collect.okta",
        logging.WARNING,
        __file__,
        1,
        "Okta group %s named by a push mapping does not exist",
        ("00g\x1b[2J",),
        None,
    )

    assert formatter.format(record) == (
        r"WARNING reporter.collect.okta: Okta group 00g\x1b[2J named by a push "
        "mapping does not exist"
    )


def test_an_escape_in_a_csv_header_is_printed_escaped(tmp_path: Path) -> None:
    """Before, the column label printed it raw: the title set, the screen cleared."""
    idp_file = tmp_path / "esc.csv"
    idp_file.write_bytes(f"user,email,{TITLE_AND_CLEAR}\n".encode())

    result = _collect(idp_file, tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"error: {idp_file}, line 1, column 3 ({SHOWN_TITLE_AND_CLEAR}): "
        f"'{SHOWN_TITLE_AND_CLEAR}' is not a column of the generic format "
        "(docs/idp-file.md lists the generic columns; rename or drop it)\n"
    )
    assert _raw_controls(result.stderr) == []


def test_a_header_of_a_thousand_nuls_is_cut_with_a_count(tmp_path: Path) -> None:
    """Before, 1,000 raw NULs after 'headers'."""
    idp_file = tmp_path / "nul.csv"
    idp_file.write_bytes(b"\x00" * 1000)

    result = _collect(idp_file, tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"error: {idp_file}, line 1: headers "
        + r"\x00" * 16
        + "… (1,000 control characters in a row) are no known format "
        f"(docs/idp-file.md lists the formats: {SIGNATURES})\n"
    )
    assert _raw_controls(result.stderr) == []


def test_a_snapshot_record_id_with_an_escape_is_printed_escaped(
    tmp_path: Path,
) -> None:
    """The record's label names its id escaped (before, the ESC went raw)."""
    sample = read_snapshot(SAMPLE)
    members = copy.deepcopy(sample.entries[layout.CF_MEMBERS])
    members[0]["id"] = "a\x1b[2Jb"
    members[0]["email"] = 5
    entries = {**sample.entries, layout.CF_MEMBERS: members}
    snapshot = tmp_path / "s.zip"
    write_snapshot(replace(sample, entries=entries), snapshot)

    result = run_cli("report", str(snapshot), "--out", str(tmp_path / "out"))

    assert result.returncode == 1
    assert result.stderr == (
        r"error: cloudflare/members.json[0] (id a\x1b[2Jb): email must be a "
        "string, got int (the snapshot does not hold what the API returns; "
        "collect it again with cf-scim-audit)\n"
    )


def test_a_log_line_naming_a_folder_with_an_escape_is_escaped(
    tmp_path: Path,
) -> None:
    """--verbose logs each report written; its folder's ESC is escaped."""
    out = tmp_path / "o\x1b[2J"

    result = run_cli(
        *("report", str(SAMPLE), "--out", str(out)),
        *("--format", "json", "--verbose"),
    )

    assert result.returncode == 3, result.stderr
    assert f"INFO reporter.render: wrote {tmp_path}/o\\x1b[2J/findings.json" in (
        result.stderr.splitlines()
    )
    assert _raw_controls(result.stderr) == []
