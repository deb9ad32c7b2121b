"""One report over two accounts: an overall summary, a section per account,
unique anchors, totals that add up, and the gate of the worst account."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from analyze_fixtures import entries_from_organization, snapshot_from_entries
from bs4 import BeautifulSoup, Tag
from cli_runner import run_cli
from jsonschema import Draft202012Validator
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, expect, sync_playwright
from pypdf import PdfReader
from render_fixtures import build_analysis
from typer.testing import CliRunner

from reporter.analyze import analyze
from reporter.analyze.model import Analysis, Severity
from reporter.audit import Judging, RunOutcome, run_accounts_report, snapshot_paths
from reporter.cli import app
from reporter.demo import build_organization
from reporter.errors import ConfigError
from reporter.gate import (
    Account,
    AccountGate,
    Gate,
    GateResult,
    Unassessed,
    gate_lines,
)
from reporter.render.accounts import (
    AccountsReport,
    account_prefix,
    build_accounts_report,
)
from reporter.render.context import build_report
from reporter.snapshot import read_snapshot, write_snapshot
from reporter.suppress import Suppression

TODAY = date(2026, 6, 1)
JUDGING = Judging(Gate(), (), TODAY)
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "docs" / "findings.schema.json").read_text(
        "utf-8"
    )
)
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Run:
    """Two accounts' snapshots, their analyses and the one report set over both."""

    snapshots: tuple[Path, Path]
    analyses: tuple[Analysis, Analysis]
    outcome: RunOutcome
    out: Path

    def path(self, name: str) -> Path:
        return self.out / name


def demo_snapshot(path: Path, *, seed: int, stage: str) -> Path:
    """The demo organization of ``seed`` and ``stage``, written as a snapshot."""
    org = build_organization(seed=seed, stage=stage)
    entries = entries_from_organization(org)
    account_id = org.cloudflare.account["id"]
    write_snapshot(snapshot_from_entries(entries, account_id=account_id), path)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two snapshots: seed 2026 mid-migration, seed 7 after it."""
    root = tmp_path_factory.mktemp("accounts")
    demo_snapshot(root / "a.zip", seed=2026, stage="pre")
    demo_snapshot(root / "b.zip", seed=7, stage="post")
    return root


@pytest.fixture(scope="module")
def run(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every format of the two-account report, written once."""
    snapshots = (folder / "a.zip", folder / "b.zip")
    out = tmp_path_factory.mktemp("accounts-out")
    outcome = run_accounts_report(
        snapshots, ["html", "pdf", "xlsx", "json"], out, JUDGING
    )
    analyses = tuple(analyze(read_snapshot(p)) for p in snapshots)
    return Run(snapshots, (analyses[0], analyses[1]), outcome, out)


@pytest.fixture(scope="module")
def model(run: Run) -> AccountsReport:
    """The report model of the two accounts."""
    return build_accounts_report([build_report(a) for a in run.analyses])


@pytest.fixture(scope="module")
def soup(run: Run) -> BeautifulSoup:
    """The HTML page, parsed."""
    return BeautifulSoup(run.path("readiness.html").read_bytes(), "html.parser")


def _ids(run: Run) -> tuple[str, str]:
    return run.analyses[0].account_id, run.analyses[1].account_id


def test_the_two_demo_accounts_differ(run: Run) -> None:
    """The fixtures are two accounts, not one twice."""

    first, second = _ids(run)

    assert first != second


def test_html_has_a_section_per_account(run: Run, soup: BeautifulSoup) -> None:
    """Each account has its own section, with its own data block and tables."""

    for account_id in _ids(run):
        prefix = account_prefix(account_id)
        section = soup.find("section", id=f"acct-{account_id}")
        assert isinstance(section, Tag)
        assert section.find("script", id=f"{prefix}report-data") is not None
        assert section.find("table", id=f"{prefix}members-table") is not None
        assert section.find("section", id=f"{prefix}verdict") is not None
    assert len(soup.find_all("script", src=False, type=False)) == 1


def test_html_ids_are_unique_and_links_resolve(soup: BeautifulSoup) -> None:
    """No id repeats across accounts, and every in-page link has a target."""

    ids = Counter(str(tag["id"]) for tag in soup.find_all(id=True))
    hrefs = [str(a["href"]) for a in soup.find_all("a", href=True)]
    targets = [h[1:] for h in hrefs if h.startswith("#")]

    assert [name for name, count in ids.items() if count > 1] == []
    assert len(targets) == len(hrefs) and [t for t in targets if t not in ids] == []


def test_data_rows_are_each_accounts_own(run: Run, soup: BeautifulSoup) -> None:
    """Each data block holds exactly its account's members and findings."""

    for analysis in run.analyses:
        block = soup.find(
            "script", id=f"{account_prefix(analysis.account_id)}report-data"
        )
        assert isinstance(block, Tag)
        data = json.loads(block.get_text())
        assert len(data["members"]) == len(analysis.members)
        assert len(data["findings"]) == len(analysis.findings)


def _cells(row: Tag) -> list[str]:
    return [" ".join(c.get_text(" ").split()) for c in row.find_all(["td", "th"])]


def test_html_totals_are_the_sums_of_the_accounts(soup: BeautifulSoup) -> None:
    """Each numeric column of the total line is the sum of the account lines."""

    table = soup.find("table", class_="overall")
    assert isinstance(table, Tag)
    total_line = table.find("tr", class_="total")
    assert isinstance(total_line, Tag), "the overall table has a total line"
    lines = [_cells(r) for r in table.find_all("tr", class_="account-line")]
    total = _cells(total_line)

    assert len(lines) == 2
    for column in range(2, len(total) - 1):
        assert int(total[column]) == sum(int(line[column]) for line in lines)


def test_model_totals_are_the_sums_of_the_accounts(
    run: Run, model: AccountsReport
) -> None:
    """Members, blockers, findings by severity and steps done add up."""
    lines = [s.summary for s in model.sections]

    total = model.total

    assert total.members == sum(len(a.members) for a in run.analyses)
    assert total.blockers == sum(len(a.verdict.blockers) for a in run.analyses)
    assert total.finding_count == sum(len(a.findings) for a in run.analyses)
    for severity, count in total.findings:
        assert count == sum(dict(line.findings)[severity] for line in lines)
    assert total.steps_done == sum(line.steps_done for line in lines)
    assert total.steps == 12
    assert total.go is False and [line.go for line in lines] == [False, True]


def test_pdf_has_a_bookmark_per_account(run: Run) -> None:
    """The outline opens with the overall summary, then one entry per account."""

    reader = PdfReader(run.path("readiness.pdf"))
    top = [item.title for item in reader.outline if not isinstance(item, list)]

    assert top == ["Overall summary"] + [
        f"{a.account_name} ({a.account_id})" for a in run.analyses
    ]


def test_pdf_footers_say_which_part_each_page_number_counts(run: Run) -> None:
    """Pages are numbered per part, and each footer names its part."""
    reader = PdfReader(run.path("readiness.pdf"))
    footers = [" ".join(page.extract_text().split()) for page in reader.pages]
    names = [f"{a.account_name} {a.account_id[:8]}" for a in run.analyses]

    assert "Overall summary, page 1 of" in footers[0]
    for name in names:
        parts = [f for f in footers if f"Account {name}, page " in f]
        assert parts and f"Account {name}, page 1 of {len(parts)}" in parts[0]
    assert not any("Page 1 of" in f for f in footers)


def test_pdf_anchors_stay_unique(run: Run) -> None:
    """Each account's named destinations carry its prefix, none shared."""

    names = list(PdfReader(run.path("readiness.pdf")).named_destinations)

    for account_id in _ids(run):
        prefix = account_prefix(account_id)
        assert f"{prefix}summary" in names and f"{prefix}findings" in names
    assert "summary" not in names


def test_pdf_states_the_overall_figures(run: Run, model: AccountsReport) -> None:
    """The overall summary page names both accounts and the total line."""

    first = PdfReader(run.path("readiness.pdf")).pages[1].extract_text()
    text = " ".join(first.split())

    assert f"All 2 accounts {model.total.verdict} {model.total.blockers}" in text
    for account_id in _ids(run):  # a long id may wrap within its cell
        assert account_id in "".join(text.split())


@pytest.fixture(scope="module")
def workbook(run: Run) -> Workbook:
    """The two-account workbook, reopened."""
    return load_workbook(run.path("readiness.xlsx"))


def test_workbook_sheets_carry_an_account_column(run: Run, workbook: Workbook) -> None:
    """The Findings sheet lists every finding of both, each with its account."""

    sheet = workbook["Findings"]
    header = [c.value for c in sheet[1]]
    accounts = Counter(r[0] for r in sheet.iter_rows(min_row=2, values_only=True))

    assert header[0] == "Account ID" and sheet.auto_filter.ref.startswith("A1:")
    assert accounts == {a.account_id: len(a.findings) for a in run.analyses}


def test_workbook_opens_with_the_accounts_overview(
    run: Run, workbook: Workbook, model: AccountsReport
) -> None:
    """The Accounts sheet has one line per account and the total line."""

    rows = list(workbook["Accounts"].iter_rows(min_row=2, values_only=True))

    assert workbook.sheetnames[0] == "Accounts"
    assert [r[0] for r in rows] == [*_ids(run), "all"]
    assert isinstance(rows[0][4], int) and isinstance(rows[1][4], int)
    assert rows[2][4] == rows[0][4] + rows[1][4] == model.total.members


def test_workbook_links_stay_within_the_account(workbook: Workbook) -> None:
    """A finding's member link lands on a Members row of the same account."""
    sheet = workbook["Findings"]
    header = [c.value for c in sheet[1]]
    column = header.index("Member") + 1
    members = workbook["Members"]

    checked = 0
    for row in sheet.iter_rows(min_row=2):
        link = row[column - 1].hyperlink
        if link is None or link.location is None:
            continue
        target_row = int(link.location.rsplit("A", 1)[1])
        checked += 1

        assert members.cell(target_row, 1).value == row[0].value
    assert checked > 10


def test_json_names_the_account_of_each_finding(run: Run) -> None:
    """findings.json is kind accounts, valid, each finding with its account."""

    document = json.loads(run.path("findings.json").read_text("utf-8"))
    owners = Counter(f["account_id"] for f in document["findings"])

    Draft202012Validator(SCHEMA).validate(document)
    assert (document["kind"], document["schema_version"]) == ("accounts", 2)
    assert [a["account_id"] for a in document["accounts"]] == list(_ids(run))
    assert owners == {a.account_id: len(a.findings) for a in run.analyses}


def test_gate_counts_the_findings_of_every_account(run: Run) -> None:
    """The failing findings are those of both accounts together."""

    failing = Counter(f.finding_id for f in run.outcome.result.failing)
    high = [
        f.finding_id
        for a in run.analyses
        for f in a.findings
        if f.severity.value in ("critical", "high")
    ]

    assert run.outcome.result.exit_code == 3
    assert failing == Counter(high)


def test_json_gate_groups_name_their_account(run: Run) -> None:
    """Each failing check's group names its account; per account they add up."""
    document = json.loads(run.path("findings.json").read_text("utf-8"))
    reasons = {r["reason"]: r for r in document["gate"]["reasons"]}

    counted: Counter[str] = Counter()
    for group in reasons["findings"]["groups"]:
        counted[group["account_id"]] += group["count"]
    failing = Counter(
        a.account_id
        for a in run.analyses
        for f in run.outcome.result.failing
        if f in a.findings
    )
    names = {
        (g["account_id"], g["account_name"]) for g in reasons["findings"]["groups"]
    }
    assert counted == failing and len(counted) == 2
    assert names == {(a.account_id, a.account_name) for a in run.analyses}


def _label(analysis: Analysis) -> str:
    return f"Account {analysis.account_name} {analysis.account_id[:8]}: "


def test_cli_gate_lines_name_the_account(folder: Path, tmp_path: Path) -> None:
    """'report FOLDER': every gate line on stderr starts with its account."""
    analyses = [analyze(read_snapshot(folder / n)) for n in ("a.zip", "b.zip")]

    result = run_cli("report", str(folder), "--out", str(tmp_path), "--format", "json")

    lines = result.stderr.splitlines()
    gate = lines[:-1]  # the gate's lines; the last is its summary
    first, second = (_label(a) for a in analyses)
    assert result.returncode == 3, result.stderr
    assert (
        f"{first}high: Administrator has no two-factor authentication: "
        "anna.taylor26@northwind.example [admin-without-two-factor]"
    ) in lines
    assert any(line.startswith(f"{first}high: and ") for line in lines)
    assert any(line.startswith(second) for line in gate)
    assert gate and all(line.startswith((first, second)) for line in gate)
    assert lines[-1].startswith("failed: ")


def test_gate_lines_escape_the_account_name() -> None:
    """A bidi override in an account's name is escaped in the line naming it."""
    strict = Gate(fail_on=Severity.CRITICAL, strict=True)
    parts = tuple(
        AccountGate(Account(account_id, name), (), (), (Unassessed("who is at risk"),))
        for account_id, name in (("0123abcd" * 4, "Evil\u202eCorp"), ("f" * 32, ""))
    )

    lines = gate_lines(GateResult(strict, parts))

    assert lines == [
        "Account Evil\\u202eCorp 0123abcd: could not assess: "
        "who is at risk could not be assessed",
        "Account ffffffff: could not assess: who is at risk could not be assessed",
    ]


def _accept_all(analysis: Analysis) -> tuple[Suppression, ...]:
    return tuple(
        Suppression(
            number=n,
            owner="sec@example.com",
            reason="accepted for the test",
            expires=date(2027, 1, 1),
            finding_id=f.finding_id,
            check=None,
            subject="",
        )
        for n, f in enumerate(analysis.findings, start=1)
    )


def test_exit_code_is_the_worst_accounts(run: Run, tmp_path: Path) -> None:
    """With one account's findings all accepted, the other still fails the run."""
    accepted = _accept_all(run.analyses[1])
    both = accepted + _accept_all(run.analyses[0])

    one_open = run_accounts_report(
        run.snapshots,
        ["json"],
        tmp_path / "one",
        replace(JUDGING, suppressions=accepted),
    )
    none_open = run_accounts_report(
        run.snapshots, ["json"], tmp_path / "none", replace(JUDGING, suppressions=both)
    )

    assert one_open.result.exit_code == 3
    assert {f.finding_id for f in one_open.result.failing} <= {
        f.finding_id for f in run.analyses[0].findings
    }
    assert none_open.result.exit_code == 0


def test_cli_reports_a_folder_of_snapshots(folder: Path, tmp_path: Path) -> None:
    """'report FOLDER' writes one report set over both and exits 3."""

    result = CliRunner().invoke(
        app, ["report", str(folder), "--out", str(tmp_path), "--format", "json,xlsx"]
    )

    assert result.exit_code == 3, result.output
    assert result.stdout.splitlines() == [
        str(tmp_path / "readiness.xlsx"),
        str(tmp_path / "findings.json"),
    ]
    document = json.loads((tmp_path / "findings.json").read_text("utf-8"))
    assert document["kind"] == "accounts"


def test_cli_one_snapshot_reports_as_before(folder: Path, tmp_path: Path) -> None:
    """A single snapshot still gives the one-account report."""

    result = CliRunner().invoke(
        app,
        ["report", str(folder / "a.zip"), "--out", str(tmp_path), "--format", "json"],
    )

    document = json.loads((tmp_path / "findings.json").read_text("utf-8"))
    assert result.exit_code == 3
    assert document["kind"] == "report" and len(document["accounts"]) == 1


def test_an_empty_folder_names_itself(tmp_path: Path) -> None:
    """A folder without snapshots is a ConfigError naming it."""

    with pytest.raises(ConfigError, match=str(tmp_path)):
        snapshot_paths([tmp_path])


def test_one_account_twice_is_refused() -> None:
    """Two reports of the same account are refused, naming the account."""
    report = build_report(build_analysis())

    with pytest.raises(ConfigError, match=report.account_id):
        build_accounts_report([report, replace(report)])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.mark.browser
def test_deep_link_opens_the_second_accounts_member(run: Run, browser: Browser) -> None:
    """A link to a member of the second account shows that row, no errors."""
    analysis = run.analyses[1]
    member = analysis.members[-1]
    anchor = f"{account_prefix(analysis.account_id)}member-{member.member_id}"
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(run.path("readiness.html").as_uri() + "#" + anchor)

    expect(page.locator(f"[id='{anchor}']")).to_be_visible()
    first = account_prefix(run.analyses[0].account_id)
    expect(page.locator(f"#{first}members-table > tbody > tr")).to_have_count(50)
    assert errors == []
    page.close()
