"""The HTML report: one self-contained file that makes no network request."""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup

from reporter.render.context import Report
from reporter.render.templates import asset_text, environment

TEMPLATE = "report.html.j2"
STYLE = "report.css"
SCRIPT = "report.js"


def render_html(report: Report) -> bytes:
    """Render the interactive HTML report as UTF-8 bytes."""
    style = asset_text(STYLE)
    script = asset_text(SCRIPT)
    template = environment().get_template(TEMPLATE)

    # Our own static CSS and JS go in verbatim; every data value is escaped.
    text = template.render(
        report=report,
        csp=content_security_policy(style, script),
        style=Markup(style),  # noqa: S704 - a file we ship, never data
        script=Markup(script),  # noqa: S704 - a file we ship, never data
    )
    return text.encode("utf-8")


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
