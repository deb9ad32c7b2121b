"""Write the readiness reports: one report model, three renderers.

``render_reports`` builds the model once, renders every requested format in
memory and only then writes the files: every one to a temporary name first,
then all renamed into place, so a failure leaves no report, whole or partial,
and no mix of new and old files behind.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from reporter.analyze.model import Analysis
from reporter.errors import ConfigError, RenderError
from reporter.render.audit_log import AuditLogView
from reporter.render.context import Report, build_report
from reporter.render.html import render_html
from reporter.render.pdf import render_pdf
from reporter.render.xlsx import render_xlsx
from reporter.snapshot.io import check_writable
from reporter.suppress import SuppressionOutcome

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
    suppressions: SuppressionOutcome | None = None,
    extra: Sequence[tuple[str, bytes]] = (),
    protect: Sequence[Path] = (),
    audit_log: AuditLogView | None = None,
) -> list[Path]:
    """Render ``formats`` of the analysis into ``out_dir``; return the paths written.

    ``extra`` (name, bytes) files join the same all-or-nothing write, and no
    file may land on a ``protect`` path (the snapshot read).
    """
    chosen = _check_formats(formats, renderers)
    targets = [out_dir / f"{basename}.{fmt}" for fmt in chosen]
    targets += [out_dir / name for name, _ in extra]
    _check_targets(targets, protect)
    report = build_report(analysis, suppressions, audit_log)

    rendered = [(f"{basename}.{fmt}", renderers[fmt](report)) for fmt in chosen]
    return write_outputs(out_dir, [*rendered, *extra], protect=protect)


def write_outputs(
    out_dir: Path,
    named: Sequence[tuple[str, bytes]],
    *,
    protect: Sequence[Path] = (),
) -> list[Path]:
    """Write rendered files (name, bytes) into ``out_dir``: all of them, or none.

    Every file goes to a temporary name first; only when all are written are
    they renamed into place, so a full disk leaves the old set untouched.
    """
    paths = [out_dir / name for name, _ in named]
    _check_targets(paths, protect)
    _make_folder(out_dir)
    temps: list[Path] = []
    try:
        for path, (_, data) in zip(paths, named, strict=True):
            temps.append(_write_temp(path, data))
        for temp, path in zip(temps, paths, strict=True):
            _rename(temp, path)
    finally:
        # Gone after a successful rename; any failure must not leave one behind.
        for temp in temps:
            temp.unlink(missing_ok=True)
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
    check_writable(out_dir)  # the check 'collect' makes of its --out too
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(
            f"cannot create the report folder {out_dir}: {exc.strerror}",
            hint="pass --out with a folder you can write to",
        ) from exc


def _check_targets(paths: Sequence[Path], protect: Sequence[Path]) -> None:
    """Refuse, before anything is written, a target that is a folder or protected."""
    for path in paths:
        for guarded in protect:
            if _same_file(path, guarded):
                raise ConfigError(
                    f"the report {path} would overwrite the input {guarded}",
                    hint="choose another --out folder, or move the input elsewhere",
                )
        if path.is_dir():
            raise RenderError(
                f"cannot write the report {path}: a folder has that name",
                hint="remove or rename that folder, or choose another --out",
            )


def _same_file(path: Path, guarded: Path) -> bool:
    if path.resolve() == guarded.resolve():
        return True
    try:
        return path.samefile(guarded)  # a hard link, or another spelling
    except OSError:
        return False  # either does not exist yet


def _write_temp(path: Path, data: bytes) -> Path:
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
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise RenderError(
            f"cannot write the report {path}: {exc.strerror}",
            hint="check the free space and permissions of the output folder",
        ) from exc
    return temp


def _rename(temp: Path, path: Path) -> None:
    try:
        os.replace(temp, path)
    except OSError as exc:
        raise RenderError(
            f"cannot write the report {path}: {exc.strerror}",
            hint="check the free space and permissions of the output folder",
        ) from exc
