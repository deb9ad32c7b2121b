"""The workbook, reopened with openpyxl: sheets, safe cells, stable bytes."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from render_fixtures import BELL, HOSTILE, HOSTILE_NAME, MEMBERS, build_analysis

from reporter.render.context import build_report
from reporter.render.xlsx import render_xlsx

SHEETS = [
    "Summary",
    "Steps",
    "Findings",
    "Members",
    "Grants",
    "Virtual groups",
    "User groups",
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
    """The workbook has the eight sheets, in order."""
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
