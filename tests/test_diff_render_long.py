"""The diff report's HTML and PDF cut long values as the readiness report does."""

from __future__ import annotations

import io

from analyze_fixtures import member
from diff_fixtures import account, in_virtual_admin
from openpyxl import load_workbook
from pypdf import PdfReader
from test_diff_render import _view

from reporter.render.context import DISPLAY_LIMIT
from reporter.render.diff import render_diff_html, render_diff_pdf, render_diff_xlsx

LONG = "x" * 100_000 + "@example.com"


def test_a_100000_character_email_is_cut_in_html_and_pdf() -> None:
    """Before, the PDF of this diff ran for over 12 minutes."""
    before = in_virtual_admin()
    after = account([member("alice@example.com"), member(LONG)])
    view = _view(before, after)

    html = render_diff_html(view).decode("utf-8")
    pdf = PdfReader(io.BytesIO(render_diff_pdf(view)))
    text = "".join(page.extract_text() for page in pdf.pages)
    book = load_workbook(io.BytesIO(render_diff_xlsx(view)), read_only=True)
    cells = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row]

    cut = "x" * (DISPLAY_LIMIT - 1) + "…"
    assert cut in html and "x" * DISPLAY_LIMIT not in html
    assert "x" * 150 in "".join(text.split())
    assert "x" * (DISPLAY_LIMIT + 1) not in "".join(text.split())
    # The workbook keeps what a cell can hold (Excel: 32,767 characters).
    assert any(isinstance(c, str) and c.startswith("x" * 32_000) for c in cells)
