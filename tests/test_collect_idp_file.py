"""--idp-file: each export read to canonical rows; a malformed file refused exactly."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.collect.idp_file import (
    CANONICAL_COLUMNS,
    EXTRA_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    FileOptions,
    IdpFileError,
    read_idp_file,
)
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.errors import ConfigError
from reporter.snapshot import layout, read_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "idp_file"
EXAMPLES = Path(__file__).parents[1] / "docs" / "examples" / "idp-file"
ACCOUNT = "92676c84a627399250800312ecb90514"
TOKEN = "cf-idp-file-test-token-41ac"


def read(name: str, **options: str) -> list[dict[str, Any]]:
    idp = read_idp_file(FIXTURES / name, FileOptions(**options))
    return [dict(r) for r in idp.rows]


def refused(name: str, **options: str) -> IdpFileError:
    with pytest.raises(IdpFileError) as caught:
        read_idp_file(FIXTURES / name, FileOptions(**options))
    return caught.value


# -- formats parsed to canonical rows --


def test_the_short_generic_format_maps_to_canonical_columns() -> None:
    """user, email, status, group, app become user_login ... app, values as written."""
    rows = read("generic_short_assignments.csv")

    assert rows[0] == {
        **dict.fromkeys((*CANONICAL_COLUMNS, *EXTRA_COLUMNS), ""),
        "principal_type": "user",
        "user_login": "alice",
        "user_email": "Alice.Smith@Example.com",
        "user_status": "ACTIVE",
        "group_name": f"CF-{ACCOUNT} - Administrator",
        "app": "v1",
        "assigned": "true",
        "line": 2,
    }
    assert [(r["user_status"], r["app"], r["line"]) for r in rows[1:]] == [
        ("DEPROVISIONED", "v1", 3),
        ("active", "V2", 4),
    ]


def test_hex_ids_and_leading_zeros_stay_text() -> None:
    """0012, 1e5, 1E10 and 0007 are kept exactly: no number is ever inferred."""
    rows = read("generic_canonical_hex_ids.csv")

    assert [(r["app_id"], r["principal_id"]) for r in rows] == [
        ("0012", "00g1e5"),
        ("0012", "0007"),
        ("1e5", "1E10"),
    ]
    assert rows[0]["principal_type"] == "group" and rows[0]["pushed"] == "true"
    assert rows[0]["push_target_name"] == f"CF-{ACCOUNT} - Administrator"
    assert rows[1]["principal_name"] == "Dan Öhman"
    assert rows[2]["assigned"] == "false" and rows[2]["assignment_scope"] == "USER"


def test_a_json_list_keeps_each_objects_line() -> None:
    """A JSON list of objects: null is empty, every row says the line it starts on."""
    rows = read("generic_list.json")

    assert [(r["user_email"], r["line"]) for r in rows] == [
        ("alice@example.com", 2),
        ("bob@example.com", 3),
    ]
    assert rows[0]["principal_id"] == "00u0012"
    assert (rows[1]["group_id"], rows[1]["app"]) == ("0x1f", "")


def test_a_json_rows_object_is_read_like_a_list() -> None:
    """{"rows": [...]} with a multi-line object: its line is where it opens."""
    rows = read("generic_rows_object.json")

    assert [(r["user_email"], r["user_status"], r["line"]) for r in rows] == [
        ("alice@example.com", "ACTIVE", 2),
        ("bob@example.com", "STAGED", 3),
    ]


def test_okta_current_assignments_report() -> None:
    """Okta's report: login, app login as email, instance as label; unassigned rows."""
    idp = read_idp_file(
        FIXTURES / "okta_current_assignments_v1.csv", FileOptions(app="v1")
    )

    rows = [dict(r) for r in idp.rows]
    assert idp.format == "okta_current_assignments"
    assert {k: rows[0][k] for k in ("idp", "principal_name", "user_login")} == {
        "idp": "okta",
        "principal_name": "Alice Smith",
        "user_login": "alice.smith@example.com",
    }
    assert rows[0]["user_email"] == "Alice.Smith@Example.com"
    assert rows[0]["app_label"] == "Cloudflare SCIM (v1)"
    assert [r["assigned"] for r in rows] == ["true", "false"]
    assert idp.columns["Last login"] is None


def test_idp_file_app_names_the_cloudflare_app_of_the_whole_file() -> None:
    """--idp-file-app v1 sets app on every row of a one-app export."""
    rows = read("okta_current_assignments_v1.csv", app="v1")

    assert [r["app"] for r in rows] == ["v1", "v1"]


def test_okta_recent_unassignments_rows_are_unassignments() -> None:
    """The camelCase CSV columns map; every row is assigned=false."""
    rows = read("okta_recent_unassignments_v1.csv", app="v1")

    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("principal_id", "user_login", "user_email")} == {
        "principal_id": "00u1bob00EXAMPLE0002",
        "user_login": "bob@example.com",
        "user_email": "Bob@Example.com",
    }
    assert (rows[0]["assigned"], rows[0]["principal_name"]) == ("false", "Bob Jones")


def test_entra_download_users() -> None:
    """UPN as login, mail as email, accountEnabled as enabled/disabled; no app."""
    idp = read_idp_file(FIXTURES / "entra_download_users.csv")

    rows = [dict(r) for r in idp.rows]
    assert idp.format == "entra_users"
    assert [(r["user_email"], r["user_status"]) for r in rows] == [
        ("Alice.Smith@example.com", "enabled"),
        ("dan@partner.example", "disabled"),
    ]
    assert rows[1]["user_login"] == "dan_partner.example#EXT#@example.onmicrosoft.com"
    assert rows[0]["principal_id"] == "d5dd2bac-26a4-4923-859d-a3e6da2ad787"
    assert (rows[0]["idp"], rows[0]["app"], rows[0]["assigned"]) == ("entra", "", "")


def test_entra_download_members_with_the_group_given() -> None:
    """--idp-file-group and --idp-file-app: each member is assigned through it."""
    group = f"CF-{ACCOUNT} - Administrator"
    idp = read_idp_file(
        FIXTURES / "entra_download_members_cf_admins.csv",
        FileOptions(group=group, app="v1"),
    )

    row = dict(idp.rows[0])
    assert idp.format == "entra_group_members"
    assert (row["group_name"], row["assignment_scope"]) == (group, "GROUP")
    assert (row["app"], row["assigned"]) == ("v1", "true")
    assert row["principal_id"] == "d5dd2bac-26a4-4923-859d-a3e6da2ad787"
    assert idp.source()["group"] == group


def test_a_byte_order_mark_is_not_part_of_the_first_header() -> None:
    """A UTF-8 BOM (Excel's CSV UTF-8) is dropped; the first header still maps."""
    rows = read("generic_bom.csv")

    assert rows[0]["user_email"] == "alice@example.com"


def test_nbsp_and_zero_width_characters_are_kept_for_the_analyzer() -> None:
    """Only ASCII whitespace is trimmed; U+00A0 and U+200B reach the snapshot."""
    rows = read("generic_nbsp_zero_width.csv")

    assert rows[0]["user_email"] == "\u00a0Alice@Example.com\u200b"


def test_a_quoted_value_over_two_lines_keeps_the_next_rows_line() -> None:
    """A quoted newline: the row after it is numbered by its physical line."""
    rows = read("generic_quoted_multiline.csv")

    assert rows[0]["group_name"] == "CF Admins,\nline two"
    assert [r["line"] for r in rows] == [2, 4]


def test_the_source_names_file_format_hash_and_row_count() -> None:
    """IDP_FILE_SOURCE: name, format, the file's own SHA-256 and its rows."""
    path = FIXTURES / "generic_short_assignments.csv"

    source = read_idp_file(path).source()

    assert source["name"] == "generic_short_assignments.csv"
    assert source["format"] == "generic"
    assert source["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source["rows"] == 3


# Text an export may hold: digits, hex, NBSP, zero-width, commas, quotes, breaks.
VALUES = st.text(
    st.sampled_from('0123456789abcdefE.-+@ ,"\n\u00a0\u200b\ufeffÖ'), max_size=12
).map(lambda v: v.strip(" \t\r\n"))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=VALUES, emails=st.lists(VALUES, min_size=1, max_size=4))
def test_any_text_comes_back_exactly_from_csv_and_json(
    tmp_path_factory: pytest.TempPathFactory, ids: str, emails: list[str]
) -> None:
    """Whatever the CSV or JSON holds comes back as the same text, never a number."""
    folder = tmp_path_factory.mktemp("roundtrip")
    rows = [
        {"user_email": f"u{n}{e}", "principal_id": ids} for n, e in enumerate(emails)
    ]
    with (folder / "a.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["user_email", "principal_id"])
        writer.writeheader()
        writer.writerows(rows)
    (folder / "a.json").write_text(json.dumps(rows), encoding="utf-8")

    for name in ("a.csv", "a.json"):
        read_back = read_idp_file(folder / name).rows
        got = [{k: r[k] for k in ("user_email", "principal_id")} for r in read_back]
        assert got == rows, name


# -- malformed files refused with file, line and column --

REFUSALS = [
    ("generic_unknown_status.csv", {}, "line 3, column 3 (status)", "'ACTIV'"),
    ("generic_ragged_row.csv", {}, "line 3, column 3", "2 fields"),
    ("generic_duplicate_header.csv", {}, "line 1, column 3 (email)", "repeats"),
    ("generic_no_identity.csv", {}, "line 1, column (missing)", "user_email"),
    ("generic_empty_identity.csv", {}, "line 3", "names nobody"),
    ("generic_latin1.csv", {}, "line 3, column 2 (byte)", "0xf6"),
    ("generic_number_value.json", {}, "line 2, column principal_id", "12"),
    ("generic_duplicate_key.json", {}, "line 2, column user_email", "twice"),
    ("generic_broken.json", {}, "line 4, column 1", "not valid JSON"),
    ("generic_unclosed_quote.csv", {}, "line 3, column 2 (email)", "not valid CSV"),
    ("generic_typo_header.csv", {}, "line 1, column 2 (emial)", "not a column"),
    ("generic_unknown_app.csv", {}, "column 3 (app)", "'v3' is not one of"),
    ("unknown_format.csv", {}, "line 1", "no known format"),
    ("ambiguous_okta_entra.csv", {}, "line 1", "Okta Current Assignments"),
    ("header_only.csv", {}, "line 2", "no rows"),
    ("empty.csv", {}, "line 1", "is empty"),
    (
        "okta_current_assignments_missing_login.csv",
        {},
        "line 1, column (missing)",
        "no login column",
    ),
    (
        "entra_download_users_bad_enabled.csv",
        {},
        "line 3, column 3 (accountEnabled)",
        "'Yes'",
    ),
    (
        "okta_current_assignments_two_apps.csv",
        {"app": "v1"},
        "line 3, column app_label",
        "Cloudflare Dashboard",
    ),
    ("generic_short_assignments.csv", {"app": "v2"}, "line 1", "app column"),
    ("generic_short_assignments.csv", {"group": "G"}, "", "--idp-file-group"),
]


@pytest.mark.parametrize(("name", "options", "where", "what"), REFUSALS)
def test_a_malformed_file_is_refused_naming_file_line_and_column(
    name: str, options: dict[str, str], where: str, what: str
) -> None:
    """Each malformed file: one ConfigError naming the file, line, column and value."""
    error = refused(name, **options)

    assert str(error).startswith(f"{FIXTURES / name}")
    assert where in str(error) and what in str(error)
    assert error.hint and error.exit_code == 2


def test_an_ambiguous_header_set_lists_every_candidate() -> None:
    """Headers of two formats: both are named, neither is chosen."""
    error = refused("ambiguous_okta_entra.csv")

    assert "Okta Current Assignments report" in error.message
    assert "Entra Download users" in error.message


def test_a_file_over_the_size_cap_is_refused() -> None:
    """Larger than max_bytes: refused before it is parsed."""
    path = FIXTURES / "generic_short_assignments.csv"

    with pytest.raises(IdpFileError, match="is 210 bytes, more than the 64 bytes"):
        read_idp_file(path, max_bytes=64)


def test_the_caps_fit_a_real_export_not_a_whole_directory() -> None:
    """250,000 rows and 48 MiB: a large org's Cloudflare apps, not every app."""
    assert (MAX_ROWS, MAX_BYTES) == (250_000, 48 * 1024 * 1024)


@pytest.mark.parametrize("name", ["generic_short_assignments.csv", "generic_list.json"])
def test_a_file_over_the_row_cap_is_refused_naming_the_row(name: str) -> None:
    """One row more than max_rows: refused at that row, with the split to make."""
    with pytest.raises(IdpFileError) as caught:
        read_idp_file(FIXTURES / name, max_rows=1)

    assert "more than the 1 rows an --idp-file may hold" in caught.value.message
    assert caught.value.line == 3
    assert caught.value.hint is not None
    assert "one app or one group per file" in caught.value.hint


def test_a_symlink_to_a_directory_is_refused_naming_its_target(
    tmp_path: Path,
) -> None:
    """Only regular files are read; a link is followed and its target named."""
    (tmp_path / "dir").mkdir()
    (tmp_path / "link.csv").symlink_to(tmp_path / "dir")

    with pytest.raises(IdpFileError) as caught:
        read_idp_file(tmp_path / "link.csv")

    assert caught.value.path == str(tmp_path / "link.csv")
    assert f"is a directory ({tmp_path / 'dir'}), not a regular file" in str(
        caught.value
    )


def test_a_named_pipe_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    """A FIFO with no writer: exit 2 naming it, instead of waiting forever."""
    fifo = tmp_path / "assignments.csv"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_TOKEN")}
    env["CLOUDFLARE_API_TOKEN"] = TOKEN
    args = ["collect", "--account", ACCOUNT, "--out", str(tmp_path / "s.zip")]

    # The timeout only stops a hang; the assertions are on the outcome.
    result = subprocess.run(
        [sys.executable, "-m", "reporter", *args, "--idp-file", str(fifo)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert f"{fifo}: is a named pipe (FIFO), not a regular file" in result.stderr


def test_a_report_of_two_apps_without_an_app_is_refused() -> None:
    """Okta Current Assignments of v1 and v2, no --idp-file-app: both labels named."""
    error = refused("okta_current_assignments_two_apps.csv")

    assert (error.line, error.column) == (2, "app")
    assert "'Cloudflare SCIM (v1)', 'Cloudflare Dashboard'" in error.message
    assert error.hint is not None
    assert "--idp-file-app v1 or v2" in error.hint and "app column" in error.hint


def test_a_generic_file_naming_an_app_label_without_app_is_refused(
    tmp_path: Path,
) -> None:
    """app_label alone does not say v1 or v2: refused, naming the label."""
    path = tmp_path / "a.csv"
    path.write_text("user_email,app_label\nalice@example.com,Cloudflare\n")

    with pytest.raises(IdpFileError, match="app\\(s\\) 'Cloudflare' but not whether"):
        read_idp_file(path)


def test_a_bare_json_string_says_what_the_file_holds(tmp_path: Path) -> None:
    """A JSON string, in a .json or any other file: named as such, not 'no rows'."""
    copy = tmp_path / "assignments.csv"
    copy.write_bytes((FIXTURES / "generic_bare_string.json").read_bytes())

    for path in (FIXTURES / "generic_bare_string.json", copy):
        with pytest.raises(IdpFileError) as caught:
            read_idp_file(path)
        assert caught.value.message == (
            f"{path}, line 1: "
            'holds the JSON string "alice@example.com", not a list of row objects'
        )
        assert caught.value.hint is not None
        assert '{"rows": [...]}' in caught.value.hint


def test_a_blank_idp_file_group_is_refused() -> None:
    """--idp-file-group "" or spaces names no group: refused, not read as one."""
    for group in ("", "  "):
        with pytest.raises(ConfigError, match="names no group"):
            read_idp_file(
                FIXTURES / "entra_download_members_cf_admins.csv",
                FileOptions(group=group),
            )


def test_a_push_in_error_is_read() -> None:
    """pushed=error: a group whose push failed, kept as written."""
    rows = read("generic_push_error.csv")

    assert [(r["group_name"], r["pushed"], r["app"]) for r in rows] == [
        ("Cloudflare-Admins", "error", "v2")
    ]


def test_an_unknown_idp_file_app_is_refused() -> None:
    """--idp-file-app takes v1 or v2 only."""
    with pytest.raises(ConfigError, match="'v3' is not v1 or v2"):
        read_idp_file(FIXTURES / "generic_bom.csv", FileOptions(app="v3"))


# -- the demo organization as a file, and the CLI end to end --


def generate(out: Path) -> list[Path]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "generate.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [Path(line) for line in done.stdout.splitlines()]


def test_the_committed_examples_are_what_the_script_writes(tmp_path: Path) -> None:
    """docs/examples/idp-file is regenerated by its script byte for byte."""
    written = generate(tmp_path)

    assert [p.name for p in written] == ["demo-okta.csv", "demo-okta.json"]
    for path in written:
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes(), path.name


def test_the_demo_csv_and_json_read_to_the_same_rows() -> None:
    """Both example files hold the demo's Okta side, row for row."""
    csv_rows = read_idp_file(EXAMPLES / "demo-okta.csv").rows
    json_rows = read_idp_file(EXAMPLES / "demo-okta.json").rows

    def strip_line(rows: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "line"} for r in rows]

    assert strip_line(csv_rows) == strip_line(json_rows)
    assert {r["app"] for r in csv_rows} == {"", "v1", "v2"}
    assert any(r["user_status"] == "DEPROVISIONED" for r in csv_rows)


def cli(*args: str, okta_token: str = "") -> subprocess.CompletedProcess[str]:
    """Run the tool as a user would, with the Cloudflare token (and an Okta one)."""
    env = {"CLOUDFLARE_API_TOKEN": TOKEN}
    if okta_token:
        env["OKTA_API_TOKEN"] = okta_token
    return run_cli(*args, env=env)


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization()


@pytest.fixture(scope="module")
def emulator(org: Organization) -> Iterator[Emulator]:
    with Emulator(org, cloudflare_token=TOKEN, okta_token="unused-okta") as running:
        yield running


def collect(
    emulator: Emulator, org: Organization, out: Path, *more: str, okta_token: str = ""
) -> subprocess.CompletedProcess[str]:
    return cli(
        "collect",
        "--account",
        org.cloudflare.account["id"],
        "--cloudflare-url",
        emulator.cloudflare_url,
        "--out",
        str(out),
        "--quiet",
        *more,
        okta_token=okta_token,
    )


def test_collect_with_an_idp_file_stores_rows_source_and_hashes(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """collect --idp-file: both entries, hashed in the manifest, the file a source."""
    idp_file = EXAMPLES / "demo-okta.csv"
    out = tmp_path / "s.zip"

    result = collect(emulator, org, out, "--idp-file", str(idp_file))

    assert result.returncode == 0, result.stderr
    snapshot = read_snapshot(out)  # verifies every hash against the manifest
    rows = snapshot.get(layout.IDP_FILE_ROWS)
    source = snapshot.get(layout.IDP_FILE_SOURCE)
    assert rows == [dict(r) for r in read_idp_file(idp_file).rows]
    assert source is not None
    assert source["sha256"] == hashlib.sha256(idp_file.read_bytes()).hexdigest()
    assert (source["format"], source["rows"]) == ("generic", len(rows))
    assert set(layout.IDP_FILE_ENTRIES) <= set(snapshot.manifest.files)
    assert snapshot.manifest.sources["idp_file"] == "demo-okta.csv"
    record = snapshot.manifest.endpoint(layout.IDP_FILE_ROWS)
    assert record is not None and (record.status, record.count) == ("ok", len(rows))
    assert snapshot.has(layout.CF_MEMBERS) and not snapshot.has(layout.OKTA_USERS)


def test_check_with_an_idp_file_writes_snapshot_and_reports(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """check --idp-file: Cloudflare from the emulator plus the file, then reports."""
    idp_file = generate(tmp_path / "idp")[1]  # the JSON example

    result = cli(
        "check",
        "--account",
        org.cloudflare.account["id"],
        "--cloudflare-url",
        emulator.cloudflare_url,
        "--idp-file",
        str(idp_file),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "html,xlsx",
        "--quiet",
    )

    assert result.returncode in (0, 3), result.stderr
    written = {Path(line).name for line in result.stdout.splitlines()}
    assert {"snapshot.zip", "readiness.html", "readiness.xlsx"} <= written
    snapshot = read_snapshot(tmp_path / "out" / "snapshot.zip")
    source = snapshot.get(layout.IDP_FILE_SOURCE)
    assert source is not None and source["name"] == "demo-okta.json"
    assert "<html" in (tmp_path / "out" / "readiness.html").read_text().lower()


def test_a_malformed_idp_file_writes_no_snapshot(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """A bad file: exit 2, one error line naming file and line, no snapshot at all."""
    bad = FIXTURES / "generic_unknown_status.csv"
    out = tmp_path / "s.zip"

    result = collect(emulator, org, out, "--idp-file", str(bad))

    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert result.returncode == 2
    assert len(errors) == 1 and f"{bad}, line 3, column 3 (status)" in errors[0]
    assert list(tmp_path.iterdir()) == []  # no snapshot, no resume state


def test_idp_file_and_okta_url_together_are_refused(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """One source per IdP: --idp-file with --okta-url exits 2 before collecting."""
    result = collect(
        emulator,
        org,
        tmp_path / "s.zip",
        "--idp-file",
        str(EXAMPLES / "demo-okta.csv"),
        "--okta-url",
        emulator.okta_url,
        "--okta-v1-app",
        org.okta.v1_app_id,
        "--okta-v2-app",
        org.okta.v2_app_id,
        okta_token="unused-okta",
    )

    assert result.returncode == 2
    assert "--okta-url both describe the IdP" in result.stderr
    assert not (tmp_path / "s.zip").exists()


def test_idp_file_options_without_the_file_are_refused(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """--idp-file-app alone is a mistake, not silently ignored."""
    result = collect(emulator, org, tmp_path / "s.zip", "--idp-file-app", "v1")

    assert result.returncode == 2
    assert "describe an --idp-file" in result.stderr


def test_collect_refuses_a_report_of_two_apps_without_idp_file_app(
    emulator: Emulator, org: Organization, tmp_path: Path
) -> None:
    """Okta Current Assignments of both apps, no --idp-file-app: exit 2, no snapshot."""
    two_apps = FIXTURES / "okta_current_assignments_two_apps.csv"

    result = collect(emulator, org, tmp_path / "s.zip", "--idp-file", str(two_apps))

    assert result.returncode == 2
    assert f"{two_apps}, line 2, column app: rows name the app(s) " in result.stderr
    assert "--idp-file-app v1 or v2" in result.stderr
    assert list(tmp_path.iterdir()) == []
