"""The six steps' status rules and the verdict (ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any

import pytest
from analyze_fixtures import (
    V1_APP_ID,
    V2_APP_ID,
    analyze_entries,
    cloudflare_entries,
    custom_scim_group,
    failure,
    member,
    okta_app,
    okta_entries,
    okta_group,
    okta_group_id,
    one_zone,
    policy,
    push_mapping,
    scim_user,
    user_group,
    v1_group,
    v1_group_id,
)
from idp_fixtures import (
    V1_SP,
    V2_SP,
    entra_entries,
    entra_group,
    entra_user,
    file_entries,
    file_group_row,
    file_user_row,
    v1_name,
)

from reporter.analyze.model import StepResult, StepStatus
from reporter.errors import AnalyzeError
from reporter.snapshot import layout

ALICE, BOB = "alice@example.com", "bob@example.com"
V1 = okta_app(V1_APP_ID, "Cloudflare SCIM (v1)")
V2 = okta_app(V2_APP_ID, "Cloudflare Dashboard")
ADMIN_V1 = "CF-92676c84a627399250800312ecb90514 - Administrator"
DONE, IN_PROGRESS = StepStatus.DONE, StepStatus.IN_PROGRESS
NOT_STARTED, COULD_NOT_ASSESS = StepStatus.NOT_STARTED, StepStatus.COULD_NOT_ASSESS


def step(number: int, entries: dict[str, Any], **failed: Any) -> StepResult:
    """Step ``number`` of the analysis of ``entries``."""
    return analyze_entries(entries, failed=failed or None).steps[number - 1]


def org(cloudflare: dict[str, Any] | None = None, **okta: Any) -> dict[str, Any]:
    """Cloudflare entries (one plain member by default) plus Okta entries."""
    return {
        **(cloudflare or cloudflare_entries([member(ALICE)])),
        **okta_entries(**okta),
    }


# -- step 1 -----------------------------------------------------------------


def test_step1_done_when_the_v2_app_is_active() -> None:
    """A located, ACTIVE v2 app completes step 1."""
    result = step(1, org(v1=V1, v2=V2))

    assert result.status is DONE
    assert result.evidence == (
        f"The v2 app Cloudflare Dashboard ({V2_APP_ID}) is ACTIVE.",
    )


def test_step1_in_progress_when_the_v2_app_is_inactive() -> None:
    """A located v2 app that is not ACTIVE is in progress."""
    inactive = okta_app(V2_APP_ID, "Cloudflare Dashboard", status="INACTIVE")

    assert step(1, org(v1=V1, v2=inactive)).status is IN_PROGRESS


def test_step1_not_started_without_a_v2_app() -> None:
    """No v2 app located: not started."""
    assert step(1, org(v1=V1)).status is NOT_STARTED


def test_step1_could_not_assess_without_okta() -> None:
    """When Okta was never collected the step cannot be assessed."""
    result = step(1, cloudflare_entries([member(ALICE)]))

    assert result.status is COULD_NOT_ASSESS
    assert "okta/apps.json was not collected" in result.evidence[0]


# -- step 2 -----------------------------------------------------------------


def test_step2_not_started_when_the_v2_app_has_nobody() -> None:
    """No users and no groups on the v2 app: not started."""
    assert step(2, org(v1=V1, v2=V2, app_users={V1_APP_ID: [ALICE]})).status is (
        NOT_STARTED
    )


def test_step2_done_when_every_v1_user_is_a_v2_user() -> None:
    """Every v1 app user (by email key) is a v2 user and no group is named CF…."""
    users = {V1_APP_ID: [ALICE], V2_APP_ID: ["Alice@Example.com", BOB]}
    groups = {V2_APP_ID: ["Cloudflare-Admins"]}

    assert step(2, org(v1=V1, v2=V2, app_users=users, app_groups=groups)).status is DONE


def test_step2_in_progress_while_a_v1_user_is_not_on_v2() -> None:
    """A v1 app user missing from the v2 app keeps step 2 in progress."""
    users = {V1_APP_ID: [ALICE, BOB], V2_APP_ID: [ALICE]}

    result = step(2, org(v1=V1, v2=V2, app_users=users))

    assert result.status is IN_PROGRESS
    assert result.evidence[1] == f"1 v1 app user(s) are not v2 users: {BOB}."


def test_step2_in_progress_with_a_cf_named_v2_group() -> None:
    """A v2 app group whose name starts with CF keeps step 2 in progress."""
    users = {V2_APP_ID: [ALICE]}
    groups = {V2_APP_ID: ["CF Network Engineers"]}

    assert step(2, org(v2=V2, app_users=users, app_groups=groups)).status is IN_PROGRESS


# -- step 3 -----------------------------------------------------------------


def synced(
    *, status: str = "ACTIVE", scim: bool = True, user_groups: bool = True
) -> dict[str, Any]:
    """One v2 push of Okta group Cloudflare-Admins and what reached Cloudflare."""
    cloudflare = cloudflare_entries(
        [member(ALICE)],
        scim_groups=(
            [
                custom_scim_group(
                    "Cloudflare-Admins", external_id=okta_group_id("Cloudflare-Admins")
                )
            ]
            if scim
            else []
        ),
        user_groups=[user_group("Cloudflare-Admins")] if user_groups else [],
    )
    mapping = push_mapping("Cloudflare-Admins", "v2 target", status=status)
    groups = [
        okta_group("Cloudflare-Admins"),
        okta_group("v2 target", kind="APP_GROUP"),
    ]
    return org(cloudflare, v2=V2, mappings={V2_APP_ID: [mapping]}, groups=groups)


def test_step3_not_started_without_v2_push_mappings() -> None:
    """The v2 app pushes nothing: not started."""
    assert step(3, org(v2=V2)).status is NOT_STARTED


def test_step3_done_when_every_push_arrived() -> None:
    """ACTIVE mapping, SCIM group by externalId, user group of the same name."""
    assert step(3, synced()).status is DONE


def test_step3_matches_the_scim_group_by_name_without_external_id() -> None:
    """Without an externalId match the SCIM group is found by name."""
    entries = synced()
    entries[layout.CF_SCIM_GROUPS] = [custom_scim_group("Cloudflare-Admins")]

    assert step(3, entries).status is DONE


@pytest.mark.parametrize(
    ("broken", "evidence"),
    [
        ({"status": "ERROR"}, "The push of 'Cloudflare-Admins' is ERROR."),
        ({"scim": False}, "'Cloudflare-Admins' has no SCIM group in Cloudflare."),
        (
            {"user_groups": False},
            "'Cloudflare-Admins' has no user group of the same name.",
        ),
    ],
)
def test_step3_in_progress_until_the_push_arrives(
    broken: dict[str, Any], evidence: str
) -> None:
    """An errored push, or one with no SCIM or user group, is in progress."""
    result = step(3, synced(**broken))

    assert (result.status, result.evidence[-1]) == (IN_PROGRESS, evidence)


def test_step3_could_not_assess_when_scim_groups_failed() -> None:
    """A failed SCIM groups read makes step 3 not assessable, with its reason."""
    entries = synced()
    del entries[layout.CF_SCIM_GROUPS]
    failed = failure(
        layout.CF_SCIM_GROUPS,
        status=403,
        reason="SCIM answered 403",
        hint="add SCIM read",
    )

    result = step(3, entries, **{layout.CF_SCIM_GROUPS: failed})

    assert (result.status, result.evidence) == (
        COULD_NOT_ASSESS,
        ("SCIM answered 403.",),
    )


# -- step 4 -----------------------------------------------------------------


def attached(
    *policies: dict[str, Any], virtual: str = "Administrator"
) -> dict[str, Any]:
    """A SCIM-managed user group with ``policies``; Alice in one virtual group."""
    return cloudflare_entries(
        [member(ALICE)],
        scim_users=[scim_user(ALICE, v1_group_id(virtual))],
        scim_groups=[v1_group(virtual), custom_scim_group("Cloudflare-Admins")],
        user_groups=[user_group("Cloudflare-Admins", *policies)],
    )


def test_step4_not_started_when_no_synced_group_has_a_policy() -> None:
    """SCIM-managed user groups without policies: not started."""
    assert step(4, attached()).status is NOT_STARTED


def test_step4_done_when_policies_cover_every_virtual_permission_group() -> None:
    """Every synced group has a policy granting what the virtual groups grant."""
    assert step(4, attached(policy("Administrator"))).status is DONE


def test_step4_in_progress_while_a_virtual_permission_group_is_ungranted() -> None:
    """A virtual group's permission group no user group grants: in progress."""
    result = step(4, attached(policy("Administrator"), virtual="DNS"))

    assert result.status is IN_PROGRESS
    assert result.evidence[-1] == (
        "No user group grants these virtual-group permission groups: DNS."
    )


def test_step4_zone_policy_does_not_cover_an_account_role() -> None:
    """A zone-scoped policy of the same group leaves the account role uncovered."""
    zone_only = policy("Administrator", resource_group=one_zone())

    assert step(4, attached(zone_only)).status is IN_PROGRESS


# -- step 5 -----------------------------------------------------------------


def moved(*, alice_covered: bool, bob_covered: bool) -> dict[str, Any]:
    """Alice and Bob in the Administrator virtual group, each maybe covered."""
    covered = [e for e, c in ((ALICE, alice_covered), (BOB, bob_covered)) if c]
    return cloudflare_entries(
        [member(ALICE), member(BOB)],
        scim_users=[scim_user(e, v1_group_id("Administrator")) for e in (ALICE, BOB)],
        scim_groups=[v1_group("Administrator")],
        user_groups=[user_group("Cloudflare-Admins", policy("Administrator"))],
        user_group_members={"Cloudflare-Admins": covered},
    )


def test_step5_done_when_nobody_is_at_risk() -> None:
    """Every virtual group member covered: done."""
    assert step(5, moved(alice_covered=True, bob_covered=True)).status is DONE


def test_step5_not_started_when_every_virtual_member_is_at_risk() -> None:
    """All virtual members at risk for all their groups, none in a user group."""
    result = step(5, moved(alice_covered=False, bob_covered=False))

    assert result.status is NOT_STARTED
    assert result.evidence == ("2 of 2 virtual group member(s) are at risk.",)


def test_step5_in_progress_when_some_are_covered() -> None:
    """One member moved, one at risk: in progress."""
    assert step(5, moved(alice_covered=True, bob_covered=False)).status is IN_PROGRESS


def test_step5_could_not_assess_without_user_group_members() -> None:
    """Without the user group member lists nobody's coverage is known."""
    entries = moved(alice_covered=True, bob_covered=True)
    del entries[layout.CF_USER_GROUP_MEMBERS]

    assert step(5, entries).status is COULD_NOT_ASSESS


# -- step 6 -----------------------------------------------------------------


def leftovers(*, cloudflare: bool, okta: bool) -> dict[str, Any]:
    """Optionally a SCIM user in a v1 group and an Okta push to a CF- group."""
    entries = cloudflare_entries(
        [member(ALICE)],
        scim_users=[
            scim_user(ALICE, *([v1_group_id("Administrator")] if cloudflare else []))
        ],
        scim_groups=[v1_group("Administrator")],
    )
    mapping = push_mapping("Okta Admins", ADMIN_V1)
    groups = [okta_group("Okta Admins"), okta_group(ADMIN_V1, kind="APP_GROUP")]
    mappings = {V1_APP_ID: [mapping]} if okta else {}
    return org(entries, v1=V1, v2=V2, mappings=mappings, groups=groups)


@pytest.mark.parametrize(
    ("cloudflare", "okta", "status"),
    [
        (False, False, DONE),
        (True, True, NOT_STARTED),
        (True, False, IN_PROGRESS),
        (False, True, IN_PROGRESS),
    ],
)
def test_step6_status_follows_what_remains(
    cloudflare: bool, okta: bool, status: StepStatus
) -> None:
    """Done with nothing left, not started with both sides, else in progress."""
    assert step(6, leftovers(cloudflare=cloudflare, okta=okta)).status is status


def test_step6_ignores_a_foreign_virtual_group() -> None:
    """A v1 group named for another account is not this account's leftover."""
    entries = leftovers(cloudflare=True, okta=False)
    foreign = v1_group("Administrator", account_id="0123456789abcdef0123456789abcdef")
    entries[layout.CF_SCIM_GROUPS] = [foreign]

    assert step(6, entries).status is DONE


def test_step6_could_not_assess_without_okta() -> None:
    """Without Okta the IdP side of step 6 is unknown."""
    entries = cloudflare_entries([member(ALICE)])

    assert step(6, entries).status is COULD_NOT_ASSESS


# -- verdict ----------------------------------------------------------------


def test_verdict_is_go_when_nobody_is_at_risk() -> None:
    """Every input read and nobody at risk: go, no blockers."""
    entries = {**moved(alice_covered=True, bob_covered=True), **okta_entries()}
    verdict = analyze_entries(entries).verdict

    assert (verdict.go, verdict.blockers) == (True, ())


def test_verdict_names_each_member_at_risk() -> None:
    """No-go with one blocker per member at risk, naming what they lose."""
    entries = {**moved(alice_covered=True, bob_covered=False), **okta_entries()}
    verdict = analyze_entries(entries).verdict

    assert verdict.go is False
    assert verdict.blockers == (f"{BOB} would lose Administrator",)
    assert verdict.summary == "No-go: 1 member(s) would lose access."


def test_verdict_is_no_go_when_scim_users_were_not_collected() -> None:
    """Without SCIM users nothing looks at risk, yet the verdict is no-go."""
    entries = {**moved(alice_covered=False, bob_covered=False), **okta_entries()}
    del entries[layout.CF_SCIM_USERS]
    failed = failure(
        layout.CF_SCIM_USERS, status=403, reason="SCIM Users answered 403", hint="x"
    )

    verdict = analyze_entries(entries, failed={layout.CF_SCIM_USERS: failed}).verdict

    assert verdict.go is False
    assert verdict.blockers == (
        "Who is at risk could not be assessed: SCIM Users answered 403.",
        *(
            f"Step {n} could not be assessed: SCIM Users answered 403."
            for n in (4, 5, 6)
        ),
    )


# -- Entra ID and file imports ------------------------------------------------


def entra(cloudflare: dict[str, Any] | None = None, **graph: Any) -> dict[str, Any]:
    """Cloudflare entries (one plain member by default) plus Entra entries."""
    return {
        **(cloudflare or cloudflare_entries([member(ALICE)])),
        **entra_entries(**graph),
    }


@pytest.mark.parametrize(
    ("code", "status", "evidence"),
    [
        ("Active", DONE, "provisions (its provisioning job is Active)"),
        ("Paused", IN_PROGRESS, "does not provision (provisioning job status: Paused)"),
    ],
)
def test_step1_on_entra_follows_the_v2_provisioning_job(
    code: str, status: StepStatus, evidence: str
) -> None:
    """The v2 service principal's job decides step 1 on Entra ID."""
    result = step(1, entra(jobs={"v2": code}))

    assert (result.status, result.evidence) == (
        status,
        (f"The v2 app Cloudflare Dashboard ({V2_SP['id']}) {evidence}.",),
    )


def test_step1_on_entra_not_started_without_a_v2_service_principal() -> None:
    """No v2 service principal located: not started, naming Entra ID."""
    result = step(1, entra(v2=None))

    assert (result.status, result.evidence) == (
        NOT_STARTED,
        ("No v2 Cloudflare app is located in Entra ID.",),
    )


def test_step1_on_a_disabled_service_principal_is_in_progress() -> None:
    """accountEnabled=false on the v2 service principal: in progress."""
    disabled = {**V2_SP, "accountEnabled": False}

    result = step(1, entra(v2=disabled, jobs={"v2": "Active"}))

    assert result.status is IN_PROGRESS
    assert result.evidence[0].endswith("is disabled (accountEnabled=false).")


def test_step2_on_entra_reads_direct_members_of_assigned_groups() -> None:
    """v1 users reached through a v2 group's direct members are v2 users."""
    alice, bob = entra_user(ALICE), entra_user(BOB)
    admins = entra_group("Cloudflare-Admins")
    assigned = {"v1": [alice, bob], "v2": [admins]}

    result = step(2, entra(assigned=assigned, members={"Cloudflare-Admins": [alice]}))

    assert (result.status, result.evidence) == (
        IN_PROGRESS,
        (
            "The v2 app has 1 user(s) and 1 group(s).",
            f"1 v1 app user(s) are not v2 users: {BOB}.",
        ),
    )


def entra_synced(*, user_group_name: str = "Cloudflare-Admins") -> dict[str, Any]:
    """Cloudflare-Admins assigned to the v2 app, its job Active."""
    cloudflare = cloudflare_entries(
        [member(ALICE)],
        scim_groups=[custom_scim_group("Cloudflare-Admins")],
        user_groups=[user_group(user_group_name)],
    )
    return entra(
        cloudflare,
        assigned={"v2": [entra_group("Cloudflare-Admins")]},
        jobs={"v2": "Active"},
    )


def test_step3_on_entra_done_when_the_assigned_group_is_a_user_group() -> None:
    """An assigned v2 group that arrived as SCIM group and user group: done."""
    result = step(3, entra_synced())

    assert (result.status, result.evidence) == (
        DONE,
        (
            "The v2 app has 1 assigned group(s), which its provisioning job "
            "pushes by displayName.",
        ),
    )


def test_step3_on_entra_in_progress_without_the_user_group() -> None:
    """No user group of the assigned group's displayName: in progress."""
    result = step(3, entra_synced(user_group_name="Other"))

    assert (result.status, result.evidence[-1]) == (
        IN_PROGRESS,
        "'Cloudflare-Admins' has no user group of the same name.",
    )


def test_step6_on_entra_counts_a_cf_group_assigned_to_any_app() -> None:
    """A CF- group of this account still assigned keeps step 6 in progress."""
    admin_v1 = entra_group(v1_name("Administrator"))

    result = step(6, entra(assigned={"v1": [admin_v1]}))

    assert (result.status, result.evidence) == (
        IN_PROGRESS,
        (
            f"Entra ID still links CF- groups: {admin_v1['displayName']}.",
            "The v1 app still assigns 0 user(s) and 1 group(s).",
        ),
    )


def test_step6_on_entra_done_when_nothing_links_a_cf_group() -> None:
    """No CF- assignment, no v1 membership: done, naming Entra ID."""
    result = step(6, entra(assigned={"v2": [entra_user(ALICE)]}))

    assert (result.status, result.evidence) == (
        DONE,
        ("No virtual group membership and no CF- group link in Entra ID remains.",),
    )


def file_import(*rows: dict[str, Any]) -> dict[str, Any]:
    """Cloudflare entries (one plain member) plus a file import of ``rows``."""
    return {**cloudflare_entries([member(ALICE)]), **file_entries(list(rows))}


NO_PUSH_STATE = (
    "the file import has no push state; add the pushed and push_target_name "
    "columns (docs/idp-file.md)."
)


@pytest.mark.parametrize("number", [3, 6])
def test_file_without_push_state_cannot_assess_the_push_steps(number: int) -> None:
    """A file with no pushed column: steps 3 and 6 say which fact is unknown."""
    entries = file_import(
        file_user_row(2, ALICE, "Cloudflare Dashboard"),
        file_group_row(3, "Cloudflare-Admins", "Cloudflare Dashboard"),
    )

    result = step(number, entries)

    assert (result.status, result.evidence) == (COULD_NOT_ASSESS, (NO_PUSH_STATE,))


def test_file_without_push_state_leaves_the_push_checks_unassessed() -> None:
    """The checks that read push state say the same as steps 3 and 6."""
    entries = file_import(
        file_group_row(2, "Cloudflare-Admins", "Cloudflare Dashboard")
    )

    unassessed = {n.check_id: n.reason for n in analyze_entries(entries).not_assessed}

    assert unassessed["idp-push-mapping-error"] == NO_PUSH_STATE.rstrip(".")
    assert unassessed["idp-group-membership-differs"] == NO_PUSH_STATE.rstrip(".")


def test_file_with_push_state_assesses_step3() -> None:
    """A pushed v2 group that arrived as SCIM group and user group: done."""
    cloudflare = cloudflare_entries(
        [member(ALICE)],
        scim_groups=[custom_scim_group("Cloudflare-Admins")],
        user_groups=[user_group("Cloudflare-Admins")],
    )
    rows = [
        file_group_row(2, "Cloudflare-Admins", "Cloudflare Dashboard", pushed="true")
    ]

    result = step(3, {**cloudflare, **file_entries(rows)})

    assert (result.status, result.evidence) == (
        DONE,
        ("The v2 app has 1 pushed group(s) in the IdP file.",),
    )


def test_file_step6_counts_a_pushed_cf_group() -> None:
    """A file row pushing this account's CF- group is a remaining IdP link."""
    admin_v1 = v1_name("Administrator")
    rows = [file_group_row(2, admin_v1, "Cloudflare SCIM v1", pushed="true")]

    result = step(6, file_import(*rows))

    assert result.status is IN_PROGRESS
    assert result.evidence[0] == f"The IdP file still links CF- groups: {admin_v1}."


def test_file_step1_without_activity_reads_cloudflare_scim_groups() -> None:
    """A file cannot say the v2 app provisions; Cloudflare's custom groups do."""
    cloudflare = cloudflare_entries(
        [member(ALICE)], scim_groups=[custom_scim_group("Cloudflare-Admins")]
    )
    rows = [file_user_row(2, ALICE, "Cloudflare Dashboard")]

    result = step(1, {**cloudflare, **file_entries(rows)})

    assert result.status is DONE
    assert result.evidence[1] == (
        "Cloudflare holds 1 SCIM custom group(s), which only a v2 integration creates."
    )


def test_file_step1_without_any_evidence_of_writes_cannot_assess() -> None:
    """No activity in the file and no custom SCIM group: could not assess."""
    rows = [file_user_row(2, ALICE, "Cloudflare Dashboard")]

    result = step(1, file_import(*rows))

    assert result.status is COULD_NOT_ASSESS
    assert result.evidence[1] == (
        "Whether the v2 app provisions is unknown: the IdP file does not say, "
        "and Cloudflare holds no SCIM custom group it wrote."
    )


def test_a_snapshot_of_two_idps_is_refused() -> None:
    """Okta and Entra entries in one snapshot: an AnalyzeError naming both."""
    entries = {**org(v1=V1, v2=V2), **entra_entries(v1=V1_SP)}

    with pytest.raises(AnalyzeError) as caught:
        analyze_entries(entries)

    assert "two identity providers (Okta and Entra ID)" in caught.value.message
    assert caught.value.hint == (
        "collect one snapshot per IdP and analyse each on its own"
    )
