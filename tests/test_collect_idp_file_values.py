"""--idp-file values: the per-value size limit, and control or bidi characters."""

from __future__ import annotations

import csv
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_cli
from openpyxl import load_workbook

from reporter.collect.idp_file import (
    CANONICAL_COLUMNS,
    EXTRA_COLUMNS,
    MAX_BYTES,
    MAX_VALUE_BYTES,
    IdpFileError,
    read_idp_file,
)
from reporter.demo import build_organization
from reporter.emulator import Emulator

FIXTURES = Path(__file__).parent / "fixtures" / "idp_file"
DOCS = Path(__file__).parents[1] / "docs" / "idp-file.md"
EXAMPLES = Path(__file__).parents[1] / "docs" / "examples" / "idp-file"
HEADER = [*CANONICAL_COLUMNS, *EXTRA_COLUMNS]  # principal_name is column 6
TOKEN = "cf-idp-file-values-token-7e21"
BIDI_NAME = "Okta Cloudflare Admins\u202egnp.exe"
# The --idp-file given, the --out folder, and how check ended.
Reports = tuple[Path, Path, subprocess.CompletedProcess[str]]


def canonical_row(**values: str) -> list[str]:
    """One row of every canonical column: a user assigned to the v1 app."""
    row = dict.fromkeys(HEADER, "")
    row.update(
        idp="okta",
        principal_type="user",
        principal_name="Alice Smith",
        user_email="alice@example.com",
        user_status="ACTIVE",
        app="v1",
        assigned="true",
    )
    row.update(values)
    return [row[c] for c in HEADER]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refused(path: Path) -> IdpFileError:
    with pytest.raises(IdpFileError) as caught:
        read_idp_file(path)
    return caught.value


# -- the per-value limit --


def test_a_ten_megabyte_value_names_its_line_column_and_size(tmp_path: Path) -> None:
    """10 MB in principal_name: line 2, column 6, the size and the limit, not CSV."""
    path = write_csv(tmp_path / "a.csv", [canonical_row(principal_name="x" * 10**7)])

    error = refused(path)

    assert (error.line, error.column) == (2, "6 (principal_name)")
    assert error.message == (
        f"{path}, line 2, column 6 (principal_name): a value of 10,000,000 bytes is "
        "over the per-value limit of 65,536 bytes (64 KiB)"
    )
    assert "export the file again, or drop the column" in str(error.hint)
    assert "not valid CSV" not in str(error) and error.exit_code == 2


def test_a_value_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    """65,536 bytes in one value: read, byte for byte."""
    long = "y" * MAX_VALUE_BYTES
    path = write_csv(tmp_path / "a.csv", [canonical_row(principal_name=long)])

    rows = read_idp_file(path).rows

    assert [r["principal_name"] for r in rows] == [long]


def test_one_byte_over_the_limit_is_refused_below_the_csv_field_limit(
    tmp_path: Path,
) -> None:
    """65,537 bytes, which csv itself would read: refused by this limit."""
    path = write_csv(
        tmp_path / "a.csv", [canonical_row(group_name="z" * (MAX_VALUE_BYTES + 1))]
    )

    error = refused(path)

    assert (error.line, error.column) == (2, "11 (group_name)")
    assert "a value of 65,537 bytes is over the per-value limit" in error.message


def test_the_limit_counts_utf8_bytes_not_characters(tmp_path: Path) -> None:
    """16,385 four-byte characters are 65,540 bytes: over the limit."""
    value = "\N{GRINNING FACE}" * (MAX_VALUE_BYTES // 4 + 1)
    path = write_csv(tmp_path / "a.csv", [canonical_row(push_error=value)])

    error = refused(path)

    assert error.column == "15 (push_error)"
    assert "a value of 65,540 bytes" in error.message


def test_a_large_value_in_a_later_row_refuses_the_whole_file(tmp_path: Path) -> None:
    """Good rows before it are not kept: the file is refused, no row dropped."""
    rows = [
        canonical_row(user_email="a@example.com"),
        canonical_row(user_email="b@example.com"),
        canonical_row(user_email="c@example.com", app_label="L" * 200_000),
        canonical_row(user_email="d@example.com"),
    ]
    path = write_csv(tmp_path / "a.csv", rows)

    error = refused(path)

    assert (error.line, error.column) == (4, "3 (app_label)")
    assert "a value of 200,000 bytes" in error.message


def test_a_quote_closed_far_later_says_how_many_lines_the_value_spans(
    tmp_path: Path,
) -> None:
    """A stray quote swallowing 3,000 rows: the lines it spans, and the stray quote."""
    good = "okta,,,user,,Bob,bob,bob@example.com,ACTIVE,,,,,,,v1,true\n"
    text = (
        ",".join(HEADER)
        + "\n"
        + '"okta,,,user,,Alice,alice,alice@example.com,ACTIVE,,,,,,,v1,true\n'
        + good * 3_000
        + 'okta",,,user,,Carol,carol,carol@example.com,ACTIVE,,,,,,,v1,true\n'
    )
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")

    error = refused(path)

    assert (error.line, error.column) == (2, "1 (idp)")
    assert "bytes over 3,002 lines is over the per-value limit" in error.message
    assert "a later, stray quote" in str(error.hint)


def test_an_unclosed_quote_past_the_limit_is_named_as_unclosed(tmp_path: Path) -> None:
    """A quote opened in row 2 and never closed: that cause, not a size."""
    good = "okta,,,user,,Bob,bob,bob@example.com,ACTIVE,,,,,,,v1,true\n"
    text = (
        ",".join(HEADER)
        + "\n"
        + 'okta,,,user,,Alice,alice,"alice@example.com,ACTIVE,,,,,,,v1,true\n'
        + good * 3_000
    )
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")

    error = refused(path)

    assert (error.line, error.column) == (2, "8 (user_email)")
    assert "a quoted value has no closing quote: it runs" in error.message
    assert "lines to the end of the file" in error.message
    assert "close the quote" in str(error.hint)


def test_a_large_header_cell_is_refused_on_line_1(tmp_path: Path) -> None:
    """A header of 200,000 bytes: line 1 and its column number."""
    path = write_csv(
        tmp_path / "a.csv", [["a@example.com", "x"]], ["email", "h" * 200_000]
    )

    error = refused(path)

    assert (error.line, error.column) == (1, "2")
    assert "a value of 200,000 bytes" in error.message


def test_a_large_json_value_names_its_line_and_key(tmp_path: Path) -> None:
    """JSON has the same limit: the object's line and the key."""
    rows = [{"user_email": "a@example.com"}, {"user_email": "b" * 100_000}]
    path = tmp_path / "a.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]")

    error = refused(path)

    assert (error.line, error.column) == (3, "user_email")
    assert "a value of 100,000 bytes is over the per-value limit" in error.message


def test_collect_refuses_the_file_with_one_error_line_and_no_snapshot(
    tmp_path: Path,
) -> None:
    """Through the CLI: exit 2, the column and the size on stderr, nothing written."""
    idp = write_csv(tmp_path / "a.csv", [canonical_row(principal_name="x" * 10**7)])
    out = tmp_path / "out"
    out.mkdir()

    result = run_cli(
        "collect",
        "--account",
        "92676c84a627399250800312ecb90514",
        "--cloudflare-url",
        "http://127.0.0.1:9",  # never reached: the file is read first
        "--idp-file",
        str(idp),
        "--out",
        str(out / "s.zip"),
        "--quiet",
        env={"CLOUDFLARE_API_TOKEN": TOKEN},
    )

    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert result.returncode == 2
    assert len(errors) == 1
    assert "line 2, column 6 (principal_name): a value of 10,000,000 bytes" in errors[0]
    assert list(out.iterdir()) == []


def test_the_docs_state_the_caps_the_code_applies() -> None:
    """docs/idp-file.md names the per-value limit and the file cap."""
    docs = " ".join(DOCS.read_text(encoding="utf-8").split())

    assert (MAX_VALUE_BYTES, MAX_BYTES) == (64 * 1024, 48 * 1024 * 1024)
    assert "64 KiB (65,536 bytes of UTF-8) per value" in docs
    assert "48 MiB" in docs


# -- control and bidi characters --


def test_a_bidi_override_is_kept_and_named_in_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """U+202E in two cells: kept as read, one WARNING with file, line and column."""
    path = FIXTURES / "generic_bidi_override.csv"

    with caplog.at_level(logging.WARNING, logger="reporter.collect.idp_file"):
        rows = read_idp_file(path).rows

    assert [r["group_name"] for r in rows] == [
        BIDI_NAME,
        BIDI_NAME,
        "Cloudflare-Admins",
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"idp file {path}, line 2, column 4 (group) (and 1 more cells): "
        r"'Okta Cloudflare Admins\u202egnp.exe' holds U+202E RIGHT-TO-LEFT "
        "OVERRIDE; kept in the snapshot, shown escaped or removed in the reports"
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_control_characters_in_json_are_named_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A NUL and an isolate in a JSON value: both named, on the object's line."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"user_email": "a\u0000b\u2067@example.com"}]))

    with caplog.at_level(logging.WARNING, logger="reporter.collect.idp_file"):
        read_idp_file(path)

    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"idp file {path}, line 1, column user_email: ")
    assert "U+0000 control character, U+2067 RIGHT-TO-LEFT ISOLATE" in message
    assert "\u2067" not in message and "\x00" not in message


def test_an_ignored_column_is_not_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A column the format ignores never reaches the rows: no warning."""
    path = tmp_path / "okta.csv"
    path.write_text(
        "User,Login,Application name,Application login,Last login\n"
        "Alice,alice@example.com,Cloudflare,alice@example.com,x\u202ey\n",
        encoding="utf-8",
    )

    with caplog.at_level(logging.WARNING, logger="reporter.collect.idp_file"):
        rows = read_idp_file(path).rows

    assert len(rows) == 1 and caplog.records == []


def test_many_such_values_give_twenty_warnings_and_a_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """25 distinct values: the first 20 named, then one line counting 5 more."""
    rows = [[f"u{n}\u202e@example.com"] for n in range(25)]
    path = write_csv(tmp_path / "a.csv", rows, ["email"])

    with caplog.at_level(logging.WARNING, logger="reporter.collect.idp_file"):
        read_idp_file(path)

    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 21
    assert messages[19].startswith(f"idp file {path}, line 21, column 1 (email): ")
    assert messages[20] == (
        f"idp file {path}: and 5 more values with control, bidi or lone surrogate "
        "characters"
    )


@pytest.fixture(scope="module")
def bidi_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reports]:
    """check over the demo's Okta file with U+202E in a pushed group's name."""
    folder = tmp_path_factory.mktemp("bidi")
    demo = (EXAMPLES / "demo-okta.csv").read_text(encoding="utf-8")
    idp = folder / "bidi.csv"
    idp.write_text(demo.replace("Okta Cloudflare Admins", BIDI_NAME), encoding="utf-8")
    org = build_organization()
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused") as running:
        result = run_cli(
            "check",
            "--account",
            org.cloudflare.account["id"],
            "--cloudflare-url",
            running.cloudflare_url,
            "--idp-file",
            str(idp),
            "--out",
            str(folder / "out"),
            "--format",
            "html,xlsx",
            env={"CLOUDFLARE_API_TOKEN": TOKEN},
        )
    yield idp, folder / "out", result


def test_check_warns_on_import_without_verbose(bidi_reports: Reports) -> None:
    """The default stderr names the file, line and column of the override."""
    idp, _, result = bidi_reports
    lines = idp.read_text(encoding="utf-8").splitlines()
    first = next(n for n, line in enumerate(lines, 1) if BIDI_NAME in line)
    cells = sum(line.split(",").count(BIDI_NAME) for line in lines)

    assert result.returncode in (0, 3), result.stderr
    assert (
        f"idp file {idp}, line {first}, column 6 (principal_name) "
        f"(and {cells - 1} more cells): "
        r"'Okta Cloudflare Admins\u202egnp.exe' holds U+202E" in result.stderr
    )


def test_the_reports_show_the_override_escaped_never_as_itself(
    bidi_reports: Reports,
) -> None:
    """HTML and workbook: the name visible with \\u202e, no U+202E anywhere."""
    _, out, _ = bidi_reports
    html = (out / "readiness.html").read_text(encoding="utf-8")
    book = load_workbook(out / "readiness.xlsx", read_only=True)
    cells = [
        str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
    ]

    assert "\u202e" not in html
    # The detail rides in the page's JSON data: its backslash is escaped once more.
    assert r"Okta Cloudflare Admins\\u202egnp.exe" in html
    assert not any("\u202e" in c for c in cells)
    assert any(r"'Okta Cloudflare Admins\u202egnp.exe'" in c for c in cells)
