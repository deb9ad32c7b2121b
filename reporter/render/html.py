"""The HTML report: one self-contained file that makes no network request.

Large tables (members, findings, IdP assignments, requests) travel as one JSON
data block and the inline script renders one page of rows at a time, so a
20,000-member account opens as fast as a small one. Everything else is markup
from the autoescaping template.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from reporter.analyze.model import IdpAssignment
from reporter.render.audit_log import AuditEntryRow
from reporter.render.context import FindingRow, MemberRow, Report, for_display
from reporter.render.templates import asset_text, environment
from reporter.render.text import clean_text
from reporter.snapshot.model import RequestRecord

TEMPLATE = "report.html.j2"
STYLE = "report.css"
SCRIPT = "report.js"
# Blockers listed in the summary; the at-risk table lists every member.
BLOCKER_LIMIT = 10

JsonValue = Any  # what json.dumps takes: nested dicts, lists, str, int, bool, None


def render_html(report: Report) -> bytes:
    """Render the interactive HTML report as UTF-8 bytes."""
    report = for_display(report)
    style = asset_text(STYLE)
    script = asset_text(SCRIPT)
    env = _json_environment(environment())

    # Our own static CSS and JS go in verbatim; every data value is escaped,
    # in the markup by autoescaping and in the data block by |tojson.
    text = env.get_template(TEMPLATE).render(
        report=report,
        data=report_data(report),
        blocker_limit=BLOCKER_LIMIT,
        csp=content_security_policy(style, script),
        style=Markup(style),  # noqa: S704 - a file we ship, never data
        script=Markup(script),  # noqa: S704 - a file we ship, never data
    )
    return text.encode("utf-8")


def page_environment() -> Environment:
    """The report environment, with ``|tojson`` set up for the data block."""
    return _json_environment(environment())


def _json_environment(env: Environment) -> Environment:
    # Sorted keys keep the bytes stable; raw UTF-8 keeps CJK names at a third
    # of the size of \\u escapes. |tojson still escapes <, >, & and '.
    env.policies["json.dumps_kwargs"] = {
        "sort_keys": True,
        "ensure_ascii": False,
        "separators": (",", ":"),
    }
    return env


# The data block's rows are arrays in these column orders (report.js reads the
# same orders). Values repeated across rows (permission groups, sources,
# statuses, group names) are numbers into "strings": a 20,000-member account
# would otherwise repeat each virtual group's name tens of thousands of times.
MEMBER_FIELDS = (
    "id",
    "email",
    "name",
    "status",  # string number
    "tfa",
    "idp",  # string number or null
    "grants",  # [[permission group, scope, access, source, source name]], numbers
    "vg",  # string numbers
    "ug",  # string numbers
    "lose",  # string numbers
    "findings",  # finding numbers (indexes into "findings"), an id if not listed
)
FINDING_FIELDS = (
    "id",
    "check",
    "severity",
    "title",  # string number
    "subject",
    "detail",  # string number, or string numbers to join with the subject
    "members",  # member numbers (indexes into "members"), an id if not a member
    "suppression",  # [owner, reason, expires] or null when open
)
IDP_FIELDS = (
    "app",  # string number
    "label",  # string number
    "login",
    "scope",  # string number
    "assignment",  # string number
    "user",  # string number
    "member",  # member number (index into "members") or null
    "idp",  # string number: Okta, Entra ID or file
    "apps",  # string number: v1 only, v2 only or both (the workbook's Apps)
    "group",  # string number: the group it comes through, or ""
)
# The IdP as the assignments table names it (IdpAssignment.idp).
IDP_LABELS = {"okta": "Okta", "entra": "Entra ID", "file": "file"}
REQUEST_FIELDS = ("entry", "method", "path", "status", "page", "elapsed")
AUDIT_FIELDS = (
    "time",  # "yyyy-mm-dd hh:mm:ss UTC", sorts as text
    "actor",
    "actor type",  # string number
    "action",
    "subject",  # string number: member, user group or SCIM
    "resource",
    "result",  # string number
    "integration",  # string number: v1, v2 or ""
    "id",
)


class Strings:
    """A table of repeated strings, each stored once and referred to by number."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def ref(self, value: str) -> int:
        """The number of ``value``, added on first use."""
        return self.numbers.setdefault(value, len(self.numbers))

    def refs(self, values: tuple[str, ...]) -> list[int]:
        """The numbers of ``values``, in order."""
        return [self.ref(v) for v in values]

    def table(self) -> list[str]:
        """Every string, in number order."""
        return list(self.numbers)


@dataclass(frozen=True)
class Rows:
    """Row numbers by id: rows refer to members and findings by their index."""

    members: dict[str, int]
    findings: dict[str, int]
    reported: set[str]  # values whose control characters were logged


def report_data(report: Report) -> dict[str, JsonValue]:
    """The rows the script renders on demand, control characters removed."""
    strings = Strings()
    findings = [f for group in report.finding_groups for f in group.findings]
    rows = Rows(
        members={m.member_id: i for i, m in enumerate(report.members)},
        findings={f.finding_id: i for i, f in enumerate(findings)},
        reported=set(),
    )
    data = {
        "members": [_member(m, strings, rows) for m in report.members],
        "findings": [_finding(f, strings, rows) for f in findings],
        "idp": [_assignment(a, strings, rows) for a in report.idp_assignments],
        "requests": [
            _request(r, strings)
            for r in (report.evidence.requests if report.evidence else ())
        ],
        "audit": [_audit_entry(e, strings) for e in report.audit_log.rows],
        "strings": strings.table(),
        "at_risk_assessed": report.at_risk_assessed,
    }
    cleaned: dict[str, JsonValue] = _clean(data, rows.reported)
    return cleaned


def _member(member: MemberRow, strings: Strings, rows: Rows) -> list[JsonValue]:
    return [
        *(member.member_id, member.email, member.name),
        strings.ref(member.status),
        member.two_factor,
        None if member.idp_status is None else strings.ref(member.idp_status),
        [
            strings.refs(
                (g.permission_group, g.scope_label, g.access, g.source, g.source_name)
            )
            for g in member.grants
        ],
        strings.refs(member.virtual_groups),
        strings.refs(member.user_groups),
        strings.refs(member.would_lose),
        [rows.findings.get(f.finding_id, f.finding_id) for f in member.findings],
    ]


def _assignment(a: IdpAssignment, strings: Strings, rows: Rows) -> list[JsonValue]:
    return [
        *strings.refs((a.app, a.app_label)),
        a.login,
        *strings.refs((a.scope, a.assignment_status, a.user_status)),
        rows.members.get(a.member_id) if a.member_id else None,
        *strings.refs((IDP_LABELS.get(a.idp, a.idp), a.coverage, a.group)),
    ]


def _request(r: RequestRecord, strings: Strings) -> list[JsonValue]:
    return [
        *strings.refs((r.entry, r.method)),
        *(r.path, r.status, r.page, r.elapsed_ms),
    ]


def _audit_entry(e: AuditEntryRow, strings: Strings) -> list[JsonValue]:
    return [
        *(e.time_text, e.actor),
        strings.ref(e.actor_type),
        e.action,
        strings.ref(e.subject),
        e.resource,
        *strings.refs((e.result, e.integration)),
        e.entry_id,
    ]


def _finding(finding: FindingRow, strings: Strings, rows: Rows) -> list[JsonValue]:
    subject = clean_text(finding.subject, rows.reported)
    return [
        finding.finding_id,
        *strings.refs((finding.check_id, finding.severity, finding.title)),
        subject,
        _detail(clean_text(finding.detail, rows.reported), subject, strings),
        [rows.members.get(m.member_id, m.member_id) for m in finding.members],
        None
        if finding.suppression is None
        else [
            finding.suppression.owner,
            finding.suppression.reason,
            finding.suppression.expires_text,
        ],
    ]


def _detail(detail: str, subject: str, strings: Strings) -> JsonValue:
    """``detail`` as one string number, or as the numbers of the parts between
    the places it names ``subject``: then the parts of the findings of one
    check are mostly the same few strings, stored once.
    """
    if not subject or subject not in detail:
        return strings.ref(detail)
    return strings.refs(tuple(detail.split(subject)))


def _clean(value: JsonValue, reported: set[str]) -> JsonValue:
    # The template's finalize never sees values inside |tojson, so the same
    # rule is applied here: no control character reaches the page.
    if isinstance(value, str):
        return clean_text(value, reported)
    if isinstance(value, dict):
        return {key: _clean(item, reported) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item, reported) for item in value]
    return value


def content_security_policy(style: str, script: str) -> str:
    """A policy that allows only our own inline style and script, nothing remote.

    Hashes rather than 'unsafe-inline' mean a script that slipped past escaping
    still could not run (CSP Level 2, "hash-source").
    """
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src '{_sha256_source(style)}'",
            f"script-src '{_sha256_source(script)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def _sha256_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
