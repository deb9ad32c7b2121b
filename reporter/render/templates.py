"""Find the report templates and build the one Jinja environment that reads them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reporter.errors import RenderError
from reporter.render.text import control_stripper


def template_dir() -> Path:
    """The templates folder: inside the installed package, else in the checkout."""
    # A wheel carries the top-level templates/ as reporter/templates
    # (pyproject force-include); an editable install reads the checkout's.
    packaged = Path(str(files("reporter") / "templates"))
    checkout = Path(__file__).resolve().parents[2] / "templates"
    for candidate in (packaged, checkout):
        if candidate.is_dir():
            return candidate
    raise RenderError(
        f"report templates not found in {packaged} or {checkout}",
        hint="reinstall cf-scim-audit; the wheel must include reporter/templates",
    )


def environment() -> Environment:
    """An autoescaping, strict Jinja environment over the report templates.

    Make one per render: its ``finalize`` remembers which values it reported.
    """
    return Environment(
        loader=FileSystemLoader(template_dir()),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        finalize=control_stripper(),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def asset_text(name: str) -> str:
    """The raw text of a static asset (CSS, JS) beside the templates."""
    return (template_dir() / name).read_text(encoding="utf-8")
