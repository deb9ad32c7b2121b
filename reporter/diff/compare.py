"""``diff_analyses(before, after) -> DiffResult``: what changed, member by member.

Members are joined by email key (a re-invited member gets a new id). Each
permission group's effective allow scopes (allows no deny overrides) are
compared; the same scopes from other sources is a migration, not a change
of access.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reporter.analyze.catalog import CatalogEntry, read_catalog
from reporter.analyze.checks import CHECKS, NEUTRAL_IDS, finding_id, finding_order
from reporter.analyze.effective import effective_allows, scope_covers
from reporter.analyze.identity import email_key
from reporter.analyze.model import (
    Analysis,
    Finding,
    Grant,
    MemberAccess,
    NotAssessed,
    Scope,
    Source,
)
from reporter.analyze.risk import is_admin_grant
from reporter.diff.model import (
    AdminGain,
    ChangeKind,
    DiffResult,
    GrantChange,
    MemberDiff,
    MemberVerdict,
    SnapshotRef,
)
from reporter.errors import ConfigError
from reporter.snapshot import layout

log = logging.getLogger(__name__)

# The entries grants come from: without one, access cannot be compared.
ACCESS_INPUTS = (
    layout.CF_MEMBERS,
    layout.CF_SCIM_USERS,
    layout.CF_SCIM_GROUPS,
    layout.CF_USER_GROUPS,
    layout.CF_USER_GROUP_MEMBERS,
    layout.CF_ROLES,
    layout.CF_PERMISSION_GROUPS,
)

_LOSSES = (ChangeKind.LOST, ChangeKind.NARROWED)
_GAINS = (ChangeKind.GAINED, ChangeKind.WIDENED)


@dataclass(frozen=True)
class _Held:
    """One permission group of one member: where it is allowed and by what."""

    name: str
    permission_group_id: str | None
    scopes: frozenset[Scope]
    sources: frozenset[str]
    admin: bool


def diff_analyses(before: Analysis, after: Analysis) -> DiffResult:
    """Compare two analyses of the same account; refuse two different accounts.

    What either snapshot could not collect is never resolved, new, migrated,
    lost, gained or removed: it is listed as could not assess.
    """
    _same_account(before, after)
    access_gaps = access_not_assessed(before, after)
    old, new = _by_email(before.members), _by_email(after.members)
    both = sorted(old.keys() & new.keys())
    members_known = not (
        _failed(before, layout.CF_MEMBERS) or _failed(after, layout.CF_MEMBERS)
    )
    if access_gaps:
        members = tuple(_unassessed_member(old[k], new[k]) for k in both)
    else:
        members = tuple(_member_diff(old[k], new[k]) for k in both)
    added = tuple(new[k] for k in sorted(new.keys() - old.keys()))
    removed = tuple(old[k] for k in sorted(old.keys() - new.keys()))
    if not members_known:
        added, removed = (), ()
    gains = () if access_gaps else _admin_gains(members, added)
    old_ids = {f.finding_id for f in before.findings}
    new_ids = {f.finding_id for f in after.findings}
    blind_after = _unassessed_checks(after)
    blind_before = _unassessed_checks(before)
    gone = [f for f in before.findings if f.finding_id not in new_ids]
    fresh = [f for f in after.findings if f.finding_id not in old_ids]
    unknown_before = tuple(f for f in fresh if _check_of(f) & blind_before)
    return DiffResult(
        account_id=after.account_id,
        account_name=after.account_name or before.account_name,
        before=_ref(before),
        after=_ref(after),
        members=members,
        added=added,
        removed=removed,
        new_findings=tuple(f for f in fresh if not _check_of(f) & blind_before),
        resolved_findings=tuple(f for f in gone if not _check_of(f) & blind_after),
        persisting_findings=tuple(f for f in after.findings if f.finding_id in old_ids),
        admin_gains=gains,
        findings=_own_findings(after.account_id, members, gains),
        not_assessed=_not_assessed(before, after, unknown_before),
        unassessed_after=tuple(f for f in gone if _check_of(f) & blind_after),
        unassessed_before=unknown_before,
        access_not_assessed=access_gaps,
    )


@functools.cache
def _leads() -> dict[str, frozenset[str]]:
    """Every check id, to the ids its check's "not assessed" entry may carry."""
    table: dict[str, frozenset[str]] = {}
    for spec in CHECKS:
        lead = spec.ids[0]
        names = frozenset({lead, NEUTRAL_IDS.get(lead, lead)})
        for cid in spec.ids:
            table[cid] = table.get(cid, frozenset()) | names
    return table


def _check_of(finding: Finding) -> frozenset[str]:
    """The ids under which ``finding``'s check reports it could not assess."""
    return _leads().get(finding.check_id, frozenset({finding.check_id}))


def _unassessed_checks(analysis: Analysis) -> frozenset[str]:
    return frozenset(n.check_id for n in analysis.not_assessed)


def _not_assessed(
    before: Analysis, after: Analysis, unknown_before: tuple[Finding, ...]
) -> tuple[NotAssessed, ...]:
    """AFTER's checks that could not assess, then BEFORE's that matter to AFTER."""
    blind = {cid for f in unknown_before for cid in _check_of(f)}
    seen = {n.check_id for n in after.not_assessed}
    earlier = tuple(
        replace(n, reason=f"in BEFORE: {n.reason}")
        for n in before.not_assessed
        if n.check_id in blind and n.check_id not in seen
    )
    return after.not_assessed + earlier


def _failed(analysis: Analysis, entry: str) -> str | None:
    """Why ``entry`` of ``analysis``'s snapshot was not collected, or None."""
    records = analysis.evidence.endpoints if analysis.evidence else ()
    for record in records:
        if record.entry == entry:
            if record.status == "ok":
                return None
            status = f" (HTTP {record.http_status})" if record.http_status else ""
            return record.reason or f"collecting failed{status}"
    return "not collected" if analysis.evidence else None


def access_not_assessed(before: Analysis, after: Analysis) -> tuple[str, ...]:
    """Why member access cannot be compared, naming each entry; () when it can."""
    gaps: list[str] = []
    for side, analysis in (("BEFORE", before), ("AFTER", after)):
        found = [
            f"{side}: {entry}: {why}"
            for entry in ACCESS_INPUTS
            if (why := _failed(analysis, entry)) is not None
        ]
        if not found and not analysis.at_risk_assessed:
            found.append(f"{side}: who is at risk could not be assessed")
        gaps += found
    return tuple(gaps)


def _unassessed_member(before: MemberAccess, after: MemberAccess) -> MemberDiff:
    return MemberDiff(
        email=after.email,
        name=after.name or before.name,
        member_id=after.member_id,
        verdict=MemberVerdict.NOT_ASSESSED,
        changes=(),
    )


def _same_account(before: Analysis, after: Analysis) -> None:
    if before.account_id.casefold() != after.account_id.casefold():
        raise ConfigError(
            f"the snapshots are of different accounts: {before.account_id} "
            f"and {after.account_id}",
            hint="diff two snapshots of the same account (BEFORE, then AFTER)",
        )
    if after.collected_at < before.collected_at:
        log.warning(
            "the AFTER snapshot (%s) is older than BEFORE (%s)",
            after.collected_at,
            before.collected_at,
        )


def _by_email(members: Iterable[MemberAccess]) -> dict[str, MemberAccess]:
    found: dict[str, MemberAccess] = {}
    for member in members:
        key = email_key(member.email)
        if key in found:
            log.warning("two members share the email %r; diffing the first", key)
            continue
        found[key] = member
    return found


def _ref(analysis: Analysis) -> SnapshotRef:
    return SnapshotRef(
        collected_at=analysis.collected_at,
        sha256=analysis.snapshot_sha256,
        tool_version=analysis.tool_version,
    )


def source_label(grant: Grant) -> str:
    """How a grant's source reads in a diff, e.g. "virtual group DNS"."""
    if grant.source is Source.VIRTUAL_GROUP:
        # A virtual group grants exactly its role; its CF-<id> name is noise.
        return f"virtual group {grant.permission_group}"
    return f"{grant.source} {grant.source_name}"


def held(grants: Iterable[Grant]) -> dict[str, _Held]:
    """The effective allows of one member, by permission group."""
    table: dict[str, list[Grant]] = {}
    for grant in effective_allows(grants):
        key = grant.permission_group_id or f"role:{grant.permission_group}"
        table.setdefault(key, []).append(grant)
    return {
        key: _Held(
            name=found[0].permission_group,
            permission_group_id=found[0].permission_group_id,
            scopes=frozenset(_normal(g.scope) for g in found),
            sources=frozenset(source_label(g) for g in found),
            admin=any(is_admin_grant(g) for g in found),
        )
        for key, found in table.items()
    }


def _normal(scope: Scope) -> Scope:
    # Two policies may spell the same scope with differently cased keys.
    return Scope(scope.key.casefold(), scope.objects, scope.kind, scope.label)


def _member_diff(before: MemberAccess, after: MemberAccess) -> MemberDiff:
    old, new = held(before.grants), held(after.grants)
    changes = [
        change
        for key in sorted(old.keys() | new.keys(), key=str.casefold)
        if (change := _change(old.get(key), new.get(key))) is not None
    ]
    changes.sort(key=lambda c: (c.permission_group.casefold(), c.kind.value))
    return MemberDiff(
        email=after.email,
        name=after.name or before.name,
        member_id=after.member_id,
        verdict=verdict(changes),
        changes=tuple(changes),
    )


def verdict(changes: Iterable[GrantChange]) -> MemberVerdict:
    """Lost beats gained beats migrated: a loss must never hide behind a gain."""
    kinds = {c.kind for c in changes}
    if kinds.intersection(_LOSSES):
        return MemberVerdict.LOST
    if kinds.intersection(_GAINS):
        return MemberVerdict.GAINED
    if ChangeKind.SOURCE_CHANGED in kinds:
        return MemberVerdict.MIGRATED
    return MemberVerdict.UNCHANGED


def _change(old: _Held | None, new: _Held | None) -> GrantChange | None:
    kind = _kind(old, new)
    if kind is None:
        return None
    either = new or old
    assert either is not None  # for mypy: one side is always present
    return GrantChange(
        kind=kind,
        permission_group=either.name,
        permission_group_id=either.permission_group_id,
        before_scopes=_labels(old),
        after_scopes=_labels(new),
        before_sources=tuple(sorted(old.sources)) if old else (),
        after_sources=tuple(sorted(new.sources)) if new else (),
        admin=bool((old and old.admin) or (new and new.admin)),
    )


def _kind(old: _Held | None, new: _Held | None) -> ChangeKind | None:
    if new is None:
        return ChangeKind.LOST
    if old is None:
        return ChangeKind.GAINED
    wider = _covered(old.scopes, new.scopes)  # after covers everything before had
    narrower = _covered(new.scopes, old.scopes)
    if wider and narrower:
        return None if old.sources == new.sources else ChangeKind.SOURCE_CHANGED
    # Scopes that moved sideways lose some access: reported as narrowed.
    return ChangeKind.WIDENED if wider else ChangeKind.NARROWED


def _covered(inner: frozenset[Scope], outer: frozenset[Scope]) -> bool:
    """Whether every scope of ``inner`` lies inside some scope of ``outer``."""
    return all(any(scope_covers(o, i) for o in outer) for i in inner)


def _labels(side: _Held | None) -> tuple[str, ...]:
    return tuple(sorted({s.label for s in side.scopes})) if side else ()


def _admin_gains(
    members: tuple[MemberDiff, ...], added: tuple[MemberAccess, ...]
) -> tuple[AdminGain, ...]:
    gains = [
        AdminGain(
            m.email, m.member_id, c.permission_group, c.after_scopes, c.after_sources
        )
        for m in members
        for c in m.changes
        if c.admin and c.kind in _GAINS
    ]
    for member in added:
        for h in held(member.grants).values():
            if h.admin:
                scopes = tuple(sorted({s.label for s in h.scopes}))
                gains.append(
                    AdminGain(
                        member.email,
                        member.member_id,
                        h.name,
                        scopes,
                        tuple(sorted(h.sources)),
                    )
                )
    return tuple(sorted(gains, key=lambda g: (email_key(g.email), g.permission_group)))


def _own_findings(
    account_id: str, members: tuple[MemberDiff, ...], gains: tuple[AdminGain, ...]
) -> tuple[Finding, ...]:
    catalog = read_catalog("reporter.diff")
    found = [
        _lost_access(account_id, catalog["member-lost-access"], m)
        for m in members
        if m.verdict is MemberVerdict.LOST
    ]
    found += [_admin_gain(account_id, catalog["admin-access-gained"], g) for g in gains]
    return tuple(sorted(found, key=finding_order))


def _lost_access(account_id: str, entry: CatalogEntry, member: MemberDiff) -> Finding:
    lost = [c for c in member.changes if c.kind in _LOSSES]
    return Finding(
        check_id=entry.check_id,
        severity=entry.severity,
        title=f"{member.email} lost {', '.join(c.permission_group for c in lost)}",
        subject=member.email,
        detail="; ".join(f"{c.permission_group} {c.kind}: {c.summary}" for c in lost),
        finding_id=finding_id(entry.check_id, account_id, member.email),
        member_ids=(member.member_id,),
    )


def _admin_gain(account_id: str, entry: CatalogEntry, gain: AdminGain) -> Finding:
    subject = f"{gain.email}: {gain.permission_group}"
    return Finding(
        check_id=entry.check_id,
        severity=entry.severity,
        title=f"{gain.email} gained {gain.permission_group}",
        subject=subject,
        detail=(
            f"{gain.permission_group} on {', '.join(gain.scopes)} from "
            f"{', '.join(gain.sources)}."
        ),
        finding_id=finding_id(entry.check_id, account_id, subject),
        member_ids=(gain.member_id,),
    )
