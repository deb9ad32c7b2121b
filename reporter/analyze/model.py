"""What the analysis hands to the renderers: frozen, typed, ordered.

Every collection in these records is a tuple in a deterministic order, so the
same snapshot always yields the same reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reporter.snapshot.model import EndpointRecord, RequestRecord


class Source(StrEnum):
    """Where a grant comes from."""

    LEGACY_ROLE = "legacy role"
    DIRECT_POLICY = "direct policy"
    USER_GROUP = "user group"
    VIRTUAL_GROUP = "virtual group"


class Access(StrEnum):
    """A policy's effect; anything Cloudflare may add later is ``unknown``."""

    ALLOW = "allow"
    DENY = "deny"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """How urgent a finding is, most urgent first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_ORDER = tuple(Severity)


class StepStatus(StrEnum):
    """Progress of one of the six migration steps."""

    DONE = "done"
    IN_PROGRESS = "in progress"
    NOT_STARTED = "not started"
    COULD_NOT_ASSESS = "could not assess"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a grant applies: the whole account, one zone, or something else.

    ``key`` is the resource group scope key and ``objects`` its object keys, as
    Cloudflare returns them; ``kind`` and ``label`` are for people.
    """

    key: str
    objects: tuple[str, ...]
    kind: str  # "account", "zone" or "other"
    label: str  # e.g. "whole account", "zone d16e6dd3…"


@dataclass(frozen=True, slots=True)
class Grant:
    """One permission group on one scope for one member, with its source."""

    member_id: str
    permission_group_id: str | None  # None when a legacy role could not be mapped
    permission_group: str  # the permission group's (or unmapped role's) name
    scope: Scope
    access: Access
    source: Source
    source_name: str  # role name, policy id, user group name or virtual group name
    source_id: str


@dataclass(frozen=True, slots=True)
class MemberAccess:
    """One account member with every grant the analysis could compute."""

    member_id: str
    email: str
    name: str
    status: str  # accepted, pending, ...
    two_factor: bool | None
    idp_status: str | None  # e.g. ACTIVE, SUSPENDED, DEPROVISIONED; None: not in IdP
    grants: tuple[Grant, ...]
    virtual_groups: tuple[str, ...]  # display names of the v1 groups the member is in
    user_groups: tuple[str, ...]  # names of the user groups the member is in
    # Permission groups (names) the member would lose if every virtual group
    # were removed today; empty when nothing depends on a virtual group alone.
    at_risk: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VirtualGroup:
    """A v1 ``CF-<account>-<role>`` group as seen on Cloudflare or in the IdP."""

    side: str  # "cloudflare", or the IdP: "okta", "entra" or "file"
    group_id: str  # SCIM id on Cloudflare, the group's id in the IdP
    display_name: str
    account_id: str  # as written in the name
    role_name: str
    foreign: bool  # names an account other than the audited one
    permission_group_id: str | None
    permission_group: str | None  # None when the role name is unknown
    members: tuple[str, ...]  # member emails (Cloudflare) or Okta logins


@dataclass(frozen=True, slots=True)
class UserGroupSummary:
    """A Cloudflare user group, its policies and whether SCIM manages it."""

    group_id: str
    name: str
    member_count: int
    policy_count: int
    scim_managed: bool
    scopes: tuple[str, ...]  # scope labels of its policies
    permission_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found for one subject (a member, a group, a mapping)."""

    check_id: str
    severity: Severity
    title: str
    subject: str
    detail: str
    finding_id: str  # stable: derived from check, account and subject
    member_ids: tuple[str, ...] = ()  # members the finding concerns, for links


@dataclass(frozen=True, slots=True)
class NotAssessed:
    """A check that could not run, with the reason and what would fix it."""

    check_id: str
    title: str
    reason: str
    hint: str


@dataclass(frozen=True, slots=True)
class StepResult:
    """One of the migration guide's six steps, its status and the evidence."""

    number: int
    title: str
    status: StepStatus
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether step 6 (removing the virtual groups) is safe today."""

    go: bool
    summary: str
    blockers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IdpAssignment:
    """One user assigned to one of the Cloudflare apps in the identity provider."""

    idp: str  # "okta", "entra" or "file"
    app: str  # "v1" (legacy virtual-group app) or "v2" (Cloudflare Dashboard)
    app_label: str
    login: str
    scope: str  # USER (direct) or GROUP (through a group)
    assignment_status: str  # the app user's status, e.g. PROVISIONED
    user_status: str  # the IdP user's status, e.g. ACTIVE, accountEnabled=false
    member_id: str | None  # the Cloudflare member it joins to, if any
    coverage: str = ""  # the person's apps: "v1 only", "v2 only" or "both"
    group: str = ""  # the group it comes through, when the IdP says


@dataclass(frozen=True, slots=True)
class Evidence:
    """The snapshot's manifest, as an auditor's appendix shows it."""

    started_at: str
    finished_at: str
    sources: tuple[tuple[str, str], ...]  # (system, base URL)
    settings: tuple[tuple[str, str], ...]
    endpoints: tuple[EndpointRecord, ...]
    requests: tuple[RequestRecord, ...]
    files: tuple[tuple[str, str], ...]  # (entry, SHA-256)
    resumed_at: str | None = None  # when a resumed collection's last run started


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything a report shows, computed from one snapshot."""

    account_id: str
    account_name: str
    collected_at: str  # the manifest's finished_at, ISO 8601 UTC
    tool_version: str
    snapshot_sha256: str
    members: tuple[MemberAccess, ...]
    virtual_groups: tuple[VirtualGroup, ...]
    user_groups: tuple[UserGroupSummary, ...]
    findings: tuple[Finding, ...]
    not_assessed: tuple[NotAssessed, ...]
    steps: tuple[StepResult, ...]
    verdict: Verdict
    unmapped_roles: tuple[str, ...]  # legacy role names with no permission group
    evidence: Evidence | None = None
    idp_assignments: tuple[IdpAssignment, ...] = ()
    # False when "members at risk" could not be computed (an input missing or
    # unusable): an empty members_at_risk then means "unknown", not "nobody".
    at_risk_assessed: bool = True

    @property
    def members_at_risk(self) -> tuple[MemberAccess, ...]:
        """Members who would lose access if the virtual groups went today."""
        return tuple(m for m in self.members if m.at_risk)
