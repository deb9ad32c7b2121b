"""What the analysis must find in the demo organization: the declared facts.

The facts come from the generator's own decisions (its ``Ledger``), never
from running an analyzer, so a test comparing the two checks the analyzer
against the scenario's intent. The step statuses follow the rules of
``docs/ARCHITECTURE.md`` for how the scenario is built; the reason for each
is written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from reporter.demo.entra import EntraFacts, entra_facts_for
from reporter.demo.generator import build_scenario


@dataclass(frozen=True)
class ScenarioFacts:
    """The findings one demo organization must produce.

    Emails are as Cloudflare stores them (the member's ``email``).
    """

    account_id: str
    member_count: int
    # member email -> sorted permission group names they would lose
    members_at_risk: dict[str, tuple[str, ...]]
    step_status: dict[int, str]
    go: bool
    # Cloudflare virtual group display name -> sorted member emails
    virtual_groups_with_members: dict[str, tuple[str, ...]]
    foreign_virtual_groups: tuple[str, ...]  # Okta group names, another account
    unknown_role_groups: tuple[str, ...]  # Okta group names, role unknown
    user_groups_without_policies: tuple[str, ...]
    suspended_still_member: tuple[str, ...]  # Okta SUSPENDED, accepted member
    deprovisioned_still_member: tuple[str, ...]  # Okta DEPROVISIONED, accepted
    # members whose email key matches no Okta user of any status
    not_in_idp: tuple[str, ...]
    case_mismatch_emails: tuple[str, ...]  # Okta spells them in another case
    hostile_member_email: str  # name holds markup and a formula prefix
    pending_invites: tuple[str, ...]
    errored_push_groups: tuple[str, ...]  # v2 push mappings in status ERROR
    stage: str = "pre"
    # post stage: member email -> permission groups the migration lost them
    lost_access: dict[str, tuple[str, ...]] = field(default_factory=dict)


# Why each step has its status, by the ARCHITECTURE.md rules:
# 1 done: the "Cloudflare Dashboard" v2 app exists and is ACTIVE.
# 2 in progress: v2 has users and groups, but members still served by the v1
#   app alone are not v2 app users, and the v2 group "CF Network Engineers"
#   starts with CF.
# 3 in progress: the push of "CF Network Engineers" is in status ERROR.
# 4 in progress: user groups have policies, but "Cloudflare-Billing" has none
#   and no user group grants Billing or Super Administrator.
# 5 in progress: some virtual group members are at risk, others are covered.
# 6 not started: SCIM users are in cloudflare-v1- groups and the v1 push
#   mappings to CF- groups of this account remain.
_STEP_STATUS = {
    1: "done",
    2: "in progress",
    3: "in progress",
    4: "in progress",
    5: "in progress",
    6: "not started",
}


# After the migration (stage "post"), by the same rules:
# 1 done: unchanged.
# 2 in progress: members outside the virtual groups (a direct policy, a legacy
#   role) were never moved to the v2 app, and "CF Network Engineers" remains.
# 3 in progress: the push of "CF Network Engineers" is still in ERROR.
# 4 done: every user group has a policy (Billing's was attached) and no
#   virtual group grants anything any more.
# 5 done: nobody depends on a virtual group (one member lost access instead).
# 6 done: no SCIM user is in a cloudflare-v1- group and the v1 mappings are
#   unlinked.
_POST_STEP_STATUS = {
    1: "done",
    2: "in progress",
    3: "in progress",
    4: "done",
    5: "done",
    6: "done",
}


@cache
def facts_for(seed: int = 2026, size: int = 60, stage: str = "pre") -> ScenarioFacts:
    """The declared facts of the demo organization for ``seed``, ``size``, stage."""
    _, ledger = build_scenario(seed=seed, size=size, stage=stage)
    post = stage == "post"
    members = {
        name: tuple(sorted(emails)) for name, emails in ledger.virtual_members.items()
    }
    return ScenarioFacts(
        account_id=ledger.account_id,
        member_count=size,
        members_at_risk=dict(sorted(ledger.at_risk.items())),
        step_status=dict(_POST_STEP_STATUS if post else _STEP_STATUS),
        go=post,  # pre: members are at risk; post: nobody depends on v1 groups
        virtual_groups_with_members={k: v for k, v in members.items() if v},
        foreign_virtual_groups=tuple(sorted(ledger.foreign_groups)),
        unknown_role_groups=tuple(sorted(ledger.unknown_role_groups)),
        user_groups_without_policies=tuple(sorted(ledger.groups_without_policies)),
        suspended_still_member=tuple(sorted(ledger.suspended)),
        deprovisioned_still_member=tuple(sorted(ledger.deprovisioned)),
        not_in_idp=tuple(sorted(ledger.not_in_idp)),
        case_mismatch_emails=tuple(sorted(ledger.case_mismatch)),
        hostile_member_email=ledger.hostile_email,
        pending_invites=tuple(sorted(ledger.pending)),
        errored_push_groups=tuple(sorted(ledger.error_mappings)),
        stage=stage,
        lost_access=dict(sorted(ledger.lost_access.items())),
    )


EXPECTED: ScenarioFacts = facts_for(2026, 60)
# The same organization after its migration, with the one deliberate mistake.
EXPECTED_POST: ScenarioFacts = facts_for(2026, 60, "post")
# The same organization's identity provider seen as Entra ID (demo/entra.py).
ENTRA_EXPECTED: EntraFacts = entra_facts_for(2026, 60)


def entra_step_status(entra: EntraFacts, okta: ScenarioFacts) -> dict[int, str]:
    """The step statuses of the Entra demo, by the ARCHITECTURE.md rules.

    The Cloudflare side is the Okta demo's, so steps 4 and 5 are its own.
    """
    return {
        # done: the builder enables the "Cloudflare Dashboard" service
        # principal and gives it an Active provisioning job (entra._job).
        1: "done",
        # in progress: some users are assigned to the v1 app only, and the v2
        # app has the Okta v2 groups, "CF Network Engineers" among them.
        2: "in progress" if entra.v1_only else "done",
        # in progress: "CF Network Engineers" is assigned to the v2 app, and
        # Cloudflare refuses SCIM groups named CF (no SCIM group arrives).
        3: "in progress",
        4: okta.step_status[4],
        5: okta.step_status[5],
        # not started: SCIM users are in cloudflare-v1- groups (Cloudflare
        # side) and the CF- groups of this account stay assigned to the v1 app.
        6: "not started" if entra.v1_group_names else "in progress",
    }


ENTRA_STEP_STATUS: dict[int, str] = entra_step_status(ENTRA_EXPECTED, EXPECTED)
