"""Group lookups indexed once answer what a scan of every group answers (§6.2)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from analyze_fixtures import ACCOUNT_ID
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.analyze.cloudflare import CloudflareView, PermissionGroups
from reporter.analyze.directory import PushMapping
from reporter.analyze.facts import scim_counterpart
from reporter.analyze.identity import name_key
from reporter.analyze.inputs import text
from reporter.analyze.names import V1_SCIM_PREFIX
from reporter.analyze.steps import _scim_group_for

# Few values, so that ids, names and external ids collide: blanks, case,
# spacing and NFKC variants, a v1 system group id.
IDS = st.sampled_from(["", "g1", "g2", "G1", f"{V1_SCIM_PREFIX}pg1", "ug1"])
NAMES = st.sampled_from(["", " ", "Ops", "ops", " Ops  ", "Ｏｐｓ", "DNS", "CF-x"])
SCIM_GROUP = st.fixed_dictionaries(
    {"id": IDS, "displayName": NAMES, "externalId": IDS | NAMES}
)
USER_GROUP = st.fixed_dictionaries({"id": IDS, "name": NAMES})


def _view(scim_groups: list[dict[str, Any]], user_groups: list[dict[str, Any]]) -> Any:
    by_id: dict[str, dict[str, Any]] = {}
    for group in scim_groups:
        by_id.setdefault(group["id"], group)
    return CloudflareView(
        account_id=ACCOUNT_ID,
        members=[],
        permission_groups=PermissionGroups.from_list([]),
        resource_groups={},
        user_groups=user_groups,
        user_group_members={},
        scim_users=[],
        scim_groups=by_id,
    )


def _custom(view: CloudflareView) -> list[dict[str, Any]]:
    return [
        g
        for gid, g in sorted(view.scim_groups.items())
        if not gid.startswith(V1_SCIM_PREFIX)
    ]


def _scanned_counterpart(
    user_group: dict[str, Any], view: CloudflareView
) -> dict[str, Any] | None:
    """The lookup as it was: every custom group, by id, then by name."""
    for group in _custom(view):
        if text(group, "id") == text(user_group, "id"):
            return group
    name = name_key(text(user_group, "name"))
    for group in _custom(view):
        if name_key(text(group, "displayName")) == name:
            return group
    return None


def _scanned_push_target(
    mapping: PushMapping, view: CloudflareView
) -> dict[str, Any] | None:
    """The lookup as it was: by externalId, then by either name."""
    for group in _custom(view):
        if text(group, "externalId") == mapping.source_id:
            return group
    names = {name_key(n) for n in (mapping.source_name, mapping.target_name) if n}
    for group in _custom(view):
        if name_key(text(group, "displayName")) in names:
            return group
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(SCIM_GROUP, max_size=6), st.lists(USER_GROUP, max_size=4))
def test_user_group_counterpart_is_the_scanned_one(
    scim_groups: list[dict[str, Any]], user_groups: list[dict[str, Any]]
) -> None:
    """Each user group's SCIM counterpart is the very group a full scan finds."""
    view = _view(scim_groups, user_groups)

    found = [scim_counterpart(g, view) for g in user_groups]

    scanned = [_scanned_counterpart(g, view) for g in user_groups]
    assert all(a is b for a, b in zip(found, scanned, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(SCIM_GROUP, max_size=6), IDS | NAMES, NAMES, NAMES)
def test_push_target_is_the_scanned_one(
    scim_groups: list[dict[str, Any]], source_id: str, source: str, target: str
) -> None:
    """A push's SCIM group is the very group a scan by externalId, then name, finds."""
    view = _view(scim_groups, [])
    mapping = PushMapping("v2", "m1", source_id, source, target, "active", "", "")

    found = _scim_group_for(SimpleNamespace(cloudflare=view), mapping)  # type: ignore[arg-type]

    assert found is _scanned_push_target(mapping, view)


@settings(max_examples=200, deadline=None)
@given(st.lists(USER_GROUP, max_size=4), NAMES)
def test_user_group_name_lookup_is_the_scanned_one(
    user_groups: list[dict[str, Any]], name: str
) -> None:
    """A name is a user group's exactly when a scan comparing name keys says so."""
    view = _view([], user_groups)

    found = view.has_user_group_named(name)

    assert found == any(
        name_key(text(g, "name")) == name_key(name) for g in user_groups
    )
