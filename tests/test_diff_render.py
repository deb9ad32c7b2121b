"""The diff report in HTML, PDF and XLSX, read back by meaning."""

from __future__ import annotations

import io
from datetime import date

import pytest
from analyze_fixtures import member
from analyze_fixtures import policy as make_policy
from bs4 import BeautifulSoup
from diff_fixtures import account, demo_analysis, in_virtual_admin
from openpyxl import load_workbook
from pypdf import PdfReader

from reporter.diff import diff_analyses
from reporter.gate import Gate, evaluate
from reporter.render.diff import (
    DiffView,
    build_diff_view,
    render_diff_html,
    render_diff_pdf,
    render_diff_xlsx,
)
from reporter.suppress import apply_suppressions

LUCAS = "lucas.martin@northwind.example"
TODAY = date(2026, 6, 1)


def _view(before: object, after: object) -> DiffView:
    diff = diff_analyses(before, after)  # type: ignore[arg-type]
    judged = diff.findings + diff.new_findings + diff.persisting_findings
    outcome = apply_suppressions(judged, (), TODAY)
    result = evaluate(outcome, Gate(), diff.not_assessed)
    return build_diff_view(diff, outcome, result, TODAY)


@pytest.fixture(scope="module")
def demo_view() -> DiffView:
    """The view of the pre/post demo diff."""
    return _view(demo_analysis("pre"), demo_analysis("post"))


def test_html_lists_the_lost_member(demo_view: DiffView) -> None:
    """The lost-access section names the forgotten member and what they lost."""
    soup = BeautifulSoup(render_diff_html(demo_view), "html.parser")

    lost = [li.get_text(" ", strip=True) for li in soup.select("#lost li.lost-member")]
    outcome = soup.select_one("#outcome")

    assert len(lost) == 1
    assert lost[0].startswith(LUCAS) and "Billing lost" in lost[0]
    assert outcome is not None and "failed" in outcome["class"]


def test_html_counts_each_verdict(demo_view: DiffView) -> None:
    """The verdict table counts every member once."""
    soup = BeautifulSoup(render_diff_html(demo_view), "html.parser")

    rows = [tr.find_all("td") for tr in soup.select("table.verdicts tbody tr")]
    counts = {cells[0].get_text(): int(cells[1].get_text()) for cells in rows}

    assert counts["lost access"] == 1
    assert sum(counts[v] for v, _ in demo_view.verdict_counts) == 60


def test_html_calls_out_admin_gains() -> None:
    """A gained Administrator grant is listed in the admin-gain callout."""
    before = account([member("alice@example.com")])
    after = account(
        [member("alice@example.com", policies=(make_policy("Administrator"),))]
    )

    soup = BeautifulSoup(render_diff_html(_view(before, after)), "html.parser")

    rows = [
        tr.get_text(" ", strip=True) for tr in soup.select("#admin-gains tr.admin-gain")
    ]
    assert rows == [
        "alice@example.com Administrator whole account direct policy "
        + after.members[0].grants[0].source_name
    ]


def test_html_escapes_hostile_values() -> None:
    """Markup in an email is text, never an element."""
    hostile = "<img src=x onerror=alert(1)>@example.com"
    html = render_diff_html(
        _view(in_virtual_admin(hostile), account([member(hostile)]))
    )

    soup = BeautifulSoup(html, "html.parser")
    lost = soup.select_one("#lost")

    assert soup.find("img") is None
    assert lost is not None and hostile in lost.get_text()


def test_pdf_names_the_lost_member(demo_view: DiffView) -> None:
    """The PDF's text names the forgotten member in the lost-access section."""
    reader = PdfReader(io.BytesIO(render_diff_pdf(demo_view)))

    text = "\n".join(page.extract_text() for page in reader.pages)

    assert "Members who lost access" in text
    assert LUCAS in text


def test_workbook_has_the_member_changes(demo_view: DiffView) -> None:
    """The reopened workbook lists the lost member's change with its verdict."""
    book = load_workbook(io.BytesIO(render_diff_xlsx(demo_view)))

    rows = list(book["Member changes"].iter_rows(min_row=2, values_only=True))

    lost = [r for r in rows if r[2] == "lost access"]
    assert [(r[0], r[3], r[4]) for r in lost] == [(LUCAS, "lost", "Billing")]
    assert book.sheetnames == [
        "Summary",
        "Member changes",
        "Admin gains",
        "Findings",
        "Suppressions",
    ]


def test_workbook_bytes_are_stable(demo_view: DiffView) -> None:
    """The same view renders the same workbook bytes."""
    assert render_diff_xlsx(demo_view) == render_diff_xlsx(demo_view)


def test_workbook_of_a_member_whose_email_holds_controls() -> None:
    """The email loses every control the other formats drop; before, the
    workbook kept DEL and the C1 controls."""
    email = "lucas.martin\x1b[2J\x7f\x00@northwind.example"
    view = _view(in_virtual_admin(email), account([member(email)]))

    book = load_workbook(io.BytesIO(render_diff_xlsx(view)))

    rows = list(book["Member changes"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows if r[2] == "lost access"] == [
        "lucas.martin[2J@northwind.example"
    ]
