"""Half a UTF-16 pair from an API: kept in the snapshot, taken out of the reports.

A UTF-16 server (Graph, or any .NET or Java JSON writer) sends a lone
surrogate as a ``\\uXXXX`` escape; Python parses it into a string that UTF-8
cannot encode. Before, the snapshot write and every renderer raised
UnicodeEncodeError on it.
"""

from __future__ import annotations

import logging
import secrets
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporter.collect import CollectConfig
from reporter.demo import build_organization
from reporter.emulator import Emulator
from reporter.pipeline import Tokens, collect_to_file, report_from_file
from reporter.snapshot import layout, read_snapshot

TOKEN = secrets.token_hex(16)
NAME = "Ev\ud800e"
GROUP = "Ops \udfff Team"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the demo org with a lone surrogate in two names."""
    org = build_organization()
    org.cloudflare.members[3]["user"]["first_name"] = NAME
    org.cloudflare.user_groups[0]["name"] = GROUP
    out = tmp_path_factory.mktemp("surrogate") / "snapshot.zip"
    with Emulator(org, cloudflare_token=TOKEN, okta_token=TOKEN) as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
        )
        collect_to_file(config, Tokens(cloudflare=TOKEN), out)
    return out


def test_the_snapshot_keeps_the_surrogate_as_its_escape(collected: Path) -> None:
    snapshot = read_snapshot(collected)

    members = snapshot.entries[layout.CF_MEMBERS]
    names = [(m.get("user") or {}).get("first_name") for m in members]
    assert NAME in names
    groups = [g["name"] for g in snapshot.entries[layout.CF_USER_GROUPS]]
    assert GROUP in groups
    with zipfile.ZipFile(collected) as archive:
        raw = archive.read(layout.CF_MEMBERS)
    assert b'"Ev\\ud800e"' in raw
    raw.decode("utf-8")  # the file itself is valid UTF-8


def test_reports_show_the_name_without_it_and_say_so(
    collected: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        paths = report_from_file(collected, ["html", "pdf", "xlsx"], tmp_path)

    by_suffix = {p.suffix: p for p in paths}
    html = by_suffix[".html"].read_text(encoding="utf-8")
    assert "Ops  Team" in html
    workbook = load_workbook(by_suffix[".xlsx"], read_only=True)
    cells = {
        str(c)
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    }
    assert "Ops  Team" in cells and "Eve Patel" in cells
    pdf = " ".join(p.extract_text() for p in PdfReader(by_suffix[".pdf"]).pages)
    assert "Ops Team" in " ".join(pdf.split())
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "'Ops \\udfff Team'" in warned and "'Ev\\ud800e Patel'" in warned
