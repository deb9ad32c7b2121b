"""diff_analyses: verdicts per member, grant changes, findings across runs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from analyze_fixtures import ACCOUNT_ID, analyze_entries, load_entries, member, one_zone
from analyze_fixtures import policy as make_policy
from diff_fixtures import ADMIN, account, in_admins_group, in_virtual_admin

from reporter.analyze.model import Severity
from reporter.diff import MemberVerdict, diff_analyses
from reporter.diff.model import ChangeKind
from reporter.errors import ConfigError

ALICE = "alice@example.com"


def test_virtual_group_to_user_group_is_migrated() -> None:
    """The intended migration keeps access and names both sources."""
    diff = diff_analyses(in_virtual_admin(), in_admins_group())

    (alice,) = diff.members

    assert alice.verdict is MemberVerdict.MIGRATED
    assert [c.summary for c in alice.changes] == [
        "virtual group Administrator → user group Cloudflare-Admins"
    ]
    assert diff.findings == ()


def test_removed_virtual_group_without_replacement_loses_access() -> None:
    """Dropping the v1 group with nothing in its place is lost access, a high."""
    diff = diff_analyses(in_virtual_admin(), account([member(ALICE)]))

    (alice,) = diff.members
    (finding,) = diff.findings

    assert alice.verdict is MemberVerdict.LOST
    assert [(c.kind, c.permission_group) for c in alice.changes] == [
        (ChangeKind.LOST, ADMIN)
    ]
    assert (finding.check_id, finding.subject, finding.severity) == (
        "member-lost-access",
        ALICE,
        Severity.HIGH,
    )


def test_whole_account_to_one_zone_is_narrowed() -> None:
    """A policy moved from the account to one zone narrows it: lost access."""
    before = account([member(ALICE, policies=(make_policy("DNS"),))])
    after = account(
        [member(ALICE, policies=(make_policy("DNS", resource_group=one_zone()),))]
    )

    (alice,) = diff_analyses(before, after).members

    assert [c.kind for c in alice.changes] == [ChangeKind.NARROWED]
    assert alice.verdict is MemberVerdict.LOST


def test_one_zone_to_whole_account_is_widened() -> None:
    """The reverse move widens the grant: gained access."""
    before = account(
        [member(ALICE, policies=(make_policy("DNS", resource_group=one_zone()),))]
    )
    after = account([member(ALICE, policies=(make_policy("DNS"),))])

    (alice,) = diff_analyses(before, after).members

    assert [c.kind for c in alice.changes] == [ChangeKind.WIDENED]
    assert alice.verdict is MemberVerdict.GAINED


def test_gained_admin_is_called_out() -> None:
    """A new Administrator grant is an admin gain and a high finding."""
    before = account([member(ALICE, policies=(make_policy("DNS"),))])
    after = account([member(ALICE, policies=(make_policy("DNS"), make_policy(ADMIN)))])

    diff = diff_analyses(before, after)

    assert [(g.email, g.permission_group) for g in diff.admin_gains] == [(ALICE, ADMIN)]
    assert [f.check_id for f in diff.findings] == ["admin-access-gained"]
    assert diff.members[0].verdict is MemberVerdict.GAINED


def test_new_member_with_admin_is_an_admin_gain() -> None:
    """A member who appears already holding Administrator is called out."""
    before = account([member(ALICE)])
    after = account([member(ALICE), member("mallory@example.com", roles=(ADMIN,))])

    diff = diff_analyses(before, after)

    assert [m.email for m in diff.added] == ["mallory@example.com"]
    assert [g.email for g in diff.admin_gains] == ["mallory@example.com"]


def test_removed_member_is_listed() -> None:
    """A member only in the earlier snapshot is listed as removed."""
    before = account([member(ALICE), member("bob@example.com")])

    diff = diff_analyses(before, account([member(ALICE)]))

    assert ([m.email for m in diff.removed], diff.added) == (["bob@example.com"], ())


def test_deny_added_over_an_allow_loses_access() -> None:
    """A new deny of the same permission group beats the allow: lost."""
    before = account([member(ALICE, policies=(make_policy("DNS"),))])
    deny = make_policy("DNS", access="deny")
    after = account([member(ALICE, policies=(make_policy("DNS"), deny))])

    (alice,) = diff_analyses(before, after).members

    assert alice.verdict is MemberVerdict.LOST


def test_members_join_by_email_key_not_id() -> None:
    """A re-invited member (new id, other case) is the same member."""
    before = account([member(ALICE, roles=("DNS",))])
    again = member("Alice@Example.com", roles=("DNS",))
    again["id"] = "f" * 32

    diff = diff_analyses(before, account([again]))

    assert [(m.verdict, m.member_id) for m in diff.members] == [
        (MemberVerdict.UNCHANGED, "f" * 32)
    ]
    assert (diff.added, diff.removed) == ((), ())


def test_findings_new_resolved_and_persisting_by_id() -> None:
    """Findings are matched across runs by their stable finding id.

    The after account has no IdP: its findings' checks could not assess, so
    they are not resolved.
    """
    before = analyze_entries(load_entries("mid_migration"))
    after = in_admins_group()

    diff = diff_analyses(before, after)

    old = {f.finding_id for f in before.findings}
    new = {f.finding_id for f in after.findings}
    resolved = {f.finding_id for f in diff.resolved_findings}
    unassessed = {f.finding_id for f in diff.unassessed_after}
    assert resolved | unassessed == old - new
    assert resolved and unassessed and not resolved & unassessed
    assert {f.finding_id for f in diff.new_findings} == new - old
    assert {f.finding_id for f in diff.persisting_findings} == old & new


def test_different_accounts_are_refused() -> None:
    """Two accounts' snapshots are a usage error naming both ids."""
    mine = in_admins_group()
    theirs = replace(mine, account_id="0" * 32)

    with pytest.raises(ConfigError) as caught:
        diff_analyses(mine, theirs)

    assert ACCOUNT_ID in str(caught.value) and "0" * 32 in str(caught.value)
    assert caught.value.exit_code == 2


def test_losing_the_last_super_admin_is_a_new_critical() -> None:
    """When AFTER leaves no Super Administrator the guard is a new critical."""
    owners = "Cloudflare-Owners"
    before = account(
        [member(ALICE)],
        groups={owners: (make_policy("Super Administrator - All Privileges"),)},
        in_groups={owners: [ALICE]},
    )
    after = account([member(ALICE)], groups={owners: ()}, in_groups={owners: [ALICE]})

    diff = diff_analyses(before, after)

    new = [(f.check_id, f.severity) for f in diff.new_findings]
    assert ("super-admin-none-after-removal", Severity.CRITICAL) in new
    assert diff.members[0].verdict is MemberVerdict.LOST
