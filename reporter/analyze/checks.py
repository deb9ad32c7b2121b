"""The checks: each turns facts into findings, or says it could not run.

A check declares the snapshot entries it reads. When one was not collected
the check does not run; it becomes a :class:`NotAssessed` with the
manifest's reason and hint (ARCHITECTURE.md, "Snapshot entries").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from reporter.analyze import catalog
from reporter.analyze.directory import (
    INACTIVE,
    Coverage,
    IdpApp,
    IdpUser,
    Match,
    idp_missing,
)
from reporter.analyze.effective import (
    effective_allows,
    is_super_admin_grant,
    shadowing_denies,
)
from reporter.analyze.facts import Facts
from reporter.analyze.identity import clean_email, email_key, name_key
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
from reporter.analyze.risk import covers, is_admin_grant
from reporter.errors import AnalyzeError
from reporter.snapshot import layout
from reporter.snapshot.gc_pause import gc_paused
from reporter.snapshot.io import utf8_json

# What computing "at risk" reads: grants from all four sources.
AT_RISK_INPUTS = (
    layout.CF_MEMBERS,
    layout.CF_SCIM_USERS,
    layout.CF_USER_GROUPS,
    layout.CF_USER_GROUP_MEMBERS,
    layout.CF_PERMISSION_GROUPS,
)
CF_VIRTUAL_INPUTS = (layout.CF_SCIM_USERS, layout.CF_SCIM_GROUPS)


@dataclass(frozen=True, slots=True)
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
    # What the check reads from the IdP, whichever it is (directory._NEEDS).
    idp: tuple[str, ...] = ()


CHECKS: list[Check] = []

# Okta-named ids keep their meaning for Okta (suppression files name them);
# the same check on Entra ID or a file import reports the neutral id.
NEUTRAL_IDS = {
    "okta-mapping-targets-virtual-group": "idp-mapping-targets-virtual-group",
    "okta-group-foreign-account": "idp-group-foreign-account",
    "okta-group-unknown-role": "idp-group-unknown-role",
    "okta-push-mapping-error": "idp-push-mapping-error",
    "okta-v2-group-prefixed-cf": "idp-v2-group-prefixed-cf",
    "okta-inactive-user-still-member": "idp-inactive-user-still-member",
    "okta-inactive-admin-still-member": "idp-inactive-admin-still-member",
    "member-not-in-okta": "idp-member-unknown",
    "pending-invite-not-in-okta": "idp-pending-invite-unknown",
    "member-not-assigned-in-okta": "idp-member-not-assigned",
    "email-case-mismatch": "idp-email-case-mismatch",
}


def check(
    *ids: str, requires: tuple[str, ...], idp: tuple[str, ...] = ()
) -> Callable[[Callable[[Facts], Iterator[Hit]]], Callable[[Facts], Iterator[Hit]]]:
    """Register a check that emits ``ids`` and reads ``requires`` and ``idp``.

    An Okta-named id in ``ids`` brings its neutral twin (:data:`NEUTRAL_IDS`).
    """
    declared = tuple(
        dict.fromkeys(i for cid in ids for i in (cid, NEUTRAL_IDS.get(cid, cid)))
    )

    def register(
        run: Callable[[Facts], Iterator[Hit]],
    ) -> Callable[[Facts], Iterator[Hit]]:
        CHECKS.append(Check(ids=declared, requires=requires, run=run, idp=idp))
        return run

    return register


def for_idp(check_id: str, idp: str) -> str:
    """``check_id`` as reported for ``idp``: Okta ids stay, others go neutral."""
    return check_id if idp == "okta" else NEUTRAL_IDS.get(check_id, check_id)


def finding_id(check_id: str, account_id: str, subject: str) -> str:
    """A stable id: the first 16 hex digits of sha256(check|account|subject).

    The text is hashed as the snapshot stores it (``utf8_json``): a lone
    surrogate in a subject counts as its ``\\uXXXX`` escape.
    """
    digest = hashlib.sha256(utf8_json(f"{check_id}|{account_id}|{subject}"))
    return digest.hexdigest()[:16]


def finding_order(finding: Finding) -> tuple[int, str, str]:
    """Sort key: severity (most urgent first), check id, subject."""
    return (SEVERITY_ORDER.index(finding.severity), finding.check_id, finding.subject)


def run_checks(
    facts: Facts, account_id: str
) -> tuple[tuple[Finding, ...], tuple[NotAssessed, ...]]:
    """Run every check; return the findings and the checks that could not run."""
    with gc_paused():
        return _run_checks(facts, account_id)


def _run_checks(
    facts: Facts, account_id: str
) -> tuple[tuple[Finding, ...], tuple[NotAssessed, ...]]:
    findings: list[Finding] = []
    not_assessed: list[NotAssessed] = []
    idp = facts.directory.idp
    for spec in CHECKS:
        missing = facts.inputs.missing(spec.requires) + idp_missing(
            facts.inputs, idp, spec.idp
        )
        if missing:
            lead = for_idp(spec.ids[0], idp)
            not_assessed.append(
                NotAssessed(
                    check_id=lead,
                    title=catalog.entry(lead).title,
                    reason="; ".join(dict.fromkeys(m.reason for m in missing)),
                    hint="; ".join(dict.fromkeys(m.hint for m in missing)),
                )
            )
            continue
        entries = {cid: catalog.entry(cid) for cid in spec.ids}
        findings.extend(
            _finding(spec, entries, hit, account_id, idp) for hit in spec.run(facts)
        )
    return (
        tuple(sorted(findings, key=finding_order)),
        tuple(sorted(not_assessed, key=lambda n: n.check_id)),
    )


def _finding(
    spec: Check,
    entries: Mapping[str, catalog.CatalogEntry],
    hit: Hit,
    account_id: str,
    idp: str,
) -> Finding:
    """The finding of ``hit``; ``entries`` are the catalog entries of ``spec.ids``."""
    check_id = for_idp(hit.check_id or spec.ids[0], idp)
    entry = entries.get(check_id)
    if entry is None:
        raise AnalyzeError(
            f"check {spec.run.__name__} emitted {check_id!r}, not one of {spec.ids}",
            hint="declare the id in its @check decorator",
        )
    members = hit.member_ids
    return Finding(
        check_id=check_id,
        severity=entry.severity,
        title=hit.title or entry.title,
        subject=hit.subject,
        detail=hit.detail,
        finding_id=finding_id(check_id, account_id, hit.subject),
        member_ids=tuple(members) if len(members) < 2 else tuple(sorted(set(members))),
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
    requires=(),
    idp=("push_mappings", "groups"),
)
def okta_mappings_to_virtual_groups(facts: Facts) -> Iterator[Hit]:
    """Push mappings, of either app, whose target is a CF- group of this account."""
    directory = facts.directory
    # Entra pushes the assigned group itself: idp-virtual-group-assigned.
    if directory.idp == "entra":
        return
    for mapping in directory.mappings:
        parsed = parse_v1_name(mapping.target_name, facts.account_id)
        if parsed is None or parsed.foreign:
            continue
        app = directory.apps.get(mapping.app)
        yield Hit(
            subject=f"{mapping.target_name} (mapping {mapping.mapping_id})",
            detail=(
                f"{directory.name} group {mapping.source_name or mapping.source_id!r} "
                f"is pushed to {mapping.target_name} by app "
                f"{app.app_id if app else mapping.app} "
                f"(status {mapping.raw_status or 'unknown'})."
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


@check("okta-group-foreign-account", requires=(), idp=("groups",))
def okta_foreign_groups(facts: Facts) -> Iterator[Hit]:
    """IdP CF- groups named for another account."""
    return _foreign(facts, facts.directory.idp)


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
    requires=(layout.CF_PERMISSION_GROUPS,),
    idp=("groups",),
)
def okta_unknown_roles(facts: Facts) -> Iterator[Hit]:
    """IdP CF- groups whose role maps to no permission group."""
    return _unknown_role(facts, facts.directory.idp)


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


@check("okta-push-mapping-error", requires=(), idp=("apps", "push_mappings"))
def errored_push_mappings(facts: Facts) -> Iterator[Hit]:
    """v2 push mappings the IdP stopped pushing."""
    directory = facts.directory
    for mapping in directory.mappings:
        if mapping.app != "v2" or mapping.status != "error":
            continue
        name = mapping.source_name or mapping.source_id
        why = mapping.error or f"{directory.name} gave no error summary"
        yield Hit(
            subject=name,
            detail=f"The push of {name!r} is in {mapping.raw_status}: {why}.",
        )


@check("okta-v2-group-prefixed-cf", requires=(), idp=("apps", "app_groups"))
def v2_groups_prefixed_cf(facts: Facts) -> Iterator[Hit]:
    """v2 app groups whose name Cloudflare's SCIM refuses (§6.2)."""
    names = {
        g.name or g.group_id for g in facts.directory.group_assignments if g.app == "v2"
    }
    for name in sorted(names):
        if name.startswith("CF"):
            yield Hit(
                subject=name,
                detail=f"Cloudflare refuses SCIM groups named {name!r} (CF prefix).",
            )


def _matched(facts: Facts, member: MemberAccess) -> IdpUser | None:
    return facts.matches[member.member_id].user


@check(
    "okta-inactive-user-still-member",
    "okta-inactive-admin-still-member",
    requires=(layout.CF_MEMBERS,),
    idp=("users",),
)
def inactive_okta_users(facts: Facts) -> Iterator[Hit]:
    """IdP users suspended, deprovisioned or disabled who are accepted members."""
    for member in facts.members:
        user = _matched(facts, member)
        if user is None or user.status not in INACTIVE or member.status == "pending":
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
                f"{facts.directory.name} status {user.raw_status}; Cloudflare status "
                f"{member.status or 'unknown'}; holds {held}."
            ),
            member_ids=(member.member_id,),
        )


@check(
    "member-not-in-okta",
    "pending-invite-not-in-okta",
    requires=(layout.CF_MEMBERS,),
    idp=("users",),
)
def members_not_in_okta(facts: Facts) -> Iterator[Hit]:
    """Members (pending invites apart) whose email matches no IdP user."""
    directory = facts.directory
    # A console export may leave out deprovisioned users (idp-apis.md §5).
    caveat = (
        "; the export may omit deprovisioned users, so check the IdP itself"
        if directory.idp == "file"
        else ""
    )
    for member in facts.members:
        if _matched(facts, member) is not None:
            continue
        pending = member.status == "pending"
        yield Hit(
            subject=member.email,
            check_id="pending-invite-not-in-okta" if pending else "member-not-in-okta",
            detail=(
                f"No user of any status in {directory.name} has the email "
                f"{member.email!r}{caveat}."
            ),
            member_ids=(member.member_id,),
        )


@check(
    "member-not-assigned-in-okta",
    requires=(layout.CF_MEMBERS,),
    idp=("users", "apps", "app_users"),
)
def members_outside_both_apps(facts: Facts) -> Iterator[Hit]:
    """Accepted members the IdP knows but neither Cloudflare app provisions."""
    directory = facts.directory
    for member in facts.members:
        user = _matched(facts, member)
        # Pending invites and inactive IdP users have findings of their own.
        if member.status == "pending" or user is None or user.status in INACTIVE:
            continue
        if directory.coverage(user) is Coverage.NEITHER:
            yield Hit(
                subject=member.email,
                detail=(
                    f"{directory.name} user {user.user_id} is assigned to neither "
                    "the v1 nor the v2 Cloudflare app."
                ),
                member_ids=(member.member_id,),
            )


@check("email-case-mismatch", requires=(layout.CF_MEMBERS,), idp=("users",))
def email_case_mismatches(facts: Facts) -> Iterator[Hit]:
    """Members whose email matches an IdP user's only after case folding."""
    for member in facts.members:
        match = facts.matches[member.member_id]
        if match.user is None or match.probable:
            continue
        forms = [f.form for f in match.user.forms if not f.probable]
        if clean_email(member.email) in forms:
            continue
        yield Hit(
            subject=member.email,
            detail=(
                f"Cloudflare has {member.email!r}; {facts.directory.name} has "
                f"{' / '.join(repr(f) for f in dict.fromkeys(forms))}."
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


# -- IdP-side findings (issue 4; idp-apis.md §4, §8) --------------------------


@check("idp-ambiguous-match", requires=(layout.CF_MEMBERS,), idp=("users",))
def ambiguous_matches(facts: Facts) -> Iterator[Hit]:
    """One email key shared by two members, or reaching two IdP users."""
    directory = facts.directory
    by_key: dict[str, list[MemberAccess]] = {}
    by_user: dict[str, list[MemberAccess]] = {}
    keys_of = {m.member_id: email_key(m.email) for m in facts.members}
    for member in facts.members:
        by_key.setdefault(keys_of[member.member_id], []).append(member)
        match = facts.matches[member.member_id]
        if match.user is not None:
            by_user.setdefault(match.user.user_id, []).append(member)
        if match.ambiguous:
            yield _two_idp_users(directory.name, member, match)
    # Only keys and users of several members are sorted, not all of them.
    for key in sorted(k for k, ms in by_key.items() if len(ms) > 1):
        yield _two_members(key, by_key[key], directory.name)
    users = directory.users_by_id
    for user_id in sorted(u for u, ms in by_user.items() if len(ms) > 1):
        members = by_user[user_id]
        keys = {keys_of[m.member_id] for m in members}
        if len(keys) > 1:  # one key shared is reported above
            yield _one_user_two_members(directory.name, users[user_id], members)


def _two_idp_users(idp: str, member: MemberAccess, match: Match) -> Hit:
    shown = [
        f"{u.label} ({u.user_id}, {u.raw_status or 'no status'})"
        for u in match.candidates
    ]
    chosen = match.user.label if match.user else ""
    return Hit(
        subject=member.email,
        detail=(
            f"{member.email!r} matches {len(match.candidates)} {idp} users: "
            f"{_listing(shown)}; the report reads {chosen!r}, the liveliest. "
            "Merge or rename the duplicates."
        ),
        member_ids=(member.member_id,),
    )


def _two_members(key: str, members: list[MemberAccess], idp: str) -> Hit:
    emails = [m.email for m in members]
    return Hit(
        subject=f"{key} (Cloudflare members)",
        detail=(
            f"{len(members)} Cloudflare members share the email key {key!r}: "
            f"{_listing([repr(e) for e in emails])}; {idp} provisions one of "
            "them, the other is a second membership for the same person."
        ),
        member_ids=tuple(m.member_id for m in members),
    )


def _one_user_two_members(idp: str, user: IdpUser, members: list[MemberAccess]) -> Hit:
    return Hit(
        subject=f"{user.label} ({idp} user {user.user_id})",
        detail=(
            f"{idp} user {user.label!r} matches {len(members)} Cloudflare members: "
            f"{_listing([m.email for m in members])}."
        ),
        member_ids=tuple(m.member_id for m in members),
    )


@check("idp-guest-probable-match", requires=(layout.CF_MEMBERS,), idp=("users",))
def probable_guest_matches(facts: Facts) -> Iterator[Hit]:
    """Members matched only by decoding an Entra guest's #EXT# UPN."""
    for member in facts.members:
        match = facts.matches[member.member_id]
        if match.user is None or not match.probable:
            continue
        upn = match.user.upn
        split = "_" in upn.split("#", 1)[0].rsplit("_", 1)[0]
        guess = (
            "its local part holds '_' too, so where the '@' was is a guess"
            if split
            else "a decoded UPN is a guess"
        )
        yield Hit(
            subject=member.email,
            detail=(
                f"Only the guest UPN {upn!r} of {facts.directory.name} user "
                f"{match.user.user_id} matches, decoded as {match.via!r}; {guess}. "
                "Set the guest's mail to the member's address, then review."
            ),
            member_ids=(member.member_id,),
        )


@check("idp-username-not-mail", requires=(), idp=("users", "app_users"))
def usernames_not_mail(facts: Facts) -> Iterator[Hit]:
    """Assigned users whose username is not exactly their email (§8)."""
    directory = facts.directory
    users = directory.users_by_id
    seen: set[str] = set()
    for assignment in directory.assignments:
        user = users.get(assignment.user_id)
        if user is None or user.user_id in seen:
            continue
        seen.add(user.user_id)
        found = _username_problem(directory.idp, user, assignment.login)
        if found:
            # The username is what this finding is about, a guest's UPN too.
            subject = user.login or user.label
            yield Hit(subject=subject, detail=f"{directory.name}: {found}.")


def _username_problem(idp: str, user: IdpUser, sent: str) -> str:
    # Cloudflare needs Entra UPN = mail, case-sensitive; Okta username = email.
    if idp == "entra":
        if not user.mail:
            return f"userPrincipalName {user.upn!r} and no mail"
        if user.upn != user.mail:
            guest = " (a guest: #EXT# UPNs never equal mail)" if user.guest else ""
            return (
                f"userPrincipalName {user.upn!r} differs from mail {user.mail!r}{guest}"
            )
        return ""
    if idp == "okta" and sent and user.mail and sent != clean_email(user.mail):
        return f"the app sends username {sent!r}, the user's email is {user.mail!r}"
    return ""


@check(
    "idp-assigned-v1-only",
    "idp-v1-unassign-deprovisions",
    "idp-assigned-both",
    requires=(),
    idp=("apps", "app_users"),
)
def app_coverage(facts: Facts) -> Iterator[Hit]:
    """Who is assigned to v1 only or to both, and what unassigning v1 does (§4)."""
    directory = facts.directory
    v1 = directory.apps.get("v1")
    members = facts.member_by_idp_user
    people: dict[str, tuple[set[str], str]] = {}
    for assignment in directory.assignments:
        if assignment.user_id not in people:
            people[assignment.user_id] = (set(), assignment.login)
        people[assignment.user_id][0].add(assignment.app)
    for user_id, (tags, login) in sorted(people.items(), key=lambda p: p[1][1]):
        linked = (members[user_id],) if user_id in members else ()
        subject = _titled(directory.users_by_id.get(user_id), login)
        if tags == {"v1"}:
            yield Hit(
                subject=subject,
                check_id="idp-assigned-v1-only",
                detail=(
                    f"{directory.name} assigns {login!r} to the v1 app only; the "
                    "v2 app does not provision them yet."
                ),
                member_ids=linked,
            )
        elif tags == {"v1", "v2"} and v1 is not None:
            yield _both(directory.name, login, v1, linked, subject)


def _titled(user: IdpUser | None, login: str) -> str:
    """A guest's mail rather than its #EXT# UPN; the detail keeps the UPN."""
    return user.label if user is not None and user.guest else login


def _both(
    idp: str, login: str, v1: IdpApp, linked: tuple[str, ...], subject: str
) -> Hit:
    risky = v1.can_deprovision is not False
    known = "can" if v1.can_deprovision else "may"
    effect = (
        f"unassigning them from v1 {known} send active:false and remove the "
        "member from Cloudflare although v2 still assigns them"
        if risky
        else "unassigning them from v1 does not deactivate them"
    )
    return Hit(
        subject=subject,
        check_id="idp-v1-unassign-deprovisions" if risky else "idp-assigned-both",
        detail=(
            f"{idp} assigns {login!r} to both apps; {effect} "
            f"(v1 app {v1.label}: {v1.deprovision_evidence})."
        ),
        member_ids=linked,
    )


@check("idp-virtual-group-assigned", requires=(), idp=("apps", "app_groups"))
def virtual_groups_assigned(facts: Facts) -> Iterator[Hit]:
    """CF- groups of this account assigned to a Cloudflare app."""
    directory = facts.directory
    for ga in directory.group_assignments:
        parsed = parse_v1_name(ga.name, facts.account_id)
        if parsed is None or parsed.foreign:
            continue
        app = directory.apps.get(ga.app)
        label = app.label if app else ga.app
        yield Hit(
            subject=f"{ga.name} ({ga.app} app)",
            detail=(
                f"{directory.name} group {ga.name!r} ({ga.group_id}) is assigned to "
                f"the {ga.app} app {label}; while it is, it provisions the v1 role "
                f"{parsed.role_name}."
            ),
        )


@check("idp-nested-only-user", requires=(), idp=("app_groups", "app_users", "nested"))
def nested_only_users(facts: Facts) -> Iterator[Hit]:
    """Users reached through a nested group only: provisioning skips them (§8)."""
    directory = facts.directory
    users = directory.users_by_id
    assigned = {(a.app, a.user_id) for a in directory.assignments}
    for ga in directory.group_assignments:
        group = directory.groups.get(ga.group_id)
        for user_id in group.nested_only if group else ():
            if (ga.app, user_id) in assigned:
                continue
            user = users.get(user_id)
            label = user.label if user else user_id
            yield Hit(
                subject=f"{label} via {ga.name or ga.group_id} ({ga.app} app)",
                detail=(
                    f"{label!r} is in a group nested in {ga.name!r}, which is "
                    f"assigned to the {ga.app} app; {directory.name} provisions "
                    "direct members only, so the app does not provision them."
                ),
            )


@check(
    "idp-group-membership-differs",
    requires=(layout.CF_MEMBERS, layout.CF_USER_GROUPS, layout.CF_USER_GROUP_MEMBERS),
    idp=("users", "app_users", "push_mappings", "groups", "group_members"),
)
def group_membership_differs(facts: Facts) -> Iterator[Hit]:
    """Pushed groups whose Cloudflare user group holds other members (§8)."""
    directory = facts.directory
    user_groups = {name_key(text(g, "name")): g for g in facts.cloudflare.user_groups}
    provisioned = _v2_provisioned(facts)
    members = facts.member_by_idp_user
    emails = {m.member_id: m.email for m in facts.members}
    for mapping in directory.mappings:
        if mapping.app != "v2":
            continue
        group = directory.groups.get(mapping.source_id)
        target = user_groups.get(name_key(mapping.target_name))
        if group is None or target is None or not group.members_known:
            continue
        # Expected: the group's direct members whom the v2 app provisions.
        want = {members[u] for u in group.direct if u in provisioned and u in members}
        have = set(_user_group_member_ids(facts, text(target, "id")))
        if want != have:
            yield Hit(
                subject=text(target, "name"),
                detail=(
                    f"{directory.name} group {group.name!r}: "
                    f"{_membership_gap(want, have, emails)}."
                ),
                member_ids=tuple(sorted(want ^ have)),
            )


def _v2_provisioned(facts: Facts) -> set[str]:
    """Ids of the IdP users the v2 app assigns (by id or by address)."""
    directory = facts.directory
    keys = directory.assigned_keys("v2")
    ids = {a.user_id for a in directory.assignments if a.app == "v2"}
    exact = directory.exact_keys
    return ids | {u.user_id for u in directory.users if exact[u.user_id] & keys}


def _membership_gap(want: set[str], have: set[str], emails: dict[str, str]) -> str:
    lacking, extra = sorted(want - have), sorted(have - want)
    parts = []
    if lacking:
        parts.append(f"the user group lacks {_listing([emails[i] for i in lacking])}")
    if extra:
        shown = _listing([emails.get(i, i) for i in extra])
        parts.append(f"it holds members the group does not provision: {shown}")
    return "; ".join(parts)
