"""The migration guide's six steps and the step-6 verdict (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reporter.analyze.checks import AT_RISK_INPUTS
from reporter.analyze.directory import (
    Assignment,
    Directory,
    PushMapping,
    idp_missing,
)
from reporter.analyze.facts import Facts
from reporter.analyze.grants import policy_grants
from reporter.analyze.inputs import Json, text
from reporter.analyze.model import MemberAccess, Source, StepResult, StepStatus, Verdict
from reporter.analyze.names import parse_v1_name
from reporter.analyze.risk import covers
from reporter.snapshot import layout

Outcome = tuple[StepStatus, list[str]]
DONE, IN_PROGRESS, NOT_STARTED, COULD_NOT_ASSESS = (
    StepStatus.DONE,
    StepStatus.IN_PROGRESS,
    StepStatus.NOT_STARTED,
    StepStatus.COULD_NOT_ASSESS,
)


@dataclass(frozen=True)
class Step:
    """One guide step: its number, title, inputs and status rule."""

    number: int
    title: str
    requires: tuple[str, ...]
    rule: Callable[[Facts], Outcome]
    # What the step reads from the IdP, whichever it is (directory._NEEDS).
    idp: tuple[str, ...] = ()


def _listing(values: list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit} more" if len(values) > limit else shown


def new_app(facts: Facts) -> Outcome:
    """Step 1: a v2 app is located in the IdP and provisions."""
    directory = facts.directory
    app = directory.apps.get("v2")
    if app is None:
        return NOT_STARTED, [f"No v2 Cloudflare app is located in {directory.name}."]
    sentence = f"The v2 app {app.label} ({app.app_id}) {app.active_evidence}."
    if app.active is not None:
        return (DONE if app.active else IN_PROGRESS), [sentence]
    return _written_by_v2(facts, sentence)


def _written_by_v2(facts: Facts, sentence: str) -> Outcome:
    """Whether the v2 app writes, from Cloudflare when the IdP cannot tell.

    Only a v2 integration creates SCIM custom groups (cloudflare-api.md §6.2).
    """
    unknown = (
        f"Whether the v2 app provisions is unknown: {facts.directory.name} does not say"
    )
    if not facts.inputs.has(layout.CF_SCIM_GROUPS):
        return COULD_NOT_ASSESS, [
            sentence,
            f"{unknown}, and {layout.CF_SCIM_GROUPS} was not collected.",
        ]
    custom = facts.cloudflare.custom_scim_groups()
    if not custom:
        return COULD_NOT_ASSESS, [
            sentence,
            f"{unknown}, and Cloudflare holds no SCIM custom group it wrote.",
        ]
    return DONE, [
        sentence,
        f"Cloudflare holds {len(custom)} SCIM custom group(s), which only a v2 "
        "integration creates.",
    ]


def assign(facts: Facts) -> Outcome:
    """Step 2: every v1 app user is a v2 app user; no v2 group is named CF…."""
    directory = facts.directory
    v2 = [a for a in directory.assignments if a.app == "v2"]
    v2_groups = [
        g.name or g.group_id for g in directory.group_assignments if g.app == "v2"
    ]
    v2_users = {a.user_id for a in v2}
    if not v2_users and not v2_groups:
        return NOT_STARTED, ["The v2 app has no users and no groups assigned."]
    v2_keys = directory.assigned_keys("v2")
    left = sorted(
        {
            _shown(directory, a)
            for a in directory.assignments
            if a.app == "v1" and a.user_id not in v2_users and not a.keys & v2_keys
        }
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


def _shown(directory: Directory, assignment: Assignment) -> str:
    """The username an app sends; a guest's mail rather than its #EXT# UPN."""
    user = directory.users_by_id.get(assignment.user_id)
    if user is not None and user.guest:
        return user.label
    return assignment.login or assignment.user_id


# How each IdP pushes groups, for step 3's evidence (idp-apis.md §1).
_PUSHES = {
    "okta": "push mapping(s)",
    "entra": "assigned group(s), which its provisioning job pushes by displayName",
    "file": "pushed group(s) in the IdP file",
}


def sync_groups(facts: Facts) -> Outcome:
    """Step 3: every v2 push is live and arrived as SCIM group and user group."""
    mappings = [m for m in facts.directory.mappings if m.app == "v2"]
    if not mappings:
        return NOT_STARTED, ["The v2 app pushes no groups."]
    problems = [p for m in mappings if (p := _mapping_problem(facts, m))]
    pushes = _PUSHES[facts.directory.idp]
    evidence = [f"The v2 app has {len(mappings)} {pushes}.", *problems]
    return (IN_PROGRESS if problems else DONE), evidence


def _mapping_problem(facts: Facts, mapping: PushMapping) -> str:
    label = mapping.source_name or mapping.source_id
    if mapping.status != "active":
        return f"The push of {label!r} is {mapping.raw_status or 'of unknown status'}."
    scim = _scim_group_for(facts, mapping)
    if scim is None:
        return f"{label!r} has no SCIM group in Cloudflare."
    if not facts.cloudflare.has_user_group_named(text(scim, "displayName")):
        return f"{label!r} has no user group of the same name."
    return ""


def _scim_group_for(facts: Facts, mapping: PushMapping) -> Json | None:
    """The SCIM custom group a push created: by externalId, else by name (§6.2)."""
    view = facts.cloudflare
    pushed = view.custom_scim_group_external(mapping.source_id)
    if pushed is not None:
        return pushed
    names = (n for n in (mapping.source_name, mapping.target_name) if n)
    return view.custom_scim_group_named(*names)


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
    """Step 6: no v1 memberships and no IdP links to CF- groups remain."""
    groups = sorted(
        g.display_name
        for g in facts.virtual_groups
        if g.side == "cloudflare" and not g.foreign and g.members
    )
    links = idp_virtual_links(facts)
    name = facts.directory.name
    evidence = []
    if groups:
        evidence.append(f"SCIM users remain in virtual groups: {_listing(groups)}.")
    if links:
        lead = name[:1].upper() + name[1:]
        evidence.append(f"{lead} still links CF- groups: {_listing(links)}.")
    evidence += _v1_still_assigned(facts)
    if groups and links:
        return NOT_STARTED, evidence
    if groups or links:
        return IN_PROGRESS, evidence
    done = f"No virtual group membership and no CF- group link in {name} remains."
    return DONE, [done, *evidence]


def idp_virtual_links(facts: Facts) -> list[str]:
    """This account's CF- groups the IdP still pushes or assigns (idp-apis.md §1).

    Okta links a CF- push target; Entra ID assigns a group named CF-; a file
    may show either.
    """
    directory = facts.directory
    names = [m.target_name for m in directory.mappings]
    if directory.idp != "okta":
        names += [g.name for g in directory.group_assignments]
    found = [n for n in names if _this_account(n, facts.account_id)]
    return sorted(set(found))


def _this_account(name: str, account_id: str) -> bool:
    parsed = parse_v1_name(name, account_id)
    return parsed is not None and not parsed.foreign


def _v1_still_assigned(facts: Facts) -> list[str]:
    """A sentence when the v1 app still assigns someone (idp-apis.md §2.5, §3.5)."""
    directory = facts.directory
    if "v1" not in directory.apps or idp_missing(
        facts.inputs, directory.idp, ("app_users", "app_groups")
    ):
        return []
    users = {a.user_id for a in directory.assignments if a.app == "v1"}
    groups = {g.group_id for g in directory.group_assignments if g.app == "v1"}
    if not users and not groups:
        return []
    return [
        f"The v1 app still assigns {len(users)} user(s) and {len(groups)} group(s)."
    ]


STEPS = (
    Step(
        1,
        "Create a new SCIM app with an account-owned token",
        (),
        new_app,
        idp=("apps",),
    ),
    Step(
        2,
        "Assign users and groups to the new app",
        (),
        assign,
        idp=("apps", "app_users", "app_groups"),
    ),
    Step(
        3,
        "Sync groups and check they show under User Groups",
        (layout.CF_SCIM_GROUPS, layout.CF_USER_GROUPS),
        sync_groups,
        idp=("apps", "push_mappings", "groups"),
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
        (layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS),
        remove_virtual_groups,
        idp=("virtual_links",),
    ),
)


def assess_steps(facts: Facts) -> tuple[StepResult, ...]:
    """Every step's status and evidence, in guide order."""
    return tuple(_assess(step, facts) for step in STEPS)


def _assess(step: Step, facts: Facts) -> StepResult:
    missing = facts.inputs.missing(step.requires) + idp_missing(
        facts.inputs, facts.directory.idp, step.idp
    )
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
