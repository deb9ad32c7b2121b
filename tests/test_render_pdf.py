"""The PDF report, read back as text with pypdf."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from render_fixtures import (
    ACCOUNT_ID,
    DAVID,
    LAYLA,
    LI,
    MEMBERS_AT_RISK,
    SNAPSHOT_SHA256,
    build_analysis,
    build_large_analysis,
)

from reporter.analyze.model import MemberAccess
from reporter.render.context import build_report
from reporter.render.pdf import FULL_TABLE_LIMIT, members_to_list, render_pdf

ACCESS_HEADER = "Member Permission group Scope Access Source"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    """The PDF report of the hand-built analysis, rendered once."""
    return render_pdf(build_report(build_analysis()))


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_cover_names_account_and_snapshot(pages: list[str]) -> None:
    """The first page carries the account id, snapshot time, version and SHA-256."""
    cover = pages[0]

    assert ACCOUNT_ID in cover
    assert SNAPSHOT_SHA256 in cover
    assert "2026-11-30 09:15:00 UTC" in cover
    assert "cf-scim-audit 0.1.0" in cover


def test_verdict_and_blockers(pages: list[str]) -> None:
    """The verdict and each blocker are printed."""
    text = " ".join(pages)

    assert "Verdict for step 6: NO-GO" in text
    assert "david.levi@example.il would lose Billing." in text


def test_members_at_risk_are_named(pages: list[str]) -> None:
    """Every member at risk appears by email."""
    text = " ".join(pages)

    assert [m.email for m in MEMBERS_AT_RISK if m.email not in text] == []


@pytest.mark.parametrize("member", [LI, LAYLA, DAVID], ids=["cjk", "arabic", "hebrew"])
def test_names_in_other_scripts_come_back_as_text(
    pages: list[str], member: MemberAccess
) -> None:
    """CJK, Arabic and Hebrew names are extractable text, not missing glyphs."""
    assert member.name in " ".join(pages)


def test_footer_counts_pages(pages: list[str]) -> None:
    """There is more than one page and each has a 'Page n of N' footer."""
    total = len(pages)

    assert total > 1
    footers = [re.search(r"Page (\d+) of (\d+)", page) for page in pages]
    assert [(int(m[1]), int(m[2])) if m else None for m in footers] == [
        (n, total) for n in range(1, total + 1)
    ]


def test_metadata_title_and_dates(pdf: bytes) -> None:
    """The document title is set and its dates are the snapshot's."""
    metadata = PdfReader(io.BytesIO(pdf)).metadata

    assert metadata is not None
    assert metadata.title == "SCIM v1 virtual group migration readiness: Exämple Corp"
    assert str(metadata.get("/CreationDate", "")).startswith("D:20261130091500")
    assert str(metadata.get("/ModDate", "")).startswith("D:20261130091500")


def test_not_assessed_is_printed(pages: list[str]) -> None:
    """The check that could not be assessed is printed with its fix."""
    text = " ".join(pages)

    assert "Could not assess (1)" in text
    assert "okta.apps.read" in text


def test_large_account_lists_only_notable_members() -> None:
    """Above the limit, the access table keeps members with findings or at risk."""
    report = build_report(build_large_analysis(FULL_TABLE_LIMIT))

    listed = [m.email for m in members_to_list(report)]

    assert len(report.members) > FULL_TABLE_LIMIT
    assert listed == [m.email for m in report.members if m.at_risk or m.findings]
    assert "user1@example.com" not in listed


def test_small_account_lists_every_member() -> None:
    """At or below the limit, every member is in the access table."""
    report = build_report(build_analysis())

    assert members_to_list(report) == report.members


def test_large_account_pdf_points_to_the_workbook() -> None:
    """A large account's PDF says how many members it lists and where the rest are."""
    report = build_report(build_large_analysis(FULL_TABLE_LIMIT))
    pdf = render_pdf(report)

    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(pdf)).pages
    )
    listed = len(members_to_list(report))
    assert f"The account has 506 members; this table lists the {listed} with" in text
    assert listed == 3
    assert "workbook (XLSX) report lists every member" in text
    assert "user1@example.com" not in text


def test_same_report_same_text(pdf: bytes, pages: list[str]) -> None:
    """Printing the same analysis again gives the same pages of text."""
    again = PdfReader(io.BytesIO(render_pdf(build_report(build_analysis()))))

    assert [" ".join(p.extract_text().split()) for p in again.pages] == pages


def test_access_table_header_repeats_on_every_page() -> None:
    """A member access table spanning pages repeats its header on each of them."""
    report = build_report(build_large_analysis(80))
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]

    start = next(i for i, t in enumerate(texts) if "Member access" in t)
    continued = texts[start + 1 :]
    assert len(continued) >= 2
    assert [t.startswith(ACCESS_HEADER) for t in continued] == [True] * len(continued)
