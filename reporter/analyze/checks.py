"""The checks: each turns facts into findings, or says it could not run.

A check declares the snapshot entries it reads. When one was not collected
the check does not run; it becomes a :class:`NotAssessed` with the
manifest's reason and hint (ARCHITECTURE.md, "Snapshot entries").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reporter.analyze import catalog
from reporter.analyze.effective import (
    effective_allows,
    is_super_admin_grant,
    shadowing_denies,
)
from reporter.analyze.facts import Facts
from reporter.analyze.identity import clean_email
from reporter.analyze.inputs import text
from reporter.analyze.model import (
    SEVERITY_ORDER,
    Access,
    Finding,
    Grant,
    MemberAccess,
    NotAssessed,
    Source,
    VirtualGroup,
)
from reporter.analyze.names import parse_v1_name
from reporter.analyze.okta import INACTIVE_STATUSES, user_emails
from reporter.analyze.risk import covers, is_admin_grant
from reporter.errors import AnalyzeError
from reporter.snapshot import layout

# What computing "at risk" reads: grants from all four sources.
AT_RISK_INPUTS = (
    layout.CF_MEMBERS,
    layout.CF_SCIM_USERS,
    layout.CF_USER_GROUPS,
    layout.CF_USER_GROUP_MEMBERS,
    layout.CF_PERMISSION_GROUPS,
)
CF_VIRTUAL_INPUTS = (layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS)


@dataclass(frozen=True)
class Hit:
    """One subject a check flags; ``check_id`` picks among the check's ids."""

    subject: str
    detail: str
    member_ids: tuple[str, ...] = ()
    title: str | None = None  # overrides the catalog title for this subject
    check_id: str | None = None


@dataclass(frozen=True)
class Check:
    """A check function, the catalog ids it may emit and the entries it reads."""

    ids: tuple[str, ...]
    requires: tuple[str, ...]
    run: Callable[[Facts], Iterator[Hit]]


CHECKS: list[Check] = []


def check(
    *ids: str, requires: tuple[str, ...]
) -> Callable[[Callable[[Facts], Iterator[Hit]]], Callable[[Facts], Iterator[Hit]]]:
    """Register a check that emits ``ids`` and reads ``requires``."""

    def register(
        run: Callable[[Facts], Iterator[Hit]],
    ) -> Callable[[Facts], Iterator[Hit]]:
        CHECKS.append(Check(ids=ids, requires=requires, run=run))
        return run

    return register


def finding_id(check_id: str, account_id: str, subject: str) -> str:
    """A stable id: the first 16 hex digits of sha256(check|account|subject)."""
    digest = hashlib.sha256(f"{check_id}|{account_id}|{subject}".encode())
    return digest.hexdigest()[:16]


def finding_order(finding: Finding) -> tuple[int, str, str]:
    """Sort key: severity (most urgent first), check id, subject."""
    return (SEVERITY_ORDER.index(finding.severity), finding.check_id, finding.subject)


def run_checks(
    facts: Facts, account_id: str
) -> tuple[tuple[Finding, ...], tuple[NotAssessed, ...]]:
    """Run every check; return the findings and the checks that could not run."""
    findings: list[Finding] = []
    not_assessed: list[NotAssessed] = []
    for spec in CHECKS:
        missing = facts.inputs.missing(spec.requires)
        if missing:
            not_assessed.append(
                NotAssessed(
                    check_id=spec.ids[0],
                    title=catalog.entry(spec.ids[0]).title,
                    reason="; ".join(dict.fromkeys(m.reason for m in missing)),
                    hint="; ".join(dict.fromkeys(m.hint for m in missing)),
                )
            )
            continue
        findings.extend(_finding(spec, hit, account_id) for hit in spec.run(facts))
    return (
        tuple(sorted(findings, key=finding_order)),
        tuple(sorted(not_assessed, key=lambda n: n.check_id)),
    )


def _finding(spec: Check, hit: Hit, account_id: str) -> Finding:
    check_id = hit.check_id or spec.ids[0]
    if check_id not in spec.ids:
        raise AnalyzeError(
            f"check {spec.run.__name__} emitted {check_id!r}, not one of {spec.ids}",
            hint="declare the id in its @check decorator",
        )
    entry = catalog.entry(check_id)
    return Finding(
        check_id=check_id,
        severity=entry.severity,
        title=hit.title or entry.title,
        subject=hit.subject,
        detail=hit.detail,
        finding_id=finding_id(check_id, account_id, hit.subject),
        member_ids=tuple(sorted(set(hit.member_ids))),
    )


def _members_in(facts: Facts, group: VirtualGroup) -> tuple[str, ...]:
    return tuple(
        m.member_id for m in facts.members if group.display_name in m.virtual_groups
    )


def _listing(values: tuple[str, ...] | list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    extra = len(values) - limit
    return f"{shown} and {extra} more" if extra > 0 else shown


@check("member-at-risk", requires=AT_RISK_INPUTS)
def members_at_risk(facts: Facts) -> Iterator[Hit]:
    """Members who hold a permission group through virtual groups only."""
    for member in facts.members:
        if not member.at_risk:
            continue
        lost = ", ".join(member.at_risk)
        sources = sorted(
            {
                g.source_name
                for g in member.grants
                if g.source is Source.VIRTUAL_GROUP
                and g.permission_group in member.at_risk
            }
        )
        yield Hit(
            subject=member.email,
            title=f"{member.email} would lose {lost}",
            detail=(
                f"Only virtual groups grant {lost} on the whole account "
                f"({'; '.join(sources)})."
            ),
            member_ids=(member.member_id,),
        )


@check("virtual-group-remaining", requires=CF_VIRTUAL_INPUTS)
def remaining_virtual_groups(facts: Facts) -> Iterator[Hit]:
    """Virtual groups of this account that still have SCIM members."""
    for group in facts.virtual_groups:
        if group.side != "cloudflare" or group.foreign or not group.members:
            continue
        yield Hit(
            subject=group.display_name,
            detail=(
                f"{len(group.members)} member(s) still in {group.display_name}: "
                f"{_listing(group.members)}."
            ),
            member_ids=_members_in(facts, group),
        )


@check(
    "okta-mapping-targets-virtual-group",
    requires=(layout.OKTA_PUSH_MAPPINGS, layout.OKTA_GROUPS),
)
def okta_mappings_to_virtual_groups(facts: Facts) -> Iterator[Hit]:
    """Push mappings, of either app, whose target is a CF- group of this account."""
    okta = facts.okta
    for app_id, mappings in sorted(okta.push_mappings.items()):
        for mapping in mappings:
            target = okta.group_name(text(mapping, "targetGroupId"))
            parsed = parse_v1_name(target, facts.account_id)
            if parsed is None or parsed.foreign:
                continue
            source = okta.group_name(text(mapping, "sourceGroupId"))
            yield Hit(
                subject=f"{target} (mapping {text(mapping, 'id')})",
                detail=(
                    f"Okta group {source or text(mapping, 'sourceGroupId')!r} is "
                    f"pushed to {target} by app {app_id} "
                    f"(status {text(mapping, 'status') or 'unknown'})."
                ),
            )


def _foreign(facts: Facts, side: str) -> Iterator[Hit]:
    for group in facts.virtual_groups:
        if group.side != side or not group.foreign:
            continue
        yield Hit(
            subject=group.display_name,
            detail=(
                f"The name holds account id {group.account_id}, not the audited "
                f"account {facts.account_id}; {len(group.members)} member(s)."
            ),
            member_ids=_members_in(facts, group) if side == "cloudflare" else (),
        )


@check("virtual-group-foreign-account", requires=CF_VIRTUAL_INPUTS)
def cloudflare_foreign_groups(facts: Facts) -> Iterator[Hit]:
    """Cloudflare virtual groups named for another account."""
    return _foreign(facts, "cloudflare")


@check("okta-group-foreign-account", requires=(layout.OKTA_GROUPS,))
def okta_foreign_groups(facts: Facts) -> Iterator[Hit]:
    """Okta CF- groups named for another account."""
    return _foreign(facts, "okta")


def _unknown_role(facts: Facts, side: str) -> Iterator[Hit]:
    for group in facts.virtual_groups:
        if group.side != side or group.permission_group is not None:
            continue
        yield Hit(
            subject=group.display_name,
            detail=(
                f"No permission group is named {group.role_name!r} or labelled "
                f"{'_'.join(group.role_name.casefold().split())!r}."
            ),
            member_ids=_members_in(facts, group) if side == "cloudflare" else (),
        )


@check(
    "virtual-group-unknown-role",
    requires=(*CF_VIRTUAL_INPUTS, layout.CF_PERMISSION_GROUPS),
)
def cloudflare_unknown_roles(facts: Facts) -> Iterator[Hit]:
    """Cloudflare virtual groups whose role maps to no permission group."""
    return _unknown_role(facts, "cloudflare")


@check(
    "okta-group-unknown-role",
    requires=(layout.OKTA_GROUPS, layout.CF_PERMISSION_GROUPS),
)
def okta_unknown_roles(facts: Facts) -> Iterator[Hit]:
    """Okta CF- groups whose role maps to no permission group."""
    return _unknown_role(facts, "okta")


def _user_group_member_ids(facts: Facts, group_id: str) -> tuple[str, ...]:
    items = facts.cloudflare.user_group_members.get(group_id, [])
    return tuple(text(item, "id") for item in items)


@check("user-group-without-policies", requires=(layout.CF_USER_GROUPS,))
def user_groups_without_policies(facts: Facts) -> Iterator[Hit]:
    """User groups that grant nothing."""
    for group in facts.user_groups:
        if group.policy_count:
            continue
        yield Hit(
            subject=group.name,
            detail=f"User group {group.name} ({group.group_id}) has no policy.",
            member_ids=_user_group_member_ids(facts, group.group_id),
        )


@check(
    "user-group-not-scim-managed",
    requires=(layout.CF_USER_GROUPS, layout.CF_SCIM_GROUPS),
)
def user_groups_by_hand(facts: Facts) -> Iterator[Hit]:
    """User groups with no SCIM custom group of the same id or name."""
    for group in facts.user_groups:
        if group.scim_managed:
            continue
        yield Hit(
            subject=group.name,
            detail=(
                f"No SCIM group has the id {group.group_id} or the name "
                f"{group.name!r}; its members are managed by hand."
            ),
            member_ids=_user_group_member_ids(facts, group.group_id),
        )


@check(
    "legacy-role-unmapped", requires=(layout.CF_MEMBERS, layout.CF_PERMISSION_GROUPS)
)
def unmapped_roles(facts: Facts) -> Iterator[Hit]:
    """Legacy roles, held by members, that match no permission group."""
    holders: dict[str, list[MemberAccess]] = {}
    for member in facts.members:
        for grant in member.grants:
            if grant.source is Source.LEGACY_ROLE and grant.permission_group_id is None:
                holders.setdefault(grant.source_name, []).append(member)
    for role, members in sorted(holders.items()):
        yield Hit(
            subject=role,
            detail=(
                f"Role {role!r} is held by {len(members)} member(s) and matches no "
                f"permission group by name or label: "
                f"{_listing([m.email for m in members])}."
            ),
            member_ids=tuple(m.member_id for m in members),
        )


@check(
    "okta-push-mapping-error", requires=(layout.OKTA_APPS, layout.OKTA_PUSH_MAPPINGS)
)
def errored_push_mappings(facts: Facts) -> Iterator[Hit]:
    """v2 push mappings Okta stopped pushing."""
    okta = facts.okta
    if okta.v2_app is None:
        return
    for mapping in okta.push_mappings.get(text(okta.v2_app, "id"), []):
        if text(mapping, "status") != "ERROR":
            continue
        source_id = text(mapping, "sourceGroupId")
        name = okta.group_name(source_id) or source_id
        yield Hit(
            subject=name,
            detail=(
                f"The push of {name!r} is in ERROR: "
                f"{text(mapping, 'errorSummary') or 'Okta gave no error summary'}."
            ),
        )


@check("okta-v2-group-prefixed-cf", requires=(layout.OKTA_APPS, layout.OKTA_APP_GROUPS))
def v2_groups_prefixed_cf(facts: Facts) -> Iterator[Hit]:
    """v2 app groups whose name Cloudflare's SCIM refuses (§6.2)."""
    okta = facts.okta
    if okta.v2_app is None:
        return
    for name in sorted(v2_app_group_names(facts)):
        if name.startswith("CF"):
            yield Hit(
                subject=name,
                detail=f"Cloudflare refuses SCIM groups named {name!r} (CF prefix).",
            )


def v2_app_group_names(facts: Facts) -> list[str]:
    """Names of the groups assigned to the v2 app."""
    okta = facts.okta
    if okta.v2_app is None:
        return []
    names = []
    for item in okta.app_groups.get(text(okta.v2_app, "id"), []):
        name = text(item, "_embedded", "group", "profile", "name")
        names.append(name or okta.group_name(text(item, "id")) or text(item, "id"))
    return names


@check(
    "okta-inactive-user-still-member",
    "okta-inactive-admin-still-member",
    requires=(layout.CF_MEMBERS, layout.OKTA_USERS),
)
def inactive_okta_users(facts: Facts) -> Iterator[Hit]:
    """Okta SUSPENDED / DEPROVISIONED users who are accepted members."""
    for member in facts.members:
        if member.idp_status not in INACTIVE_STATUSES or member.status == "pending":
            continue
        admin = sorted({g.permission_group for g in member.grants if is_admin_grant(g)})
        held = ", ".join(admin) if admin else "no administrator access"
        yield Hit(
            subject=member.email,
            check_id=(
                "okta-inactive-admin-still-member"
                if admin
                else "okta-inactive-user-still-member"
            ),
            detail=(
                f"Okta status {member.idp_status}; Cloudflare status "
                f"{member.status or 'unknown'}; holds {held}."
            ),
            member_ids=(member.member_id,),
        )


@check(
    "member-not-in-okta",
    "pending-invite-not-in-okta",
    requires=(layout.CF_MEMBERS, layout.OKTA_USERS),
)
def members_not_in_okta(facts: Facts) -> Iterator[Hit]:
    """Members (pending invites apart) whose email matches no Okta user."""
    for member in facts.members:
        if facts.okta.user(member.email) is not None:
            continue
        pending = member.status == "pending"
        yield Hit(
            subject=member.email,
            check_id="pending-invite-not-in-okta" if pending else "member-not-in-okta",
            detail=f"No Okta user of any status has the email {member.email!r}.",
            member_ids=(member.member_id,),
        )


@check(
    "member-not-assigned-in-okta",
    requires=(
        layout.CF_MEMBERS,
        layout.OKTA_USERS,
        layout.OKTA_APPS,
        layout.OKTA_APP_USERS,
    ),
)
def members_outside_both_apps(facts: Facts) -> Iterator[Hit]:
    """Accepted members Okta knows but neither Cloudflare app provisions."""
    okta = facts.okta
    assigned = okta.app_user_keys(okta.v1_app) | okta.app_user_keys(okta.v2_app)
    for member in facts.members:
        user = okta.user(member.email)
        # Pending invites and inactive Okta users have findings of their own.
        if member.status == "pending" or user is None:
            continue
        if text(user, "status") in INACTIVE_STATUSES:
            continue
        if not assigned.intersection(_keys(user)):
            yield Hit(
                subject=member.email,
                detail=(
                    f"Okta user {text(user, 'id')} is assigned to neither the v1 "
                    "nor the v2 Cloudflare app."
                ),
                member_ids=(member.member_id,),
            )


def _keys(user: dict[str, object]) -> set[str]:
    return {form.casefold() for form in user_emails(user)}


@check("email-case-mismatch", requires=(layout.CF_MEMBERS, layout.OKTA_USERS))
def email_case_mismatches(facts: Facts) -> Iterator[Hit]:
    """Members whose email matches an Okta user's only after case folding."""
    for member in facts.members:
        user = facts.okta.user(member.email)
        if user is None:
            continue
        okta_forms = user_emails(user)
        if clean_email(member.email) in okta_forms:
            continue
        yield Hit(
            subject=member.email,
            detail=(
                f"Cloudflare has {member.email!r}; Okta has "
                f"{' / '.join(repr(f) for f in dict.fromkeys(okta_forms))}."
            ),
            member_ids=(member.member_id,),
        )


@check("pending-invite-admin", requires=(layout.CF_MEMBERS,))
def pending_admin_invites(facts: Facts) -> Iterator[Hit]:
    """Pending invites that carry Administrator or Super Administrator access."""
    for member in facts.members:
        if member.status != "pending":
            continue
        admin = sorted({g.permission_group for g in member.grants if is_admin_grant(g)})
        if admin:
            yield Hit(
                subject=member.email,
                detail=f"The invite grants {', '.join(admin)} once accepted.",
                member_ids=(member.member_id,),
            )


# SCIM gives every member it creates this role (cloudflare-api.md §6.4).
_SCIM_DEFAULT_ROLE = "minimal account access"


def _bypassing(grant: Grant) -> bool:
    by_hand = grant.source in (Source.DIRECT_POLICY, Source.LEGACY_ROLE)
    default = (
        grant.source is Source.LEGACY_ROLE
        and grant.permission_group.strip().casefold() == _SCIM_DEFAULT_ROLE
    )
    return by_hand and not default and grant.access is not Access.DENY


@check("direct-grant-bypasses-idp", requires=AT_RISK_INPUTS)
def direct_grants(facts: Facts) -> Iterator[Hit]:
    """Accepted members with roles or direct policies no virtual group explains."""
    for member in facts.members:
        if member.status == "pending":
            continue  # pending invites have findings of their own
        held = sorted(
            {
                f"{g.permission_group} ({g.source})"
                for g in member.grants
                if _bypassing(g)
            }
        )
        if held:
            yield Hit(
                subject=member.email,
                detail=f"Granted outside the IdP: {_listing(held)}.",
                member_ids=(member.member_id,),
            )


@check("admin-without-two-factor", requires=AT_RISK_INPUTS)
def admins_without_two_factor(facts: Facts) -> Iterator[Hit]:
    """Accepted administrators whose user has two-factor authentication off."""
    for member in facts.members:
        # None means Cloudflare did not say; only a stated False is flagged.
        if member.status == "pending" or member.two_factor is not False:
            continue
        admin = sorted(
            {
                g.permission_group
                for g in effective_allows(member.grants)
                if is_admin_grant(g)
            }
        )
        if admin:
            yield Hit(
                subject=member.email,
                detail=f"Holds {', '.join(admin)} with two-factor authentication off.",
                member_ids=(member.member_id,),
            )


def _super_admins(facts: Facts) -> list[tuple[MemberAccess, bool]]:
    """Accepted Super Administrators, and whether each keeps it after step 6."""
    found = []
    for member in facts.members:
        if member.status == "pending":
            continue
        held = [g for g in effective_allows(member.grants) if is_super_admin_grant(g)]
        if held:
            found.append((member, any(covers(g) for g in held)))
    return found


@check(
    "super-admin-count",
    "super-admin-none-after-removal",
    requires=AT_RISK_INPUTS,
)
def super_admins(facts: Facts) -> Iterator[Hit]:
    """How many Super Administrators there are; none may remain after step 6."""
    admins = _super_admins(facts)
    kept = [m.email for m, keeps in admins if keeps]
    emails = [m.email for m, _ in admins]
    yield Hit(
        subject="Super Administrators",
        detail=(
            f"{len(admins)} accepted member(s) hold Super Administrator on the "
            f"whole account ({_listing(emails) or 'nobody'}); {len(kept)} keep it "
            "once the virtual groups are removed."
        ),
        member_ids=tuple(m.member_id for m, _ in admins),
    )
    if not kept:
        yield Hit(
            subject="Super Administrator after removal",
            check_id="super-admin-none-after-removal",
            detail=(
                "No member holds Super Administrator on the whole account other "
                f"than through a virtual group ({_listing(emails) or 'nobody'})."
            ),
            member_ids=tuple(m.member_id for m, _ in admins),
        )


@check("deny-shadows-group-grant", requires=AT_RISK_INPUTS)
def denies_over_group_grants(facts: Facts) -> Iterator[Hit]:
    """Deny grants that override an allow from a user group or virtual group."""
    groups = (Source.USER_GROUP, Source.VIRTUAL_GROUP)
    for member in facts.members:
        for grant in member.grants:
            if grant.source not in groups:
                continue
            denies = shadowing_denies(grant, member.grants)
            if not denies:
                continue
            by = "; ".join(
                f"{d.source} {d.source_name} on {d.scope.label}" for d in denies
            )
            yield Hit(
                subject=(
                    f"{member.email}: {grant.permission_group} on "
                    f"{grant.scope.label} from {grant.source_name}"
                ),
                detail=(
                    f"A deny of {grant.permission_group} ({by}) overrides the allow "
                    f"from {grant.source} {grant.source_name}."
                ),
                member_ids=(member.member_id,),
            )
