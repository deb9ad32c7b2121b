"""The IdP-side findings on Entra ID, file imports and Okta (issue 4).

Each check fires on the smallest data that shows the problem and stays quiet
on the fixed data; checks whose inputs are missing say so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from analyze_fixtures import (
    V1_APP_ID,
    V2_APP_ID,
    analyze_entries,
    cloudflare_entries,
    entries_from_organization,
    failure,
    member,
    okta_app,
    okta_entries,
    okta_user,
    policy,
    snapshot_from_entries,
    user_group,
)
from idp_fixtures import (
    as_nested,
    entra_entries,
    entra_group,
    entra_user,
    file_entries,
    file_group_row,
    file_row,
    file_user_row,
    v1_name,
)

from reporter.analyze import analyze
from reporter.analyze.checks import CHECKS, NEUTRAL_IDS, for_idp
from reporter.analyze.model import Analysis, Finding, Severity
from reporter.collect.idp_file import read_idp_file
from reporter.demo import build_organization
from reporter.snapshot import layout

ALICE, BOB = "alice@example.com", "bob@example.com"


def run(
    entries: dict[str, Any], members: list[str] | None = None, **cf: Any
) -> Analysis:
    """Analyse ``entries`` beside Cloudflare members of ``members`` (emails)."""
    people = [member(e) for e in members or [ALICE]]
    return analyze_entries({**cloudflare_entries(people, **cf), **entries})


def found(analysis: Analysis, check_id: str) -> list[Finding]:
    """The findings of ``check_id``."""
    return [f for f in analysis.findings if f.check_id == check_id]


def subjects(analysis: Analysis, check_id: str) -> list[str]:
    """The subjects of the findings of ``check_id``."""
    return [f.subject for f in found(analysis, check_id)]


# -- inactive, unknown, unassigned -------------------------------------------


def test_disabled_entra_admin_still_member_is_high() -> None:
    """accountEnabled=false on an administrator: the neutral high finding."""
    admin = member(ALICE, roles=("Administrator",))
    entries = {
        **cloudflare_entries([admin]),
        **entra_entries(users=[entra_user(ALICE, enabled=False)]),
    }

    (finding,) = found(analyze_entries(entries), "idp-inactive-admin-still-member")

    assert finding.severity is Severity.HIGH
    assert finding.detail.startswith("Entra ID status accountEnabled=false;")


def test_enabled_entra_user_is_not_inactive() -> None:
    """An enabled Entra user raises no inactive finding, under either id."""
    analysis = run(entra_entries(users=[entra_user(ALICE)]))

    assert not [f for f in analysis.findings if "inactive" in f.check_id]


def test_member_unknown_to_entra() -> None:
    """A member no Entra user matches is idp-member-unknown, naming Entra ID."""
    analysis = run(entra_entries(users=[entra_user(BOB)]))

    (finding,) = found(analysis, "idp-member-unknown")

    assert (finding.subject, finding.detail) == (
        ALICE,
        f"No user of any status in Entra ID has the email {ALICE!r}.",
    )


def test_member_unknown_to_a_file_warns_about_omitted_users() -> None:
    """A file export may omit deprovisioned users; the finding says so."""
    analysis = run(file_entries([file_user_row(2, BOB, "Cloudflare")]))

    (finding,) = found(analysis, "idp-member-unknown")

    assert "may omit deprovisioned users" in finding.detail


def test_member_known_but_unassigned_in_entra() -> None:
    """An Entra user assigned to neither app: idp-member-not-assigned."""
    analysis = run(entra_entries(users=[entra_user(ALICE)]))

    assert subjects(analysis, "idp-member-not-assigned") == [ALICE]


# -- v1 / v2 / both and the v1-unassignment risk (idp-apis.md §4) -------------


def test_both_apps_with_an_active_v1_job_is_high() -> None:
    """Assigned to v1 and v2 while the v1 job runs: unassigning v1 deprovisions."""
    user = entra_user(ALICE)
    analysis = run(
        entra_entries(assigned={"v1": [user], "v2": [user]}, jobs={"v1": "Active"})
    )

    (finding,) = found(analysis, "idp-v1-unassign-deprovisions")

    assert finding.severity is Severity.HIGH
    assert "its provisioning job status is Active" in finding.detail
    assert finding.member_ids and subjects(analysis, "idp-assigned-both") == []


def test_both_apps_with_a_paused_v1_job_is_low() -> None:
    """With the v1 job paused, assignment to both is only the low reminder."""
    user = entra_user(ALICE)
    analysis = run(
        entra_entries(assigned={"v1": [user], "v2": [user]}, jobs={"v1": "Paused"})
    )

    assert subjects(analysis, "idp-assigned-both") == [ALICE]
    assert subjects(analysis, "idp-v1-unassign-deprovisions") == []


def test_both_apps_when_the_file_cannot_tell_is_high() -> None:
    """A file cannot say whether v1 deactivates: the risk is assumed, and said."""
    rows = [
        file_group_row(2, v1_name("Administrator"), "Cloudflare Old"),
        file_user_row(3, ALICE, "Cloudflare Old"),
        file_user_row(4, ALICE, "Cloudflare New"),
    ]

    (finding,) = found(run(file_entries(rows)), "idp-v1-unassign-deprovisions")

    assert "may send active:false" in finding.detail


def test_okta_v1_without_deactivation_is_safe_to_unassign() -> None:
    """Okta v1 lacking PUSH_USER_DEACTIVATION: both apps is the low finding."""
    v1 = {**okta_app(V1_APP_ID, "Cloudflare SCIM (v1)"), "features": ["PUSH_NEW_USERS"]}
    entries = okta_entries(
        v1=v1,
        v2=okta_app(V2_APP_ID, "Cloudflare Dashboard"),
        app_users={V1_APP_ID: [ALICE], V2_APP_ID: [ALICE]},
        users=[okta_user(ALICE)],
    )

    analysis = run(entries)

    assert subjects(analysis, "idp-assigned-both") == [ALICE]
    assert subjects(analysis, "idp-v1-unassign-deprovisions") == []


def test_v1_only_and_v2_only() -> None:
    """v1-only users are flagged; v2-only users are not."""
    old, new = entra_user(ALICE), entra_user(BOB)
    analysis = run(entra_entries(assigned={"v1": [old], "v2": [new]}), [ALICE, BOB])

    assert subjects(analysis, "idp-assigned-v1-only") == [ALICE]
    rows = {(r.login, r.coverage) for r in analysis.idp_assignments}
    assert rows == {(ALICE, "v1 only"), (BOB, "v2 only")}


# -- CF- groups, nesting, usernames --------------------------------------------


def test_entra_cf_group_assigned_to_an_app() -> None:
    """An Entra group named CF-<account> - <Role> assigned to v1 is flagged."""
    group = entra_group(v1_name("Administrator"))
    analysis = run(
        entra_entries(assigned={"v1": [group]}, members={group["displayName"]: []})
    )

    assert subjects(analysis, "idp-virtual-group-assigned") == [
        f"{group['displayName']} (v1 app)"
    ]


def test_other_groups_assigned_are_not_virtual_groups() -> None:
    """A group with an ordinary name, or another account's CF- name, is not."""
    ordinary = entra_group("Cloudflare-Admins")
    foreign = entra_group(v1_name("DNS", "0123456789abcdef0123456789abcdef"))

    analysis = run(entra_entries(assigned={"v1": [ordinary, foreign]}))

    assert subjects(analysis, "idp-virtual-group-assigned") == []
    assert subjects(analysis, "idp-group-foreign-account") == [foreign["displayName"]]


def test_nested_only_user_is_reported() -> None:
    """A user in a group nested in an assigned group is reported, the group not."""
    team, sub = entra_group("Cloudflare-Admins"), entra_group("Admins-EU")
    deep = entra_user(BOB)
    entries = entra_entries(
        assigned={"v2": [team]},
        members={"Cloudflare-Admins": [entra_user(ALICE)]},
        nested={"Cloudflare-Admins": [as_nested(sub), deep]},
    )

    analysis = run(entries, [ALICE, BOB])

    assert subjects(analysis, "idp-nested-only-user") == [
        f"{BOB} via Cloudflare-Admins (v2 app)"
    ]


def test_nested_user_also_assigned_directly_is_not_reported() -> None:
    """A nested user who is assigned directly too is provisioned: no finding."""
    team, deep = entra_group("Cloudflare-Admins"), entra_user(BOB)
    entries = entra_entries(
        assigned={"v2": [team, deep]},
        members={"Cloudflare-Admins": []},
        nested={"Cloudflare-Admins": [deep]},
    )

    assert subjects(run(entries, [BOB]), "idp-nested-only-user") == []


def test_entra_upn_not_mail_and_guests() -> None:
    """UPN differing from mail (case too) is flagged; a guest is labelled."""
    cased = entra_user(ALICE, upn="Alice@example.com")
    guest = entra_user("dan@partner.example", guest=True)
    same = entra_user(BOB)
    analysis = run(entra_entries(assigned={"v2": [cased, guest, same]}))

    details = {f.subject: f.detail for f in found(analysis, "idp-username-not-mail")}

    assert set(details) == {"Alice@example.com", guest["userPrincipalName"]}
    assert "a guest" in details[guest["userPrincipalName"]]


# -- matching findings -----------------------------------------------------------


def test_guest_matched_by_decoded_upn_is_probable() -> None:
    """A guest with no mail matches only by its decoded UPN: review, low."""
    guest = entra_user("dan@partner.example", mail="", guest=True)

    analysis = run(entra_entries(users=[guest]), ["dan@partner.example"])

    (finding,) = found(analysis, "idp-guest-probable-match")
    assert finding.severity is Severity.LOW
    assert "review" in finding.detail
    assert subjects(analysis, "idp-member-unknown") == []


def test_guest_with_underscore_in_local_part_says_the_split_is_a_guess() -> None:
    """dan_o_partner.example#EXT#: the finding says where '@' was is a guess."""
    guest = entra_user("dan_o@partner.example", mail="", guest=True)

    analysis = run(entra_entries(users=[guest]), ["dan_o@partner.example"])

    (finding,) = found(analysis, "idp-guest-probable-match")
    assert "local part holds '_' too" in finding.detail


def test_guest_with_mail_is_an_exact_match() -> None:
    """A guest whose mail is the member's address is matched, not probable."""
    guest = entra_user("dan@partner.example", guest=True)

    analysis = run(entra_entries(users=[guest]), ["dan@partner.example"])

    assert subjects(analysis, "idp-guest-probable-match") == []


def test_two_entra_users_on_one_email_are_ambiguous() -> None:
    """Two Entra users with one mail key: one ambiguous finding, both named."""
    users = [
        entra_user(ALICE, upn="alice1@example.com"),
        entra_user("ALICE@example.com", upn="alice2@example.com"),
    ]

    (finding,) = found(run(entra_entries(users=users)), "idp-ambiguous-match")

    assert finding.subject == ALICE
    assert (
        "alice1@example.com" in finding.detail
        and "alice2@example.com" in finding.detail
    )


def test_case_only_duplicate_members_are_ambiguous() -> None:
    """Two Cloudflare members differing only in case are flagged together."""
    analysis = run(
        entra_entries(users=[entra_user(ALICE)]), [ALICE, "Alice@Example.com"]
    )

    (finding,) = found(analysis, "idp-ambiguous-match")

    assert finding.subject == f"{ALICE} (Cloudflare members)"
    assert len(finding.member_ids) == 2


def test_distinct_people_are_not_ambiguous() -> None:
    """One user per member: no ambiguous finding."""
    analysis = run(
        entra_entries(users=[entra_user(ALICE), entra_user(BOB)]), [ALICE, BOB]
    )

    assert subjects(analysis, "idp-ambiguous-match") == []


# -- group membership vs user group; provisioning errors -----------------------


def _pushed_team(members_in_cf: list[str]) -> Analysis:
    team = entra_group("Cloudflare-Admins")
    entries = entra_entries(
        assigned={"v2": [team]},
        members={"Cloudflare-Admins": [entra_user(ALICE), entra_user(BOB)]},
        jobs={"v2": "Active"},
    )
    return run(
        entries,
        [ALICE, BOB],
        user_groups=[user_group("Cloudflare-Admins", policy("Administrator"))],
        user_group_members={"Cloudflare-Admins": members_in_cf},
    )


def test_user_group_lacking_a_pushed_member_differs() -> None:
    """The user group lacks a direct member of the pushed Entra group."""
    (finding,) = found(_pushed_team([ALICE]), "idp-group-membership-differs")

    assert finding.subject == "Cloudflare-Admins"
    assert f"the user group lacks {BOB}" in finding.detail


def test_user_group_matching_the_pushed_group_is_quiet() -> None:
    """Same members on both sides: no finding."""
    assert found(_pushed_team([ALICE, BOB]), "idp-group-membership-differs") == []


def test_quarantined_v2_job_is_a_push_error() -> None:
    """A v2 job in quarantine puts the groups it pushes in error."""
    team = entra_group("Cloudflare-Admins")
    entries = entra_entries(assigned={"v2": [team]}, jobs={"v2": "Quarantine"})

    (finding,) = found(run(entries), "idp-push-mapping-error")

    assert (finding.subject, finding.severity) == ("Cloudflare-Admins", Severity.HIGH)


def test_file_push_in_error() -> None:
    """A file row saying a v2 push is in error is the neutral push error."""
    rows = [file_group_row(2, "Cloudflare-Admins", "Cloudflare", pushed="error")]

    assert subjects(run(file_entries(rows)), "idp-push-mapping-error") == [
        "Cloudflare-Admins"
    ]


# -- could not assess ------------------------------------------------------------


def test_missing_transitive_members_make_nesting_not_assessed() -> None:
    """Without transitiveMembers, nested-only users are 'could not assess'."""
    entries = entra_entries()
    del entries[layout.ENTRA_GROUP_TRANSITIVE]
    record = failure(
        layout.ENTRA_GROUP_TRANSITIVE,
        status=403,
        reason="GET /groups/{id}/transitiveMembers answered 403",
        hint="grant the app GroupMember.Read.All",
    )

    analysis = analyze_entries(
        {**cloudflare_entries([member(ALICE)]), **entries},
        failed={layout.ENTRA_GROUP_TRANSITIVE: record},
    )

    (nested,) = [
        n for n in analysis.not_assessed if n.check_id == "idp-nested-only-user"
    ]
    assert (nested.reason, nested.hint) == (record.reason, record.hint)


def test_file_import_cannot_assess_nesting() -> None:
    """A file has no nested membership: not assessed, naming the fix."""
    analysis = run(file_entries([file_user_row(2, ALICE, "Cloudflare")]))

    (nested,) = [
        n for n in analysis.not_assessed if n.check_id == "idp-nested-only-user"
    ]
    assert "GroupMember.Read.All" in nested.hint


def test_missing_entra_users_use_the_neutral_ids() -> None:
    """Without entra/users.json the user checks are not assessed, neutral ids."""
    entries = entra_entries()
    del entries[layout.ENTRA_USERS]

    analysis = run(entries)

    ids = {n.check_id for n in analysis.not_assessed}
    assert {"idp-member-unknown", "idp-inactive-user-still-member"} <= ids
    assert not any(i.startswith("okta-") or "okta" in i for i in ids)
    assert all(
        "entra/users.json" in n.reason
        for n in analysis.not_assessed
        if n.check_id == "idp-member-unknown"
    )


def test_a_file_without_group_columns_cannot_assess_the_group_checks() -> None:
    """No group_name or group_id: the CF- group checks say so, naming the column."""
    analysis = run(file_entries([file_user_row(2, ALICE, "Cloudflare")]))

    blind = {n.check_id: n for n in analysis.not_assessed}
    for check_id in (
        "idp-group-foreign-account",
        "idp-group-unknown-role",
        "idp-v2-group-prefixed-cf",
        "idp-virtual-group-assigned",
    ):
        assert "names no groups" in blind[check_id].reason, check_id
        assert "group_name" in blind[check_id].hint, check_id


def test_a_user_list_file_cannot_assess_app_assignments() -> None:
    """Rows naming no app: the app checks are not assessed, not 'assigned to none'."""
    row = file_row(2, user_email=ALICE, user_status="ACTIVE", principal_type="user")

    analysis = run(file_entries([row]))

    blind = {n.check_id: n for n in analysis.not_assessed}
    assert "--idp-file-app" in blind["idp-member-not-assigned"].hint
    assert "idp-assigned-v1-only" in blind
    assert not found(analysis, "idp-member-not-assigned")


def test_file_push_error_carries_its_summary() -> None:
    """push_error, when the file gives it, is the finding's reason."""
    row = file_group_row(2, "Cloudflare-Admins", "Cloudflare", pushed="error")
    row["push_error"] = "group names starting with CF are reserved"

    (finding,) = found(run(file_entries([row])), "idp-push-mapping-error")

    assert finding.detail == (
        "The push of 'Cloudflare-Admins' is in error: "
        "group names starting with CF are reserved."
    )


# -- the demo organization through its --idp-file, against the Okta API run --

DEMO_FILE = Path(__file__).parents[1] / "docs" / "examples" / "idp-file"
# IdP checks with no subject in the demo organization: the Okta API run of the
# same organization finds none either (asserted below).
NO_SUBJECT_IN_THE_DEMO = {
    "idp-ambiguous-match",
    "idp-assigned-both",
    "idp-group-membership-differs",
    "idp-inactive-admin-still-member",
    "idp-guest-probable-match",
    "idp-member-not-assigned",
    "idp-username-not-mail",
    "idp-virtual-group-assigned",
}
OKTA_IDS = {neutral: okta for okta, neutral in NEUTRAL_IDS.items()}


def unmapped(names: list[str]) -> list[str]:
    """Subjects without their mapping id: Okta's id, the file's line."""
    return sorted(re.sub(r" \(mapping [^)]*\)$", "", n) for n in names)


@pytest.mark.parametrize("name", ["demo-okta.csv", "demo-okta.json"])
def test_every_idp_check_on_the_demo_file_finds_what_the_okta_api_run_finds(
    name: str,
) -> None:
    """Each IdP check on the file: the Okta run's subjects, or 'could not assess'."""
    org = build_organization()
    account = org.cloudflare.account["id"]
    entries = entries_from_organization(org)
    idp = read_idp_file(DEMO_FILE / name)
    cloudflare = {k: v for k, v in entries.items() if not k.startswith("okta/")}
    from_file = {
        **cloudflare,
        layout.IDP_FILE_ROWS: idp.row_objects(),
        layout.IDP_FILE_SOURCE: idp.source(),
    }

    okta = analyze(snapshot_from_entries(entries, account_id=account))
    filed = analyze(snapshot_from_entries(from_file, account_id=account))

    blind = {n.check_id: n for n in filed.not_assessed}
    assert set(blind) == {"idp-nested-only-user"}
    assert "nested" in blind["idp-nested-only-user"].reason
    empty = set()
    for spec in (s for s in CHECKS if s.idp):
        for check_id in sorted({for_idp(i, "file") for i in spec.ids}):
            if for_idp(spec.ids[0], "file") in blind:
                continue
            want = unmapped(subjects(okta, OKTA_IDS.get(check_id, check_id)))
            assert unmapped(subjects(filed, check_id)) == want, check_id
            if not want:
                empty.add(check_id)
    assert empty == NO_SUBJECT_IN_THE_DEMO
    for check_id in (
        "idp-group-foreign-account",
        "idp-group-unknown-role",
        "idp-push-mapping-error",
    ):
        assert subjects(filed, check_id), check_id
