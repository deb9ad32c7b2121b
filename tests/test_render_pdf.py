"""The PDF report, read back as text with pypdf."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination
from render_fixtures import (
    ACCOUNT_ID,
    DAVID,
    DISPLAYED_HOSTILE_NAMES,
    EVIDENCE,
    LAYLA,
    LI,
    MEMBERS_AT_RISK,
    SNAPSHOT_SHA256,
    build_analysis,
    build_hostile_analysis,
    build_large_analysis,
)
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes

from reporter.analyze.model import MemberAccess
from reporter.render.context import Report, build_report
from reporter.render.pdf import (
    FULL_TABLE_LIMIT,
    LIMITS,
    Limits,
    layout_pdf,
    members_to_list,
    render_pdf,
)

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


def _texts(pdf: bytes) -> list[str]:
    return [
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages
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

    start = next(
        i
        for i, t in enumerate(texts)
        if f"Members and their grants (86) {ACCESS_HEADER}" in t
    )
    rows = re.compile(r"user\d+@example\.com User \d+ No grants")
    continued = [t for t in texts[start + 1 :] if rows.search(t)]
    assert len(continued) >= 2
    assert [t.startswith(ACCESS_HEADER) for t in continued] == [True] * len(continued)


def test_metadata_names_author_subject_and_keywords(pdf: bytes) -> None:
    """Author, subject and keywords identify the tool, account and snapshot."""
    metadata = PdfReader(io.BytesIO(pdf)).metadata

    assert metadata is not None
    assert metadata.author == "cf-scim-audit 0.1.0"
    assert metadata.subject is not None and SNAPSHOT_SHA256 in metadata.subject
    assert ACCOUNT_ID in str(metadata.get("/Keywords"))


def test_contents_page_numbers_point_at_their_sections(pages: list[str]) -> None:
    """Each contents line ends with the page its section starts on."""
    contents = pages[1].removeprefix("Contents ").split(" cf-scim-audit")[0]
    entries = re.findall(r"([A-Z][A-Za-z:, -]+?) \.*\s*(\d+)", contents)

    assert [name for name, _ in entries][:3] == [
        "Executive summary",
        "Could not assess",
        "The six migration steps",
    ]
    assert len(entries) == 11
    for name, page in entries:
        assert name in pages[int(page) - 1], (name, page)


def test_bookmarks_follow_the_sections(pdf: bytes) -> None:
    """The PDF outline has the cover and every section, with parts nested."""
    outline = PdfReader(io.BytesIO(pdf)).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    nested = [item for item in outline if isinstance(item, list)]

    assert top == [
        "Cover",
        "Contents",
        "Executive summary",
        "Could not assess (1)",
        "The six migration steps",
        "Findings (6)",
        "Members at risk (2)",
        "Members and their grants (6)",
        "Virtual groups of this account (2)",
        "User groups (2)",
        "Unmapped legacy roles (1)",
        "Collection evidence",
        "Sign-off",
    ]
    assert "Access depends on a virtual group alone (2)" in [
        i.title for group in nested for i in group if isinstance(i, Destination)
    ]


def test_findings_are_grouped_by_check_with_members(pages: list[str]) -> None:
    """Each check is a heading with its count and the members it affects."""
    text = " ".join(pages)

    assert "Access depends on a virtual group alone (2)" in text
    assert "virtual-group-only-access · severity critical · affects 2 members" in text
    assert "Virtual group names another account (1)" in text


def test_evidence_appendix_lists_entries_hashes_and_failures(pages: list[str]) -> None:
    """The appendix gives each entry's hash, the failed one's reason, the requests."""
    appendix = " ".join(p for p in pages if "Collection evidence" in p)

    assert "Collection started 2026-11-30 09:14:02 UTC" in appendix
    assert "cloudflare/members.json ok 1 6" in appendix
    assert "aa11aa11" in appendix
    assert "HTTP 403 E0000006" in appendix
    assert EVIDENCE.requests[1].path in appendix


def test_sign_off_page_has_lines_to_sign(pages: list[str]) -> None:
    """The last page is the sign-off: prepared by and reviewed by, blank to fill."""
    last = pages[-1]

    assert last.startswith("Sign-off")
    assert re.search(
        r"Prepared by Name Role Signature Date Reviewed by Name Role Signature Date",
        last,
    )
    assert SNAPSHOT_SHA256 in last


def test_hostile_names_are_printed_as_text() -> None:
    """Markup, formula prefixes, RTL overrides and 500 characters print as text."""
    text = " ".join(_texts(render_pdf(build_report(build_hostile_analysis()))))

    missing = [n for n in DISPLAYED_HOSTILE_NAMES if " ".join(n.split()) not in text]
    assert missing == []
    assert "exe.png" not in text


def test_long_lists_stop_at_their_limit() -> None:
    """Past a limit, a list prints that many rows and says where the rest are."""
    report = build_report(build_large_analysis(600, at_risk_every=2))
    limits = Limits(members=10, blockers=5, findings_per_check=7, at_risk=8)

    text = " ".join(_texts(render_pdf(report, limits)))

    assert "Showing 5 of 302; every member at risk is listed" in text
    assert "Showing 7 of 302; the workbook's Findings sheet" in text
    assert "Showing 8 of 302; the workbook's Members sheet" in text
    assert (
        "this table lists the 10 with findings or at risk (the first 10 of 303)" in text
    )


def test_a_finding_lists_its_first_members_and_counts_the_rest() -> None:
    """A finding naming 50 members prints 10 of them and the number left."""
    analysis = build_analysis()
    wide = replace(
        analysis.findings[2], member_ids=tuple(f"{n:032x}" for n in range(50))
    )
    report = build_report(replace(analysis, findings=(wide,)))

    # Long ids wrap inside the cell: compare without the spaces that adds.
    compact = "".join(_texts(render_pdf(report))).replace(" ", "")

    assert f"{9:032x},and40more" in compact
    assert f"{10:032x}" not in compact


def test_twenty_thousand_members_stay_readable() -> None:
    """20,000 members, a third at risk, one finding naming all, print in < 40 pages."""
    analysis = build_large_analysis(20_000, at_risk_every=3)
    everyone = tuple(m.member_id for m in analysis.members)
    wide = replace(analysis.findings[2], member_ids=everyone)
    report = build_report(replace(analysis, findings=(*analysis.findings, wide)))

    texts = _texts(render_pdf(report))

    assert len(texts) < 40
    assert f"Showing {LIMITS.at_risk} of 6668" in " ".join(texts)


def _rows_by_page(document: Document, table_class: str) -> list[list[Any]]:
    """Per page, the source <tr> elements of ``table_class``'s body rows laid out."""
    pages = []
    for page in document.pages:
        rows = []
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableBox) and table_class in _classes(box):
                rows += [
                    row.element
                    for group in box.children
                    if not group.is_header
                    for row in group.children
                ]
        pages.append(rows)
    return pages


def _header_pages(document: Document, table_class: str) -> list[bool]:
    """Per page, whether ``table_class`` prints its header row there."""
    return [
        any(
            isinstance(box, boxes.TableBox)
            and table_class in _classes(box)
            and any(group.is_header and group.children for group in box.children)
            for box in page._page_box.descendants()
        )
        for page in document.pages
    ]


def _classes(box: Any) -> list[str]:
    return str(box.element.get("class", "")).split()


def _long_named(extra_members: int, words: int) -> Report:
    """The large analysis with every name ``words`` words long, so rows wrap."""
    analysis = build_large_analysis(extra_members)
    members = tuple(
        replace(m, name=" ".join([f"Name{n}"] * words))
        for n, m in enumerate(analysis.members)
    )
    return build_report(replace(analysis, members=members))


def test_access_rows_never_split_and_the_header_repeats() -> None:
    """Rows of wrapped long names stay on one page; each page shows the header."""
    report = _long_named(80, words=25)

    document = layout_pdf(report)

    pages = _rows_by_page(document, "access")
    printed = [rows for rows in pages if rows]
    everywhere = [row for rows in printed for row in rows]
    assert len(printed) >= 3
    rows = sum(max(1, len(m.grants)) for m in report.members)  # "No grants." is one
    assert len(everywhere) == len(set(map(id, everywhere))) == rows
    with_rows = [bool(rows) for rows in pages]
    headed = _header_pages(document, "access")
    assert [h for h, r in zip(headed, with_rows, strict=True) if r] == [True] * len(
        printed
    )


def test_each_wrapped_name_is_whole_on_one_page() -> None:
    """Read back from the PDF, every member's long name is on a single page."""
    report = _long_named(80, words=25)

    pages = ["".join(text.split()) for text in _texts(render_pdf(report))]

    names = ["".join(m.name.split()) + "" for m in report.members]
    split = [
        m.email
        for m, name in zip(report.members, names, strict=True)
        if not any(f"{m.email}{name}" in page for page in pages)
    ]
    assert split == []


def test_long_unbreakable_values_wrap_inside_the_page() -> None:
    """A 160-character email and group name wrap: no text runs past the margin."""
    analysis = build_large_analysis(3)
    unbroken = "x" * 150 + "@example.com"
    odd = replace(
        analysis.members[-1],
        email=unbroken,
        name="N" * 190,
        virtual_groups=(f"CF-{ACCOUNT_ID}-" + "R" * 120,),
    )
    report = build_report(replace(analysis, members=(*analysis.members[:-1], odd)))

    document = layout_pdf(report)

    overflowing = []
    for page in document.pages:
        edge = page._page_box.content_box_x() + page._page_box.width
        overflowing += [
            box.text[:30]
            for box in page._page_box.descendants()
            if isinstance(box, boxes.TextBox) and box.position_x + box.width > edge
        ]
    assert overflowing == []
    assert unbroken in "".join("".join(_texts(render_pdf(report))).split())
