"""What a hostile tester's crafted snapshots (valid hashes, bad content) get.

Wrong types are an AnalyzeError naming the entry, record and field; members
that identify no one are refused; inputs that cannot answer the question are
"not assessed"; the verdict is go only when everything could be assessed.
"""

from __future__ import annotations

from typing import Any

import pytest
from analyze_fixtures import (
    analyze_entries,
    cloudflare_entries,
    entries_from_organization,
    failure,
    member,
    member_id,
    okta_entries,
    policy,
    scim_user,
    snapshot_from_entries,
    user_group,
    v1_group,
    v1_group_id,
)

from reporter.analyze import analyze
from reporter.analyze.model import Analysis, StepStatus
from reporter.demo import build_organization
from reporter.errors import AnalyzeError
from reporter.snapshot import layout

ALICE, BOB = "alice@example.com", "bob@example.com"
OKTA_ENTRIES = frozenset(layout.OKTA_ENTRIES)


def in_admin_group() -> dict[str, Any]:
    """Alice and Bob hold Administrator through the virtual group only."""
    return {
        **cloudflare_entries(
            [member(ALICE), member(BOB)],
            scim_users=[
                scim_user(e, v1_group_id("Administrator")) for e in (ALICE, BOB)
            ],
            scim_groups=[v1_group("Administrator")],
        ),
        **okta_entries(),
    }


def error_of(entries: dict[str, Any]) -> str:
    """The message of the AnalyzeError analysing ``entries`` raises."""
    with pytest.raises(AnalyzeError) as raised:
        analyze_entries(entries)
    return raised.value.message


def not_assessed_reason(analysis: Analysis, check_id: str) -> str:
    """The reason ``check_id`` could not be assessed."""
    (found,) = [n for n in analysis.not_assessed if n.check_id == check_id]
    return found.reason


def test_member_roles_of_the_wrong_type_name_entry_record_and_field() -> None:
    """An int where roles[] belongs is an error naming index, id and field."""
    entries = in_admin_group()
    entries[layout.CF_MEMBERS][1]["roles"] = 3
    bob = member_id(BOB)

    assert error_of(entries) == (
        f"cloudflare/members.json[1] (id {bob}): roles must be a list, got int"
    )


@pytest.mark.parametrize(
    ("entry", "field", "value", "expected"),
    [
        (layout.CF_USER_GROUPS, "policies", 7, "policies must be a list, got int"),
        (layout.CF_USER_GROUPS, "name", 7, "name must be a string, got int"),
        (layout.CF_SCIM_USERS, "userName", 7, "userName must be a string, got int"),
        (
            layout.CF_SCIM_USERS,
            "groups",
            [7],
            "groups[0] must be a string or an object, got int",
        ),
    ],
)
def test_user_group_and_scim_user_fields_of_the_wrong_type(
    entry: str, field: str, value: Any, expected: str
) -> None:
    """Ints in user groups and SCIM users are errors naming the field."""
    entries = in_admin_group()
    entries[layout.CF_USER_GROUPS] = [user_group("Admins", policy("Administrator"))]
    entries[layout.CF_USER_GROUP_MEMBERS] = {
        entries[layout.CF_USER_GROUPS][0]["id"]: []
    }
    record = entries[entry][0]
    record[field] = value

    assert error_of(entries) == f"{entry}[0] (id {record['id']}): {expected}"


def test_null_where_the_api_allows_it_is_analysed() -> None:
    """A pending invite with no user and null names is a member, not an error."""
    entries = in_admin_group()
    invite = member("carol@example.com", status="pending")
    invite["user"] = None
    entries[layout.CF_MEMBERS].append(invite)

    analysis = analyze_entries(entries)

    assert [m.email for m in analysis.members] == [ALICE, BOB, "carol@example.com"]


def test_member_without_an_id_is_refused_by_index() -> None:
    """A member whose fields are all null identifies no one: an error."""
    entries = in_admin_group()
    entries[layout.CF_MEMBERS][1] = dict.fromkeys(entries[layout.CF_MEMBERS][1])

    assert error_of(entries) == (
        "cloudflare/members.json[1] has no id; every account member has one"
    )


def test_duplicate_member_ids_are_refused_naming_the_id() -> None:
    """Two members sharing an id would join the wrong user groups: an error."""
    entries = in_admin_group()
    entries[layout.CF_MEMBERS][1]["id"] = member_id(ALICE)

    assert error_of(entries) == (
        f"cloudflare/members.json: member id {member_id(ALICE)} is held by 2 "
        "records ([0], [1]); member ids are unique"
    )


def test_scim_users_without_groups_make_at_risk_not_assessed() -> None:
    """No groups attribute is not an empty list: at risk is unknown, no-go."""
    entries = in_admin_group()
    for user in entries[layout.CF_SCIM_USERS]:
        del user["groups"]

    analysis = analyze_entries(entries)

    reason = "2 SCIM users carry no groups attribute"
    assert not_assessed_reason(analysis, "member-at-risk") == reason
    assert not_assessed_reason(analysis, "virtual-group-remaining") == reason
    assert (analysis.verdict.go, analysis.verdict.summary) == (
        False,
        "No-go: who is at risk could not be assessed.",
    )
    assert f"Who is at risk could not be assessed: {reason}." in (
        analysis.verdict.blockers
    )


def test_zero_members_make_member_checks_not_assessed() -> None:
    """An account listing no member means the token sees none: no-go."""
    entries = in_admin_group()
    entries[layout.CF_MEMBERS] = []

    analysis = analyze_entries(entries)

    reason = (
        "cloudflare/members.json lists no member, yet every Cloudflare account "
        "has at least one (a Super Administrator): the token sees none"
    )
    assert not_assessed_reason(analysis, "member-at-risk") == reason
    assert not_assessed_reason(analysis, "pending-invite-admin") == reason
    assert analysis.steps[4].status is StepStatus.COULD_NOT_ASSESS
    assert analysis.verdict.go is False


def post_migration_entries() -> dict[str, Any]:
    """The demo organization after its migration, laid out as entries."""
    return entries_from_organization(build_organization(stage="post"))


def analyse_demo(entries: dict[str, Any]) -> Analysis:
    """Analyse demo ``entries`` as a snapshot of the demo account."""
    account_id = entries[layout.CF_ACCOUNT]["id"]
    return analyze(snapshot_from_entries(entries, account_id=account_id))


def test_verdict_is_no_go_when_okta_was_not_collected() -> None:
    """Nobody at risk, but steps that could not be assessed block the go."""
    entries = post_migration_entries()
    assert analyse_demo(entries).verdict.go is True
    without_okta = {k: v for k, v in entries.items() if k not in OKTA_ENTRIES}

    verdict = analyse_demo(without_okta).verdict

    assert (verdict.go, verdict.summary) == (
        False,
        "No-go: 4 step(s) could not be assessed.",
    )
    assert [b.split(":")[0] for b in verdict.blockers] == [
        f"Step {n} could not be assessed" for n in (1, 2, 3, 6)
    ]
    assert verdict.blockers[3] == (
        "Step 6 could not be assessed: okta/push_mappings.json was not collected "
        "(okta was not queried). okta/groups.json was not collected (okta was "
        "not queried)."
    )


def test_at_risk_assessed_is_false_when_scim_users_failed() -> None:
    """The analysis tells renderers that "nobody at risk" is unknown."""
    entries = in_admin_group()
    del entries[layout.CF_SCIM_USERS]
    failed = failure(layout.CF_SCIM_USERS, status=403, reason="denied", hint="x")

    analysis = analyze_entries(entries, failed={layout.CF_SCIM_USERS: failed})

    assert (analysis.at_risk_assessed, analysis.members_at_risk) == (False, ())


def test_at_risk_assessed_is_true_when_every_input_was_read() -> None:
    """With every input read, at risk was assessed and names both members."""
    analysis = analyze_entries(in_admin_group())

    assert analysis.at_risk_assessed is True
    assert [m.email for m in analysis.members_at_risk] == [ALICE, BOB]
