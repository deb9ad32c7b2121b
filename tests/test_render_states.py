"""What every format shows for an unassessed at-risk check, suppressed findings
and names too long to print."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date, datetime

from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from render_fixtures import FINDINGS, MEMBERS, build_analysis

from reporter.analyze.model import Analysis
from reporter.render import build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.xlsx import render_xlsx
from reporter.suppress import Suppression, SuppressionOutcome, apply_suppressions

TODAY = date(2026, 12, 1)
SUPPRESSED = FINDINGS[0]
SUPPRESSION = Suppression(
    number=1,
    owner="Dana Risk-Owner",
    reason="Break-glass admin, reviewed quarterly",
    expires=date(2027, 1, 31),
    finding_id=SUPPRESSED.finding_id,
    check=None,
    subject="*",
)
REASSURANCE = "No member depends on a virtual group alone"
LONG_NAME = "Q" * 20_000


def _unassessed() -> Analysis:
    return replace(build_analysis(), at_risk_assessed=False)


def _outcome(analysis: Analysis) -> SuppressionOutcome:
    return apply_suppressions(analysis.findings, (SUPPRESSION,), TODAY)


def _html_data(html: bytes) -> dict[str, object]:
    block = BeautifulSoup(html, "html.parser").find(id="report-data")
    assert block is not None
    data: dict[str, object] = json.loads(block.get_text())
    return data


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def _sheet(xlsx: bytes, title: str) -> list[dict[str, object]]:
    workbook: Workbook = load_workbook(io.BytesIO(xlsx))
    rows = list(workbook[title].iter_rows(values_only=True))
    headers = [str(h) for h in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def _without_at_risk(analysis: Analysis) -> Analysis:
    members = tuple(replace(m, at_risk=()) for m in analysis.members)
    return replace(analysis, members=members)


def test_html_says_at_risk_could_not_be_assessed() -> None:
    """The HTML counts at-risk members as "could not assess", with no reassurance."""
    html = render_html(build_report(_without_at_risk(_unassessed())))
    text = " ".join(BeautifulSoup(html, "html.parser").get_text().split())

    assert "Members at risk (could not assess)" in text
    assert "Members at risk (0)" not in text
    assert REASSURANCE not in text
    assert _html_data(html)["at_risk_assessed"] is False


def test_html_data_says_at_risk_was_assessed() -> None:
    """An assessed analysis tells the script so; its member rows may say "no"."""
    assert _html_data(render_html(build_report(build_analysis())))["at_risk_assessed"]


def test_pdf_says_at_risk_could_not_be_assessed() -> None:
    """The PDF cover, summary and section say "could not assess", never 0."""
    text = _pdf_text(render_pdf(build_report(_without_at_risk(_unassessed()))))

    assert "could not assess at risk" in text
    assert "Members at risk could not assess" in text
    assert "Members at risk (could not assess)" in text
    assert "0 at risk" not in text
    assert REASSURANCE not in text


def test_workbook_says_at_risk_could_not_be_assessed() -> None:
    """The Summary count and every member's At risk cell say "could not assess"."""
    xlsx = render_xlsx(build_report(_without_at_risk(_unassessed())))
    summary = {r["Fact"]: r["Value"] for r in _sheet(xlsx, "Summary")}
    at_risk = [r["At risk"] for r in _sheet(xlsx, "Members")]

    assert summary["Members at risk"] == "could not assess"
    assert at_risk == ["could not assess"] * len(MEMBERS)


def test_workbook_at_risk_stays_a_flag_when_assessed() -> None:
    """An assessed analysis keeps the At risk column true or false."""
    at_risk = [
        r["At risk"]
        for r in _sheet(render_xlsx(build_report(build_analysis())), "Members")
    ]

    assert at_risk == [bool(m.at_risk) for m in MEMBERS]


def test_report_model_carries_the_suppression() -> None:
    """The suppressed finding's row has owner, reason and expiry; counts split it."""
    analysis = build_analysis()
    report = build_report(analysis, _outcome(analysis))
    rows = {f.finding_id: f for g in report.finding_groups for f in g.findings}
    group = next(g for g in report.finding_groups if g.severity == SUPPRESSED.severity)

    view = rows[SUPPRESSED.finding_id].suppression
    assert view is not None
    assert (view.owner, view.reason, view.expires_text) == (
        SUPPRESSION.owner,
        SUPPRESSION.reason,
        "2027-01-31",
    )
    assert [f.finding_id for f in rows.values() if f.suppressed] == [
        SUPPRESSED.finding_id
    ]
    assert report.suppressed_count == 1
    assert group.count_text == f"{group.count} (1 suppressed)"


def test_html_marks_the_suppressed_finding() -> None:
    """The HTML counts the suppressed finding and its row carries the suppression."""
    analysis = build_analysis()
    html = render_html(build_report(analysis, _outcome(analysis)))
    findings = _html_data(html)["findings"]
    assert isinstance(findings, list)
    marks = {row[0]: row[7] for row in findings}

    assert marks[SUPPRESSED.finding_id] == [
        SUPPRESSION.owner,
        SUPPRESSION.reason,
        "2027-01-31",
    ]
    assert sum(1 for mark in marks.values() if mark is not None) == 1
    assert f"Findings ({len(FINDINGS)}, 1 suppressed)" in html.decode()


def test_pdf_marks_the_suppressed_finding() -> None:
    """The PDF names the owner, reason and expiry beside the suppressed finding."""
    analysis = build_analysis()
    text = _pdf_text(render_pdf(build_report(analysis, _outcome(analysis))))

    assert (
        f"Suppressed until 2027-01-31 by {SUPPRESSION.owner}: {SUPPRESSION.reason}"
        in text
    )
    assert f"Findings ({len(FINDINGS)}, 1 suppressed)" in text


def test_workbook_marks_the_suppressed_finding() -> None:
    """The Findings sheet has the suppression's columns; the Summary counts it."""
    analysis = build_analysis()
    xlsx = render_xlsx(build_report(analysis, _outcome(analysis)))
    rows = {r["Finding ID"]: r for r in _sheet(xlsx, "Findings")}
    summary = {r["Fact"]: r["Value"] for r in _sheet(xlsx, "Summary")}
    row = rows[SUPPRESSED.finding_id]

    assert (row["Suppressed"], row["Suppressed by"], row["Suppression reason"]) == (
        True,
        SUPPRESSION.owner,
        SUPPRESSION.reason,
    )
    assert row["Suppressed until"] == datetime(2027, 1, 31)
    assert [r["Suppressed"] for r in rows.values()].count(True) == 1
    assert summary["Findings suppressed"] == 1


def _long_named() -> Analysis:
    analysis = build_analysis()
    first = replace(analysis.members[0], name=LONG_NAME, email=LONG_NAME + "@x.test")
    return replace(analysis, members=(first, *analysis.members[1:]))


def test_pdf_cuts_a_very_long_name() -> None:
    """A 20,000-character name adds at most one page and prints 200 characters."""
    short = PdfReader(io.BytesIO(render_pdf(build_report(build_analysis()))))
    pdf = render_pdf(build_report(_long_named()))
    text = _pdf_text(pdf).replace(" ", "")

    assert len(PdfReader(io.BytesIO(pdf)).pages) <= len(short.pages) + 1
    assert max(len(run) for run in re.findall("Q+", text)) == 199


def test_html_cuts_a_very_long_name() -> None:
    """The HTML shows the name's first 199 characters and an ellipsis."""
    data = _html_data(render_html(build_report(_long_named())))
    members = data["members"]
    assert isinstance(members, list)

    assert members[0][2] == "Q" * 199 + "\u2026"
    assert LONG_NAME[:201] not in json.dumps(data)


def test_workbook_keeps_a_very_long_name_whole() -> None:
    """The workbook keeps the full 20,000 characters."""
    rows = _sheet(render_xlsx(build_report(_long_named())), "Members")

    assert rows[0]["Name"] == LONG_NAME
