"""Write the readiness reports: one report model, three renderers.

``render_reports`` builds the model once, renders every requested format in
memory and only then writes the files, each to a temporary name renamed into
place, so a failure leaves no report, whole or partial, behind.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from reporter.analyze.model import Analysis
from reporter.errors import ConfigError, RenderError
from reporter.render.context import Report, build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.xlsx import render_xlsx

__all__ = [
    "RENDERERS",
    "Renderer",
    "Report",
    "build_report",
    "render_reports",
    "write_outputs",
]

logger = logging.getLogger(__name__)

Renderer = Callable[[Report], bytes]
RENDERERS: Mapping[str, Renderer] = {
    "html": render_html,
    "pdf": render_pdf,
    "xlsx": render_xlsx,
}
REPORT_MODE = 0o600  # reports name every member: readable by the owner only


def render_reports(
    analysis: Analysis,
    formats: Sequence[str],
    out_dir: Path,
    *,
    basename: str = "readiness",
    renderers: Mapping[str, Renderer] = RENDERERS,
) -> list[Path]:
    """Render ``formats`` of the analysis into ``out_dir``; return the paths written."""
    chosen = _check_formats(formats, renderers)
    report = build_report(analysis)

    rendered = [(fmt, renderers[fmt](report)) for fmt in chosen]

    _make_folder(out_dir)
    paths = [_write_atomically(out_dir / f"{basename}.{fmt}", d) for fmt, d in rendered]
    for path in paths:
        logger.info("wrote %s", path)
    return paths


def write_outputs(out_dir: Path, named: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write already rendered files (name, bytes) into ``out_dir``, atomically."""
    _make_folder(out_dir)
    paths = [_write_atomically(out_dir / name, data) for name, data in named]
    for path in paths:
        logger.info("wrote %s", path)
    return paths


def _check_formats(
    formats: Sequence[str], renderers: Mapping[str, Renderer]
) -> list[str]:
    accepted = ", ".join(sorted(renderers))
    if not formats:
        raise ConfigError(
            "no report format was asked for", hint=f"choose from {accepted}"
        )
    chosen: list[str] = []
    for fmt in formats:
        if fmt not in renderers:
            raise ConfigError(
                f"unknown report format {fmt!r}", hint=f"choose from {accepted}"
            )
        if fmt not in chosen:
            chosen.append(fmt)
    return chosen


def _make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(
            f"cannot create the report folder {out_dir}: {exc.strerror}",
            hint="pass --out with a folder you can write to",
        ) from exc


def _write_atomically(path: Path, data: bytes) -> Path:
    # mkstemp creates the file with mode 0o600 in the target folder, so the
    # rename is atomic and no other user can read it even for a moment.
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise RenderError(
            f"cannot write a report in {path.parent}: {exc.strerror}",
            hint="pass --out with a folder you can write to",
        ) from exc

    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temp, REPORT_MODE)
        os.replace(temp, path)
    except OSError as exc:
        raise RenderError(
            f"cannot write the report {path}: {exc.strerror}",
            hint="check the free space and permissions of the output folder",
        ) from exc
    finally:
        # Gone after a successful rename; any failure must not leave it behind.
        temp.unlink(missing_ok=True)
    return path
