"""The workbook, reopened with openpyxl: sheets, safe cells, stable bytes."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook
from render_fixtures import (
    ANA,
    BELL,
    CONTROL_ACCOUNT,
    CONTROL_EMAIL,
    CONTROL_GROUP,
    CONTROL_LOGIN,
    CONTROL_MEMBER_ID,
    DAVID,
    EVIDENCE,
    HOSTILE,
    HOSTILE_NAME,
    MEMBERS,
    SHOWN_HOSTILE_NAMES,
    build_analysis,
    build_control_analysis,
    build_hostile_analysis,
)

from reporter.controls import CONTROL_CHARACTERS
from reporter.render import RENDERERS
from reporter.render.context import Report, build_report
from reporter.render.xlsx import (
    SHEET_BUILDERS,
    Column,
    Record,
    Sheet,
    render_xlsx,
    sheet_title,
)

SHEETS = [
    "Summary",
    "Steps",
    "Findings",
    "Members",
    "Grants",
    "Virtual groups",
    "User groups",
    "IdP assignments",
    "Evidence",
    "Not assessed",
]


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    """The workbook of the hand-built analysis."""
    return render_xlsx(build_report(build_analysis()))


@pytest.fixture(scope="module")
def workbook(xlsx: bytes) -> Workbook:
    """The workbook reopened."""
    return load_workbook(io.BytesIO(xlsx))


def _column(workbook: Workbook, sheet: str, header: str) -> list[object]:
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    index = headers.index(header)
    return [row[index] for row in worksheet.iter_rows(min_row=2, values_only=True)]


def test_sheets_in_order(workbook: Workbook) -> None:
    """The workbook has its ten sheets, in order."""
    assert workbook.sheetnames == SHEETS


def test_hostile_name_stays_text(workbook: Workbook) -> None:
    """A name starting with '=' is stored as a string, unchanged."""
    members = workbook["Members"]
    row = _column(workbook, "Members", "Member ID").index(HOSTILE.member_id) + 2
    cell = members.cell(row=row, column=3)

    assert cell.value == HOSTILE_NAME
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_no_formula_in_any_sheet(xlsx: bytes) -> None:
    """No worksheet XML holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        formulas = [n for n in sheets if b"<f>" in archive.read(n)]

    assert len(sheets) == len(SHEETS)
    assert formulas == []


def test_every_string_cell_is_text(workbook: Workbook) -> None:
    """Every string value in every sheet is a string cell, never a formula."""
    odd = [
        (ws.title, cell.coordinate)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.data_type != "s"
    ]

    assert odd == []


def test_control_character_removed_with_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A control character is dropped and the record is named in a WARNING."""
    with caplog.at_level(logging.WARNING, logger="reporter.render.xlsx"):
        workbook = load_workbook(
            io.BytesIO(render_xlsx(build_report(build_analysis())))
        )

    assert "Bell Ringer" in _column(workbook, "Members", "Name")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"member {BELL.member_id}" in w for w in warnings)


def test_header_frozen_and_filtered(workbook: Workbook) -> None:
    """Every sheet freezes its header row and has an autofilter over its data."""
    layout = [(ws.freeze_panes, ws.auto_filter.ref) for ws in workbook.worksheets]

    assert layout == [("A2", ws.dimensions) for ws in workbook.worksheets]
    assert workbook["Members"].auto_filter.ref == "A1:L7"


def test_booleans_are_booleans(workbook: Workbook) -> None:
    """At-risk, 2FA and foreign flags are stored as booleans."""
    at_risk = _column(workbook, "Members", "At risk")

    assert at_risk == [bool(m.at_risk) for m in MEMBERS]
    assert _column(workbook, "Members", "2FA") == [True] * len(MEMBERS)
    assert _column(workbook, "Virtual groups", "Other account") == [False, False, True]


def test_grants_sheet_has_one_row_per_grant(workbook: Workbook) -> None:
    """The Grants sheet lists every grant with its access and scope."""
    rows = list(workbook["Grants"].iter_rows(min_row=2, values_only=True))

    assert len(rows) == sum(len(m.grants) for m in MEMBERS)
    assert ("Billing", "deny") in [(r[2], r[6]) for r in rows]
    assert "zone d16e6dd3…" in [r[5] for r in rows]


def test_column_widths_are_set(workbook: Workbook) -> None:
    """Columns get a width, not the default."""
    assert workbook["Members"].column_dimensions["B"].width == 32


def test_dates_come_from_the_snapshot(workbook: Workbook) -> None:
    """The workbook's created and modified times are the snapshot's."""
    created = workbook.properties.created
    modified = workbook.properties.modified

    assert created is not None and created.isoformat() == "2026-11-30T09:15:00"
    assert modified == created


def test_two_renders_same_bytes(xlsx: bytes) -> None:
    """Rendering the same analysis twice gives identical bytes."""
    assert render_xlsx(build_report(build_analysis())) == xlsx


def _load(report: Report, **options: object) -> Workbook:
    return load_workbook(io.BytesIO(render_xlsx(report, **options)))  # type: ignore[arg-type]


def _summary(workbook: Workbook) -> Mapping[object, object]:
    """The Summary sheet as label -> value, each row being exactly one pair."""
    rows = workbook["Summary"].iter_rows(min_row=2, values_only=True)
    return {label: value for label, value in rows}


def _row_of(workbook: Workbook, location: str) -> tuple[object, ...]:
    sheet, cell = location.rsplit("!", 1)
    row = int(cell.lstrip("A"))
    worksheet = workbook[sheet.strip("'").replace("''", "'")]
    return next(worksheet.iter_rows(min_row=row, max_row=row, values_only=True))


def test_finding_links_to_its_member_row(workbook: Workbook) -> None:
    """A finding's Member cell links to the row of that member on Members."""
    findings = workbook["Findings"]
    ids = _column(workbook, "Findings", "Finding ID")
    cell = findings.cell(row=ids.index("vg-only-d4d4d4d4") + 2, column=7)

    assert cell.value == DAVID.email
    assert cell.hyperlink is not None and cell.hyperlink.location is not None
    assert _row_of(workbook, cell.hyperlink.location)[:2] == (
        DAVID.member_id,
        DAVID.email,
    )


def test_finding_without_member_has_no_link(workbook: Workbook) -> None:
    """A finding about a group, not a member, has an empty, unlinked Member cell."""
    ids = _column(workbook, "Findings", "Finding ID")
    cell = workbook["Findings"].cell(row=ids.index("foreign-vg-9999") + 2, column=7)

    assert (cell.value, cell.hyperlink) == (None, None)


def test_snapshot_time_is_a_real_date(workbook: Workbook) -> None:
    """The Summary holds the snapshot time as a date cell, with UTC in its label."""
    facts = _summary(workbook)
    cell = next(
        row[1]
        for row in workbook["Summary"].iter_rows()
        if isinstance(row[0].value, str) and row[0].value.endswith("(UTC)")
    )

    assert facts["Snapshot taken (UTC)"] == datetime(2026, 11, 30, 9, 15)
    assert facts["Collection started (UTC)"] == datetime(2026, 11, 30, 9, 14, 2)
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"


def test_idp_assignments_sheet(workbook: Workbook) -> None:
    """Each IdP app assignment is a row, linked to its member when there is one."""
    rows = list(workbook["IdP assignments"].iter_rows(min_row=2))

    assert [(r[1].value, r[3].value, r[6].value) for r in rows] == [
        ("v1", ANA.email, "ACTIVE"),
        ("v2", "ghost@example.com", "SUSPENDED"),
    ]
    assert rows[0][7].hyperlink is not None
    assert rows[1][7].value is None


def test_evidence_sheet_lists_entries_and_requests(workbook: Workbook) -> None:
    """Evidence has a row per entry (with hash or failure) and per request."""
    rows = list(workbook["Evidence"].iter_rows(min_row=2, values_only=True))

    entries = [(r[1], r[2], r[10], r[12]) for r in rows if r[0] == "entry"]
    requests = [(r[3], r[8], r[9]) for r in rows if r[0] == "request"]
    assert entries == [
        ("cloudflare/members.json", "ok", "aa11" * 16, None),
        ("okta/push_mappings.json", "failed", None, EVIDENCE.endpoints[1].reason),
    ]
    assert requests == [(r.status, r.path, r.elapsed_ms) for r in EVIDENCE.requests]


def test_rows_beyond_the_limit_continue_on_another_sheet() -> None:
    """With a 4-row limit, 7 grants fill Grants, Grants (2) and Grants (3)."""
    workbook = _load(build_report(build_analysis()), max_rows=4)

    grants = [n for n in workbook.sheetnames if n.startswith("Grants")]
    counts = [workbook[n].max_row - 1 for n in grants]
    assert grants == ["Grants", "Grants (2)", "Grants (3)"]
    assert counts == [3, 3, 1]
    assert [workbook[n]["A1"].value for n in grants] == ["Member ID"] * 3


def test_links_follow_a_member_onto_the_continuation_sheet() -> None:
    """A link to a member listed on Members (2) points at that sheet's row."""
    workbook = _load(build_report(build_analysis()), max_rows=4)
    ids = _column(workbook, "Findings", "Finding ID")
    cell = workbook["Findings"].cell(row=ids.index("vg-only-d4d4d4d4") + 2, column=7)

    assert cell.hyperlink is not None and cell.hyperlink.location is not None
    assert cell.hyperlink.location.startswith("'Members (2)'!")
    assert _row_of(workbook, cell.hyperlink.location)[0] == DAVID.member_id


def test_sheet_title_is_made_valid() -> None:
    """Forbidden characters become '_', and the title is cut to 31 characters."""
    title = sheet_title("Diff: a/b [x]? *\\ and more words after", set())

    assert title == "Diff_ a_b _x__ __ and more word"
    assert len(title) == 31


def test_sheet_title_is_made_unique() -> None:
    """A title already taken, in any case, gets a number and stays within 31."""
    taken = {"summary", "a" * 31}

    assert sheet_title("Summary", taken) == "Summary (2)"
    assert sheet_title("A" * 40, taken) == "A" * 27 + " (2)"


def test_an_extra_builder_adds_its_sheet() -> None:
    """A builder added to the list becomes a sheet; one returning None adds none."""

    def diff(report: Report) -> Sheet:
        return Sheet("Diff", (Column("Change", 20),), (Record("change 1", ("added",)),))

    def absent(report: Report) -> None:
        return None

    workbook = _load(
        build_report(build_analysis()), builders=(*SHEET_BUILDERS, diff, absent)
    )

    assert workbook.sheetnames == [*SHEETS, "Diff"]
    assert workbook["Diff"]["A2"].value == "added"


def test_hostile_names_are_stored_as_text() -> None:
    """Markup, formula prefixes, RTL overrides and long names stay plain strings."""
    workbook = _load(build_report(build_hostile_analysis()))

    names = _column(workbook, "Members", "Name")[len(MEMBERS) :]
    # XML reads a stored CR back as LF.
    expected = [n.replace("\r", "\n") for n in SHOWN_HOSTILE_NAMES]
    assert names == expected
    cells = [c for row in workbook["Members"].iter_rows(min_row=2) for c in row]
    assert {c.data_type for c in cells if isinstance(c.value, str)} == {"s"}
    formula_like = [
        c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\n"
    ]
    assert formula_like and all(c.quotePrefix for c in formula_like)


def test_a_cell_longer_than_excel_holds_is_cut_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 40,000-character value is cut to Excel's 32,767 with a note and a warning."""
    analysis = build_analysis()
    first = replace(analysis.members[0], name="N" * 40_000)
    report = build_report(replace(analysis, members=(first, *analysis.members[1:])))

    workbook = _load(report)
    name = _column(workbook, "Members", "Name")[0]

    assert isinstance(name, str)
    assert len(name) == 32_767
    assert name.endswith("… (cut: 40,000 characters; Excel holds 32,767)")
    assert name.startswith("N" * 32_000)
    assert "cut a 40000-character cell" in caplog.text


def test_a_resumed_collection_shows_its_first_start_and_resumption() -> None:
    """A resumed snapshot's Summary keeps the first start and adds the resumption."""
    evidence = replace(
        EVIDENCE,
        finished_at="2026-11-30T09:26:20+00:00",
        resumed_at="2026-11-30T09:26:11+00:00",
        settings=(
            ("resumed_entries", "cloudflare/account.json, cloudflare/roles.json"),
        ),
    )
    report = build_report(replace(build_analysis(), evidence=evidence))
    book = load_workbook(io.BytesIO(render_xlsx(report)))

    facts = _summary(book)
    assert report.evidence is not None
    assert report.evidence.resumed_text == (
        "2026-11-30 09:26:11 UTC, 2 entries from the earlier run"
    )
    assert facts["Collection started (UTC)"] == datetime(2026, 11, 30, 9, 14, 2)
    assert facts["Collection resumed (UTC)"] == datetime(2026, 11, 30, 9, 26, 11)
    assert facts["Collection resumed"] == report.evidence.resumed_text


def test_a_collection_in_one_run_shows_no_resumption(workbook: Workbook) -> None:
    """Without resumed_at, the Summary has no resumption rows."""
    facts = _summary(workbook)

    assert "Collection resumed (UTC)" not in facts


# The values of build_control_analysis as the workbook holds them.
CLEAN_EMAIL = "ana.nunez@example.com"
CLEAN_MEMBER_ID = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"
CLEAN_GROUP = "Okta-Engineers"
CLEAN_LOGIN = "ghost@example.com"
CLEAN_ACCOUNT = "Exämple Corp"
REMOVED = "removed control, bidi override or lone surrogate characters from"


@pytest.fixture(scope="module")
def control_xlsx() -> bytes:
    """The workbook of the analysis whose ids, emails and names hold controls."""
    return render_xlsx(build_report(build_control_analysis()))


@pytest.fixture(scope="module")
def control_workbook(control_xlsx: bytes) -> Workbook:
    """That workbook reopened."""
    return load_workbook(io.BytesIO(control_xlsx))


def test_a_finding_linked_to_an_email_with_controls_is_written(
    control_workbook: Workbook,
) -> None:
    """Before, the linked Member cell raised IllegalCharacterError."""
    ids = _column(control_workbook, "Findings", "Finding ID")
    cell = control_workbook["Findings"].cell(
        row=ids.index("vg-only-a1a1a1a1") + 2, column=7
    )

    assert cell.value == CLEAN_EMAIL
    assert cell.hyperlink is not None and cell.hyperlink.location is not None
    assert _row_of(control_workbook, cell.hyperlink.location)[:2] == (
        ANA.member_id,
        CLEAN_EMAIL,
    )


def test_a_member_id_with_controls_is_cleaned_and_still_linked(
    control_workbook: Workbook,
) -> None:
    """The id loses its controls on every sheet; its grants link to its row."""
    grants = [
        row
        for row in control_workbook["Grants"].iter_rows(min_row=2)
        if row[0].value == CLEAN_MEMBER_ID
    ]
    ids = _column(control_workbook, "Findings", "Finding ID")
    finding = ids.index("vg-only-d4d4d4d4")

    assert CLEAN_MEMBER_ID in _column(control_workbook, "Members", "Member ID")
    assert _column(control_workbook, "Findings", "Member IDs")[finding] == (
        CLEAN_MEMBER_ID
    )
    assert len(grants) == len(DAVID.grants)
    for row in grants:
        link = row[0].hyperlink
        assert link is not None and link.location is not None
        assert _row_of(control_workbook, link.location)[:2] == (
            CLEAN_MEMBER_ID,
            DAVID.email,
        )


def test_group_names_logins_and_the_account_lose_their_controls(
    control_workbook: Workbook,
) -> None:
    """Each cell holds the value without its controls, the rest kept."""
    assert _column(control_workbook, "User groups", "Name") == [
        CLEAN_GROUP,
        "Empty Group",
    ]
    assert _column(control_workbook, "IdP assignments", "Login") == [
        CLEAN_EMAIL,
        CLEAN_LOGIN,
    ]
    assert _column(control_workbook, "Members", "Email")[0] == CLEAN_EMAIL
    assert _summary(control_workbook)["Account"] == CLEAN_ACCOUNT
    assert control_workbook.properties.title == (
        f"SCIM v1 virtual group migration readiness: {CLEAN_ACCOUNT}"
    )


def test_no_part_of_the_workbook_holds_a_control_character(
    control_xlsx: bytes,
) -> None:
    """Every XML part is UTF-8 that parses, with no control, bidi override or
    surrogate: cells, links, sheet names and the document properties."""
    with zipfile.ZipFile(io.BytesIO(control_xlsx)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}

    for name, data in parts.items():
        data.decode("utf-8")  # strict: no surrogate escapes either
        # ElementTree refuses a control as a character or a reference (XML 1.0).
        root = ElementTree.fromstring(data)  # noqa: S314 - the workbook we wrote
        texts = [
            text
            for element in root.iter()
            for text in (element.text, element.tail, *element.attrib.values())
            if text
        ]
        assert [t for t in texts if CONTROL_CHARACTERS.search(t)] == [], name


def test_each_value_losing_controls_is_named_once_per_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A WARNING names the record, the sheet and the value escaped, once per
    record however many cells hold it (David's two grants give one line)."""
    with caplog.at_level(logging.WARNING, logger="reporter.render.xlsx"):
        render_xlsx(build_report(build_control_analysis()))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    shown_id = repr(CONTROL_MEMBER_ID)

    assert f"{REMOVED} user group ug-1 (sheet User groups): {CONTROL_GROUP!r}" in (
        warnings
    )
    assert (
        f"{REMOVED} IdP assignment v2 {repr(CONTROL_LOGIN)[1:-1]} "
        f"(sheet IdP assignments): {CONTROL_LOGIN!r}"
    ) in warnings
    assert f"{REMOVED} member {shown_id[1:-1]} (sheet Members): {shown_id}" in warnings
    assert (
        warnings.count(
            f"{REMOVED} grant of member {shown_id[1:-1]} (sheet Grants): {shown_id}"
        )
        == 1
    )
    assert (
        f"{REMOVED} finding vg-only-a1a1a1a1 (sheet Findings): {CONTROL_EMAIL!r}"
        in warnings
    )
    assert (
        f"{REMOVED} the workbook's properties: "
        + repr(f"SCIM v1 virtual group migration readiness: {CONTROL_ACCOUNT}")
        in warnings
    )
    assert all(CONTROL_CHARACTERS.search(w) is None for w in warnings)


def test_every_format_renders_an_analysis_with_controls() -> None:
    """HTML, PDF and the workbook are all written; none holds a control."""
    report = build_report(build_control_analysis())

    rendered = {fmt: render(report) for fmt, render in RENDERERS.items()}

    assert sorted(rendered) == ["html", "pdf", "xlsx"]
    html = rendered["html"].decode("utf-8")
    assert CONTROL_CHARACTERS.search(html) is None
    assert CLEAN_EMAIL in html and CLEAN_MEMBER_ID in html
    assert rendered["pdf"].startswith(b"%PDF-")
