"""Redaction: pseudonyms for people, the same in every format, and a private key."""

from __future__ import annotations

import html
import io
import json
import re
import stat
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from render_fixtures import ANA, DAVID, LAYLA, MEMBERS, build_analysis
from typer.testing import CliRunner

from reporter.analyze import analyze
from reporter.analyze.model import Analysis, Source
from reporter.audit import Judging, report_redacted
from reporter.cli import app
from reporter.demo.cast import DOMAIN
from reporter.gate import Gate
from reporter.render.audit_log import AuditEntryRow, AuditLogView
from reporter.render.context import build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.redact import Redaction, redact, write_key
from reporter.render.xlsx import render_xlsx
from reporter.snapshot import read_snapshot
from reporter.suppress import Suppression

SAMPLE_SNAPSHOT = (
    Path(__file__).resolve().parents[1] / "sample_reports" / "snapshot.zip"
)
DAVID_EMAIL = "person-0004@redacted.invalid"
DAVID_NAME = "Person 0004"


@pytest.fixture(scope="module")
def redaction() -> Redaction:
    """The hand-built analysis, redacted."""
    return redact(build_analysis())


def _every_string(analysis: Analysis) -> str:
    return repr(analysis)


def test_members_get_numbered_pseudonyms(redaction: Redaction) -> None:
    """Member n becomes person-000n@redacted.invalid, named Person 000n."""
    people = [(m.email, m.name) for m in redaction.analysis.members]

    assert people == [
        (f"person-{n:04d}@redacted.invalid", f"Person {n:04d}")
        for n in range(1, len(MEMBERS) + 1)
    ]


def test_no_real_email_or_name_is_left(redaction: Redaction) -> None:
    """No member's email or name survives anywhere in the redacted analysis."""
    text = _every_string(redaction.analysis)

    assert [m.email for m in MEMBERS if m.email in text] == []
    assert [m.name for m in (ANA, DAVID, LAYLA) if m.name in text] == []
    assert "ghost@example.com" not in text


def test_emails_in_free_text_use_the_members_pseudonym(redaction: Redaction) -> None:
    """A blocker naming David names his pseudonym, the one of his member row."""
    assert f"{DAVID_EMAIL} would lose Billing." in redaction.analysis.verdict.blockers


def test_case_variants_share_one_pseudonym() -> None:
    """An address written in another case is the same person."""
    analysis = build_analysis()
    odd = replace(analysis.findings[0], detail="Okta has 'David.Levi@Example.IL'.")
    redacted = redact(replace(analysis, findings=(odd,))).analysis

    assert redacted.findings[0].detail == f"Okta has '{DAVID_EMAIL}'."


def test_addresses_with_any_local_part_character_are_replaced_whole() -> None:
    """RFC 5322 lets & # = ! | stand before the @: nothing of the address is left."""
    analysis = build_analysis()
    addresses = ("ann&bob@north.example", "kim#lee@north.example", "x=y!z|w@n.io")
    detail = f"Okta has '{addresses[0]}', {addresses[1]} and ({addresses[2]})."
    odd = replace(analysis.findings[0], detail=detail)

    redacted = redact(replace(analysis, findings=(odd,))).analysis.findings[0].detail

    pseudonym = r"person-\d{4}@redacted\.invalid"
    assert re.fullmatch(
        f"Okta has '{pseudonym}', {pseudonym} and \\({pseudonym}\\).", redacted
    ), redacted
    for word in ("ann", "bob", "kim", "lee", "north", "x=y"):
        assert word not in redacted


def test_url_encoded_email_in_a_request_path() -> None:
    """An address URL-encoded in a request path becomes the encoded pseudonym."""
    analysis = build_analysis()
    assert analysis.evidence is not None
    request = replace(
        analysis.evidence.requests[0], path="/api/v1/users/david.levi%40example.il"
    )
    evidence = replace(analysis.evidence, requests=(request,))

    redacted = redact(replace(analysis, evidence=evidence)).analysis

    assert redacted.evidence is not None
    assert redacted.evidence.requests[0].path == (
        "/api/v1/users/person-0004%40redacted.invalid"
    )


def test_ids_hashes_and_enums_are_kept(redaction: Redaction) -> None:
    """Member ids, finding ids, the snapshot hash and grant sources do not change."""
    analysis = build_analysis()
    redacted = redaction.analysis

    assert [m.member_id for m in redacted.members] == [m.member_id for m in MEMBERS]
    assert [f.finding_id for f in redacted.findings] == [
        f.finding_id for f in analysis.findings
    ]
    assert redacted.snapshot_sha256 == analysis.snapshot_sha256
    assert redacted.members[0].grants[0].source is Source.VIRTUAL_GROUP


def test_same_pseudonym_in_every_format(redaction: Redaction) -> None:
    """HTML, PDF and workbook all show David as Person 0004, never as himself."""
    report = build_report(redaction.analysis)
    html = render_html(report).decode()
    pdf = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report))).pages
    )
    members = load_workbook(io.BytesIO(render_xlsx(report)))["Members"]
    row = next(
        r for r in members.iter_rows(values_only=True) if r[0] == DAVID.member_id
    )

    assert DAVID_EMAIL in html and DAVID_NAME in html
    assert DAVID_EMAIL in pdf and DAVID_NAME in pdf
    assert row[1:3] == (DAVID_EMAIL, DAVID_NAME)
    assert [DAVID.email in text for text in (html, pdf)] == [False, False]


def test_key_maps_pseudonyms_back_and_is_private(
    redaction: Redaction, tmp_path: Path
) -> None:
    """The key file is owner-only and maps each pseudonym to the real values."""
    path = write_key(redaction.pseudonyms, tmp_path / "redaction-key.json")

    key = json.loads(path.read_text(encoding="utf-8"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key["emails"][DAVID_EMAIL] == [DAVID.email]
    assert key["names"][DAVID_NAME] == DAVID.name


def test_report_command_redacts_and_writes_the_key(tmp_path: Path) -> None:
    """`report --redact` writes reports without real addresses, and the key."""
    result = CliRunner().invoke(
        app,
        [
            *("report", str(SAMPLE_SNAPSHOT), "--out", str(tmp_path)),
            *("--redact", "--format", "html,xlsx"),
        ],
    )

    written = result.stdout.split()
    assert written == [
        str(tmp_path / "readiness.html"),
        str(tmp_path / "readiness.xlsx"),
        str(tmp_path / "redaction-key.json"),
    ]
    key = json.loads((tmp_path / "redaction-key.json").read_text(encoding="utf-8"))
    html = (tmp_path / "readiness.html").read_text(encoding="utf-8")
    real = [form for forms in key["emails"].values() for form in forms]
    assert len(real) >= 60
    assert [email for email in real if email in html] == []


OKTA_HOST = "northwind.okta.example"
ODD_LOGIN = "NORTHWIND\\zoe.kent"  # an Okta login that is no address
SCIM_LOGIN = "zkent-admin"  # a SCIM userName that is no address


def _demo_analysis() -> Analysis:
    """The demo snapshot's analysis, with what a real org adds beside addresses."""
    analysis = analyze(read_snapshot(SAMPLE_SNAPSHOT))
    assert analysis.evidence is not None
    sources = tuple(
        (system, f"https://{OKTA_HOST}" if system == "okta" else url)
        for system, url in analysis.evidence.sources
    )
    amelia = analysis.members[0]
    joined = replace(analysis.idp_assignments[0], login="awright")
    stray = replace(joined, login=ODD_LOGIN, member_id=None)
    group = replace(
        analysis.virtual_groups[0],
        members=(*analysis.virtual_groups[0].members, SCIM_LOGIN),
    )
    named = replace(
        analysis.findings[0],
        subject=amelia.name,
        detail=f"{amelia.name} ({ODD_LOGIN}, {SCIM_LOGIN}) at "
        f"https://{OKTA_HOST}/app of {analysis.account_name}.",
    )
    return replace(
        analysis,
        evidence=replace(analysis.evidence, sources=sources),
        idp_assignments=(joined, stray, *analysis.idp_assignments[1:]),
        virtual_groups=(group, *analysis.virtual_groups[1:]),
        findings=(named, *analysis.findings[1:]),
    )


def _audit_log(analysis: Analysis) -> AuditLogView:
    """One audit-log entry: a member, by address, adding another by name."""
    actor, added = analysis.members[2], analysis.members[3]
    row = AuditEntryRow(
        entry_id="a1",
        time=datetime(2026, 5, 30, 8, 0, tzinfo=UTC),
        time_text="2026-05-30 08:00:00 UTC",
        actor=actor.email,
        actor_type="user",
        action=f"Added {added.name} ({added.email}) to Cloudflare-Admins",
        subject="user group",
        resource="iam.user_group a82ff8bf",
        result="success",
        integration="",
    )
    return AuditLogView(True, "", "2026-05-01 to 2026-06-01", 1, (row,))


def _identifying(analysis: Analysis) -> set[str]:
    """Everything in ``analysis`` that names a person, the company or its org."""
    values = {analysis.account_name, OKTA_HOST, ODD_LOGIN, SCIM_LOGIN, "awright"}
    for member in analysis.members:
        values |= {member.email, member.email.partition("@")[0], member.name}
    values |= {a.login for a in analysis.idp_assignments}
    values |= {m for g in analysis.virtual_groups for m in g.members}
    values.add(DOMAIN.partition(".")[0])  # "northwind", in any address or host
    assert analysis.evidence is not None
    values |= {urlsplit(url).netloc for _, url in analysis.evidence.sources}
    return {v for v in values if len(v) >= 3}


def _squeezed(text: str) -> str:
    """``text`` casefolded without whitespace: a PDF wraps wherever it likes."""
    return "".join(text.split()).casefold()


def _leaks(values: set[str], text: str) -> list[str]:
    """The ``values`` that ``text`` holds, as written or escaped as in JSON."""
    squeezed = _squeezed(text)
    return sorted(
        v
        for v in values
        if _squeezed(v) in squeezed or _squeezed(json.dumps(v)[1:-1]) in squeezed
    )


def _output_texts(paths: list[Path]) -> dict[str, str]:
    """The text a reader of each output sees, by file suffix."""
    texts = {}
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            reader = PdfReader(io.BytesIO(data))
            metadata: Mapping[str, object] = reader.metadata or {}
            pages = [p.extract_text() for p in reader.pages]
            texts[".pdf"] = " ".join([*pages, *map(str, metadata.values())])
        elif path.suffix == ".xlsx":
            book = load_workbook(io.BytesIO(data))
            cells = [
                str(value)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            ]
            props = [str(v) for v in vars(book.properties).values() if v]
            texts[".xlsx"] = " ".join([*cells, *props, *book.sheetnames])
        else:
            texts[path.name] = html.unescape(data.decode("utf-8"))
    return texts


def test_redacted_demo_names_nobody_in_any_format(tmp_path: Path) -> None:
    """HTML, PDF, XLSX and JSON of the demo hold no address, name, login or org."""
    analysis = _demo_analysis()
    suppression = Suppression(
        number=1,
        owner=analysis.members[1].email,
        reason=f"Accepted by {analysis.members[1].name}",
        expires=date(2099, 1, 1),
        finding_id=None,
        check=analysis.findings[1].check_id,
        subject=analysis.findings[1].subject,
    )
    judging = Judging(Gate(), (suppression,), date(2026, 12, 1))

    outcome = report_redacted(
        analysis,
        ["html", "pdf", "xlsx", "json"],
        tmp_path,
        judging,
        audit_log=_audit_log(analysis),
    )

    texts = _output_texts(outcome.paths[:-1])
    leaks = {name: _leaks(_identifying(analysis), text) for name, text in texts.items()}
    assert sorted(texts) == [".pdf", ".xlsx", "findings.json", "readiness.html"]
    assert leaks == {name: [] for name in texts}
    assert "Person 0001" in texts[".pdf"] and "Person 0001" in texts[".xlsx"]
    logged = "Added Person 0004 (person-0004@redacted.invalid) to Cloudflare-Admins"
    assert [logged in texts[name] for name in ("readiness.html", ".xlsx")] == [
        True,
        True,
    ]


@pytest.mark.parametrize("name", ["readiness.html", "redaction-key.json"])
def test_redacted_report_refuses_to_overwrite_its_snapshot(
    tmp_path: Path, name: str
) -> None:
    """`report --redact` never writes a report or key over the snapshot it reads."""
    snapshot = tmp_path / name
    snapshot.write_bytes(SAMPLE_SNAPSHOT.read_bytes())

    result = CliRunner().invoke(
        app,
        [
            *("report", str(snapshot), "--out", str(tmp_path)),
            *("--redact", "--format", "html"),
        ],
    )

    assert result.exit_code == 2, result.stderr
    assert f"would overwrite the input {snapshot}" in result.stderr
    assert snapshot.read_bytes() == SAMPLE_SNAPSHOT.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_redacted_suppression_still_suppresses_its_finding(tmp_path: Path) -> None:
    """A suppression naming a real subject suppresses the same redacted finding."""
    analysis = _demo_analysis()
    target = analysis.findings[1]
    suppression = Suppression(
        1,
        "security team",
        "accepted",
        date(2099, 1, 1),
        None,
        target.check_id,
        target.subject,
    )
    judging = Judging(Gate(), (suppression,), date(2026, 12, 1))

    outcome = report_redacted(analysis, ["json"], tmp_path, judging)

    document = json.loads((tmp_path / "findings.json").read_text("utf-8"))
    suppressed = [f["finding_id"] for f in document["findings"] if f["suppression"]]
    assert suppressed == [target.finding_id]
    assert outcome.outcome.unmatched == ()


def test_redaction_key_holds_logins_account_and_hosts() -> None:
    """The key maps login, account and host pseudonyms back to the real values."""
    analysis = _demo_analysis()
    pseudonyms = redact(analysis).pseudonyms

    key = pseudonyms.key()
    assert key["logins"]["person-0001"] == ["awright"]
    assert ODD_LOGIN in [form for forms in key["logins"].values() for form in forms]
    assert key["other"]["Redacted account"] == "Northwind Traders"
    assert key["other"]["okta.redacted.invalid"] == OKTA_HOST
