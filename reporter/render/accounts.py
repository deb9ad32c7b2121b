"""One report set over several accounts: an overall summary, then each account.

Each account's part is the single-account report, with every id it carries
prefixed ``acct-<account id>-`` so deep links stay unique: on the one HTML
page, among the PDF's named destinations, and as workbook link keys. The
workbook keeps one sheet per kind with an Account ID column in front, so a
filter on that column shows one account.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML, URLFetcher

from reporter.analyze.model import SEVERITY_ORDER
from reporter.errors import ConfigError
from reporter.gate import Account
from reporter.render import write_outputs
from reporter.render.context import REPORT_TITLE, TIME_FORMAT, Report, for_display
from reporter.render.html import (
    BLOCKER_LIMIT,
    SCRIPT,
    STYLE,
    content_security_policy,
    page_environment,
    report_data,
)
from reporter.render.pdf import STYLE as PDF_STYLE
from reporter.render.pdf import layout_pdf
from reporter.render.templates import asset_text, environment
from reporter.render.text import clean_text
from reporter.render.xlsx import (
    Column,
    Link,
    Properties,
    Record,
    Sheet,
    sheets,
    workbook_bytes,
)

HTML_TEMPLATE = "report_accounts.html.j2"
PDF_TEMPLATE = "report_accounts_pdf.html.j2"
ACCOUNT_COLUMN = Column("Account ID", 34)
OVERVIEW_SHEET = "Accounts"


def account_prefix(account_id: str) -> str:
    """What every id of the account's part starts with."""
    return f"acct-{account_id}-"


@dataclass(frozen=True)
class AccountSummary:
    """One line of the overall summary: an account, or every account summed."""

    account_id: str  # "" for the total line
    account_name: str
    anchor: str  # the id of the account's section in the HTML
    go: bool
    blockers: int
    members: int
    at_risk: int | None  # None: could not assess
    findings: tuple[tuple[str, int], ...]  # (severity, count) for every severity
    not_assessed: int
    steps_done: int
    steps: int

    @property
    def verdict(self) -> str:
        """GO or NO-GO."""
        return "GO" if self.go else "NO-GO"

    @property
    def finding_count(self) -> int:
        """Every finding, all severities."""
        return sum(count for _, count in self.findings)

    @property
    def at_risk_text(self) -> str:
        """The members at risk, or "could not assess"."""
        return "could not assess" if self.at_risk is None else str(self.at_risk)


@dataclass(frozen=True)
class AccountSection:
    """One account's report, its id prefix and its summary line."""

    report: Report
    prefix: str
    summary: AccountSummary


@dataclass(frozen=True)
class AccountsReport:
    """Several accounts' reports and their overall summary."""

    title: str
    tool_version: str
    snapshot_time: datetime  # the latest of the snapshots
    snapshot_time_text: str
    sections: tuple[AccountSection, ...]
    total: AccountSummary


def build_accounts_report(reports: Sequence[Report]) -> AccountsReport:
    """The overall summary and one section per account, in the order given."""
    ids = [r.account_id for r in reports]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(
            f"account {repeated[0]} is in more than one snapshot",
            hint="pass one snapshot per account (diff compares two of one account)",
        )
    sections = tuple(
        AccountSection(r, account_prefix(r.account_id), account_summary(r))
        for r in reports
    )
    latest = max(r.snapshot_time for r in reports)
    return AccountsReport(
        title=f"{REPORT_TITLE}: {len(reports)} accounts",
        tool_version=reports[0].tool_version,
        snapshot_time=latest,
        snapshot_time_text=latest.strftime(TIME_FORMAT),
        sections=sections,
        total=total_summary([s.summary for s in sections]),
    )


def account_summary(report: Report) -> AccountSummary:
    """The overall summary's line for one account."""
    return AccountSummary(
        account_id=report.account_id,
        account_name=report.account_name,
        anchor=f"acct-{report.account_id}",
        go=report.verdict.go,
        blockers=len(report.verdict.blockers),
        members=len(report.members),
        at_risk=len(report.members_at_risk) if report.at_risk_assessed else None,
        findings=tuple((g.severity, g.count) for g in report.finding_groups),
        not_assessed=len(report.not_assessed),
        steps_done=sum(1 for s in report.steps if s.status == "done"),
        steps=len(report.steps),
    )


def total_summary(lines: Sequence[AccountSummary]) -> AccountSummary:
    """Every account summed; GO only when every account is a go."""
    unknown = any(line.at_risk is None for line in lines)
    return AccountSummary(
        account_id="",
        account_name=f"All {len(lines)} accounts",
        anchor="overall",
        go=all(line.go for line in lines),
        blockers=sum(line.blockers for line in lines),
        members=sum(line.members for line in lines),
        at_risk=None if unknown else sum(line.at_risk or 0 for line in lines),
        findings=tuple(
            (s.value, sum(dict(line.findings).get(s.value, 0) for line in lines))
            for s in SEVERITY_ORDER
        ),
        not_assessed=sum(line.not_assessed for line in lines),
        steps_done=sum(line.steps_done for line in lines),
        steps=sum(line.steps for line in lines),
    )


def render_accounts_html(accounts: AccountsReport) -> bytes:
    """One HTML page: the overall summary, then each account's report."""
    style, script = asset_text(STYLE), asset_text(SCRIPT)
    parts = []
    for section in accounts.sections:
        shown = for_display(section.report)
        parts.append({"section": section, "report": shown, "data": report_data(shown)})
    text = (
        page_environment()
        .get_template(HTML_TEMPLATE)
        .render(
            accounts=accounts,
            parts=parts,
            severities=[s.value for s in SEVERITY_ORDER],
            blocker_limit=BLOCKER_LIMIT,
            csp=content_security_policy(style, script),
            style=Markup(style),  # noqa: S704 - a file we ship, never data
            script=Markup(script),  # noqa: S704 - a file we ship, never data
        )
    )
    return text.encode("utf-8")


def render_accounts_pdf(accounts: AccountsReport) -> bytes:
    """The overall summary, then each account's PDF, one bookmark per account."""
    writer = PdfWriter()
    overview = PdfReader(io.BytesIO(_overview_pdf(accounts)))
    writer.append(overview, "Overall summary", import_outline=False)
    for section in accounts.sections:
        label = f"{section.summary.account_name} ({section.summary.account_id})"
        account = _account_part_pdf(section)
        writer.append(PdfReader(io.BytesIO(account)), label, import_outline=True)
    writer.add_metadata(
        {
            "/Title": accounts.title,
            "/Author": f"cf-scim-audit {accounts.tool_version}",
            "/CreationDate": _pdf_date(accounts.snapshot_time),
            "/ModDate": _pdf_date(accounts.snapshot_time),
        }
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def part_footer(part: str) -> CSS:
    """A footer naming the part its pages are numbered in: the parts are laid
    out one by one (a second layout to number them across the merged file
    would double the time), so "Page 3 of 27" must say of what.
    """
    text = f"{part}, page "
    rule = (
        "@page { @bottom-right { content: "
        f'{_css_string(text)} counter(page) " of " counter(pages); }} }}'
    )
    return CSS(string=rule, url_fetcher=URLFetcher(allowed_protocols=()))


def _css_string(text: str) -> str:
    """``text`` as a CSS string: every character but letters, digits and spaces
    as a ``\\HHHHHH`` escape (its trailing space ends it and is consumed), so
    no name can close the string or the rule.
    """
    clean = clean_text(text)
    return (
        '"'
        + "".join(
            ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x} " for ch in clean
        )
        + '"'
    )


def _account_part_pdf(section: AccountSection) -> bytes:
    """One account's PDF, as ``render_pdf`` prints it, its footer naming it."""
    summary = section.summary  # two accounts may share a name: the id tells
    # The same words the gate's stderr lines start with, so either finds the other.
    footer = part_footer(Account(summary.account_id, summary.account_name).label)
    document = layout_pdf(section.report, prefix=section.prefix, extra_css=(footer,))
    pdf: bytes = document.write_pdf()
    return pdf


def _overview_pdf(accounts: AccountsReport) -> bytes:
    html = (
        environment()
        .get_template(PDF_TEMPLATE)
        .render(accounts=accounts, severities=[s.value for s in SEVERITY_ORDER])
    )
    # As for one account: nothing is a resource to load.
    fetcher = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=asset_text(PDF_STYLE), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher)
    footer = part_footer("Overall summary")
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet, footer])
    return pdf


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%SZ")


def render_accounts_xlsx(accounts: AccountsReport) -> bytes:
    """One workbook: an Accounts sheet, then each sheet with an Account ID column."""
    merged: dict[str, Sheet] = {}
    for section in accounts.sections:
        for sheet in sheets(section.report):
            tagged = _with_account(sheet, section.report.account_id)
            known = merged.get(sheet.title)
            merged[sheet.title] = (
                tagged
                if known is None
                else replace(known, records=known.records + tagged.records)
            )
    first = accounts.sections[0].report
    properties = Properties(accounts.title, first.tool_version, accounts.snapshot_time)
    return workbook_bytes([_overview_sheet(accounts), *merged.values()], properties)


def _with_account(sheet: Sheet, account_id: str) -> Sheet:
    """``sheet`` with the account id in a first column and in every link key."""
    # A row without a key is keyed by its place, so the Accounts sheet can
    # link to an account's first Summary row.
    records = tuple(
        Record(
            f"{record.name} of account {account_id}",
            (account_id, *record.values),
            f"{account_id}:{record.key or f'row {number}'}",
            tuple(
                Link(link.column + 1, link.sheet, f"{account_id}:{link.key}")
                for link in record.links
            ),
        )
        for number, record in enumerate(sheet.records)
    )
    return Sheet(sheet.title, (ACCOUNT_COLUMN, *sheet.columns), records)


def _overview_sheet(accounts: AccountsReport) -> Sheet:
    severities = [s.value for s in SEVERITY_ORDER]
    columns = (
        ACCOUNT_COLUMN,
        Column("Account", 30),
        Column("Verdict for step 6", 12),
        Column("Blockers", 9),
        Column("Members", 9),
        Column("Members at risk", 10),
        *(Column(f"Findings: {s}", 10) for s in severities),
        Column("Checks not assessed", 10),
        Column("Steps done", 9),
    )
    lines = [s.summary for s in accounts.sections] + [accounts.total]
    records = tuple(
        Record(
            f"overall summary of {line.account_name}",
            _overview_values(line),
            links=(Link(0, "Summary", f"{line.account_id}:row 0"),)
            if line.account_id
            else (),
        )
        for line in lines
    )
    return Sheet(OVERVIEW_SHEET, columns, records)


def _overview_values(line: AccountSummary) -> tuple[Any, ...]:
    at_risk: Any = line.at_risk_text if line.at_risk is None else line.at_risk
    return (
        *(line.account_id or "all", line.account_name, line.verdict),
        *(line.blockers, line.members, at_risk),
        *(count for _, count in line.findings),
        line.not_assessed,
        f"{line.steps_done} of {line.steps}",
    )


RENDERERS = {
    "html": render_accounts_html,
    "pdf": render_accounts_pdf,
    "xlsx": render_accounts_xlsx,
}


def render_account_reports(
    reports: Sequence[Report],
    formats: Sequence[str],
    out_dir: Path,
    *,
    basename: str = "readiness",
    extra: Sequence[tuple[str, bytes]] = (),
    protect: Sequence[Path] = (),
) -> list[Path]:
    """Render one report set over ``reports`` into ``out_dir``: all files or none."""
    accounts = build_accounts_report(reports)
    rendered = [(f"{basename}.{fmt}", RENDERERS[fmt](accounts)) for fmt in formats]
    return write_outputs(out_dir, [*rendered, *extra], protect=protect)
