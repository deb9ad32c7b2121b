"""The demo organization after its migration (stage "post") has its declared facts."""

from __future__ import annotations

import pytest
from diff_fixtures import demo_analysis

from reporter.analyze.model import Analysis
from reporter.demo import build_organization
from reporter.demo.scenario import EXPECTED, EXPECTED_POST
from reporter.errors import ConfigError


@pytest.fixture(scope="module")
def post() -> Analysis:
    """The analysis of the post-migration demo organization."""
    return demo_analysis("post")


def test_same_account_and_members_as_pre(post: Analysis) -> None:
    """The post stage is the same account with the same member emails."""
    pre = demo_analysis("pre")

    assert post.account_id == EXPECTED_POST.account_id == EXPECTED.account_id
    assert sorted(m.email for m in post.members) == sorted(m.email for m in pre.members)


def test_same_member_ids_as_pre(post: Analysis) -> None:
    """Shared objects keep their ids: the migration draws its own."""
    pre = demo_analysis("pre")

    assert [m.member_id for m in post.members] == [m.member_id for m in pre.members]


def test_post_step_statuses(post: Analysis) -> None:
    """Each step has the declared post-migration status."""
    assert {s.number: s.status.value for s in post.steps} == EXPECTED_POST.step_status


def test_nobody_is_at_risk_and_step_6_is_go(post: Analysis) -> None:
    """No member depends on a virtual group any more; the verdict is go."""
    assert (post.members_at_risk, post.verdict.go) == ((), EXPECTED_POST.go)


def test_no_virtual_group_has_members(post: Analysis) -> None:
    """Every v1 group is empty after the migration."""
    assert EXPECTED_POST.virtual_groups_with_members == {}
    assert all(not g.members for g in post.virtual_groups if g.side == "cloudflare")


def test_declared_lost_member_is_the_forgotten_one() -> None:
    """The one deliberate mistake: Lucas Martin loses Billing."""
    assert EXPECTED_POST.lost_access == {"lucas.martin@northwind.example": ("Billing",)}
    assert EXPECTED.lost_access == {}


def test_unknown_stage_is_refused() -> None:
    """A stage other than pre or post is a usage error naming it."""
    with pytest.raises(ConfigError, match="midway"):
        build_organization(stage="midway")
