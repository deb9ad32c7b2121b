"""Values a new user's hostile test found crashing the tool (tracebacks, exit 1)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from datetime import date
from itertools import chain
from pathlib import Path

import pytest
from cli_runner import run_cli
from openpyxl import load_workbook

from reporter import audit
from reporter.collect import CollectConfig
from reporter.collect.idp_file import IdpFileError, read_idp_file
from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.emulator.faults import EmulatorOptions, Fault
from reporter.errors import CollectError, ConfigError, SnapshotError
from reporter.gate import Gate
from reporter.pipeline import Tokens, collect_to_file
from reporter.snapshot import layout, read_snapshot
from reporter.suppress import load_suppressions

TOKEN = "cf-hostile-values-token-5b90"
OKTA_TOKEN = "okta-hostile-values-token-8d21"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SURROGATE_ROW = (
    '[{"user_email": "a\\ud800@x.com", "user_status": "ACTIVE", "app": "v1"}]'
)


@pytest.fixture(scope="module")
def surrogate_check(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """check with an --idp-file whose email holds an escaped lone surrogate."""
    folder = tmp_path_factory.mktemp("surrogate")
    idp = folder / "surrogate.json"
    idp.write_text(SURROGATE_ROW, encoding="utf-8")
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
            "html,pdf,xlsx,json",
            env={"CLOUDFLARE_API_TOKEN": TOKEN},
        )
    return folder / "out", result


def test_a_lone_surrogate_in_an_idp_file_is_named_and_reported(
    surrogate_check: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The import names it; every report is written, findings.json keeps it."""
    out, result = surrogate_check

    assert result.returncode in (0, 3), result.stderr
    assert "Traceback" not in result.stderr
    assert r"'a\ud800@x.com' holds U+D800 lone surrogate" in result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "findings.json",
        "readiness.html",
        "readiness.pdf",
        "readiness.xlsx",
        "snapshot.zip",
    ]
    raw = (out / "findings.json").read_bytes()
    raw.decode("utf-8")  # valid UTF-8 all the same
    subjects = [f["subject"] for f in json.loads(raw)["findings"]]
    assert "a\ud800@x.com" in subjects
    assert "\ud800" not in (out / "readiness.html").read_text(encoding="utf-8")


LUCAS_ID = "4dbb089117c3eb934191a45357163595"
LIAM_ID = "cb10c60b8b71015bf9c366f78a560810"
CONTROL_ID = "cb10c60b\x1b[2J8b71015bf9c366f78a560810"
SHOWN_ID = "cb10c60b\\x1b[2J8b71015bf9c366f78a560810"  # as a warning shows it
CONTROL_EMAIL = "lucas.martin\x1b@northwind.example"
CONTROL_GROUP = "Cloudflare-\x00Admins\ud800"
CONTROL_LOGIN = "noah.patel\x07@northwind.example"
REMOVED = "WARNING reporter.render.xlsx: removed control, bidi override or lone "


@pytest.fixture(scope="module")
def control_check(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """check of the demo org with control characters in a member's email, a
    member id (members and user group members), a user group's name and an
    Okta login: the new user's repro, every format asked for."""
    org = build_organization()
    lucas = org.cloudflare.members[5]
    assert lucas["id"] == LUCAS_ID
    lucas["email"] = lucas["user"]["email"] = CONTROL_EMAIL
    listed = [
        *org.cloudflare.members,
        *chain(*org.cloudflare.user_group_members.values()),
    ]
    for entry in listed:
        if entry["id"] == LIAM_ID:
            entry["id"] = CONTROL_ID
    org.cloudflare.user_groups[0]["name"] = CONTROL_GROUP
    org.okta.app_users[org.okta.v1_app_id][2]["credentials"]["userName"] = CONTROL_LOGIN
    out = tmp_path_factory.mktemp("controls") / "out"
    with Emulator(org, cloudflare_token=TOKEN, okta_token=OKTA_TOKEN) as running:
        result = run_cli(
            *("check", "--account", org.cloudflare.account["id"]),
            *("--cloudflare-url", running.cloudflare_url),
            *("--okta-url", running.okta_url),
            *("--okta-v1-app", org.okta.v1_app_id, "--okta-v2-app", org.okta.v2_app_id),
            *("--out", str(out), "--format", "html,pdf,xlsx,json"),
            env={"CLOUDFLARE_API_TOKEN": TOKEN, "OKTA_API_TOKEN": OKTA_TOKEN},
        )
    return out, result


def test_controls_in_ids_emails_groups_and_logins_write_every_format(
    control_check: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """Before, the workbook raised IllegalCharacterError and check kept nothing."""
    out, result = control_check

    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.json",
        "readiness.html",
        "readiness.pdf",
        "readiness.xlsx",
        "snapshot.zip",
    ]


def test_the_workbook_holds_the_values_without_their_controls(
    control_check: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The email, the id, the group name and the login, cleaned; the rest kept."""
    out, _ = control_check
    book = load_workbook(out / "readiness.xlsx")

    members = {
        row[0]: row[1] for row in book["Members"].iter_rows(min_row=2, values_only=True)
    }
    groups = [
        row[1] for row in book["User groups"].iter_rows(min_row=2, values_only=True)
    ]
    logins = {
        row[3] for row in book["IdP assignments"].iter_rows(min_row=2, values_only=True)
    }
    assert members[LUCAS_ID] == "lucas.martin@northwind.example"
    assert (
        members["cb10c60b[2J8b71015bf9c366f78a560810"]
        == "liam.walker@northwind.example"
    )
    assert "Cloudflare-Admins" in groups
    assert "noah.patel@northwind.example" in logins


def test_each_value_losing_controls_is_named_escaped_on_stderr(
    control_check: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The warnings name the record and the value escaped; no raw control."""
    _, result = control_check
    lines = result.stderr.splitlines()

    assert (
        f"{REMOVED}surrogate characters from member {LUCAS_ID} (sheet Members): "
        "'lucas.martin\\x1b@northwind.example'"
    ) in lines
    assert (
        f"{REMOVED}surrogate characters from member {SHOWN_ID} (sheet Members): "
        f"'{SHOWN_ID}'"
    ) in lines
    assert (
        "WARNING reporter.render.text: removed control characters from the value "
        "'Cloudflare-\\x00Admins\\ud800'"
    ) in lines
    assert [c for c in result.stderr if c < " " and c != "\n"] == []


def test_json_nested_too_deeply_is_refused_naming_the_file(tmp_path: Path) -> None:
    """100,000 nested lists: one error naming the file, not a RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    with pytest.raises(IdpFileError) as caught:
        read_idp_file(path)

    assert str(path) in str(caught.value)
    assert "nested too deeply" in str(caught.value)


def test_a_page_nested_too_deeply_is_a_collect_error_asked_once(tmp_path: Path) -> None:
    """An API answer 100,000 lists deep fails its entry in one line, unretried."""
    org = build_organization()
    fault = Fault("deep_json", "/members", times=0)
    options = EmulatorOptions(faults=(fault,))
    with Emulator(
        org, cloudflare_token=TOKEN, okta_token="unused", options=options
    ) as running:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=running.cloudflare_url,
        )
        with pytest.raises(CollectError) as caught:
            collect_to_file(config, Tokens(cloudflare=TOKEN), tmp_path / "s.zip")
        asked = [r for r in running.requests if "/members" in r[1]]

    assert "with JSON nested too deeply to read" in str(caught.value)
    assert len(asked) == 1
    assert not (tmp_path / "s.zip").exists()


def test_a_snapshot_entry_nested_too_deeply_is_a_snapshot_error(
    tmp_path: Path,
) -> None:
    """A manifest whose hash matches a deeply nested entry: refused, named."""
    deep = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "s.zip"
    demo = build_organization()
    with Emulator(demo, cloudflare_token=TOKEN, okta_token="unused") as running:
        config = CollectConfig(
            account_id=demo.cloudflare.account["id"],
            cloudflare_url=running.cloudflare_url,
        )
        collect_to_file(config, Tokens(cloudflare=TOKEN), path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members[layout.MANIFEST])
    manifest["files"][layout.CF_ROLES] = hashlib.sha256(deep).hexdigest()
    members[layout.MANIFEST] = json.dumps(manifest).encode()
    members[layout.CF_ROLES] = deep
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    with pytest.raises(SnapshotError) as caught:
        read_snapshot(path)

    assert f"entry {layout.CF_ROLES} is not valid JSON (nested too deeply)" in str(
        caught.value
    )


# A real SIGINT while ``reporter.cli`` is being imported: the finder sends it
# and then stands for the import's second or two of loading.
CTRL_C_WHILE_LOADING = """
import importlib.abc, os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
class Loading(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "reporter.cli":
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
        return None
sys.meta_path.insert(0, Loading())
from reporter.console import main
sys.argv = ["cf-scim-audit", "--version"]
main()
"""


def test_ctrl_c_while_the_tool_loads_is_one_line_and_exit_130() -> None:
    """Before, the imports' traceback (22 to 47 lines) and exit 1."""
    result = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_LOADING],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 130
    assert result.stderr == (
        "interrupted: stopped at Ctrl-C while starting; nothing was read or written\n"
    )
    assert result.stdout == ""


def test_the_console_script_is_the_light_entry_point() -> None:
    """The installed command starts in reporter.console, not reporter.cli."""
    scripts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["scripts"]

    assert scripts == {"cf-scim-audit": "reporter.console:main"}


PASTED_TOKEN = "Xk9vQz_abcdefghij0123456789ABCDEFGHIJklmn"


@pytest.mark.parametrize(
    "args",
    [
        ("verify", PASTED_TOKEN),
        ("report", PASTED_TOKEN, "--out"),
        ("report", PASTED_TOKEN, PASTED_TOKEN, "--out"),
        ("diff", PASTED_TOKEN, "other.zip", "--out"),
    ],
    ids=["verify", "report", "report-twice", "diff"],
)
def test_a_token_typed_where_a_snapshot_goes_is_not_echoed(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = () if args[0] == "verify" else (str(tmp_path / "out"),)
    result = run_cli(*args, *out)

    assert result.returncode == 1, result.stderr
    assert PASTED_TOKEN not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()
    assert (
        "error: the 41-character value given (not shown: it may be a secret): "
        "no such file" in result.stderr
    )


@pytest.mark.parametrize("name", ["snapshot.zip", "acme", "exports/prod-2026-12-04"])
def test_a_missing_path_is_still_named(name: str) -> None:
    result = run_cli("verify", name)

    assert result.returncode == 1, result.stderr
    assert f"error: {name}: no such file" in result.stderr


@pytest.mark.parametrize("command", ["collect", "check"])
@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("F38B2FFC80A4DF5A51C9BC701E7EA41G", "'F38B2FFC80A4DF5A51C9BC701E7EA41G'"),
        ("acme", "'acme'"),
        (PASTED_TOKEN, "the 41-character value given (not shown: it may be a secret)"),
    ],
    ids=["upper-case-typo", "word", "token"],
)
def test_a_bad_account_id_is_named_as_typed_or_not_at_all(
    tmp_path: Path, command: str, given: str, shown: str
) -> None:
    """Before, the error named it lower-cased, and a pasted token in full."""
    out = tmp_path / ("s.zip" if command == "collect" else "out")
    result = run_cli(
        command,
        "--account",
        given,
        "--out",
        str(out),
        env={"CLOUDFLARE_API_TOKEN": TOKEN},
    )

    assert result.returncode == 2, result.stderr
    assert f"error: {shown} is not a Cloudflare account id" in result.stderr
    assert PASTED_TOKEN not in result.stderr
    assert not out.exists()


def test_an_unknown_format_is_named_as_typed(tmp_path: Path) -> None:
    result = run_cli("report", "x.zip", "--out", str(tmp_path), "--format", "HTML,Pdff")

    assert result.returncode == 2, result.stderr
    assert "unknown format 'Pdff'" in result.stderr


def test_a_failed_check_leaves_no_folder_and_no_partial(tmp_path: Path) -> None:
    """check has no --resume: a failed run removes what it read and its new folder."""
    org = build_organization()
    options = EmulatorOptions(faults=(Fault("deep_json", "/roles", times=0),))
    out = tmp_path / "out"
    with Emulator(org, cloudflare_token=TOKEN, okta_token="x", options=options) as em:
        result = run_cli(
            "check",
            "--account",
            org.cloudflare.account["id"],
            "--cloudflare-url",
            em.cloudflare_url,
            "--out",
            str(out),
            env={"CLOUDFLARE_API_TOKEN": TOKEN},
        )

    assert result.returncode == 1, result.stderr
    assert "with JSON nested too deeply to read" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failed_check_into_an_existing_folder_keeps_the_folder(
    tmp_path: Path,
) -> None:
    org = build_organization()
    options = EmulatorOptions(faults=(Fault("deep_json", "/roles", times=0),))
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with Emulator(org, cloudflare_token=TOKEN, okta_token="x", options=options) as em:
        result = run_cli(
            "check",
            "--account",
            org.cloudflare.account["id"],
            "--cloudflare-url",
            em.cloudflare_url,
            "--out",
            str(tmp_path),
            env={"CLOUDFLARE_API_TOKEN": TOKEN},
        )

    assert result.returncode == 1, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_verbose_collect_logs_each_request_once(tmp_path: Path) -> None:
    """Our line per exchange only; httpx's 'HTTP Request:' line is not added."""
    org = build_organization()
    with Emulator(org, cloudflare_token=TOKEN, okta_token="x") as running:
        result = run_cli(
            "collect",
            "--verbose",
            "--account",
            org.cloudflare.account["id"],
            "--cloudflare-url",
            running.cloudflare_url,
            "--out",
            str(tmp_path / "s.zip"),
            env={"CLOUDFLARE_API_TOKEN": TOKEN},
        )
        answered = len(running.requests)

    assert result.returncode == 0, result.stderr
    ours = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("INFO reporter.collect.http: GET ")
    ]
    assert len(ours) == answered
    assert "HTTP Request:" not in result.stderr
    assert TOKEN not in result.stderr


def test_an_okta_app_given_by_label_is_recorded_by_its_id_and_label(
    tmp_path: Path,
) -> None:
    """Before, the manifest's okta_v2_app_id setting held the label."""
    org = build_organization()
    v2 = next(a for a in org.okta.apps if a["id"] == org.okta.v2_app_id)
    okta_token = "okta-hostile-values-token-31c7"
    with Emulator(org, cloudflare_token=TOKEN, okta_token=okta_token) as running:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=running.cloudflare_url,
            okta_url=running.okta_url,
            okta_v1_app_id=org.okta.v1_app_id,
            okta_v2_app_id=v2["label"].upper(),
        )
        tokens = Tokens(cloudflare=TOKEN, okta=okta_token)
        snapshot = collect_to_file(config, tokens, tmp_path / "s.zip")

    settings = dict(snapshot.manifest.settings)
    assert settings["okta_v1_app_id"] == org.okta.v1_app_id
    assert "okta_v1_app_label" not in settings
    assert settings["okta_v2_app_id"] == org.okta.v2_app_id
    assert settings["okta_v2_app_label"] == v2["label"].upper()


def test_a_suppressions_file_nested_too_deeply_is_one_config_error(
    tmp_path: Path,
) -> None:
    """Before, tomllib's RecursionError reached the user as a traceback."""
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_suppressions(path)

    assert str(path) in caught.value.message
    assert "nests arrays or tables too deeply to read" in caught.value.message


def test_suppressions_matching_nothing_are_named_twenty_then_counted(
    tmp_path: Path,
) -> None:
    """30 unmatched: 20 lines and one count on stderr; findings.json has all 30."""
    demo = run_cli("demo", "--quiet", "--out", str(tmp_path / "demo"))
    assert demo.returncode == 0, demo.stderr
    entries = "".join(
        "[[suppress]]\n"
        'check = "member-at-risk"\n'
        f'subject = "nobody-{n}@example.com"\n'
        'owner = "Audit"\nreason = "test"\nexpires = 2099-01-01\n\n'
        for n in range(30)
    )
    suppressions = tmp_path / "many.toml"
    suppressions.write_text(entries, encoding="utf-8")

    result = run_cli(
        "report",
        str(tmp_path / "demo" / "snapshot.zip"),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "json",
        "--suppressions",
        str(suppressions),
    )

    assert result.returncode in (0, 3), result.stderr
    lines = result.stderr.splitlines()
    named = [line for line in lines if line.endswith("matches no finding")]
    assert len(named) == 20
    assert named[0].startswith("suppression #1 ")
    assert (
        "and 10 more suppressions match no finding (--format json lists every one "
        "in findings.json, or diff.json)" in result.stderr
    )
    document = json.loads((tmp_path / "out" / "findings.json").read_text("utf-8"))
    assert len(document["suppressions"]["unmatched"]) == 30


def test_ctrl_c_while_check_reports_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted once the snapshot is staged: the staged file and the new
    folder go (before, the folder was left empty: it was removed first)."""
    reported: list[Path] = []

    def interrupted(snapshot: Path, *args: object, **kwargs: object) -> None:
        reported.append(snapshot)
        assert snapshot.is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(audit, "run_report", interrupted)
    org = build_organization()
    out = tmp_path / "out"
    with Emulator(org, cloudflare_token=TOKEN, okta_token="x") as running:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=running.cloudflare_url,
        )
        judging = audit.Judging(Gate(), (), date(2026, 12, 4))
        with pytest.raises(KeyboardInterrupt):
            audit.run_check(config, Tokens(cloudflare=TOKEN), ["html"], out, judging)

    assert len(reported) == 1
    assert list(tmp_path.iterdir()) == []


SHORT_SECRET = "cfsecretTOKEN123"  # shaped like no token, but it is the token


@pytest.mark.parametrize(
    "args",
    [
        ("report", SHORT_SECRET, "--out"),
        ("verify", f"exports/{PASTED_TOKEN}"),
        ("report", "x.zip", "--format", SHORT_SECRET, "--out"),
    ],
    ids=["the-env-token-as-path", "token-after-a-folder", "the-env-token-as-format"],
)
def test_the_token_of_the_environment_is_never_echoed(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = (str(tmp_path / "out"),) if args[-1] == "--out" else ()
    result = run_cli(*args, *out, env={"CLOUDFLARE_API_TOKEN": SHORT_SECRET})

    assert result.returncode in (1, 2), result.stderr
    assert result.stderr.startswith("error: ")
    assert SHORT_SECRET not in result.stderr and PASTED_TOKEN not in result.stderr
