"""Where the templates come from and how the environment treats values."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from reporter.render.templates import environment, template_dir

CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_templates_found_in_the_checkout() -> None:
    """Without a packaged copy, the checkout's templates/ folder is used."""
    assert template_dir() == CHECKOUT_TEMPLATES
    assert (template_dir() / "report.html.j2").is_file()
    assert (template_dir() / "report_pdf.html.j2").is_file()


def test_values_are_escaped() -> None:
    """A value with markup is escaped in any template."""
    rendered = environment().from_string("<p>{{ v }}</p>").render(v="<b>x</b>")

    assert rendered == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def test_undefined_names_fail() -> None:
    """A name the template expects but the context lacks is an error, not blank."""
    with pytest.raises(UndefinedError, match="missing"):
        environment().from_string("{{ missing }}").render()


def test_control_characters_dropped_with_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Control characters leave every value, and the value is named once."""
    template = environment().from_string("{{ v }}|{{ v }}")

    with caplog.at_level(logging.WARNING, logger="reporter.render.text"):
        rendered = template.render(v="Bell\x07 Ringer")

    assert rendered == "Bell Ringer|Bell Ringer"
    assert [r.getMessage() for r in caplog.records] == [
        "removed control characters from the value 'Bell\\x07 Ringer'"
    ]
