"""The PDF report for auditors, printed by WeasyPrint from its own template.

A large account would print thousands of pages, so long lists stop at a
limit and say where the rest is: the workbook always lists everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from weasyprint import CSS, HTML, URLFetcher
from weasyprint.document import Document

from reporter.render.context import MemberRow, Report, for_display
from reporter.render.templates import asset_text, environment
from reporter.render.text import bidi_isolator

TEMPLATE = "report_pdf.html.j2"
STYLE = "report_pdf.css"
# Above this many members the member access table keeps only the members
# with findings or at risk; the workbook always lists everyone.
FULL_TABLE_LIMIT = 500


@dataclass(frozen=True)
class Limits:
    """How many rows each long list of the PDF prints before pointing elsewhere."""

    members: int = 100  # members in the access table, when only notable ones
    blockers: int = 25
    findings_per_check: int = 25
    # A row never splits across pages, so one finding naming 3,000 members
    # must not become a cell taller than a page.
    finding_members: int = 10
    at_risk: int = 200
    requests: int = 200  # above this, only the requests without a 2xx answer
    group_members: int = 10
    audit: int = 200  # audit-log entries; the workbook lists every one


LIMITS = Limits()


def render_pdf(report: Report, limits: Limits = LIMITS, *, prefix: str = "") -> bytes:
    """Print the report to PDF bytes; the same report gives the same text.

    ``prefix`` starts every anchor, so several accounts' PDFs join into one.
    """
    pdf: bytes = layout_pdf(report, limits, prefix=prefix).write_pdf()
    return pdf


def layout_pdf(
    report: Report,
    limits: Limits = LIMITS,
    *,
    prefix: str = "",
    extra_css: Sequence[CSS] = (),
) -> Document:
    """The laid-out pages of ``render_pdf``, boxes and all, before printing.

    ``extra_css`` follows the report's own stylesheet (a part's footer).
    """
    report = for_display(report)
    notable = members_to_list(report)
    env = environment()
    env.filters["isolate"] = bidi_isolator()
    html = env.get_template(TEMPLATE).render(
        report=report,
        members=notable[: limits.members]
        if len(report.members) > FULL_TABLE_LIMIT
        else notable,
        notable=len(notable),
        limits=limits,
        p=prefix,
    )
    # Nothing in the report is a resource to load: refuse every URL so that
    # no value in the data can make the printer reach out.
    fetcher = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=asset_text(STYLE), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher)
    return document.render(stylesheets=[stylesheet, *extra_css])


def members_to_list(report: Report) -> tuple[MemberRow, ...]:
    """The members the PDF's access table lists: all, or the notable ones."""
    if len(report.members) <= FULL_TABLE_LIMIT:
        return report.members
    return tuple(m for m in report.members if m.at_risk or m.findings)
