"""Redaction: pseudonyms for people, the same in every format, and a private key."""

from __future__ import annotations

import io
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from render_fixtures import ANA, DAVID, LAYLA, MEMBERS, build_analysis
from typer.testing import CliRunner

from reporter.analyze.model import Analysis, Source
from reporter.cli import app
from reporter.render.context import build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.redact import Redaction, redact, write_key
from reporter.render.xlsx import render_xlsx

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
