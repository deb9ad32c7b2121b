"""Properties of the effective-grant model and the diff (Hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace

from analyze_fixtures import ACCOUNT_ID, ZONE_ID, analyze_entries, load_entries
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analyze_determinism import shuffled

from reporter.analyze.effective import effective_allows
from reporter.analyze.model import Access, Analysis, Grant, Scope, Source
from reporter.analyze.scopes import account_scope, parse_scope
from reporter.diff import MemberVerdict, diff_analyses

BASE = load_entries("mid_migration")
MID = analyze_entries(BASE)
PERMISSION_GROUPS = {"pg-admin": "Administrator", "pg-dns": "DNS", "pg-bill": "Billing"}
WHOLE = account_scope(ACCOUNT_ID)
ZONE = parse_scope(
    {
        "key": f"com.cloudflare.api.account.{ACCOUNT_ID}",
        "objects": [{"key": f"com.cloudflare.api.account.zone.{ZONE_ID}"}],
    },
    ACCOUNT_ID,
)


def _grant(
    pg_id: str, scope: Scope, source: Source, access: Access = Access.ALLOW
) -> Grant:
    name = PERMISSION_GROUPS[pg_id]
    return Grant(
        member_id="m",
        permission_group_id=pg_id,
        permission_group=name,
        scope=scope,
        access=access,
        source=source,
        source_name=f"{source} for {name}",
        source_id=f"{source}:{pg_id}",
    )


grants = st.builds(
    _grant,
    st.sampled_from(sorted(PERMISSION_GROUPS)),
    st.sampled_from([WHOLE, ZONE]),
    st.sampled_from(list(Source)),
    st.sampled_from([Access.ALLOW, Access.DENY]),
)


def _with_grants(analysis: Analysis, held: list[Grant]) -> Analysis:
    """``analysis`` whose first member holds exactly ``held``."""
    first = replace(analysis.members[0], grants=tuple(held))
    return replace(analysis, members=(first, *analysis.members[1:]))


def _verdict(before: list[Grant], after: list[Grant]) -> MemberVerdict:
    diff = diff_analyses(_with_grants(MID, before), _with_grants(MID, after))
    return diff.members[0].verdict


@settings(max_examples=40, deadline=None)
@given(st.lists(grants, max_size=8))
def test_snapshot_diffed_with_itself_is_all_unchanged(held: list[Grant]) -> None:
    """Every member unchanged, nothing added, removed, new or resolved."""
    analysis = _with_grants(MID, held)

    diff = diff_analyses(analysis, analysis)

    assert {m.verdict for m in diff.members} == {MemberVerdict.UNCHANGED}
    assert (diff.added, diff.removed, diff.new_findings, diff.resolved_findings) == (
        (),
        (),
        (),
        (),
    )
    assert diff.findings == ()


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordered_members_groups_and_policies_change_nothing(
    rng: random.Random,
) -> None:
    """The same entries in any order diff as all unchanged, findings persisting."""
    entries = {name: shuffled(value, rng) for name, value in BASE.items()}

    diff = diff_analyses(MID, analyze_entries(entries))

    assert {m.verdict for m in diff.members} == {MemberVerdict.UNCHANGED}
    assert len(diff.persisting_findings) == len(MID.findings)
    assert diff.new_findings == diff.resolved_findings == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(grants, max_size=6), st.sampled_from(sorted(PERMISSION_GROUPS)))
def test_virtual_group_to_equivalent_user_group_is_migrated(
    others: list[Grant], pg_id: str
) -> None:
    """Swapping a v1 grant for the same user group grant is a migration."""
    # The other grants must neither grant nor deny the moved permission group.
    rest = [g for g in others if g.permission_group_id != pg_id]
    virtual = _grant(pg_id, WHOLE, Source.VIRTUAL_GROUP)
    group = _grant(pg_id, WHOLE, Source.USER_GROUP)

    assert _verdict([virtual, *rest], [group, *rest]) is MemberVerdict.MIGRATED


@settings(max_examples=60, deadline=None)
@given(st.lists(grants, min_size=1, max_size=8), st.sampled_from(list(Source)))
def test_a_deny_beats_an_allow(held: list[Grant], source: Source) -> None:
    """A whole-account deny of a permission group leaves no allow of it."""
    pg_id = held[0].permission_group_id or ""
    deny = _grant(pg_id, WHOLE, source, Access.DENY)

    effective = effective_allows([*held, deny])

    assert all(g.permission_group_id != pg_id for g in effective)


@settings(max_examples=60, deadline=None)
@given(st.lists(grants, max_size=6), st.sampled_from(sorted(PERMISSION_GROUPS)))
def test_adding_a_deny_over_a_held_allow_loses_access(
    others: list[Grant], pg_id: str
) -> None:
    """A member whose only allow of a group gets denied has lost access."""
    rest = [g for g in others if g.permission_group_id != pg_id]
    allow = _grant(pg_id, WHOLE, Source.USER_GROUP)
    deny = _grant(pg_id, WHOLE, Source.DIRECT_POLICY, Access.DENY)

    assert _verdict([allow, *rest], [allow, deny, *rest]) is MemberVerdict.LOST
