"""The migration guide's six steps and the step-6 verdict (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reporter.analyze.checks import AT_RISK_INPUTS, v2_app_group_names
from reporter.analyze.facts import Facts
from reporter.analyze.grants import policy_grants
from reporter.analyze.identity import name_key
from reporter.analyze.inputs import Json, text
from reporter.analyze.model import MemberAccess, Source, StepResult, StepStatus, Verdict
from reporter.analyze.names import parse_v1_name
from reporter.analyze.okta import app_user_keys
from reporter.analyze.risk import covers
from reporter.snapshot import layout

Outcome = tuple[StepStatus, list[str]]
DONE, IN_PROGRESS, NOT_STARTED = (
    StepStatus.DONE,
    StepStatus.IN_PROGRESS,
    StepStatus.NOT_STARTED,
)


@dataclass(frozen=True)
class Step:
    """One guide step: its number, title, inputs and status rule."""

    number: int
    title: str
    requires: tuple[str, ...]
    rule: Callable[[Facts], Outcome]


def _listing(values: list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit} more" if len(values) > limit else shown


def _app_label(app: Json) -> str:
    return f"{text(app, 'label') or text(app, 'name')} ({text(app, 'id')})"


def new_app(facts: Facts) -> Outcome:
    """Step 1: a v2 app is located and ACTIVE."""
    app = facts.okta.v2_app
    if app is None:
        return NOT_STARTED, ["No v2 Cloudflare app is located in Okta."]
    status = text(app, "status") or "of unknown status"
    sentence = f"The v2 app {_app_label(app)} is {status}."
    return (DONE if status == "ACTIVE" else IN_PROGRESS), [sentence]


def assign(facts: Facts) -> Outcome:
    """Step 2: every v1 app user is a v2 app user; no v2 group is named CF…."""
    okta = facts.okta
    app = okta.v2_app
    v2_users = okta.app_users.get(text(app, "id"), []) if app else []
    v2_groups = v2_app_group_names(facts)
    if not v2_users and not v2_groups:
        return NOT_STARTED, ["The v2 app has no users and no groups assigned."]
    v2_keys = okta.app_user_keys(app)
    v1_users = okta.app_users.get(text(okta.v1_app, "id"), []) if okta.v1_app else []
    left = sorted(
        text(u, "credentials", "userName") or text(u, "id")
        for u in v1_users
        if not app_user_keys(u) & v2_keys
    )
    cf_named = sorted(name for name in v2_groups if name.startswith("CF"))
    evidence = [
        f"The v2 app has {len(v2_users)} user(s) and {len(v2_groups)} group(s)."
    ]
    if left:
        evidence.append(
            f"{len(left)} v1 app user(s) are not v2 users: {_listing(left)}."
        )
    if cf_named:
        evidence.append(f"v2 groups named with the CF prefix: {_listing(cf_named)}.")
    return (IN_PROGRESS if left or cf_named else DONE), evidence


def sync_groups(facts: Facts) -> Outcome:
    """Step 3: every v2 mapping is ACTIVE and arrived as SCIM and user group."""
    okta = facts.okta
    app = okta.v2_app
    mappings = okta.push_mappings.get(text(app, "id"), []) if app else []
    if not mappings:
        return NOT_STARTED, ["The v2 app pushes no groups."]
    problems = [p for m in mappings if (p := _mapping_problem(facts, m))]
    evidence = [f"The v2 app has {len(mappings)} push mapping(s).", *problems]
    return (IN_PROGRESS if problems else DONE), evidence


def _mapping_problem(facts: Facts, mapping: Json) -> str:
    source_id = text(mapping, "sourceGroupId")
    name = facts.okta.group_name(source_id)
    label = name or source_id
    status = text(mapping, "status")
    if status != "ACTIVE":
        return f"The push of {label!r} is {status or 'of unknown status'}."
    scim = _scim_group_for(facts, source_id, name)
    if scim is None:
        return f"{label!r} has no SCIM group in Cloudflare."
    wanted = name_key(text(scim, "displayName"))
    if not any(
        name_key(text(g, "name")) == wanted for g in facts.cloudflare.user_groups
    ):
        return f"{label!r} has no user group of the same name."
    return ""


def _scim_group_for(facts: Facts, okta_group_id: str, name: str) -> Json | None:
    custom = facts.cloudflare.custom_scim_groups()
    for group in custom:
        if text(group, "externalId") == okta_group_id:
            return group
    for group in custom:
        if name and name_key(text(group, "displayName")) == name_key(name):
            return group
    return None


def attach_policies(facts: Facts) -> Outcome:
    """Step 4: SCIM-managed user groups have policies covering the v1 roles."""
    managed = [g for g in facts.user_groups if g.scim_managed]
    bare = sorted(g.name for g in managed if not g.policy_count)
    if not managed or len(bare) == len(managed):
        return NOT_STARTED, ["No SCIM-managed user group has a policy."]
    needed = _virtual_permission_groups(facts.members)
    granted = _user_group_coverage(facts)
    uncovered = sorted(name for pg_id, name in needed.items() if pg_id not in granted)
    evidence = [f"{len(managed) - len(bare)} SCIM-managed user group(s) have a policy."]
    if bare:
        evidence.append(f"SCIM-managed user groups with no policy: {_listing(bare)}.")
    if uncovered:
        evidence.append(
            f"No user group grants these virtual-group permission groups: "
            f"{_listing(uncovered)}."
        )
    return (IN_PROGRESS if bare or uncovered else DONE), evidence


def _virtual_permission_groups(members: tuple[MemberAccess, ...]) -> dict[str, str]:
    return {
        g.permission_group_id: g.permission_group
        for m in members
        for g in m.grants
        if g.source is Source.VIRTUAL_GROUP and g.permission_group_id
    }


def _user_group_coverage(facts: Facts) -> set[str | None]:
    return {
        grant.permission_group_id
        for group in facts.cloudflare.user_groups
        for policy in group.get("policies") or []
        if isinstance(policy, dict)
        for grant in policy_grants(
            policy,
            facts.cloudflare,
            member_id="",
            source=Source.USER_GROUP,
            source_name=text(group, "name"),
            source_id=text(group, "id"),
        )
        if covers(grant)
    }


def move_users(facts: Facts) -> Outcome:
    """Step 5: no member depends on a virtual group alone."""
    at_risk = [m for m in facts.members if m.at_risk]
    if not at_risk:
        return DONE, ["No member depends on a virtual group alone."]
    in_virtual = [m for m in facts.members if _virtual_names(m)]
    untouched = all(
        set(m.at_risk) == _virtual_names(m) and not m.user_groups for m in in_virtual
    )
    evidence = [
        f"{len(at_risk)} of {len(in_virtual)} virtual group member(s) are at risk."
    ]
    return (NOT_STARTED if untouched else IN_PROGRESS), evidence


def _virtual_names(member: MemberAccess) -> set[str]:
    return {
        g.permission_group for g in member.grants if g.source is Source.VIRTUAL_GROUP
    }


def remove_virtual_groups(facts: Facts) -> Outcome:
    """Step 6: no v1 memberships and no push mappings to CF- groups remain."""
    groups = sorted(
        g.display_name
        for g in facts.virtual_groups
        if g.side == "cloudflare" and not g.foreign and g.members
    )
    mappings = okta_virtual_mappings(facts)
    evidence = []
    if groups:
        evidence.append(f"SCIM users remain in virtual groups: {_listing(groups)}.")
    if mappings:
        evidence.append(f"Okta still pushes to CF- groups: {_listing(mappings)}.")
    if groups and mappings:
        return NOT_STARTED, evidence
    if groups or mappings:
        return IN_PROGRESS, evidence
    return DONE, ["No virtual group membership and no CF- push mapping remains."]


def okta_virtual_mappings(facts: Facts) -> list[str]:
    """Target names of push mappings to a CF- group of this account."""
    okta = facts.okta
    names = []
    for mappings in okta.push_mappings.values():
        for mapping in mappings:
            target = okta.group_name(text(mapping, "targetGroupId"))
            parsed = parse_v1_name(target, facts.account_id)
            if parsed is not None and not parsed.foreign:
                names.append(target)
    return sorted(set(names))


_OKTA_APP = (layout.OKTA_APPS,)
STEPS = (
    Step(1, "Create a new SCIM app with an account-owned token", _OKTA_APP, new_app),
    Step(
        2,
        "Assign users and groups to the new app",
        (*_OKTA_APP, layout.OKTA_APP_USERS, layout.OKTA_APP_GROUPS),
        assign,
    ),
    Step(
        3,
        "Sync groups and check they show under User Groups",
        (
            *_OKTA_APP,
            layout.OKTA_PUSH_MAPPINGS,
            layout.OKTA_GROUPS,
            layout.CF_SCIM_GROUPS,
            layout.CF_USER_GROUPS,
        ),
        sync_groups,
    ),
    Step(
        4,
        "Attach permission policies to the new groups",
        (
            layout.CF_USER_GROUPS,
            layout.CF_SCIM_GROUPS,
            layout.CF_SCIM_USERS,
            layout.CF_MEMBERS,
        ),
        attach_policies,
    ),
    Step(5, "Move users into the new groups", AT_RISK_INPUTS, move_users),
    Step(
        6,
        "Remove virtual groups and IdP mappings",
        (
            layout.CF_SCIM_USERS,
            layout.CF_SCIM_GROUPS,
            layout.OKTA_PUSH_MAPPINGS,
            layout.OKTA_GROUPS,
        ),
        remove_virtual_groups,
    ),
)


def assess_steps(facts: Facts) -> tuple[StepResult, ...]:
    """Every step's status and evidence, in guide order."""
    return tuple(_assess(step, facts) for step in STEPS)


def _assess(step: Step, facts: Facts) -> StepResult:
    missing = facts.inputs.missing(step.requires)
    if missing:
        status = StepStatus.COULD_NOT_ASSESS
        evidence = [f"{m.reason.rstrip('.')}." for m in missing]
    else:
        status, evidence = step.rule(facts)
    return StepResult(
        number=step.number, title=step.title, status=status, evidence=tuple(evidence)
    )


def verdict(facts: Facts, steps: tuple[StepResult, ...]) -> Verdict:
    """Go for step 6 only when it is known to be safe (ARCHITECTURE.md).

    Nobody may be at risk, who is at risk must have been fully assessed, and
    no step may be "could not assess"; each reason otherwise is a blocker.
    """
    at_risk = [m for m in facts.members if m.at_risk]
    blockers = [f"{m.email} would lose {', '.join(m.at_risk)}" for m in at_risk]
    unknown = facts.inputs.missing(AT_RISK_INPUTS)
    blockers += [
        f"Who is at risk could not be assessed: {m.reason.rstrip('.')}."
        for m in unknown
    ]
    blind = [s for s in steps if s.status is StepStatus.COULD_NOT_ASSESS]
    blockers += [
        f"Step {s.number} could not be assessed: {' '.join(s.evidence)}" for s in blind
    ]
    if not blockers:
        return Verdict(
            go=True,
            summary="Go: no member depends on a virtual group alone.",
            blockers=(),
        )
    if at_risk:
        summary = f"No-go: {len(at_risk)} member(s) would lose access."
    elif unknown:
        summary = "No-go: who is at risk could not be assessed."
    else:
        summary = f"No-go: {len(blind)} step(s) could not be assessed."
    return Verdict(go=False, summary=summary, blockers=tuple(blockers))
