"""The HTML report: one self-contained file that makes no network request.

Large tables (members, findings, IdP assignments, requests) travel as one JSON
data block and the inline script renders one page of rows at a time, so a
20,000-member account opens as fast as a small one. Everything else is markup
from the autoescaping template.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from reporter.analyze.model import IdpAssignment
from reporter.render.context import FindingRow, MemberRow, Report
from reporter.render.templates import asset_text, environment
from reporter.render.text import clean_text

TEMPLATE = "report.html.j2"
STYLE = "report.css"
SCRIPT = "report.js"
# Blockers listed in the summary; the at-risk table lists every member.
BLOCKER_LIMIT = 10

JsonValue = Any  # what json.dumps takes: nested dicts, lists, str, int, bool, None


def render_html(report: Report) -> bytes:
    """Render the interactive HTML report as UTF-8 bytes."""
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


def _json_environment(env: Environment) -> Environment:
    # Sorted keys keep the bytes stable; raw UTF-8 keeps CJK names at a third
    # of the size of \\u escapes. |tojson still escapes <, >, & and '.
    env.policies["json.dumps_kwargs"] = {
        "sort_keys": True,
        "ensure_ascii": False,
        "separators": (",", ":"),
    }
    return env


def report_data(report: Report) -> dict[str, JsonValue]:
    """The rows the script renders on demand, control characters removed."""
    data = {
        "members": [_member(m) for m in report.members],
        "findings": [
            _finding(f) for group in report.finding_groups for f in group.findings
        ],
        "idp": [_assignment(a) for a in report.idp_assignments],
        "requests": [
            [r.entry, r.method, r.path, r.status, r.page, r.elapsed_ms]
            for r in (report.evidence.requests if report.evidence else ())
        ],
    }
    cleaned: dict[str, JsonValue] = _clean(data, set())
    return cleaned


def _member(member: MemberRow) -> dict[str, JsonValue]:
    return {
        "id": member.member_id,
        "email": member.email,
        "name": member.name,
        "status": member.status,
        "tfa": member.two_factor,
        "idp": member.idp_status,
        "grants": [
            [g.permission_group, g.scope_label, g.access, g.source, g.source_name]
            for g in member.grants
        ],
        "vg": list(member.virtual_groups),
        "ug": list(member.user_groups),
        "lose": list(member.would_lose),
        "findings": [[f.finding_id, f.title, f.severity] for f in member.findings],
    }


def _assignment(a: IdpAssignment) -> list[JsonValue]:
    return [
        *(a.app, a.app_label, a.login, a.scope),
        *(a.assignment_status, a.user_status, a.member_id),
    ]


def _finding(finding: FindingRow) -> dict[str, JsonValue]:
    return {
        "id": finding.finding_id,
        "check": finding.check_id,
        "severity": finding.severity,
        "title": finding.title,
        "subject": finding.subject,
        "detail": finding.detail,
        "members": [[m.member_id, m.label] for m in finding.members],
    }


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
