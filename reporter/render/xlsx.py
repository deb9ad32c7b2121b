"""The workbook: every member, grant and group, one sheet per subject.

Cell values come from Cloudflare and the IdP, so they are hostile: a name
starting with ``=`` must stay text (CWE-1236, formula injection), and control
characters Excel cannot hold are removed and reported.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reporter.render.context import MemberRow, Report

logger = logging.getLogger(__name__)

CellValue = str | int | bool | None
# Strings Excel may read as a formula or a command when a user edits the cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column's header and width in characters."""

    header: str
    width: int


@dataclass(frozen=True)
class Record:
    """One row and the name of what it describes, for warnings."""

    name: str
    values: tuple[CellValue, ...]


@dataclass(frozen=True)
class Sheet:
    """One worksheet's title, columns and rows."""

    title: str
    columns: tuple[Column, ...]
    records: tuple[Record, ...]


def render_xlsx(report: Report) -> bytes:
    """Build the workbook; the same report always gives the same bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for sheet in sheets(report):
        _write_sheet(workbook.create_sheet(sheet.title), sheet)
    _set_properties(workbook, report)
    return _deterministic_zip(_save(workbook), report.snapshot_time)


def sheets(report: Report) -> tuple[Sheet, ...]:
    """Every sheet of the workbook, in order."""
    return (
        _summary(report),
        _steps(report),
        _findings(report),
        _members(report),
        _grants(report),
        _virtual_groups(report),
        _user_groups(report),
        _not_assessed(report),
    )


def _columns(*pairs: tuple[str, int]) -> tuple[Column, ...]:
    return tuple(Column(header, width) for header, width in pairs)


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def _summary(report: Report) -> Sheet:
    facts: list[tuple[str, CellValue]] = [
        ("Account", report.account_name),
        ("Account ID", report.account_id),
        ("Snapshot taken (UTC)", report.snapshot_time_text),
        ("Snapshot SHA-256", report.snapshot_sha256),
        ("Tool version", report.tool_version),
        ("Verdict for step 6", report.verdict.label),
        ("Verdict summary", report.verdict.summary),
    ]
    facts += [("Blocker", blocker) for blocker in report.verdict.blockers]
    facts += [("Checks not assessed", len(report.not_assessed))]
    facts += [("Members", len(report.members))]
    facts += [("Members at risk", len(report.members_at_risk))]
    facts += [(f"Findings: {g.severity}", g.count) for g in report.finding_groups]
    facts += [("Unmapped legacy role", role) for role in report.unmapped_roles]
    return Sheet(
        "Summary",
        _columns(("Fact", 28), ("Value", 80)),
        tuple(Record(f"summary {name}", (name, value)) for name, value in facts),
    )


def _steps(report: Report) -> Sheet:
    return Sheet(
        "Steps",
        _columns(("Step", 6), ("Title", 40), ("Status", 18), ("Evidence", 90)),
        tuple(
            Record(
                f"step {s.number}",
                (s.number, s.title, s.status, "\n".join(s.evidence)),
            )
            for s in report.steps
        ),
    )


def _findings(report: Report) -> Sheet:
    columns = _columns(
        ("Finding ID", 30),
        ("Severity", 10),
        ("Check", 28),
        ("Title", 40),
        ("Subject", 36),
        ("Detail", 60),
        ("Member IDs", 36),
    )
    records = tuple(
        Record(
            f"finding {f.finding_id}",
            (
                f.finding_id,
                f.severity,
                f.check_id,
                f.title,
                f.subject,
                f.detail,
                _joined(m.member_id for m in f.members),
            ),
        )
        for group in report.finding_groups
        for f in group.findings
    )
    return Sheet("Findings", columns, records)


def _members(report: Report) -> Sheet:
    columns = _columns(
        ("Member ID", 34),
        ("Email", 32),
        ("Name", 28),
        ("Status", 10),
        ("2FA", 6),
        ("IdP status", 14),
        ("Virtual groups", 44),
        ("User groups", 30),
        ("At risk", 8),
        ("Would lose", 30),
        ("Grants", 8),
        ("Findings", 8),
    )
    return Sheet("Members", columns, tuple(_member_record(m) for m in report.members))


def _member_record(member: MemberRow) -> Record:
    return Record(
        f"member {member.member_id}",
        (
            member.member_id,
            member.email,
            member.name,
            member.status,
            member.two_factor,
            member.idp_status,
            _joined(member.virtual_groups),
            _joined(member.user_groups),
            member.at_risk,
            _joined(member.would_lose),
            len(member.grants),
            len(member.findings),
        ),
    )


def _grants(report: Report) -> Sheet:
    columns = _columns(
        ("Member ID", 34),
        ("Email", 32),
        ("Permission group", 28),
        ("Permission group ID", 34),
        ("Scope kind", 10),
        ("Scope", 24),
        ("Access", 8),
        ("Source", 14),
        ("Source name", 44),
    )
    records = tuple(
        Record(
            f"grant of member {m.member_id}",
            (
                m.member_id,
                m.email,
                g.permission_group,
                g.permission_group_id,
                g.scope_kind,
                g.scope_label,
                g.access,
                g.source,
                g.source_name,
            ),
        )
        for m in report.members
        for g in m.grants
    )
    return Sheet("Grants", columns, records)


def _virtual_groups(report: Report) -> Sheet:
    columns = _columns(
        ("Side", 10),
        ("Group ID", 44),
        ("Name", 48),
        ("Account ID", 34),
        ("Role", 24),
        ("Other account", 8),
        ("Permission group", 24),
        ("Members", 8),
        ("Member emails or logins", 60),
    )
    groups = report.virtual_groups + report.foreign_virtual_groups
    records = tuple(
        Record(
            f"virtual group {g.side} {g.group_id}",
            (
                g.side,
                g.group_id,
                g.display_name,
                g.account_id,
                g.role_name,
                g.foreign,
                g.permission_group,
                len(g.members),
                _joined(g.members),
            ),
        )
        for g in groups
    )
    return Sheet("Virtual groups", columns, records)


def _user_groups(report: Report) -> Sheet:
    columns = _columns(
        ("Group ID", 34),
        ("Name", 32),
        ("Members", 8),
        ("Policies", 8),
        ("SCIM-managed", 8),
        ("Permission groups", 40),
        ("Scopes", 30),
    )
    records = tuple(
        Record(
            f"user group {g.group_id}",
            (
                g.group_id,
                g.name,
                g.member_count,
                g.policy_count,
                g.scim_managed,
                _joined(g.permission_groups),
                _joined(g.scopes),
            ),
        )
        for g in report.user_groups
    )
    return Sheet("User groups", columns, records)


def _not_assessed(report: Report) -> Sheet:
    columns = _columns(("Check", 28), ("Title", 36), ("Reason", 60), ("Fix", 60))
    records = tuple(
        Record(f"check {n.check_id}", (n.check_id, n.title, n.reason, n.hint))
        for n in report.not_assessed
    )
    return Sheet("Not assessed", columns, records)


def _write_sheet(worksheet: Worksheet, sheet: Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.cell(row=1, column=index, value=column.header).font = Font(bold=True)
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    for row, record in enumerate(sheet.records, start=2):
        for index, value in enumerate(record.values, start=1):
            safe = _excel_safe(value, sheet.title, record.name)
            _keep_text(worksheet.cell(row=row, column=index, value=safe))

    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = worksheet.dimensions


def _excel_safe(value: CellValue, sheet: str, record: str) -> CellValue:
    if not isinstance(value, str) or not ILLEGAL_CHARACTERS_RE.search(value):
        return value
    logger.warning(
        "removed control characters Excel cannot hold from %s (sheet %s): %r",
        record,
        sheet,
        value,
    )
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _keep_text(cell: Cell) -> None:
    # openpyxl stores any string starting with "=" as a formula; data_type "s"
    # makes it a plain string, and quotePrefix keeps Excel from turning it
    # into one when someone edits the cell.
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True


def _set_properties(workbook: Workbook, report: Report) -> None:
    # openpyxl stamps "now" unless told; the snapshot's time keeps bytes stable.
    stamp = report.snapshot_time.replace(tzinfo=None)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = f"cf-scim-audit {report.tool_version}"
    workbook.properties.lastModifiedBy = None
    workbook.properties.title = report.title


def _save(workbook: Workbook) -> bytes:
    # ExcelWriter rather than Workbook.save: save() overwrites the modified time.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def _deterministic_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the archive with every entry dated ``when`` instead of now."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry.filename))
    return buffer.getvalue()
