"""The Entra ID demo, collected through the emulator, finds the declared facts.

``pipeline.run_demo(idp="entra")`` serves the demo organization with its IdP
as Microsoft Graph and collects it over loopback; the analysis of that
snapshot is checked against ``reporter.demo.scenario.ENTRA_EXPECTED`` and
``ENTRA_STEP_STATUS``, which come from how ``demo/entra.py`` builds the
tenant, never from an analyzer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter import pipeline
from reporter.analyze import analyze
from reporter.analyze.model import Analysis, Finding
from reporter.demo.scenario import ENTRA_EXPECTED, ENTRA_STEP_STATUS, EXPECTED
from reporter.snapshot import read_snapshot


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """The analysis of the Entra demo snapshot, collected over HTTP."""
    out: Path = tmp_path_factory.mktemp("entra-demo")
    snapshot, _ = pipeline.run_demo(out, seed=2026, size=60, idp="entra")
    return analyze(read_snapshot(snapshot))


def found(analysis: Analysis, check_id: str) -> list[Finding]:
    """The findings of ``check_id``."""
    return [f for f in analysis.findings if f.check_id == check_id]


def member_emails(analysis: Analysis, check_id: str) -> tuple[str, ...]:
    """Sorted, case-folded emails of the members the findings link."""
    emails = {m.member_id: m.email for m in analysis.members}
    return tuple(
        sorted(
            emails[member_id].casefold()
            for f in found(analysis, check_id)
            for member_id in f.member_ids
        )
    )


def folded(values: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` case-folded and sorted."""
    return tuple(sorted(v.casefold() for v in values))


def guest_mail(upn: str) -> str:
    """The address an ``#EXT#`` UPN stands for (the demo's guest has no ``_``)."""
    local = upn.split("#EXT#", 1)[0]
    head, _, domain = local.rpartition("_")
    return f"{head}@{domain}"


def test_step_statuses(analysis: Analysis) -> None:
    """Each step has the declared Entra status; none is could not assess."""
    statuses = {s.number: s.status.value for s in analysis.steps}

    assert statuses == ENTRA_STEP_STATUS
    assert statuses == {
        1: "done",
        2: "in progress",
        3: "in progress",
        4: "in progress",
        5: "in progress",
        6: "not started",
    }


def test_step1_names_the_v2_service_principal(analysis: Analysis) -> None:
    """Step 1's evidence is the v2 service principal and its Active job."""
    assert analysis.steps[0].evidence == (
        f"The v2 app Cloudflare Dashboard ({ENTRA_EXPECTED.v2_sp_id}) provisions "
        "(its provisioning job is Active).",
    )


def test_step2_counts_the_v1_only_users(analysis: Analysis) -> None:
    """Step 2 names as many v1 users missing from v2 as the tenant has."""
    evidence = analysis.steps[1].evidence

    assert evidence[1].startswith(
        f"{len(ENTRA_EXPECTED.v1_only)} v1 app user(s) are not v2 users: "
    )
    assert evidence[2] == "v2 groups named with the CF prefix: CF Network Engineers."


def test_step3_names_the_group_cloudflare_refuses(analysis: Analysis) -> None:
    """The CF-named v2 group never arrives as a SCIM group."""
    assert analysis.steps[2].evidence[1:] == (
        "'CF Network Engineers' has no SCIM group in Cloudflare.",
    )


def test_step6_lists_the_assigned_cf_groups_of_this_account(
    analysis: Analysis,
) -> None:
    """Step 6's IdP side: this account's CF- groups assigned to the v1 app."""
    this_account = [
        n for n in ENTRA_EXPECTED.v1_group_names if EXPECTED.account_id in n.casefold()
    ]
    evidence = analysis.steps[5].evidence[1]

    assert evidence.startswith("Entra ID still links CF- groups: ")
    assert evidence.endswith(f"and {len(this_account) - 5} more.")


def test_verdict_is_no_go_for_the_members_at_risk(analysis: Analysis) -> None:
    """No-go with one blocker per member at risk and none for a blind step."""
    assert analysis.verdict.go is False
    assert analysis.verdict.blockers == tuple(
        f"{email} would lose {', '.join(lost)}"
        for email, lost in EXPECTED.members_at_risk.items()
    )


def test_disabled_users_still_members(analysis: Analysis) -> None:
    """accountEnabled=false members are the declared ones."""
    subjects = sorted(
        f.subject
        for cid in ("idp-inactive-user-still-member", "idp-inactive-admin-still-member")
        for f in found(analysis, cid)
    )

    assert tuple(subjects) == ENTRA_EXPECTED.disabled_still_member


def test_app_coverage(analysis: Analysis) -> None:
    """v1-only and both-app users are the declared ones (by member)."""
    assert member_emails(analysis, "idp-assigned-v1-only") == folded(
        ENTRA_EXPECTED.v1_only
    )
    assert member_emails(analysis, "idp-v1-unassign-deprovisions") == folded(
        ENTRA_EXPECTED.both
    )


def test_nested_only_user(analysis: Analysis) -> None:
    """The user reached only through the nested group is flagged."""
    subjects = [
        f.subject.split(" via ", 1)[0] for f in found(analysis, "idp-nested-only-user")
    ]

    assert tuple(subjects) == ENTRA_EXPECTED.nested_only


def test_usernames_not_mail(analysis: Analysis) -> None:
    """UPNs differing from mail: one finding per declared user, by UPN."""
    details = [f.detail for f in found(analysis, "idp-username-not-mail")]

    assert len(details) == len(ENTRA_EXPECTED.upn_differs_from_mail)
    for mail in ENTRA_EXPECTED.upn_differs_from_mail:
        assert sum(f"mail {mail!r}" in d for d in details) == 1


def test_guest_is_titled_by_mail_with_the_upn_in_the_detail(
    analysis: Analysis,
) -> None:
    """The guest's coverage finding is titled by mail; the detail keeps the UPN."""
    (upn,) = ENTRA_EXPECTED.guests
    (finding,) = [f for f in found(analysis, "idp-assigned-v1-only") if upn in f.detail]

    assert finding.subject == guest_mail(upn)
    assert "#EXT#" not in finding.subject


def test_v1_groups_assigned(analysis: Analysis) -> None:
    """Every CF- group of this account assigned to the v1 app is a finding."""
    subjects = sorted(f.subject for f in found(analysis, "idp-virtual-group-assigned"))
    expected = sorted(
        f"{n} (v1 app)"
        for n in ENTRA_EXPECTED.v1_group_names
        if EXPECTED.account_id in n.casefold()
    )

    assert subjects == expected
