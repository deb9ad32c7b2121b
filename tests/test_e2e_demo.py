"""The whole pipeline over real HTTP on the demo organization.

The snapshot is collected from the emulator through the real collectors, so
these tests check what a user of ``make demo`` gets, not an in-process shortcut.
"""

from __future__ import annotations

import secrets

import pytest

from reporter.analyze import analyze
from reporter.analyze.model import Analysis
from reporter.collect import CollectConfig
from reporter.demo import build_organization
from reporter.demo.scenario import EXPECTED
from reporter.emulator import Emulator
from reporter.pipeline import Tokens, collect_to_file
from reporter.samples import sample_clock
from reporter.snapshot import Snapshot, read_snapshot


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, int]:
    """The demo organization collected over HTTP, and the emulator's request count."""
    org = build_organization()
    tokens = Tokens(cloudflare=secrets.token_hex(16), okta=secrets.token_hex(16))
    out = tmp_path_factory.mktemp("e2e") / "snapshot.zip"
    with Emulator(
        org, cloudflare_token=tokens.cloudflare, okta_token=tokens.okta or ""
    ) as emulator:
        config = CollectConfig(
            account_id=org.cloudflare.account["id"],
            cloudflare_url=emulator.cloudflare_url,
            okta_url=emulator.okta_url,
            okta_v1_app_id=org.okta.v1_app_id,
            okta_v2_app_id=org.okta.v2_app_id,
        )
        collect_to_file(config, tokens, out, clock=sample_clock)
        served = emulator.request_count
    return read_snapshot(out), served


@pytest.fixture(scope="module")
def analysis(collected: tuple[Snapshot, int]) -> Analysis:
    """The analysis of the collected demo snapshot."""
    return analyze(collected[0])


def test_collection_went_through_http(collected: tuple[Snapshot, int]) -> None:
    """Every request in the manifest was served by the emulator, and none failed."""
    snapshot, served = collected

    assert len(snapshot.manifest.requests) == served > 10
    assert all(r.status == 200 for r in snapshot.manifest.requests)
    assert all(e.status == "ok" for e in snapshot.manifest.endpoints)


def test_snapshot_holds_every_member(collected: tuple[Snapshot, int]) -> None:
    """All demo members arrive in the snapshot, across pages."""
    org = build_organization()

    members = collected[0].get("cloudflare/members.json")

    assert members is not None
    assert [m["id"] for m in members] == [m["id"] for m in org.cloudflare.members]


def test_members_at_risk_are_exactly_the_declared_ones(analysis: Analysis) -> None:
    """The analysis names exactly the members the scenario puts at risk."""
    found = {m.email: m.at_risk for m in analysis.members_at_risk}

    assert found == EXPECTED.members_at_risk


def test_step_statuses_are_the_declared_ones(analysis: Analysis) -> None:
    """Each of the six steps has the status the scenario declares."""
    found = {s.number: s.status.value for s in analysis.steps}

    assert found == EXPECTED.step_status


def test_verdict_is_no_go_with_a_blocker_per_member_at_risk(analysis: Analysis) -> None:
    """Removing the virtual groups today is refused, naming every member at risk."""
    blockers = " ".join(analysis.verdict.blockers)

    assert analysis.verdict.go is EXPECTED.go is False
    assert all(email in blockers for email in EXPECTED.members_at_risk)


def test_no_check_is_left_unassessed(analysis: Analysis) -> None:
    """With every endpoint collected, no check reports 'could not assess'."""
    assert analysis.not_assessed == ()


def test_evidence_carries_the_manifest(collected: tuple[Snapshot, int]) -> None:
    """The analysis hands the manifest's requests and hashes on to the reports."""
    snapshot = collected[0]

    evidence = analyze(snapshot).evidence

    assert evidence is not None
    assert evidence.requests == snapshot.manifest.requests
    assert dict(evidence.files) == dict(snapshot.manifest.files)


def test_idp_assignments_list_both_apps(analysis: Analysis) -> None:
    """Every Okta app user of both apps is listed once, joined to its member."""
    org = build_organization()
    expected = sum(len(users) for users in org.okta.app_users.values())

    assignments = analysis.idp_assignments

    assert len(assignments) == expected
    assert {a.app for a in assignments} == {"v1", "v2"}
    assert any(a.member_id is not None for a in assignments)
