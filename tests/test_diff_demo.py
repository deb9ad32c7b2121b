"""The demo before and after its migration: one member lost access, the rest moved."""

from __future__ import annotations

import pytest
from diff_fixtures import demo_analysis

from reporter.demo.scenario import EXPECTED, EXPECTED_POST
from reporter.diff import DiffResult, MemberVerdict, diff_analyses


@pytest.fixture(scope="module")
def diff() -> DiffResult:
    """The diff of the pre and post demo organizations."""
    return diff_analyses(demo_analysis("pre"), demo_analysis("post"))


def test_exactly_the_declared_member_lost_access(diff: DiffResult) -> None:
    """Only the declared member lost access, and what they lost is declared."""
    lost = {
        m.email: tuple(c.permission_group for c in m.changes)
        for m in diff.with_verdict(MemberVerdict.LOST)
    }

    assert lost == EXPECTED_POST.lost_access


def test_every_member_at_risk_before_migrated_or_lost(diff: DiffResult) -> None:
    """Members who depended on a virtual group are migrated, but the forgotten one."""
    verdicts = {m.email: m.verdict for m in diff.members}

    for email in EXPECTED.members_at_risk:
        expected = (
            MemberVerdict.LOST
            if email in EXPECTED_POST.lost_access
            else MemberVerdict.MIGRATED
        )
        assert verdicts[email] is expected, email


def test_nobody_gained_access(diff: DiffResult) -> None:
    """The migration adds no access and no admin access."""
    assert (diff.with_verdict(MemberVerdict.GAINED), diff.admin_gains) == ((), ())


def test_lost_access_is_the_only_own_finding(diff: DiffResult) -> None:
    """The diff's own findings name the lost member only."""
    assert [(f.check_id, f.subject) for f in diff.findings] == [
        ("member-lost-access", "lucas.martin@northwind.example")
    ]


def test_at_risk_findings_are_resolved(diff: DiffResult) -> None:
    """Every member-at-risk finding of the pre stage is resolved after it."""
    resolved = {
        f.subject for f in diff.resolved_findings if f.check_id == "member-at-risk"
    }

    assert resolved == set(EXPECTED.members_at_risk)
    assert diff.new_findings == ()
