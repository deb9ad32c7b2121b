"""render_reports: which files it writes, and that it never leaves half of one."""

from __future__ import annotations

import errno
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from exit_fixtures import demo_snapshot
from render_fixtures import build_analysis

from reporter.audit import Judging, run_diff, run_report
from reporter.errors import ConfigError, RenderError
from reporter.gate import Gate
from reporter.pipeline import report_from_file
from reporter.render import (
    RENDERERS,
    Report,
    build_report,
    render_reports,
    write_outputs,
)
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


def test_unwritable_folder_is_refused_naming_it(tmp_path: Path) -> None:
    """An output folder that cannot be made is a ConfigError (exit 2) naming it."""
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")

    with pytest.raises(ConfigError, match="taken is a file") as caught:
        render_reports(build_analysis(), ["html"], blocker / "out")

    assert caught.value.hint is not None and "--out" in caught.value.hint


def _old_set(out: Path) -> None:
    out.mkdir()
    (out / "readiness.xlsx").write_bytes(b"old workbook")


def test_a_folder_in_the_way_writes_nothing(tmp_path: Path) -> None:
    """A target that is a folder stops the run before any file of the set is written."""
    out = tmp_path / "out"
    _old_set(out)
    (out / "readiness.pdf").mkdir()

    with pytest.raises(RenderError, match=r"readiness\.pdf: a folder has that name"):
        render_reports(build_analysis(), ["html", "pdf", "xlsx"], out)

    assert sorted(p.name for p in out.iterdir()) == ["readiness.pdf", "readiness.xlsx"]
    assert (out / "readiness.xlsx").read_bytes() == b"old workbook"


def test_a_full_disk_midway_keeps_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write failing on the second file leaves the old files and no temporary."""
    out = tmp_path / "out"
    _old_set(out)
    real_chmod = os.chmod
    calls: list[object] = []

    def chmod_then_fill(path: object, mode: int) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_chmod(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr("reporter.render.os.chmod", chmod_then_fill)
    with pytest.raises(RenderError, match="No space left on device"):
        render_reports(build_analysis(), ["html", "xlsx"], out)

    assert [p.name for p in out.iterdir()] == ["readiness.xlsx"]
    assert (out / "readiness.xlsx").read_bytes() == b"old workbook"


def test_refuses_to_overwrite_a_protected_input(tmp_path: Path) -> None:
    """A report landing on the snapshot it came from is refused, naming both paths."""
    out = tmp_path / "out"
    out.mkdir()
    snapshot = out / "readiness.html"
    snapshot.write_bytes(b"PK snapshot")

    with pytest.raises(ConfigError) as raised:
        render_reports(build_analysis(), ["xlsx", "html"], out, protect=[snapshot])

    assert str(snapshot) in str(raised.value)
    assert "another --out" in str(raised.value.hint)
    assert snapshot.read_bytes() == b"PK snapshot"
    assert [p.name for p in out.iterdir()] == ["readiness.html"]


def test_protection_sees_through_another_spelling(tmp_path: Path) -> None:
    """A protected path reached through a symlinked folder is still refused."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_bytes(b"snapshot")
    alias = tmp_path / "alias"
    alias.symlink_to(out)

    with pytest.raises(ConfigError, match="would overwrite the input"):
        write_outputs(
            out, [("findings.json", b"{}")], protect=[alias / "findings.json"]
        )

    assert (out / "findings.json").read_bytes() == b"snapshot"


def test_report_from_file_protects_its_snapshot(tmp_path: Path) -> None:
    """report_from_file into the snapshot's own name leaves the snapshot intact."""
    out = tmp_path / "out"
    out.mkdir()
    snapshot = demo_snapshot(out / "readiness.html")
    before = snapshot.read_bytes()

    with pytest.raises(ConfigError, match="would overwrite the input"):
        report_from_file(snapshot, ["html"], out)

    assert snapshot.read_bytes() == before


def test_run_report_protects_its_snapshot(tmp_path: Path) -> None:
    """The report command's run refuses to write findings.json over its snapshot."""
    snapshot = demo_snapshot(tmp_path / "findings.json")
    before = snapshot.read_bytes()
    judging = Judging(gate=Gate(), suppressions=(), today=date(2026, 12, 1))

    with pytest.raises(ConfigError, match="would overwrite the input"):
        run_report(snapshot, ["json"], tmp_path, judging)

    assert snapshot.read_bytes() == before


def test_run_diff_protects_both_snapshots(tmp_path: Path) -> None:
    """A diff report landing on the 'after' snapshot is refused and writes nothing."""
    before = demo_snapshot(tmp_path / "before.zip")
    after = demo_snapshot(tmp_path / "diff.json", "post")
    kept = after.read_bytes()
    judging = Judging(gate=Gate(), suppressions=(), today=date(2026, 12, 1))

    with pytest.raises(ConfigError, match="would overwrite the input"):
        run_diff(before, after, ["html", "json"], tmp_path, judging)

    assert after.read_bytes() == kept
    assert not (tmp_path / "diff.html").exists()
