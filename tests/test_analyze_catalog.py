"""The findings catalog and the checks stay in step."""

from __future__ import annotations

from analyze_fixtures import analyze_entries, load_entries

from reporter.analyze.catalog import load_catalog
from reporter.analyze.checks import CHECKS, NEUTRAL_IDS
from reporter.analyze.model import Severity

STEPS = range(1, 7)


# Needs an account whose only owner depends on a virtual group, which the
# mid-migration snapshot (with an independent owner) cannot also be.
ONLY_ELSEWHERE = {"super-admin-none-after-removal"}
# The mid-migration snapshot is Okta's: the neutral twins of the Okta checks
# (Entra ID, file imports) and the checks its data cannot trigger are emitted
# by the fixtures of tests/test_checks_idp.py instead.
ONLY_ELSEWHERE |= set(NEUTRAL_IDS.values()) | {
    "idp-ambiguous-match",
    "idp-assigned-both",
    "idp-guest-probable-match",
    "idp-nested-only-user",
    "idp-username-not-mail",
    "idp-virtual-group-assigned",
}


def test_every_catalog_entry_is_emitted_by_the_full_fixture() -> None:
    """The mid-migration snapshot triggers every catalog id but the owner guard."""
    emitted = {
        f.check_id for f in analyze_entries(load_entries("mid_migration")).findings
    }

    assert emitted == set(load_catalog()) - ONLY_ELSEWHERE


def test_checks_declare_exactly_the_catalog_ids() -> None:
    """The ids the checks declare are the catalog's ids, each declared once."""
    declared = [check_id for check in CHECKS for check_id in check.ids]

    assert sorted(declared) == sorted(load_catalog())


def test_catalog_entries_are_complete() -> None:
    """Each entry has a title, rationale, remediation, references and a step 1-6."""
    for entry in load_catalog().values():
        assert entry.title and entry.rationale and entry.remediation, entry.check_id
        assert entry.references, entry.check_id
        assert all(r.startswith("https://") for r in entry.references), entry.check_id
        assert entry.step in STEPS, entry.check_id
        assert isinstance(entry.severity, Severity)


def test_finding_titles_and_severities_come_from_the_catalog() -> None:
    """Findings without their own title carry the catalog's title and severity."""
    catalog = load_catalog()
    findings = analyze_entries(load_entries("mid_migration")).findings

    for finding in findings:
        entry = catalog[finding.check_id]
        assert finding.severity is entry.severity
        if finding.check_id != "member-at-risk":
            assert finding.title == entry.title
