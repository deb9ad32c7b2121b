"""The PDF report for auditors, printed by WeasyPrint from its own template."""

from __future__ import annotations

from weasyprint import CSS, HTML, URLFetcher

from reporter.render.context import MemberRow, Report
from reporter.render.templates import asset_text, environment

TEMPLATE = "report_pdf.html.j2"
STYLE = "report_pdf.css"
# Above this many members the member access table keeps only the members
# with findings or at risk; the workbook always lists everyone.
FULL_TABLE_LIMIT = 500


def render_pdf(report: Report) -> bytes:
    """Print the report to PDF bytes; the same report gives the same text."""
    html = (
        environment()
        .get_template(TEMPLATE)
        .render(report=report, members=members_to_list(report))
    )
    # Nothing in the report is a resource to load: refuse every URL so that
    # no value in the data can make the printer reach out.
    fetcher = URLFetcher(allowed_protocols=())
    document = HTML(string=html, url_fetcher=fetcher)
    stylesheet = CSS(string=asset_text(STYLE), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf


def members_to_list(report: Report) -> tuple[MemberRow, ...]:
    """The members the PDF's access table lists: all, or the notable ones."""
    if len(report.members) <= FULL_TABLE_LIMIT:
        return report.members
    return tuple(m for m in report.members if m.at_risk or m.findings)
