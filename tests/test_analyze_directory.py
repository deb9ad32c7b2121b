"""The IdP-neutral directory: adapters, statuses and the matching rule.

docs/matching.md states the rule; idp-apis.md §2, §3, §5 and §8 the shapes.
"""

from __future__ import annotations

from typing import Any

import pytest
from analyze_fixtures import (
    ACCOUNT_ID,
    V1_APP_ID,
    V2_APP_ID,
    analyze_entries,
    cloudflare_entries,
    member,
    okta_app,
    okta_entries,
    okta_user,
    snapshot_from_entries,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from idp_fixtures import (
    V1_SP,
    V2_SP,
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

from reporter.analyze.directory import Coverage, Directory, Status, build_directory
from reporter.analyze.identity import guest_upn_candidates, is_guest_upn
from reporter.analyze.inputs import Inputs
from reporter.errors import AnalyzeError
from reporter.snapshot import layout


def directory(entries: dict[str, Any]) -> Directory:
    """The directory built from ``entries`` (plus one Cloudflare member)."""
    data = {**cloudflare_entries([member("owner@example.com")]), **entries}
    inputs = Inputs(snapshot_from_entries(data, account_id=ACCOUNT_ID))
    return build_directory(inputs, ACCOUNT_ID)


# -- matching ------------------------------------------------------------------


def test_nbsp_and_zero_width_do_not_break_a_match() -> None:
    """A member address with NBSP and zero-width characters finds the Entra user."""
    found = directory(entra_entries(users=[entra_user("alice@example.com")]))

    match = found.match("\u00a0Ali\u200bce@Example.com\ufeff")

    assert match.user is not None
    assert (match.user.mail, match.probable, match.ambiguous) == (
        "alice@example.com",
        False,
        False,
    )


def test_mail_wins_over_another_users_upn() -> None:
    """``mail`` is matched before ``userPrincipalName``: no ambiguity, mail's user."""
    by_mail = entra_user("bob@example.com", upn="bob.smith@example.com")
    by_upn = entra_user("robert@example.com", upn="bob@example.com")

    match = directory(entra_entries(users=[by_upn, by_mail])).match("bob@example.com")

    assert match.user is not None
    assert (match.user.user_id, match.ambiguous) == (by_mail["id"], False)


def test_upn_matches_when_mail_is_empty() -> None:
    """A user without mail is still found by its UPN."""
    user = entra_user("carol@example.com", mail="")

    match = directory(entra_entries(users=[user])).match("carol@example.com")

    assert match.user is not None and match.user.user_id == user["id"]


def test_other_mails_match_after_mail() -> None:
    """``otherMails`` find a user whose mail is another address."""
    user = entra_user("d.lee@example.com", other_mails=("dan@example.com",))

    match = directory(entra_entries(users=[user])).match("DAN@example.com")

    assert match.user is not None and match.via == "dan@example.com"


def test_two_users_on_one_mail_are_ambiguous() -> None:
    """Two Entra users sharing a mail make the match ambiguous, both listed."""
    first = entra_user("erin@example.com", upn="erin1@example.com")
    second = entra_user("Erin@Example.com", upn="erin2@example.com", enabled=False)

    match = directory(entra_entries(users=[first, second])).match("erin@example.com")

    assert match.ambiguous
    assert {u.user_id for u in match.candidates} == {first["id"], second["id"]}
    assert match.user is not None and match.user.user_id == first["id"]  # enabled


def test_guest_upn_decodes_at_the_last_underscore_first() -> None:
    """``dan_ext_partner.example#EXT#``: dan_ext@partner.example, then dan@…"""
    upn = "dan_ext_partner.example#EXT#@example.onmicrosoft.com"

    assert is_guest_upn(upn)
    assert guest_upn_candidates(upn) == (
        "dan_ext@partner.example",
        "dan@ext_partner.example",
    )


def test_guest_upn_with_dotted_local_part_offers_every_split() -> None:
    """When both sides of an underscore look like domains, both splits are kept."""
    upn = "j_doe.partner_corp.example#EXT#@t.onmicrosoft.com"

    assert guest_upn_candidates(upn) == (
        "j_doe.partner@corp.example",
        "j@doe.partner_corp.example",
    )


def test_guest_is_matched_only_probably_by_its_upn() -> None:
    """A guest without mail matches by decoded UPN, marked probable."""
    guest = entra_user("dan@partner.example", mail="", guest=True)

    match = directory(entra_entries(users=[guest])).match("dan@partner.example")

    assert match.user is not None and match.user.guest
    assert match.probable


def test_exact_match_beats_a_decoded_guest_upn() -> None:
    """A member user's mail wins over a guest whose UPN decodes to the same key."""
    member_user = entra_user("fay@partner.example")
    guest = entra_user("other@partner.example", mail="", guest=True)
    guest["userPrincipalName"] = "fay_partner.example#EXT#@example.onmicrosoft.com"

    found = directory(entra_entries(users=[guest, member_user]))
    match = found.match("fay@partner.example")

    assert match.user is not None
    assert (match.user.user_id, match.probable) == (member_user["id"], False)


# -- adapters ------------------------------------------------------------------


def test_entra_disabled_user_is_normalised_with_its_raw_status() -> None:
    """accountEnabled=false reads as disabled, the raw value kept."""
    found = directory(
        entra_entries(users=[entra_user("gil@example.com", enabled=False)])
    )

    (user,) = found.users

    assert (user.status, user.raw_status) == (Status.DISABLED, "accountEnabled=false")


def test_okta_statuses_are_normalised() -> None:
    """Okta SUSPENDED / DEPROVISIONED / STAGED map to the neutral statuses."""
    users = [
        okta_user("a@example.com", "SUSPENDED"),
        okta_user("b@example.com", "DEPROVISIONED"),
        okta_user("c@example.com", "STAGED"),
        okta_user("d@example.com", "LOCKED_OUT"),
    ]

    found = directory(okta_entries(users=users))

    assert [(u.status, u.raw_status) for u in found.users] == [
        (Status.SUSPENDED, "SUSPENDED"),
        (Status.DEPROVISIONED, "DEPROVISIONED"),
        (Status.STAGED, "STAGED"),
        (Status.ACTIVE, "LOCKED_OUT"),
    ]


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (["PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION"], True),
        (["PUSH_NEW_USERS"], False),
        (None, None),
    ],
)
def test_okta_v1_deprovisions_by_its_features(
    features: list[str] | None, expected: bool | None
) -> None:
    """PUSH_USER_DEACTIVATION in features: v1 can deprovision; no features: unknown."""
    v1 = okta_app(V1_APP_ID, "Cloudflare SCIM (v1)")
    if features is not None:
        v1["features"] = features

    found = directory(okta_entries(v1=v1, v2=okta_app(V2_APP_ID, "Cloudflare")))

    assert found.apps["v1"].can_deprovision is expected


@pytest.mark.parametrize(
    ("code", "expected"), [("Active", True), ("Paused", False), (None, None)]
)
def test_entra_v1_deprovisions_while_its_job_is_active(
    code: str | None, expected: bool | None
) -> None:
    """The v1 job's status.code Active means unassigning still disables users."""
    jobs = {"v1": code} if code else {}
    entries = entra_entries(jobs=jobs)
    if code is None:
        entries[layout.ENTRA_SYNC_JOBS] = {}

    assert directory(entries).apps["v1"].can_deprovision is expected


def test_entra_nested_only_users_never_include_group_objects() -> None:
    """transitiveMembers' group objects are not users; direct members are not nested."""
    team, sub = entra_group("Cloudflare-Admins"), entra_group("Admins-EU")
    direct, deep = entra_user("hal@example.com"), entra_user("ida@example.com")

    found = directory(
        entra_entries(
            assigned={"v2": [team]},
            members={"Cloudflare-Admins": [direct]},
            nested={"Cloudflare-Admins": [as_nested(sub), deep]},
        )
    )

    group = found.groups[team["id"]]
    assert (group.direct, group.nested_only) == ((direct["id"],), (deep["id"],))


def test_entra_group_assignment_assigns_its_direct_members() -> None:
    """A group assigned to an app assigns its direct members, with the group name."""
    team, user = entra_group("Cloudflare-DNS"), entra_user("jo@example.com")

    found = directory(
        entra_entries(assigned={"v2": [team]}, members={"Cloudflare-DNS": [user]})
    )

    assert [
        (a.app, a.user_id, a.via_group, a.group_name) for a in found.assignments
    ] == [("v2", user["id"], True, "Cloudflare-DNS")]


def test_coverage_v1_v2_and_both() -> None:
    """Users assigned to one app or to both are told apart."""
    both, old, new = (
        entra_user("kim@example.com"),
        entra_user("lou@example.com"),
        entra_user("max@example.com"),
    )

    found = directory(entra_entries(assigned={"v1": [both, old], "v2": [both, new]}))
    by_id = found.users_by_id

    assert [found.coverage(by_id[u["id"]]) for u in (both, old, new)] == [
        Coverage.BOTH,
        Coverage.V1,
        Coverage.V2,
    ]


def test_file_app_with_cf_groups_is_v1_the_other_v2() -> None:
    """Without settings, the app assigning a CF- group is v1, any other v2."""
    rows = [
        file_group_row(2, v1_name("Administrator"), "Cloudflare Old"),
        file_user_row(3, "ned@example.com", "Cloudflare Old"),
        file_user_row(4, "ned@example.com", "Cloudflare New"),
    ]

    found = directory(file_entries(rows))

    assert {t: a.label for t, a in found.apps.items()} == {
        "v1": "Cloudflare Old",
        "v2": "Cloudflare New",
    }
    assert found.apps["v1"].can_deprovision is None
    (ned,) = found.users
    assert found.coverage(ned) is Coverage.BOTH


def test_file_statuses_read_as_text() -> None:
    """File statuses are words: deprovisioned, disabled, suspended, active."""
    rows = [
        file_user_row(2, "a@example.com", "CF", status="Deprovisioned"),
        file_user_row(3, "b@example.com", "CF", status="disabled"),
        file_user_row(4, "c@example.com", "CF", status=""),
    ]

    found = directory(file_entries(rows))

    assert [u.status for u in found.users] == [
        Status.DEPROVISIONED,
        Status.DISABLED,
        Status.UNKNOWN,
    ]


# -- the analysis ------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "idp"),
    [
        (entra_entries(assigned={"v2": [entra_user("owner@example.com")]}), "entra"),
        (file_entries([file_user_row(2, "owner@example.com", "Cloudflare")]), "file"),
        (
            okta_entries(
                v2=okta_app(V2_APP_ID, "Cloudflare"),
                app_users={V2_APP_ID: ["owner@example.com"]},
                users=[okta_user("owner@example.com")],
            ),
            "okta",
        ),
    ],
)
def test_idp_assignments_carry_the_idp(entries: dict[str, Any], idp: str) -> None:
    """Each IdpAssignment names its IdP and joins the member."""
    data = {**cloudflare_entries([member("owner@example.com")]), **entries}

    (row,) = analyze_entries(data).idp_assignments

    assert (row.idp, row.app, row.coverage, row.member_id is not None) == (
        idp,
        "v2",
        "v2 only",
        True,
    )


def test_member_idp_status_is_the_raw_entra_status() -> None:
    """MemberAccess.idp_status holds the IdP's own word for the status."""
    data = {
        **cloudflare_entries([member("owner@example.com")]),
        **entra_entries(users=[entra_user("owner@example.com", enabled=False)]),
    }

    (owner,) = analyze_entries(data).members

    assert owner.idp_status == "accountEnabled=false"


def test_entra_record_of_the_wrong_type_names_it() -> None:
    """accountEnabled as a string is an AnalyzeError naming entry, record, field."""
    user = entra_user("pat@example.com")
    user["accountEnabled"] = "yes"
    data = {
        **cloudflare_entries([member("owner@example.com")]),
        **entra_entries(users=[user]),
    }

    with pytest.raises(AnalyzeError, match=r"entra/users\.json\[0\].*accountEnabled"):
        analyze_entries(data)


def test_file_row_value_that_is_not_text_names_the_row() -> None:
    """A number where the file import promises text is an error naming the row."""
    row = file_user_row(2, "pat@example.com", "Cloudflare")
    row["principal_id"] = 12345

    with pytest.raises(AnalyzeError, match=r"idp_file/rows\.json\[0\]: principal_id"):
        analyze_entries(
            {**cloudflare_entries([member("owner@example.com")]), **file_entries([row])}
        )


def test_v1_and_v2_service_principals_are_labelled() -> None:
    """The Entra apps keep their display names as labels."""
    found = directory(entra_entries())

    assert (found.apps["v1"].label, found.apps["v2"].label) == (
        V1_SP["displayName"],
        V2_SP["displayName"],
    )


_PEOPLE = [
    entra_user("ann@example.com"),
    entra_user("Ann@Example.com", upn="ann2@example.com", enabled=False),
    entra_user("ben@example.com", mail="", upn="ben@example.com"),
    entra_user("cy@partner.example", mail="", guest=True),
    entra_user("dee@example.com", other_mails=("d@example.com",)),
]
_ASKED = ("ann@example.com", "ben@example.com", "cy@partner.example", "d@example.com")


@settings(max_examples=30, deadline=None)
@given(st.permutations(_PEOPLE))
def test_matches_do_not_depend_on_the_order_of_users(people: list[Any]) -> None:
    """Shuffling the IdP's users changes no match, candidate or probability."""
    expected = directory(entra_entries(users=_PEOPLE))
    shuffled = directory(entra_entries(users=list(people)))

    for email in _ASKED:
        a, b = expected.match(email), shuffled.match(email)
        assert (a.user, a.probable, set(a.candidates)) == (
            b.user,
            b.probable,
            set(b.candidates),
        )


def test_file_app_column_and_unassignments_decide() -> None:
    """The collector's app column sets v1/v2; assigned "false" is no assignment."""
    kept = {**file_user_row(2, "ola@example.com", "Okta app"), "app": "v1"}
    kept["assigned"] = "true"
    gone = {**file_user_row(3, "ola@example.com", "Okta app 2"), "app": "v2"}
    gone["assigned"] = "false"
    listed = {**file_user_row(4, "pia@example.com", ""), "app": "", "assigned": ""}
    listed.update(app_id="", app_label="")

    found = directory(file_entries([kept, gone, listed]))

    assert [(a.app, a.login) for a in found.assignments] == [("v1", "ola@example.com")]
    assert {u.login for u in found.users} == {"ola@example.com", "pia@example.com"}


def test_file_push_target_with_a_cf_name_is_a_group_of_the_pushed_members() -> None:
    """As on Okta, a CF- push target is a group; its people are the source's."""
    target = v1_name("Administrator")
    group = file_row(
        2,
        app_label="Cloudflare SCIM",
        principal_type="group",
        principal_name="Admins",
        group_id="g-admins",
        group_name="Admins",
        pushed="true",
        push_target_name=target,
    )
    ned = file_user_row(3, "ned@example.com", "", group="Admins")
    ned["group_id"] = "g-admins"

    found = directory(file_entries([group, ned]))

    pushed = found.groups[f"push:{target}"]
    assert (pushed.name, pushed.direct) == (target, ("u-ned@example.com",))
    assert found.groups["g-admins"].name == "Admins"
