"""What a diff of two snapshots hands to the renderers: frozen and ordered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reporter.analyze.model import Finding, MemberAccess, NotAssessed


class MemberVerdict(StrEnum):
    """What happened to one member's access between the two snapshots."""

    UNCHANGED = "unchanged"
    MIGRATED = "migrated with equivalent access"
    LOST = "lost access"
    GAINED = "gained access"
    NOT_ASSESSED = "could not assess"


class ChangeKind(StrEnum):
    """How one permission group of one member changed."""

    LOST = "lost"
    GAINED = "gained"
    NARROWED = "narrowed"
    WIDENED = "widened"
    SOURCE_CHANGED = "source changed"


@dataclass(frozen=True)
class GrantChange:
    """One permission group of one member, before and after."""

    kind: ChangeKind
    permission_group: str
    permission_group_id: str | None
    before_scopes: tuple[str, ...]  # scope labels where it was allowed
    after_scopes: tuple[str, ...]
    before_sources: tuple[str, ...]  # e.g. "virtual group Administrator"
    after_sources: tuple[str, ...]
    admin: bool  # Administrator or Super Administrator

    @property
    def summary(self) -> str:
        """One line for people, e.g. "virtual group X → user group Y"."""
        before = ", ".join(self.before_sources) or "nothing"
        after = ", ".join(self.after_sources) or "nothing"
        if self.kind is ChangeKind.SOURCE_CHANGED:
            return f"{before} → {after}"
        scopes = (
            f"{', '.join(self.before_scopes) or 'nowhere'} → "
            f"{', '.join(self.after_scopes) or 'nowhere'}"
        )
        return f"{scopes} ({before} → {after})"


@dataclass(frozen=True)
class MemberDiff:
    """One member present in both snapshots (joined by email key)."""

    email: str
    name: str
    member_id: str  # in the after snapshot
    verdict: MemberVerdict
    changes: tuple[GrantChange, ...]


@dataclass(frozen=True)
class SnapshotRef:
    """Which snapshot one side of the diff is."""

    collected_at: str
    sha256: str
    tool_version: str


@dataclass(frozen=True)
class AdminGain:
    """An admin-level permission group a member holds now and did not before."""

    email: str
    member_id: str
    permission_group: str
    scopes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DiffResult:
    """Everything the diff report shows."""

    account_id: str
    account_name: str
    before: SnapshotRef
    after: SnapshotRef
    members: tuple[MemberDiff, ...]  # in both snapshots, by email
    added: tuple[MemberAccess, ...]  # only in the after snapshot
    removed: tuple[MemberAccess, ...]  # only in the before snapshot
    new_findings: tuple[Finding, ...]
    resolved_findings: tuple[Finding, ...]
    persisting_findings: tuple[Finding, ...]
    admin_gains: tuple[AdminGain, ...]
    # The diff's own findings: members who lost access, admin gains.
    findings: tuple[Finding, ...]
    # Checks that could not assess: the after snapshot's, then the before
    # snapshot's whose check found something in the after snapshot.
    not_assessed: tuple[NotAssessed, ...]
    # Findings of BEFORE whose check could not assess in AFTER: not resolved.
    unassessed_after: tuple[Finding, ...] = ()
    # Findings of AFTER whose check could not assess in BEFORE: not new.
    unassessed_before: tuple[Finding, ...] = ()
    # Why member access could not be compared ("AFTER: <entry>: <reason>");
    # empty when it could. Non-empty: no member is migrated, lost, gained.
    access_not_assessed: tuple[str, ...] = ()

    def with_verdict(self, verdict: MemberVerdict) -> tuple[MemberDiff, ...]:
        """The members in both snapshots whose verdict is ``verdict``."""
        return tuple(m for m in self.members if m.verdict is verdict)

    @property
    def gating_findings(self) -> tuple[Finding, ...]:
        """What CI judges a migration by: new findings and the diff's own."""
        return self.findings + self.new_findings
