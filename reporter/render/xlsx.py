"""The workbook: every member, grant and group, one sheet per subject.

Cell values come from Cloudflare and the IdP, so they are hostile: a name
starting with ``=`` must stay text (CWE-1236, formula injection), and control
characters Excel cannot hold are removed and reported.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from reporter.controls import CONTROL_CHARACTERS
from reporter.render.context import EndpointRow, FindingRow, MemberRow, Report
from reporter.render.text import escaped
from reporter.snapshot.model import RequestRecord

logger = logging.getLogger(__name__)

CellValue = str | int | float | bool | datetime | None
# Strings Excel may read as a formula or a command when a user edits the cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Rows in one worksheet, the header included (Excel specifications and limits).
EXCEL_MAX_ROWS = 1_048_576
SHEET_TITLE_LIMIT = 31
# Characters Excel refuses in a sheet name.
BAD_TITLE_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
MEMBERS_SHEET = "Members"
LINK_FONT = Font(color="0563C1", underline="single")
HEADER_FONT = Font(bold=True)
# Characters in one cell (Excel specifications and limits).
EXCEL_CELL_LIMIT = 32_767


@dataclass(frozen=True)
class Column:
    """A column's header and width in characters."""

    header: str
    width: int


@dataclass(frozen=True)
class Link:
    """An internal hyperlink from a cell to the row of another record."""

    column: int  # 0-based index into the record's values
    sheet: str  # the logical sheet of the target, e.g. "Members"
    key: str  # the target record's key


@dataclass(frozen=True)
class Record:
    """One row, the name of what it describes (for warnings) and its links."""

    name: str
    values: tuple[CellValue, ...]
    key: str | None = None  # how links find this row
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One logical worksheet: title, columns and rows, before any splitting."""

    title: str
    columns: tuple[Column, ...]
    records: tuple[Record, ...]


# A sheet builder returns None when its sheet does not apply to the report.
SheetBuilder = Callable[[Report], Sheet | None]


@dataclass(frozen=True)
class Properties:
    """What the workbook says of itself: its title, the tool and its date."""

    title: str
    tool_version: str
    stamp: datetime  # the snapshot's time: the same input gives the same bytes


@dataclass(frozen=True)
class Part:
    """A worksheet as written: one slice of a logical sheet's records."""

    title: str
    sheet: Sheet
    records: tuple[Record, ...]


def render_xlsx(
    report: Report,
    *,
    builders: Sequence[SheetBuilder] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> bytes:
    """Build the workbook; the same report always gives the same bytes.

    ``builders`` defaults to ``SHEET_BUILDERS``; ``max_rows`` is the row limit
    of one worksheet, header included, after which a sheet continues on the
    next one.
    """
    chosen = SHEET_BUILDERS if builders is None else builders
    properties = Properties(report.title, report.tool_version, report.snapshot_time)
    return workbook_bytes(sheets(report, chosen), properties, max_rows=max_rows)


def workbook_bytes(
    logical: Sequence[Sheet],
    properties: Properties,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
) -> bytes:
    """Write ``logical`` sheets: the one way this tool writes a workbook.

    Every string is cleaned first (``Cleaner``): sheet titles, headers, cell
    values and the properties. Sheet names and link locations are built from
    the cleaned values alone, so nothing written can hold a control character.
    """
    cleaner = Cleaner()
    parts = split_sheets([cleaner.sheet(sheet) for sheet in logical], max_rows)
    locations = _locations(parts)

    workbook = new_workbook()
    for part in parts:
        _write_sheet(workbook.create_sheet(part.title), part, locations)
    _set_properties(workbook, cleaner.properties(properties))
    return _deterministic_zip(_save(workbook), properties.stamp)


class Cleaner:
    """Takes out of a workbook's text what no workbook may hold, with a warning.

    That is ``reporter.controls.CONTROL_CHARACTERS``: Excel refuses the C0
    controls (openpyxl raises IllegalCharacterError), XML 1.0 cannot hold
    them or a lone surrogate, and a bidi override would disguise a name. A
    value is named once per record and sheet, however many cells hold it (a
    member's grants share one record name).
    """

    def __init__(self) -> None:
        self._reported: set[tuple[str, str]] = set()

    def text(self, value: str, where: str) -> str:
        """``value`` without control characters; the first time, a WARNING."""
        if not CONTROL_CHARACTERS.search(value):
            return value
        if (where, value) not in self._reported:
            self._reported.add((where, value))
            logger.warning(
                "removed control, bidi override or lone surrogate characters "
                "from %s: %r",
                where,
                value,
            )
        return CONTROL_CHARACTERS.sub("", value)

    def sheet(self, sheet: Sheet) -> Sheet:
        """``sheet`` with its title, headers and values cleaned."""
        title = self.text(sheet.title, "a sheet title")
        where = f"a header (sheet {title})"
        columns = tuple(
            replace(column, header=self.text(column.header, where))
            for column in sheet.columns
        )
        records = tuple(self._record(record, title) for record in sheet.records)
        return Sheet(title, columns, records)

    def properties(self, given: Properties) -> Properties:
        """``given`` with its title and tool version cleaned."""
        where = "the workbook's properties"
        title = self.text(given.title, where)
        return Properties(title, self.text(given.tool_version, where), given.stamp)

    def _record(self, record: Record, sheet: str) -> Record:
        # Link keys are never written (only looked up), so they stay as read:
        # two ids differing only by a control character keep their own rows.
        texts = [value for value in record.values if isinstance(value, str)]
        if not CONTROL_CHARACTERS.search("".join(texts)):
            return record
        where = f"{escaped(record.name)} (sheet {sheet})"
        values = tuple(
            self.text(value, where) if isinstance(value, str) else value
            for value in record.values
        )
        return replace(record, values=values)


def sheets(
    report: Report, builders: Sequence[SheetBuilder] | None = None
) -> tuple[Sheet, ...]:
    """Every logical sheet of the workbook, in order."""
    chosen = SHEET_BUILDERS if builders is None else builders
    built = (builder(report) for builder in chosen)
    return tuple(sheet for sheet in built if sheet is not None)


def split_sheets(logical: Sequence[Sheet], max_rows: int) -> tuple[Part, ...]:
    """Cut each sheet into worksheets of at most ``max_rows`` rows, header included.

    Continuations are titled "Grants (2)", "Grants (3)"; every title is made
    valid and unique.
    """
    if max_rows < 2:
        raise ValueError(f"max_rows must leave room for a header and a row: {max_rows}")
    per_part = max_rows - 1
    taken: set[str] = set()
    parts: list[Part] = []
    for sheet in logical:
        chunks = [
            sheet.records[start : start + per_part]
            for start in range(0, len(sheet.records), per_part)
        ] or [()]
        for number, chunk in enumerate(chunks, start=1):
            wanted = sheet.title if number == 1 else f"{sheet.title} ({number})"
            title = sheet_title(wanted, taken)
            taken.add(title.casefold())
            parts.append(Part(title, sheet, chunk))
    return tuple(parts)


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A valid sheet title near ``wanted`` that is not in ``taken`` (casefolded).

    Excel refuses []:*?/\\ in a title, a leading or trailing apostrophe, an
    empty title, more than 31 characters and two titles differing only in case.
    """
    cleaned = BAD_TITLE_CHARACTERS.sub("_", CONTROL_CHARACTERS.sub("", wanted))
    cleaned = cleaned.strip("'").strip() or "Sheet"
    title = cleaned[:SHEET_TITLE_LIMIT]
    number = 1
    while title.casefold() in taken or title.casefold() == "history":
        number += 1
        suffix = f" ({number})"
        title = cleaned[: SHEET_TITLE_LIMIT - len(suffix)] + suffix
    return title


def _columns(*pairs: tuple[str, int]) -> tuple[Column, ...]:
    return tuple(Column(header, width) for header, width in pairs)


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def _utc(moment: datetime) -> datetime:
    # Excel has no time zones: cells hold UTC, and the headers say so.
    return moment.astimezone(UTC).replace(tzinfo=None)


def _summary(report: Report) -> Sheet:
    facts: list[tuple[str, CellValue]] = [
        ("Account", report.account_name),
        ("Account ID", report.account_id),
        ("Snapshot taken (UTC)", _utc(report.snapshot_time)),
        ("Snapshot SHA-256", report.snapshot_sha256),
        ("Tool version", report.tool_version),
        ("Verdict for step 6", report.verdict.label),
        ("Verdict summary", report.verdict.summary),
    ]
    facts += [("Blocker", blocker) for blocker in report.verdict.blockers]
    facts += [("Checks not assessed", len(report.not_assessed))]
    facts += [("Members", len(report.members))]
    facts += [("Members at risk", _at_risk_count(report))]
    facts += [("Findings", report.finding_count)]
    facts += [("Findings suppressed", report.suppressed_count)]
    facts += [(f"Findings: {g.severity}", g.count) for g in report.finding_groups]
    facts += [
        (f"Findings suppressed: {g.severity}", g.suppressed)
        for g in report.finding_groups
        if g.suppressed
    ]
    facts += [("Unmapped legacy role", role) for role in report.unmapped_roles]
    facts += [("Audit log", report.audit_log.status_text)]
    facts += _collection_facts(report)
    return Sheet(
        "Summary",
        _columns(("Fact", 28), ("Value", 80)),
        tuple(Record(f"summary {name}", (name, value)) for name, value in facts),
    )


def _at_risk_count(report: Report) -> CellValue:
    # A 0 would read as "nobody is at risk" when nobody could tell.
    if not report.at_risk_assessed:
        return report.at_risk_count_text
    return len(report.members_at_risk)


def _collection_facts(report: Report) -> list[tuple[str, CellValue]]:
    evidence = report.evidence
    if evidence is None:
        return [("Collection evidence", "the analysis carries no manifest")]
    facts: list[tuple[str, CellValue]] = [
        ("Collection started (UTC)", _utc(evidence.started_at)),
        ("Collection finished (UTC)", _utc(evidence.finished_at)),
    ]
    if evidence.resumed_at is not None:
        # The first run's start stays above: the resumed run read the rest.
        facts += [
            ("Collection resumed (UTC)", _utc(evidence.resumed_at)),
            ("Collection resumed", evidence.resumed_text),
        ]
    facts += [
        ("Requests made", len(evidence.requests)),
        ("Entries not collected", len(evidence.failed)),
    ]
    facts += [(f"Source: {name}", url) for name, url in evidence.sources]
    facts += [(f"Setting: {name}", value) for name, value in evidence.settings]
    return facts


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
        ("Member", 32),
        ("Members", 8),
        ("Member IDs", 36),
        ("Suppressed", 10),
        ("Suppressed by", 24),
        ("Suppression reason", 48),
        ("Suppressed until", 14),
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
                f.members[0].label if f.members else None,
                len(f.members),
                _joined(m.member_id for m in f.members),
                f.suppressed,
                *_suppression_values(f),
            ),
            links=_member_link(6, f.members[0].member_id if f.members else None),
        )
        for group in report.finding_groups
        for f in group.findings
    )
    return Sheet("Findings", columns, records)


def _suppression_values(finding: FindingRow) -> tuple[CellValue, ...]:
    s = finding.suppression
    if s is None:
        return (None, None, None)
    return (s.owner, s.reason, datetime(s.expires.year, s.expires.month, s.expires.day))


def _member_link(column: int, member_id: str | None) -> tuple[Link, ...]:
    return () if member_id is None else (Link(column, MEMBERS_SHEET, member_id),)


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
    records = tuple(_member_record(m) for m in report.members)
    return Sheet(MEMBERS_SHEET, columns, records)


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
            member.at_risk if member.at_risk_assessed else member.at_risk_text,
            _joined(member.would_lose),
            len(member.grants),
            len(member.findings),
        ),
        key=member.member_id,
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
    records = tuple(record for m in report.members for record in _grant_records(m))
    return Sheet("Grants", columns, records)


def _grant_records(m: MemberRow) -> Iterable[Record]:
    # One name and link per member, shared by its grants: 20,000 members
    # hold about 100,000 grants.
    name = f"grant of member {m.member_id}"
    links = _member_link(0, m.member_id)
    return (
        Record(
            name,
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
            links=links,
        )
        for g in m.grants
    )


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


def _idp_assignments(report: Report) -> Sheet:
    columns = _columns(
        ("IdP", 8),
        ("App", 6),
        ("App label", 28),
        ("Login", 36),
        ("Assigned", 10),
        ("Assignment status", 16),
        ("User status", 14),
        ("Member ID", 34),
        ("Apps", 10),
        ("Via group", 28),
    )
    records = tuple(
        Record(
            f"IdP assignment {a.app} {a.login}",
            (
                a.idp,
                a.app,
                a.app_label,
                a.login,
                a.scope,
                a.assignment_status,
                a.user_status,
                a.member_id,
                a.coverage,
                a.group,
            ),
            links=_member_link(7, a.member_id),
        )
        for a in report.idp_assignments
    )
    return Sheet("IdP assignments", columns, records)


def _evidence(report: Report) -> Sheet:
    columns = _columns(
        ("Kind", 10),
        ("Entry", 34),
        ("Status", 8),
        ("HTTP status", 8),
        ("Pages", 7),
        ("Count", 8),
        ("Page", 6),
        ("Method", 8),
        ("Path", 70),
        ("Elapsed (ms)", 10),
        ("SHA-256", 66),
        ("Error code", 12),
        ("Reason", 50),
        ("Fix", 50),
    )
    evidence = report.evidence
    if evidence is None:
        return Sheet("Evidence", columns, ())
    endpoints = [_endpoint_record(e) for e in evidence.endpoints]
    requests = [_request_record(r) for r in evidence.requests]
    return Sheet("Evidence", columns, tuple(endpoints + requests))


def _endpoint_record(e: EndpointRow) -> Record:
    return Record(
        f"entry {e.entry}",
        (
            *("entry", e.entry, e.status, e.http_status, e.pages, e.count),
            *(None, None, None, None),
            *(e.sha256, e.error_code, e.reason, e.hint),
        ),
    )


def _request_record(r: RequestRecord) -> Record:
    return Record(
        f"request {r.method} {r.path}",
        (
            *("request", r.entry, None, r.status, None, None),
            *(r.page, r.method, r.path, r.elapsed_ms),
            *(None, None, None, None),
        ),
    )


def _audit_log(report: Report) -> Sheet | None:
    """The audit window's member, user group and SCIM changes; None when not
    collected (the Summary sheet says why)."""
    if not report.audit_log.collected:
        return None
    columns = _columns(
        ("Time (UTC)", 20),
        ("Actor", 34),
        ("Actor type", 10),
        ("Action", 26),
        ("Subject", 11),
        ("Resource", 30),
        ("Result", 9),
        ("Integration", 11),
        ("Entry id", 34),
    )
    records = tuple(
        Record(
            f"audit entry {e.entry_id}",
            (
                _utc(e.time) if e.time else e.time_text,
                *(e.actor, e.actor_type, e.action, e.subject, e.resource),
                *(e.result, e.integration, e.entry_id),
            ),
        )
        for e in report.audit_log.rows
    )
    return Sheet("Audit log", columns, records)


def _not_assessed(report: Report) -> Sheet:
    columns = _columns(("Check", 28), ("Title", 36), ("Reason", 60), ("Fix", 60))
    records = tuple(
        Record(f"check {n.check_id}", (n.check_id, n.title, n.reason, n.hint))
        for n in report.not_assessed
    )
    return Sheet("Not assessed", columns, records)


# The workbook's sheets in order. A new sheet (say a diff between snapshots)
# is one more builder in this tuple, or passed to render_xlsx(builders=...).
SHEET_BUILDERS: tuple[SheetBuilder, ...] = (
    _summary,
    _steps,
    _findings,
    _members,
    _grants,
    _virtual_groups,
    _user_groups,
    _idp_assignments,
    _evidence,
    _audit_log,
    _not_assessed,
)


def _locations(parts: Sequence[Part]) -> dict[tuple[str, str], str]:
    """Where each keyed record landed, as an internal link location."""
    found: dict[tuple[str, str], str] = {}
    for part in parts:
        quoted = part.title.replace("'", "''")
        for row, record in enumerate(part.records, start=2):
            if record.key is not None:
                found[(part.sheet.title, record.key)] = f"'{quoted}'!A{row}"
    return found


def new_workbook() -> Workbook:
    """A write-only workbook: rows stream to disk, several times faster."""
    return Workbook(write_only=True)


def _write_sheet(
    worksheet: WriteOnlyWorksheet, part: Part, locations: dict[tuple[str, str], str]
) -> None:
    # A write-only sheet writes its columns and frozen pane with the first
    # row, so both are set before any row is appended.
    # column_dimensions and auto_filter come from Worksheet._setup, which the
    # type stubs do not show on WriteOnlyWorksheet.
    columns = part.sheet.columns
    widths = worksheet.column_dimensions  # type: ignore[attr-defined]
    for index, column in enumerate(columns, start=1):
        widths[get_column_letter(index)].width = column.width
    worksheet.freeze_panes = "A2"
    worksheet.append([_header(worksheet, column.header) for column in columns])
    for record in part.records:
        linked = {link.column: link for link in record.links}
        worksheet.append(
            [
                _cell(worksheet, value)
                if index not in linked
                else _linked(worksheet, value, linked[index], locations)
                for index, value in enumerate(record.values)
            ]
        )
    last = get_column_letter(len(columns))
    filtered = worksheet.auto_filter  # type: ignore[attr-defined]
    filtered.ref = f"A1:{last}{len(part.records) + 1}"


def _header(worksheet: WriteOnlyWorksheet, text: str) -> Cell:
    cell = WriteOnlyCell(worksheet, value=text)
    cell.font = HEADER_FONT
    return cell


def _cell(worksheet: WriteOnlyWorksheet, value: CellValue) -> CellValue | Cell:
    """A plain value where openpyxl writes it as is, else a cell that says how."""
    if isinstance(value, str):
        if len(value) > EXCEL_CELL_LIMIT:
            value = _cut(value)
        if not value.startswith(FORMULA_TRIGGERS):
            return value
        # openpyxl stores any string starting with "=" as a formula; data_type
        # "s" makes it a plain string, and quotePrefix keeps Excel from turning
        # it into one when someone edits the cell (CWE-1236).
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _linked(
    worksheet: WriteOnlyWorksheet,
    value: CellValue,
    link: Link,
    locations: dict[tuple[str, str], str],
) -> CellValue | Cell:
    shown = _cell(worksheet, value)
    location = locations.get((link.sheet, link.key))
    if location is None or value is None:
        return shown  # e.g. a finding about a member id the account does not list
    cell = shown if isinstance(shown, Cell) else WriteOnlyCell(worksheet, value=shown)
    cell.hyperlink = Hyperlink(ref="", location=location)
    cell.font = LINK_FONT
    return cell


def _cut(value: str) -> str:
    # Excel refuses a cell longer than 32,767 characters (specifications and
    # limits); the cut is said in the cell itself.
    logger.warning("cut a %d-character cell to Excel's limit", len(value))
    note = f"… (cut: {len(value):,} characters; Excel holds {EXCEL_CELL_LIMIT:,})"
    return value[: EXCEL_CELL_LIMIT - len(note)] + note


def _set_properties(workbook: Workbook, properties: Properties) -> None:
    # openpyxl stamps "now" unless told; the snapshot's time keeps bytes stable.
    stamp = properties.stamp.replace(tzinfo=None)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = f"cf-scim-audit {properties.tool_version}"
    workbook.properties.lastModifiedBy = None
    workbook.properties.title = properties.title


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
