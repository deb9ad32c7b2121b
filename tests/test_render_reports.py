"""render_reports: which files it writes, and that it never leaves half of one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from render_fixtures import build_analysis

from reporter.errors import ConfigError, RenderError
from reporter.render import RENDERERS, Report, build_report, render_reports
from reporter.render.html import render_html


def _fail(report: Report) -> bytes:
    raise RuntimeError(f"renderer broke on {report.account_id}")


def test_writes_the_requested_formats(tmp_path: Path) -> None:
    """Each format asked for becomes readiness.<format>, in the order asked."""
    paths = render_reports(build_analysis(), ["xlsx", "html"], tmp_path)

    assert paths == [tmp_path / "readiness.xlsx", tmp_path / "readiness.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "readiness.html",
        "readiness.xlsx",
    ]


def test_reports_are_private(tmp_path: Path) -> None:
    """Report files are readable by their owner only."""
    (path,) = render_reports(build_analysis(), ["html"], tmp_path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_basename_names_the_files(tmp_path: Path) -> None:
    """The basename replaces 'readiness'."""
    (path,) = render_reports(build_analysis(), ["html"], tmp_path, basename="acme")

    assert path == tmp_path / "acme.html"


def test_file_holds_the_renderer_output(tmp_path: Path) -> None:
    """The HTML file is exactly what the HTML renderer produced."""
    (path,) = render_reports(build_analysis(), ["html"], tmp_path)

    assert path.read_bytes() == render_html(build_report(build_analysis()))


def test_unknown_format_names_it(tmp_path: Path) -> None:
    """An unknown format is a ConfigError naming it and the accepted ones."""
    with pytest.raises(ConfigError, match="'docx'") as caught:
        render_reports(build_analysis(), ["html", "docx"], tmp_path)

    assert caught.value.hint == "choose from html, pdf, xlsx"
    assert list(tmp_path.iterdir()) == []


def test_no_format_is_an_error(tmp_path: Path) -> None:
    """Asking for no format at all is a ConfigError."""
    with pytest.raises(ConfigError, match="no report format"):
        render_reports(build_analysis(), [], tmp_path)


def test_failing_renderer_leaves_no_file(tmp_path: Path) -> None:
    """When one renderer fails, no report and no temporary file is left."""
    renderers = {**RENDERERS, "pdf": _fail}

    with pytest.raises(RuntimeError, match="renderer broke"):
        render_reports(build_analysis(), ["html", "pdf"], tmp_path, renderers=renderers)

    assert list(tmp_path.iterdir()) == []


def test_existing_report_survives_a_failure(tmp_path: Path) -> None:
    """A failed render keeps the previous report intact."""
    previous = tmp_path / "readiness.html"
    previous.write_text("previous report")

    with pytest.raises(RuntimeError):
        render_reports(build_analysis(), ["html"], tmp_path, renderers={"html": _fail})

    assert previous.read_text() == "previous report"
    assert list(tmp_path.iterdir()) == [previous]


def test_same_analysis_same_html_and_workbook(tmp_path: Path) -> None:
    """Two renders of one analysis give byte-identical HTML and workbooks."""
    first = render_reports(build_analysis(), ["html", "xlsx"], tmp_path / "a")
    second = render_reports(build_analysis(), ["html", "xlsx"], tmp_path / "b")

    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_unwritable_folder_is_a_render_error(tmp_path: Path) -> None:
    """An output folder that cannot be made is a RenderError naming it."""
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")

    with pytest.raises(RenderError, match="taken") as caught:
        render_reports(build_analysis(), ["html"], blocker / "out")

    assert caught.value.hint is not None and "--out" in caught.value.hint
