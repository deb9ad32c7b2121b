"""Right-to-left names and bidi controls: each value is its own run, never a spoof."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from datetime import date

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from pypdf import PdfReader
from render_fixtures import ANA, RLO_NAME, build_analysis

from reporter.controls import BIDI_CONTROLS
from reporter.render.context import Report, build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.text import bidi_isolator
from reporter.render.xlsx import render_xlsx
from reporter.suppress import Suppression, apply_suppressions

HEBREW_OWNER = "דוד"  # one word: the line cannot wrap inside it
ARABIC_OWNER = "ليلى"
REASON = "42 days left"  # digits take the direction of what precedes them
BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def _suppressed_line(owner: str) -> str:
    """The PDF's text from "Suppressed until" to the next cell, for ``owner``."""
    analysis = build_analysis()
    finding = analysis.findings[0]
    accepted = Suppression(
        1, owner, REASON, date(2099, 1, 31), finding.finding_id, None, "*"
    )
    outcome = apply_suppressions(analysis.findings, (accepted,), date(2026, 12, 1))
    pdf = render_pdf(build_report(analysis, outcome))

    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    start = text.index("Suppressed until 2099-01-31 by ")
    return text[start : text.index("Would lose", start)]


@pytest.mark.parametrize("owner", [HEBREW_OWNER, ARABIC_OWNER], ids=["he", "ar"])
def test_rtl_value_does_not_reorder_the_text_after_it(owner: str) -> None:
    """An RTL owner keeps "42 days left" whole and after it, not pulled into it."""
    line = _suppressed_line(owner)

    assert REASON in line
    assert line.index(owner) < line.index(REASON)


@pytest.mark.parametrize(
    ("owner", "shown"),
    [
        ("abc\u202egnp.exe", "abcgnp.exe"),  # RIGHT-TO-LEFT OVERRIDE
        ("abc\u2069\u202egnp.exe", "abcgnp.exe"),  # a PDI to end the isolate first
        ("\u2066abc\u202bgnp.exe", "abcgnp.exe"),  # LRI, then an embedding
    ],
    ids=["override", "early-pop", "isolate-and-embed"],
)
def test_bidi_controls_do_not_leak_out_of_the_value(owner: str, shown: str) -> None:
    """A hostile owner prints in reading order and the label text stays in place."""
    line = _suppressed_line(owner)

    assert line.startswith(f"Suppressed until 2099-01-31 by {shown}: {REASON}")
    assert BIDI.findall(line) == []


def test_isolate_wraps_the_cleaned_value_in_fsi_and_pdi() -> None:
    """The filter escapes, drops the value's own controls and adds FSI and PDI."""
    isolate = bidi_isolator()

    assert isolate("<b>\u202eabc") == "\u2068&lt;b&gt;abc\u2069"
    assert isolate(42) == "\u206842\u2069"


def test_isolate_names_the_altered_value_once(caplog: pytest.LogCaptureFixture) -> None:
    """Each value that loses characters is named in one WARNING per render."""
    isolate = bidi_isolator()

    with caplog.at_level(logging.WARNING, logger="reporter.render.text"):
        isolate("Eve \u202egnp.exe")
        isolate("Eve \u202egnp.exe")

    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "removed control characters from the value 'Eve \\u202egnp.exe'"
    ]


def _rlo_report() -> Report:
    """The hand-built analysis with Ana renamed to the override name."""
    analysis = build_analysis()
    members = tuple(
        replace(m, name=RLO_NAME) if m.member_id == ANA.member_id else m
        for m in analysis.members
    )
    return build_report(replace(analysis, members=members))


def test_html_carries_no_bidi_control() -> None:
    """Neither the markup nor the data block of the HTML holds a bidi control."""
    html = render_html(_rlo_report()).decode()
    data = BeautifulSoup(html, "html.parser").find(id="report-data")

    assert data is not None and "Eve gnp.exe Mallory" in data.get_text()
    assert BIDI.findall(html) == []


def test_workbook_drops_bidi_controls_naming_the_member(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Excel gets the name without its override, and a WARNING names the member."""
    with caplog.at_level(logging.WARNING, logger="reporter.render.xlsx"):
        book = load_workbook(io.BytesIO(render_xlsx(_rlo_report())))

    sheet = book["Members"]
    names = [
        row[2] for row in sheet.iter_rows(values_only=True) if row[0] == ANA.member_id
    ]
    warnings = [r.getMessage() for r in caplog.records]
    assert names == ["Eve gnp.exe Mallory"]
    assert any(f"member {ANA.member_id}" in w and "bidi" in w for w in warnings)
