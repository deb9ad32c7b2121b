"""Read an IdP assignment file (``--idp-file``) into canonical rows.

Any IdP without an API collector (Authentik and the rest), or an admin who
prefers console exports, hands the audit a CSV or JSON file instead
(``idp-apis.md`` §5). The format is recognised from the headers alone and each
header is mapped to a canonical column through an explicit alias table. Every
value stays text, trimmed of ASCII whitespace only: NBSP and zero-width
characters are kept for the analyzer's email join rule to clean. A file that
cannot be read exactly is refused, naming file, line and column; nothing is
guessed. Columns and allowed values: ``docs/idp-file.md``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from reporter.collect.evidence import Evidence, Fetched
from reporter.controls import CONTROL_CHARACTERS
from reporter.errors import ConfigError
from reporter.regular_file import FileTooLarge, NotRegularFile, read_regular_file
from reporter.snapshot import layout
from reporter.snapshot.io import utf8_json

log = logging.getLogger(__name__)

# A Current Assignments export of a 100,000-person org with both apps is about
# 200,000 rows of ~150 bytes. Beyond these caps the file is the wrong export
# (every app, every group) and would cost gigabytes to analyse.
MAX_ROWS = 250_000
MAX_BYTES = 48 * 1024 * 1024
# One value (one CSV cell, one JSON string), in UTF-8 bytes. An email is at
# most 254 bytes (RFC 5321 §4.5.3.1.3), a login, a name or a description a few
# hundred; 64 KiB still holds a cell listing a thousand group names. A larger
# value is a quote left open or not an IdP export. It stays below the csv
# module's default field limit (131,072 characters), so csv never refuses a
# value this module accepts.
MAX_VALUE_BYTES = 64 * 1024
_SPLIT_HINT = (
    "export only the Cloudflare apps (one app or one group per file) and "
    "collect each file into its own snapshot"
)
# Only ASCII whitespace is trimmed: U+00A0 and U+200B stay for the analyzer.
_TRIM = " \t\r\n\f\v"
# Kept as read, but named in a warning: C0 controls but tab, LF and CR, DEL,
# the C1 controls, and the bidi embeddings, overrides and isolates of UAX #9
# §2 (U+202E shows "gnp.exe" as "exe.png"): the set the reports take out.
_UNUSUAL = CONTROL_CHARACTERS
_UNUSUAL_WARNINGS = 20  # distinct values, then one line counting the rest
# Each such value -> the line and column it is first in, and how many cells.
_Unusual = dict[str, tuple[int, str, int]]

CANONICAL_COLUMNS = (
    "idp",
    "app_id",
    "app_label",
    "principal_type",
    "principal_id",
    "principal_name",
    "user_login",
    "user_email",
    "user_status",
    "group_id",
    "group_name",
    "assignment_scope",
    "pushed",
    "push_target_name",
    "push_error",
)
# Fields each row carries besides the canonical columns (layout.IDP_FILE_ROWS):
# ``app`` says which Cloudflare app the row is about, ``assigned`` whether it
# is a current assignment ("false": an unassignment; "": a plain user list).
EXTRA_COLUMNS = ("app", "assigned")
IDENTITY_COLUMNS = ("user_email", "user_login", "principal_name")

# Enumerated columns: allowed values, compared case-insensitively and kept as
# written. Empty always means "not given".
OKTA_USER_STATUSES = (
    "ACTIVE",
    "STAGED",
    "PROVISIONED",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
)
ALLOWED_VALUES: Mapping[str, tuple[str, ...]] = {
    "principal_type": ("user", "group"),
    "user_status": (*OKTA_USER_STATUSES, "enabled", "disabled"),
    "assignment_scope": ("USER", "GROUP"),
    "pushed": ("true", "false", "error"),
    "app": ("v1", "v2"),
    "assigned": ("true", "false"),
}
APPS = ALLOWED_VALUES["app"]

GENERIC = "generic"
OKTA_CURRENT_ASSIGNMENTS = "okta_current_assignments"
OKTA_RECENT_UNASSIGNMENTS = "okta_recent_unassignments"
ENTRA_USERS = "entra_users"
ENTRA_GROUP_MEMBERS = "entra_group_members"


class IdpFileError(ConfigError):
    """An ``--idp-file`` that cannot be read exactly: names file, line and column."""

    def __init__(
        self,
        message: str,
        *,
        path: Path,
        line: int | None = None,
        column: str | None = None,
        hint: str,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = str(path)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class FileOptions:
    """What an export cannot say itself: its group and which Cloudflare app."""

    group: str | None = None  # --idp-file-group: Entra "Download members"
    app: str | None = None  # --idp-file-app: v1 or v2, for the whole file


@dataclass(frozen=True)
class IdpFile:
    """The canonical rows of one file, plus what identifies the file."""

    name: str
    format: str
    sha256: str
    rows: tuple[Mapping[str, Any], ...]
    columns: Mapping[str, str | None] = field(default_factory=dict)
    options: FileOptions = field(default_factory=FileOptions)

    def source(self) -> dict[str, Any]:
        """The ``IDP_FILE_SOURCE`` entry."""
        return {
            "name": self.name,
            "format": self.format,
            "sha256": self.sha256,
            "rows": len(self.rows),
            "columns": dict(self.columns),
            "group": self.options.group,
            "app": self.options.app,
        }

    def row_objects(self) -> list[dict[str, Any]]:
        """The ``IDP_FILE_ROWS`` entry: the rows themselves, not copies."""
        return [row if isinstance(row, dict) else dict(row) for row in self.rows]


# -- formats and their alias tables (headers compared trimmed and casefolded) --

# A header whose value is translated: its target column and the translation.
Translate = tuple[str, Callable[[str, "Cell"], str]]


@dataclass(frozen=True)
class Cell:
    """One value and where it was read, for messages."""

    path: Path
    line: int
    column: str


@dataclass(frozen=True)
class ExportFormat:
    """A recognised file: the headers that identify it and how they map."""

    name: str
    title: str
    signature: frozenset[str]  # every one of these headers must be present
    aliases: Mapping[str, str]  # header -> canonical or extra column
    constants: Mapping[str, str] = field(default_factory=dict)
    closed: bool = False  # unknown headers are an error, not ignored
    translate: Mapping[str, Translate] = field(default_factory=dict)


def _entra_enabled(value: str, cell: Cell) -> str:
    """Entra's accountEnabled True/False becomes user_status enabled/disabled."""
    states = {"true": "enabled", "false": "disabled"}
    if value.casefold() not in states and value:
        raise IdpFileError(
            f"accountEnabled {value!r} is neither True nor False",
            path=cell.path,
            line=cell.line,
            column=cell.column,
            hint="re-download the users from Entra; do not edit that column",
        )
    return states.get(value.casefold(), "")


def _okta_unassigned_on(value: str, cell: Cell) -> str:
    """A Current Assignments row with an 'Unassigned on' date is not current."""
    return "false" if value else "true"


_GENERIC_ALIASES = {
    **{name: name for name in (*CANONICAL_COLUMNS, *EXTRA_COLUMNS)},
    # The short generic format: user, email, status, group, app.
    "user": "user_login",
    "email": "user_email",
    "status": "user_status",
    "group": "group_name",
}
FORMATS = (
    ExportFormat(
        name=GENERIC,
        title="generic (canonical columns or user, email, status, group, app)",
        signature=frozenset(),
        aliases=_GENERIC_ALIASES,
        constants={"principal_type": "user"},
        closed=True,
    ),
    ExportFormat(
        name=OKTA_CURRENT_ASSIGNMENTS,
        title="Okta Current Assignments report",
        signature=frozenset({"user", "login", "application name"}),
        aliases={
            "user": "principal_name",
            "login": "user_login",
            "application instance": "app_label",
            "application login": "user_email",
        },
        constants={"idp": "okta", "principal_type": "user"},
        translate={"unassigned on": ("assigned", _okta_unassigned_on)},
    ),
    ExportFormat(
        name=OKTA_RECENT_UNASSIGNMENTS,
        title="Okta Recent Unassignments report",
        signature=frozenset({"assigneeoktausername", "assigneeoktaid"}),
        aliases={
            "fullname": "principal_name",
            "assigneeoktausername": "user_login",
            "assigneeappusername": "user_email",
            "assigneeoktaid": "principal_id",
        },
        constants={"idp": "okta", "principal_type": "user", "assigned": "false"},
    ),
    ExportFormat(
        name=ENTRA_USERS,
        title="Entra Download users (with --idp-file-group: Download members)",
        signature=frozenset({"userprincipalname", "displayname"}),
        aliases={
            "userprincipalname": "user_login",
            "mail": "user_email",
            "displayname": "principal_name",
            "objectid": "principal_id",
            "id": "principal_id",
        },
        constants={"idp": "entra", "principal_type": "user"},
        translate={"accountenabled": ("user_status", _entra_enabled)},
    ),
)
_SIGNATURES = ", ".join(
    f"{f.title} ({', '.join(sorted(f.signature)) or 'only known columns'})"
    for f in FORMATS
)


# -- reading --


def read_idp_file(
    path: Path,
    options: FileOptions | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> IdpFile:
    """Read ``path`` (CSV or JSON) into canonical rows, or raise IdpFileError."""
    options = options or FileOptions()
    _check_option_values(options)
    data = _read_bytes(path, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    text = _decode(data, path)
    del data  # the text is all that is parsed; keep one copy of the file
    # One pass over the file, not one per value; JSON may write them as \u202e.
    unusual_in_file = "\\" in text or _UNUSUAL.search(text) is not None
    headers, records = _parse(text, path, max_rows)
    export = _detect(headers, path)
    columns = _map_headers(export, headers, path)
    _check_options(export, columns, options, path)
    unusual: _Unusual = {}
    if unusual_in_file:
        records = _noting_unusual(records, columns, unusual)
    rows = tuple([_row(export, columns, options, rec, path) for rec in records])
    _check_single_app(rows, options, path)
    _check_attributed(rows, path)
    _warn_unusual(unusual, path)
    name = ENTRA_GROUP_MEMBERS if options.group and export.name == ENTRA_USERS else ""
    log.info("idp file %s: %s, %d rows", path, name or export.name, len(rows))
    return IdpFile(
        name=path.name,
        format=name or export.name,
        sha256=sha256,
        rows=rows,
        columns=columns,
        options=options,
    )


def _noting_unusual(
    records: Iterable[Record], columns: Mapping[str, str | None], found: _Unusual
) -> Iterator[Record]:
    """``records`` as they are; each kept value with _UNUSUAL characters noted."""
    for record in records:
        for header, value in record.values.items():
            if columns.get(header) is not None and _UNUSUAL.search(value):
                first = found.setdefault(value, (record.line, record.labels[header], 0))
                found[value] = (*first[:2], first[2] + 1)
        yield record


def _warn_unusual(found: _Unusual, path: Path) -> None:
    """One WARNING per value holding a control or bidi character, then a count.

    The rows keep the value as the file has it (the snapshot is evidence);
    the reports escape or remove the characters, so a U+202E cannot reorder
    what a finding shows.
    """
    for value, (line, column, cells) in list(found.items())[:_UNUSUAL_WARNINGS]:
        names = sorted({_character_name(c) for c in _UNUSUAL.findall(value)})
        more = f" (and {cells - 1:,} more cells)" if cells > 1 else ""
        log.warning(
            "idp file %s, line %d, column %s%s: %r holds %s; kept in the "
            "snapshot, shown escaped or removed in the reports",
            path,
            line,
            column,
            more,
            value[:200],
            ", ".join(names),
        )
    if len(found) > _UNUSUAL_WARNINGS:
        log.warning(
            "idp file %s: and %d more values with control, bidi or lone "
            "surrogate characters",
            path,
            len(found) - _UNUSUAL_WARNINGS,
        )


def _character_name(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``; a C0 or C1 control has no name."""
    lone = "\ud800" <= char <= "\udfff"
    name = unicodedata.name(char, "lone surrogate" if lone else "control character")
    return f"U+{ord(char):04X} {name}"


def _check_option_values(options: FileOptions) -> None:
    if options.app is not None and options.app not in APPS:
        raise ConfigError(
            f"--idp-file-app {options.app!r} is not v1 or v2",
            hint="pass --idp-file-app v1 (the legacy SCIM app) or v2 (Dashboard)",
        )
    if options.group is not None and not options.group.strip():
        raise ConfigError(
            f"--idp-file-group {options.group!r} names no group",
            hint="pass the group's exact name, e.g. --idp-file-group "
            "'CF-<account id> - Administrator', or drop the option",
        )


def refuse_with_idp_api(idp: IdpFile | None, *, api_idp: bool) -> None:
    """The file and an IdP API are not combined: a ConfigError when both are given.

    Two descriptions of the same IdP could disagree with nothing to say which
    is right.
    """
    if idp is not None and api_idp:
        raise ConfigError(
            f"--idp-file {idp.name} was given with an Okta or Entra API too",
            hint="pass either --idp-file or the IdP API options, not both",
        )


def add_idp_file(evidence: Evidence, idp: IdpFile | None) -> None:
    """Keep the file's rows and its description as two snapshot entries."""
    if idp is None:
        return
    rows = Fetched(idp.row_objects(), pages=1, count=len(idp.rows))
    evidence.add(layout.IDP_FILE_ROWS, rows)
    evidence.add(layout.IDP_FILE_SOURCE, Fetched(idp.source(), pages=1, count=1))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        data = read_regular_file(path, max_bytes)
    except NotRegularFile as exc:
        raise IdpFileError(
            str(exc),
            path=path,
            hint="save the export to a file and pass that file's path",
        ) from exc
    except FileTooLarge as exc:
        raise IdpFileError(
            f"is {exc.size:,} bytes, more than the {max_bytes:,} bytes "
            "an --idp-file may hold",
            path=path,
            hint=_SPLIT_HINT,
        ) from exc
    except OSError as exc:
        raise IdpFileError(
            f"cannot be read: {exc.strerror or exc}",
            path=path,
            hint="check the --idp-file path and its permissions",
        ) from exc
    if not data or data.isspace():
        raise IdpFileError(
            "is empty", path=path, line=1, hint="export the assignments again"
        )
    return data


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise IdpFileError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8",
            path=path,
            line=line,
            column=f"{column} (byte)",
            hint="save the file as UTF-8 (CSV UTF-8 in Excel)",
        ) from exc


@dataclass(frozen=True)
class Record:
    """One data row as read: its line, header -> value, header -> column label."""

    line: int
    values: Mapping[str, str]
    labels: Mapping[str, str]  # shared by every record of a file


def _parse(text: str, path: Path, max_rows: int) -> tuple[list[str], Iterator[Record]]:
    if path.suffix.casefold() == ".json" or text.lstrip(_TRIM)[:1] in ("[", "{"):
        return _parse_json(text, path, max_rows)
    return _parse_csv(text, path, max_rows)


def _too_many(path: Path, line: int, max_rows: int) -> IdpFileError:
    return IdpFileError(
        f"holds more than the {max_rows:,} rows an --idp-file may hold",
        path=path,
        line=line,
        hint=_SPLIT_HINT,
    )


def _no_rows(path: Path) -> IdpFileError:
    return IdpFileError(
        "holds a header but no rows",
        path=path,
        line=2,
        hint="export the assignments again; an empty export is not evidence",
    )


# Physical lines with their endings, as csv.reader wants them (RFC 4180 §2).
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time: no list, no second copy of the file."""
    for match in _LINE.finditer(text):
        yield match.group()


def _parse_csv(
    text: str, path: Path, max_rows: int
) -> tuple[list[str], Iterator[Record]]:
    reader = csv.reader(_lines(text), strict=True)
    try:
        cells = next(reader)
    except csv.Error as exc:
        raise _csv_error(exc, text, 1, [], path) from exc
    _check_sizes(cells, [], 1, path)
    headers = [h.strip(_TRIM) for h in cells]
    _refuse_scalar_json(text, headers, path)
    return headers, _csv_records(reader, headers, text, path, max_rows)


def _csv_records(
    reader: Any, headers: list[str], text: str, path: Path, max_rows: int
) -> Iterator[Record]:
    labels = {h: f"{n} ({h})" for n, h in enumerate(headers, start=1)}
    count = 0
    start = reader.line_num + 1
    try:
        for fields in reader:
            if any(f.strip(_TRIM) for f in fields):
                count += 1
                if count > max_rows:
                    raise _too_many(path, start, max_rows)
                yield _csv_record(headers, labels, fields, start, path)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _csv_error(exc, text, start, headers, path) from exc
    if not count:
        raise _no_rows(path)


def _csv_record(
    headers: list[str],
    labels: Mapping[str, str],
    fields: list[str],
    line: int,
    path: Path,
) -> Record:
    if len(fields) != len(headers):
        raise IdpFileError(
            f"{len(fields)} fields where the header has {len(headers)}",
            path=path,
            line=line,
            column=str(min(len(fields), len(headers)) + 1),
            hint="quote values that contain commas; every row needs every column",
        )
    _check_sizes(fields, headers, line, path)
    values = {h: f.strip(_TRIM) for h, f in zip(headers, fields, strict=True)}
    return Record(line=line, values=values, labels=labels)


def _csv_error(
    exc: csv.Error, text: str, line: int, headers: list[str], path: Path
) -> IdpFileError:
    """A CSV syntax error, naming the row's line and the field it is in.

    csv refuses a field over its own limit as a syntax error; a value over
    MAX_VALUE_BYTES (or a quote left open past it) is named as that instead.
    """
    offset = _offset_of_line(text, line)
    large = next((f for f in _record_fields(text, offset) if f.too_large), None)
    if large is not None:
        return _too_large(large, headers, line, path)
    number = _broken_field(text, offset)
    return IdpFileError(
        f"is not valid CSV: {exc}",
        path=path,
        line=line,
        column=_column_label(number, headers),
        hint="export the file again; a quoted value needs its closing quote "
        "and a comma right after it",
    )


def _column_label(number: int, headers: list[str]) -> str:
    """``6 (principal_name)``: the 1-based column and its header, when it has one."""
    name = headers[number - 1] if 0 < number <= len(headers) else ""
    return f"{number} ({name})" if name else str(number)


@dataclass(frozen=True)
class _Field:
    """One field of a CSV record as csv would read it, measured."""

    number: int  # 1-based
    size: int  # the value's UTF-8 bytes, quotes undone
    lines: int  # the physical lines it spans
    closed: bool = True  # False: its opening quote is never closed

    @property
    def too_large(self) -> bool:
        return self.size > MAX_VALUE_BYTES


_UNQUOTED_END = re.compile(r"[,\r\n]")


def _record_fields(text: str, offset: int) -> Iterator[_Field]:
    """The fields of the CSV record at ``offset`` (RFC 4180 §2), one at a time."""
    number, index = 1, offset
    while True:
        start = index
        if text.startswith('"', index):
            value, index, closed = _quoted_value(text, index + 1)
        else:
            end = _UNQUOTED_END.search(text, index)
            index = end.start() if end else len(text)
            value, closed = text[start:index], True
        lines = text.count("\n", start, index) + 1
        yield _Field(number, len(value.encode("utf-8")), lines, closed)
        if not text.startswith(",", index):
            return
        number, index = number + 1, index + 1


def _quoted_value(text: str, index: int) -> tuple[str, int, bool]:
    """The quoted value opening before ``index``: its text, its end, whether closed."""
    parts = []
    while True:
        quote = text.find('"', index)
        if quote < 0:
            parts.append(text[index:])
            return "".join(parts), len(text), False
        parts.append(text[index:quote])
        if not text.startswith('"', quote + 1):
            return "".join(parts), quote + 1, True
        parts.append('"')  # a doubled quote is one quote of the value
        index = quote + 2


def _check_sizes(fields: list[str], headers: list[str], line: int, path: Path) -> None:
    """A value over MAX_VALUE_BYTES refuses the whole file, naming its column."""
    if len("".join(fields)) * 4 <= MAX_VALUE_BYTES:
        return  # no field can be over: decided in one step for the whole row
    for number, value in enumerate(fields, start=1):
        if size := _over_limit(value):
            large = _Field(number, size, value.count("\n") + 1)
            raise _too_large(large, headers, line, path)


def _over_limit(value: str) -> int:
    """The UTF-8 size of ``value`` when it is over MAX_VALUE_BYTES, else 0."""
    if len(value) * 4 <= MAX_VALUE_BYTES:
        return 0  # UTF-8 needs at most 4 bytes a character
    size = len(utf8_json(value))  # as the snapshot will keep it
    return size if size > MAX_VALUE_BYTES else 0


def _too_large(
    large: _Field, headers: list[str], line: int, path: Path
) -> IdpFileError:
    column = _column_label(large.number, headers)
    if not large.closed:
        return IdpFileError(
            f"a quoted value has no closing quote: it runs {large.size:,} bytes "
            f"and {large.lines:,} lines to the end of the file",
            path=path,
            line=line,
            column=column,
            hint="close the quote after the value (a quote inside a value is "
            'doubled, "") or export the file again',
        )
    return _value_error(large.size, path, line, column, lines=large.lines)


def _value_error(
    size: int, path: Path, line: int, column: str, *, lines: int = 1
) -> IdpFileError:
    spans = f" over {lines:,} lines" if lines > 1 else ""
    stray = "a quote opened in it may close only at a later, stray quote; "
    stray = stray if lines > 1 else ""
    return IdpFileError(
        f"a value of {size:,} bytes{spans} is over the per-value limit of "
        f"{MAX_VALUE_BYTES:,} bytes ({MAX_VALUE_BYTES // 1024} KiB)",
        path=path,
        line=line,
        column=column,
        hint=f"{stray}an email, a login or a group name is far shorter: export "
        "the file again, or drop the column if docs/idp-file.md does not read "
        "it; the file is refused whole",
    )


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def _broken_field(text: str, offset: int) -> int:
    """The 1-based field of the record at ``offset`` whose quoting is broken."""
    field_no, quoted, opened = 1, False, 1
    index = offset
    while index < len(text):
        char = text[index]
        if quoted:
            if char == '"' and text[index + 1 : index + 2] == '"':
                index += 1
            elif char == '"':
                quoted = False
                if text[index + 1 : index + 2] not in ("", ",", "\r", "\n"):
                    return field_no  # a quote closed with text after it
        elif char == '"':
            quoted, opened = True, field_no
        elif char == ",":
            field_no += 1
        elif char in "\r\n":
            return field_no
        index += 1
    return opened if quoted else field_no


def _refuse_scalar_json(text: str, headers: list[str], path: Path) -> None:
    """A .csv-less file holding one JSON value (a string, a number) is not a CSV."""
    if len(headers) != 1 or text.lstrip(_TRIM)[:1] in ("", ","):
        return
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return  # not one JSON value: read on as CSV
    raise _json_shape_error(value, text, path)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the JSON boolean {json.dumps(value)}"
    if isinstance(value, str):
        return f"the JSON string {json.dumps(value)[:40]}"
    if isinstance(value, int | float):
        return f"the JSON number {json.dumps(value)[:40]}"
    if value is None:
        return "JSON null"
    if isinstance(value, dict):
        return f"a JSON object with keys {sorted(value)[:8]}"
    return "a JSON list"


def _json_shape_error(value: Any, text: str, path: Path) -> IdpFileError:
    return IdpFileError(
        f"holds {_json_kind(value)}, not a list of row objects",
        path=path,
        line=_line_of(text, _skip(text, 0)),
        hint='write a list of objects, [{"user_email": "..."}], or {"rows": [...]}',
    )


def _parse_json(
    text: str, path: Path, max_rows: int
) -> tuple[list[str], Iterator[Record]]:
    try:
        items = _json_rows(text, path, max_rows)
    except json.JSONDecodeError as exc:
        raise IdpFileError(
            f"is not valid JSON: {exc.msg}",
            path=path,
            line=exc.lineno,
            column=str(exc.colno),
            hint='write a list of objects, or {"rows": [...]}',
        ) from exc
    except _ShapeError as exc:
        raise IdpFileError(
            exc.message, path=path, line=exc.line, column=exc.column, hint=exc.hint
        ) from exc
    except RecursionError:
        # Python's parser recurses once per nested list or object.
        raise IdpFileError(
            "is JSON nested too deeply to read (lists or objects within each "
            "other thousands of levels down)",
            path=path,
            hint="export the assignments again: an export is a list of rows, "
            "each an object of text values",
        ) from None
    if not items:
        raise IdpFileError(
            "holds no rows",
            path=path,
            line=1,
            hint="export the assignments again; an empty export is not evidence",
        )
    raw_keys: dict[str, None] = {}
    for _, obj in items:
        raw_keys.update(dict.fromkeys(obj))
    labels = {k.strip(_TRIM): k for k in raw_keys}
    return list(labels), _json_records(items, labels, path)


def _json_records(
    items: list[tuple[int, Mapping[str, Any]]], labels: Mapping[str, str], path: Path
) -> Iterator[Record]:
    for line, obj in items:
        yield _json_record(line, obj, labels, path)


def _json_record(
    line: int, obj: Mapping[str, Any], labels: Mapping[str, str], path: Path
) -> Record:
    values = {}
    for key, value in obj.items():
        if value is None:
            value = ""
        if size := _over_limit(key):
            raise _value_error(size, path, line, "(a key)")
        if not isinstance(value, str):
            raise IdpFileError(
                f"{json.dumps(value)} is not a string",
                path=path,
                line=line,
                column=key,
                hint=f'write every value as text, e.g. "{key}": {_as_text(value)}',
            )
        if size := _over_limit(value):
            raise _value_error(size, path, line, key)
        values[key.strip(_TRIM)] = value.strip(_TRIM)
    return Record(line=line, values=values, labels=labels)


def _as_text(value: Any) -> str:
    """``value`` written as a JSON string: 12 -> "12", true -> "true"."""
    return json.dumps(json.dumps(value))


class _ShapeError(Exception):
    def __init__(
        self, message: str, line: int, hint: str, column: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.column = column


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} appears twice in one object")
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [k for k, _ in pairs]
        raise _DuplicateKey(sorted({k for k in keys if keys.count(k) > 1})[0])
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys)
_SHAPE_HINT = 'write a list of objects, or {"rows": [...]}'


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _TRIM:
        index += 1
    return index


def _json_rows(
    text: str, path: Path, max_rows: int
) -> list[tuple[int, Mapping[str, Any]]]:
    """Each object of the top-level list (or of ``rows``) with its line.

    The file is decoded once, object by object; anything but a list or
    ``{"rows": [...]}`` is decoded whole only to say what it holds.
    """
    start = _skip(text, 0)
    opening = _rows_list_start(text, start) if text[start : start + 1] == "{" else start
    if text[opening : opening + 1] != "[":
        _refuse_whole(text, path)
    items, end = _array_items(text, opening, path, max_rows)
    if opening != start:
        end = _skip(text, end)
        if text[end : end + 1] != "}":
            _refuse_whole(text, path)
        end += 1
    end = _skip(text, end)
    if end < len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return items


def _rows_list_start(text: str, start: int) -> int:
    """Where the list of ``{"rows": [...]}`` opens; -1 when the object differs."""
    index = _skip(text, start + 1)
    if text[index : index + 1] != '"':
        return -1
    key, index = _DECODER.raw_decode(text, index)
    index = _skip(text, index)
    if key != "rows" or text[index : index + 1] != ":":
        return -1
    return _skip(text, index + 1)


def _refuse_whole(text: str, path: Path) -> NoReturn:
    whole = json.loads(text)  # a syntax error carries its line and column
    line = _line_of(text, _skip(text, 0))
    if isinstance(whole, dict):
        raise _ShapeError(
            f'an object with keys {sorted(whole)}, not {{"rows": [...]}}',
            line,
            _SHAPE_HINT,
        )
    raise _json_shape_error(whole, text, path)


def _array_items(
    text: str, index: int, path: Path, max_rows: int
) -> tuple[list[tuple[int, Mapping[str, Any]]], int]:
    """The objects of the list opening at ``index``, and where it ends."""
    items: list[tuple[int, Mapping[str, Any]]] = []
    index = _skip(text, index + 1)  # past "["
    if text[index : index + 1] == "]":
        return items, index + 1
    line, counted = _line_of(text, index), index
    while True:
        line += text.count("\n", counted, index)  # counted once, not from 0
        counted = index
        try:
            item, end = _DECODER.raw_decode(text, index)
        except _DuplicateKey as exc:
            hint = "keep one key of each name"
            raise _ShapeError(str(exc), line, hint, column=exc.key) from exc
        if not isinstance(item, dict):
            raise _ShapeError(
                f"row {json.dumps(item)[:40]} is not an object",
                line,
                "write each row as an object of column names to text values",
            )
        if len(items) >= max_rows:
            raise _too_many(path, line, max_rows)
        items.append((line, item))
        index = _skip(text, end)
        if text[index : index + 1] == "]":
            return items, index + 1
        if text[index : index + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
        index = _skip(text, index + 1)


# -- recognising the format --


def _detect(headers: list[str], path: Path) -> ExportFormat:
    keys = {h.casefold() for h in headers}
    matches = [f for f in FORMATS if _matches(f, keys)]
    if len(matches) > 1:
        raise IdpFileError(
            "headers fit several formats: " + ", ".join(f.title for f in matches),
            path=path,
            line=1,
            hint="remove the columns of the formats this file is not",
        )
    if not matches:
        _refuse_near_miss(keys, headers, path)
        raise IdpFileError(
            f"headers {', '.join(headers)} are no known format",
            path=path,
            line=1,
            hint=f"docs/idp-file.md lists the formats: {_SIGNATURES}",
        )
    return matches[0]


def _refuse_near_miss(keys: set[str], headers: list[str], path: Path) -> None:
    """A file with some of a format's headers: name the ones it lacks."""
    generic = FORMATS[0]
    unknown = [h for h in headers if h.casefold() not in generic.aliases]
    if keys <= set(generic.aliases):
        raise IdpFileError(
            f"a generic file needs a column {' or '.join(IDENTITY_COLUMNS)}",
            path=path,
            line=1,
            column="(missing)",
            hint="add user_email (or email) to name each user",
        )
    for export in FORMATS[1:]:
        if len(export.signature & keys) >= len(export.signature) - 1:
            lacking = sorted(export.signature - keys)
            raise IdpFileError(
                f"looks like an {export.title} but has no {', '.join(lacking)} column",
                path=path,
                line=1,
                column="(missing)",
                hint="export the report again without removing columns",
            )
    if len(unknown) < len(headers) - len(unknown):
        # Mostly generic columns: the others are typos, not another format.
        number = headers.index(unknown[0]) + 1
        raise IdpFileError(
            f"{unknown[0]!r} is not a column of the generic format",
            path=path,
            line=1,
            column=f"{number} ({unknown[0]})",
            hint="docs/idp-file.md lists the generic columns; rename or drop it",
        )


def _matches(export: ExportFormat, keys: set[str]) -> bool:
    if export.closed:
        known = set(export.aliases)
        return keys <= known and any(
            export.aliases[k] in IDENTITY_COLUMNS for k in keys
        )
    return export.signature <= keys


def _map_headers(
    export: ExportFormat, headers: list[str], path: Path
) -> dict[str, str | None]:
    """Each header -> its canonical column, or None when the format ignores it."""
    columns: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for number, header in enumerate(headers, start=1):
        key = header.casefold()
        target = export.aliases.get(key)
        if key in export.translate:
            target = export.translate[key][0]
        if header in columns or (target is not None and target in seen):
            first = header if header in columns else seen[target or ""]
            raise IdpFileError(
                f"{header!r} repeats {first!r}"
                + (f" (both are {target})" if target else ""),
                path=path,
                line=1,
                column=f"{number} ({header})",
                hint="keep one column of each name",
            )
        columns[header] = target
        if target is not None:
            seen[target] = header
    return columns


def _check_options(
    export: ExportFormat,
    columns: Mapping[str, str | None],
    options: FileOptions,
    path: Path,
) -> None:
    if options.group is not None and export.name != ENTRA_USERS:
        raise IdpFileError(
            f"--idp-file-group applies to Entra member downloads, not a {export.title}",
            path=path,
            hint="drop --idp-file-group, or give an Entra Download members file",
        )
    if options.app is not None and "app" in columns.values():
        raise IdpFileError(
            "has an app column and --idp-file-app was given too",
            path=path,
            line=1,
            hint="drop --idp-file-app, or drop the app column",
        )


def _check_attributed(rows: Iterable[Mapping[str, Any]], path: Path) -> None:
    """A row that names an app must say whether it is the v1 or the v2 app.

    Okta's reports name the app by its label only; read as neither app, the
    rows would reach no v1 or v2 check at all.
    """
    unsaid: dict[str, int] = {}
    for row in rows:
        if not row["app"] and (row["app_label"] or row["app_id"]):
            unsaid.setdefault(row["app_label"] or row["app_id"], row["line"])
    if not unsaid:
        return
    labels = [repr(label) for label in unsaid]
    more = f" and {len(labels) - 5} more" if labels[5:] else ""
    shown = ", ".join(labels[:5]) + more
    raise IdpFileError(
        f"rows name the app(s) {shown} but not whether each is the v1 (legacy "
        "SCIM) or the v2 (Cloudflare Dashboard) app",
        path=path,
        line=next(iter(unsaid.values())),
        column="app",
        hint="export one app per file and pass --idp-file-app v1 or v2, or add "
        "an app column holding v1 or v2 on every row",
    )


def _check_single_app(
    rows: Iterable[Mapping[str, Any]], options: FileOptions, path: Path
) -> None:
    """--idp-file-app names one app: a file listing several cannot take it."""
    if options.app is None:
        return
    labels: dict[str, int] = {}
    for row in rows:
        labels.setdefault(row["app_label"], row["line"])
    if len(labels) > 1:
        first, second = list(labels.items())[:2]
        raise IdpFileError(
            f"lists apps {first[0]!r} and {second[0]!r}; --idp-file-app names one",
            path=path,
            line=second[1],
            column="app_label",
            hint="export one app per file, or write v1/v2 in an app column",
        )


# -- building rows --


def _row(
    export: ExportFormat,
    columns: Mapping[str, str | None],
    options: FileOptions,
    record: Record,
    path: Path,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys((*CANONICAL_COLUMNS, *EXTRA_COLUMNS), "")
    row.update(export.constants)
    row.update(_option_values(export, options))
    given = set()
    for header, value in record.values.items():
        target = columns.get(header)
        translate = export.translate.get(header.casefold())
        if translate is not None:
            value = translate[1](value, Cell(path, record.line, record.labels[header]))
        # An empty value is "not given": it keeps the format's default.
        if target is None or (not value and row[target]):
            continue
        if target in ALLOWED_VALUES:
            _check_value(target, value, Cell(path, record.line, record.labels[header]))
        row[target] = value
        given.add(target)
    if not row["assigned"] and "assigned" not in given:
        row["assigned"] = _default_assigned(row)
    _check_identity(row, record.line, path)
    row["line"] = record.line
    return row


def _option_values(export: ExportFormat, options: FileOptions) -> dict[str, str]:
    values = {}
    if options.app is not None:
        values["app"] = options.app
    if options.group is not None and export.name == ENTRA_USERS:
        values.update(group_name=options.group, assignment_scope="GROUP")
    return values


def _default_assigned(row: Mapping[str, Any]) -> str:
    """A row naming an app is an assignment; one that names none is a user list."""
    return "true" if row["app"] or row["app_id"] or row["app_label"] else ""


def _check_value(column: str, value: str, cell: Cell) -> None:
    allowed = ALLOWED_VALUES.get(column)
    if allowed is None or not value:
        return
    if value.casefold() not in {a.casefold() for a in allowed}:
        raise IdpFileError(
            f"{value!r} is not one of the values {column} may hold",
            path=cell.path,
            line=cell.line,
            column=cell.column,
            hint=f"write one of {', '.join(allowed)} (any case), or leave it empty",
        )


def _check_identity(row: Mapping[str, Any], line: int, path: Path) -> None:
    if any(row[c] for c in IDENTITY_COLUMNS):
        return
    if row["principal_type"].casefold() == "group" and row["group_name"]:
        return
    raise IdpFileError(
        "names nobody: user_email, user_login and principal_name are all empty",
        path=path,
        line=line,
        hint="give each row a user's email or login (a group row: its group_name)",
    )
