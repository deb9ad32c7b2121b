"""A hand-built ``Analysis`` for the renderer tests, with every case a report shows.

Names in several scripts, a hostile name, a control character, a member at
risk, a deny grant, a zone-scoped grant, a foreign virtual group, a user group
without policies, findings of several severities, a check that could not be
assessed, a no-go verdict and steps in every status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace

from reporter.analyze.model import (
    Access,
    Analysis,
    Evidence,
    Finding,
    Grant,
    IdpAssignment,
    MemberAccess,
    NotAssessed,
    Scope,
    Severity,
    Source,
    StepResult,
    StepStatus,
    UserGroupSummary,
    Verdict,
    VirtualGroup,
)
from reporter.snapshot.model import EndpointRecord, RequestRecord

ACCOUNT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
FOREIGN_ACCOUNT_ID = "99999999999999999999999999999999"
ACCOUNT_NAME = "Exämple Corp"
COLLECTED_AT = "2026-11-30T09:15:00Z"
SNAPSHOT_SHA256 = "3b7e0f6c1a2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab"
TOOL_VERSION = "0.1.0"

ADMIN_PG_ID = "05784afa30c1afe1440e79d9351c7430"
BILLING_PG_ID = "0cbd4ac1a4f94e4fa7a3b1a3e7c1f2d4"
DNS_PG_ID = "6f0b2f64b4c44d1ea8d0b0e5c2b1a9f8"

# Names a report must show as plain text and nothing more.
RLO_NAME = "Eve \u202egnp.exe\u202c Mallory"
LONG_NAME = "Very Long " + "Ñame " * 98  # 500 characters
HOSTILE_NAMES = (
    '<img src=x onerror="alert(1)">',
    "</script><script>alert(2)</script>",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "\rCarriage",
    "Null\x00 Byte\x1b[31m",
    RLO_NAME,
    LONG_NAME,
)
# The same names as every report shows them: control characters and bidi
# overrides removed, everything else kept as text.
SHOWN_HOSTILE_NAMES = (
    *HOSTILE_NAMES[:8],
    "Null Byte[31m",
    "Eve gnp.exe Mallory",
    LONG_NAME,
)
# As the HTML and PDF show them: names longer than 200 characters are cut
# with an ellipsis (the workbook keeps SHOWN_HOSTILE_NAMES whole).
DISPLAYED_HOSTILE_NAMES = (*SHOWN_HOSTILE_NAMES[:-1], LONG_NAME[:199] + "\u2026")
HOSTILE_NAME = '=HYPERLINK("http://x.invalid")<script>alert(1)</script>'
BELL_NAME = "Bell\x07 Ringer"

ACCOUNT_SCOPE = Scope(
    key=f"com.cloudflare.api.account.{ACCOUNT_ID}",
    objects=("*",),
    kind="account",
    label="whole account",
)
ZONE_SCOPE = Scope(
    key=f"com.cloudflare.api.account.{ACCOUNT_ID}",
    objects=("com.cloudflare.api.account.zone.d16e6dd3a1b24c5f8e9d0a1b2c3d4e5f",),
    kind="zone",
    label="zone d16e6dd3…",
)

ADMIN_VG = f"CF-{ACCOUNT_ID} - Administrator"
BILLING_VG = f"CF-{ACCOUNT_ID} - Billing"
FOREIGN_VG = f"CF-{FOREIGN_ACCOUNT_ID} - Administrator"


def _grant(
    member_id: str,
    name: str,
    pg_id: str | None,
    source: Source,
    source_name: str,
    *,
    scope: Scope = ACCOUNT_SCOPE,
    access: Access = Access.ALLOW,
) -> Grant:
    return Grant(
        member_id=member_id,
        permission_group_id=pg_id,
        permission_group=name,
        scope=scope,
        access=access,
        source=source,
        source_name=source_name,
        source_id=f"{member_id}-{source_name}",
    )


def _member(
    member_id: str,
    email: str,
    name: str,
    grants: tuple[Grant, ...] = (),
    *,
    virtual_groups: tuple[str, ...] = (),
    user_groups: tuple[str, ...] = (),
    at_risk: tuple[str, ...] = (),
) -> MemberAccess:
    return MemberAccess(
        member_id=member_id,
        email=email,
        name=name,
        status="accepted",
        two_factor=True,
        idp_status="ACTIVE",
        grants=grants,
        virtual_groups=virtual_groups,
        user_groups=user_groups,
        at_risk=at_risk,
    )


ANA = _member(
    "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
    "ana.nunez@example.com",
    "Ána Núñez-Ørsted",
    (
        _grant(
            "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
            "Administrator",
            ADMIN_PG_ID,
            Source.VIRTUAL_GROUP,
            ADMIN_VG,
        ),
    ),
    virtual_groups=(ADMIN_VG,),
    at_risk=("Administrator",),
)
LI = _member(
    "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
    "li.xiaolong@example.cn",
    "李小龍",
    (
        _grant(
            "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
            "Administrator",
            ADMIN_PG_ID,
            Source.USER_GROUP,
            "Okta-Engineers",
        ),
        _grant(
            "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
            "DNS",
            DNS_PG_ID,
            Source.DIRECT_POLICY,
            "policy-7c1d",
            scope=ZONE_SCOPE,
        ),
    ),
    virtual_groups=(ADMIN_VG,),
    user_groups=("Okta-Engineers",),
)
LAYLA = _member(
    "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
    "layla@example.ae",
    "ليلى الأحمد",
    (
        _grant(
            "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
            "Billing",
            BILLING_PG_ID,
            Source.DIRECT_POLICY,
            "policy-9e2f",
            access=Access.DENY,
        ),
    ),
)
DAVID = _member(
    "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4",
    "david.levi@example.il",
    "דוד לוי",
    (
        _grant(
            "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4",
            "Billing",
            BILLING_PG_ID,
            Source.VIRTUAL_GROUP,
            BILLING_VG,
        ),
        _grant(
            "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4",
            "Legacy Auditor",
            None,
            Source.LEGACY_ROLE,
            "Legacy Auditor",
        ),
    ),
    virtual_groups=(BILLING_VG,),
    at_risk=("Billing",),
)
HOSTILE = _member(
    "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5",
    "hostile@example.com",
    HOSTILE_NAME,
    (
        _grant(
            "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5",
            "DNS",
            DNS_PG_ID,
            Source.USER_GROUP,
            "Okta-Engineers",
        ),
    ),
    user_groups=("Okta-Engineers",),
)
BELL = _member("f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6", "bell@example.com", BELL_NAME)

MEMBERS = (ANA, LI, LAYLA, DAVID, HOSTILE, BELL)
MEMBERS_AT_RISK = (ANA, DAVID)

FINDINGS = (
    Finding(
        check_id="virtual-group-only-access",
        severity=Severity.CRITICAL,
        title="Access depends on a virtual group alone",
        subject=ANA.email,
        detail="Would lose Administrator on the whole account.",
        finding_id="vg-only-a1a1a1a1",
        member_ids=(ANA.member_id,),
    ),
    Finding(
        check_id="virtual-group-only-access",
        severity=Severity.CRITICAL,
        title="Access depends on a virtual group alone",
        subject=DAVID.email,
        detail="Would lose Billing on the whole account.",
        finding_id="vg-only-d4d4d4d4",
        member_ids=(DAVID.member_id,),
    ),
    Finding(
        check_id="foreign-virtual-group",
        severity=Severity.HIGH,
        title="Virtual group names another account",
        subject=FOREIGN_VG,
        detail=f"The group names account {FOREIGN_ACCOUNT_ID}.",
        finding_id="foreign-vg-9999",
    ),
    Finding(
        check_id="unmapped-legacy-role",
        severity=Severity.MEDIUM,
        title="Legacy role matches no permission group",
        subject="Legacy Auditor",
        detail="The role Legacy Auditor has no permission group of that name.",
        finding_id="unmapped-role-legacy-auditor",
        member_ids=(DAVID.member_id,),
    ),
    Finding(
        check_id="user-group-without-policy",
        severity=Severity.LOW,
        title="User group grants nothing",
        subject="Empty Group",
        detail="The user group has members but no policy.",
        finding_id="ug-no-policy-empty",
    ),
    Finding(
        check_id="hostile-subject",
        severity=Severity.INFO,
        title="Member name is unusual",
        subject=HOSTILE_NAME,
        detail=HOSTILE_NAME,
        finding_id="odd-name-e5e5e5e5",
        member_ids=(HOSTILE.member_id,),
    ),
)

NOT_ASSESSED = (
    NotAssessed(
        check_id="okta-push-mappings",
        title="Okta group push mappings",
        reason="GET /api/v1/apps/0oa2v2/group-push/mappings answered 403 E0000006.",
        hint="Grant the Okta API token the okta.apps.read scope.",
    ),
)

STEPS = (
    StepResult(
        1,
        "New SCIM app with an account-owned token",
        StepStatus.DONE,
        ("The Okta v2 app Cloudflare SCIM v2 is ACTIVE.",),
    ),
    StepResult(
        2,
        "Assign users and groups",
        StepStatus.IN_PROGRESS,
        ("4 of 6 v1 app users are v2 app users.",),
    ),
    StepResult(
        3,
        "Sync groups",
        StepStatus.COULD_NOT_ASSESS,
        ("The Okta push mappings were not collected.",),
    ),
    StepResult(
        4,
        "Attach policies",
        StepStatus.IN_PROGRESS,
        ("The SCIM-managed user group Empty Group has no policy.",),
    ),
    StepResult(
        5,
        "Move users",
        StepStatus.IN_PROGRESS,
        ("2 members are at risk.",),
    ),
    StepResult(
        6,
        "Remove virtual groups and IdP mappings",
        StepStatus.NOT_STARTED,
        ("2 SCIM users are in cloudflare-v1- groups.",),
    ),
)

VERDICT = Verdict(
    go=False,
    summary="Removing the virtual groups today would take access away.",
    blockers=(
        f"{ANA.email} would lose Administrator.",
        f"{DAVID.email} would lose Billing.",
    ),
)

VIRTUAL_GROUPS = (
    VirtualGroup(
        side="cloudflare",
        group_id=f"cloudflare-v1-{ADMIN_PG_ID}",
        display_name=ADMIN_VG,
        account_id=ACCOUNT_ID,
        role_name="Administrator",
        foreign=False,
        permission_group_id=ADMIN_PG_ID,
        permission_group="Administrator",
        members=(ANA.email, LI.email),
    ),
    VirtualGroup(
        side="okta",
        group_id="00g1billing",
        display_name=BILLING_VG,
        account_id=ACCOUNT_ID,
        role_name="Billing",
        foreign=False,
        permission_group_id=BILLING_PG_ID,
        permission_group="Billing",
        members=(DAVID.email,),
    ),
    VirtualGroup(
        side="okta",
        group_id="00g9foreign",
        display_name=FOREIGN_VG,
        account_id=FOREIGN_ACCOUNT_ID,
        role_name="Administrator",
        foreign=True,
        permission_group_id=None,
        permission_group=None,
        members=("someone@example.com",),
    ),
)

USER_GROUPS = (
    UserGroupSummary(
        group_id="ug-1",
        name="Okta-Engineers",
        member_count=2,
        policy_count=1,
        scim_managed=True,
        scopes=("whole account",),
        permission_groups=("Administrator", "DNS"),
    ),
    UserGroupSummary(
        group_id="ug-2",
        name="Empty Group",
        member_count=1,
        policy_count=0,
        scim_managed=True,
        scopes=(),
        permission_groups=(),
    ),
)


EVIDENCE = Evidence(
    started_at="2026-11-30T09:14:02Z",
    finished_at=COLLECTED_AT,
    sources=(
        ("cloudflare", "https://api.cloudflare.com/client/v4"),
        ("okta", "https://example.okta.com"),
    ),
    settings=(("okta_v1_app_id", "0oa1v1"), ("okta_v2_app_id", "0oa2v2")),
    endpoints=(
        EndpointRecord("cloudflare/members.json", "ok", pages=1, count=6),
        EndpointRecord(
            "okta/push_mappings.json",
            "failed",
            http_status=403,
            error_code="E0000006",
            reason="You do not have permission to perform the requested action",
            hint="Grant the Okta API token the okta.apps.read scope.",
        ),
    ),
    requests=(
        RequestRecord(
            "GET",
            f"/client/v4/accounts/{ACCOUNT_ID}/members?page=1&per_page=50",
            200,
            12.5,
            "cloudflare/members.json",
            1,
        ),
        RequestRecord(
            "GET",
            "/api/v1/apps/0oa2v2/group-push/mappings",
            403,
            8.25,
            "okta/push_mappings.json",
            1,
        ),
    ),
    files=(("cloudflare/members.json", "aa11" * 16),),
)

IDP_ASSIGNMENTS = (
    IdpAssignment(
        idp="okta",
        app="v1",
        app_label="Cloudflare SCIM (v1)",
        login=ANA.email,
        scope="GROUP",
        assignment_status="PROVISIONED",
        user_status="ACTIVE",
        member_id=ANA.member_id,
    ),
    IdpAssignment(
        idp="okta",
        app="v2",
        app_label="Cloudflare Dashboard",
        login="ghost@example.com",
        scope="USER",
        assignment_status="PROVISIONED",
        user_status="SUSPENDED",
        member_id=None,
    ),
)


def build_analysis() -> Analysis:
    """The hand-built analysis every renderer test reads."""
    return Analysis(
        account_id=ACCOUNT_ID,
        account_name=ACCOUNT_NAME,
        collected_at=COLLECTED_AT,
        tool_version=TOOL_VERSION,
        snapshot_sha256=SNAPSHOT_SHA256,
        members=MEMBERS,
        virtual_groups=VIRTUAL_GROUPS,
        user_groups=USER_GROUPS,
        findings=FINDINGS,
        not_assessed=NOT_ASSESSED,
        steps=STEPS,
        verdict=VERDICT,
        unmapped_roles=("Legacy Auditor",),
        evidence=EVIDENCE,
        idp_assignments=IDP_ASSIGNMENTS,
    )


def build_large_analysis(extra_members: int, *, at_risk_every: int = 0) -> Analysis:
    """The same analysis with ``extra_members`` plain members added.

    With ``at_risk_every`` = k, every k-th added member holds Administrator
    through a virtual group alone, with its finding and blocker, as in a
    large account half-way through the migration.
    """
    plain = [
        _member(f"{n:032x}", f"user{n}@example.com", f"User {n}")
        for n in range(1, extra_members + 1)
    ]
    risky = [
        n
        for n in range(1, extra_members + 1)
        if at_risk_every and n % at_risk_every == 0
    ]
    for n in risky:
        plain[n - 1] = replace(
            plain[n - 1],
            grants=(
                _grant(
                    f"{n:032x}",
                    "Administrator",
                    ADMIN_PG_ID,
                    Source.VIRTUAL_GROUP,
                    ADMIN_VG,
                ),
            ),
            virtual_groups=(ADMIN_VG,),
            at_risk=("Administrator",),
        )
    findings = tuple(
        Finding(
            check_id="virtual-group-only-access",
            severity=Severity.CRITICAL,
            title="Access depends on a virtual group alone",
            subject=f"user{n}@example.com",
            detail="Would lose Administrator on the whole account.",
            finding_id=f"vg-only-{n:08x}",
            member_ids=(f"{n:032x}",),
        )
        for n in risky
    )
    base = build_analysis()
    verdict = replace(
        base.verdict,
        blockers=base.verdict.blockers
        + tuple(f"user{n}@example.com would lose Administrator." for n in risky),
    )
    return replace(
        base,
        members=base.members + tuple(plain),
        findings=base.findings + findings,
        verdict=verdict,
    )


def hostile_member_id(index: int) -> str:
    """The member id of the ``index``-th hostile member."""
    return f"{0xBAD0 + index:032x}"


def build_hostile_analysis() -> Analysis:
    """The analysis with one more member per hostile name, each with a finding."""
    hostile = tuple(
        _member(hostile_member_id(i), f"hostile{i}@example.com", name)
        for i, name in enumerate(HOSTILE_NAMES)
    )
    findings = tuple(
        Finding(
            check_id="hostile-subject",
            severity=Severity.INFO,
            title="Member name is unusual",
            subject=name,
            detail=name,
            finding_id=f"odd-name-{i}",
            member_ids=(hostile_member_id(i),),
        )
        for i, name in enumerate(HOSTILE_NAMES)
    )
    base = build_analysis()
    return replace(
        base, members=base.members + hostile, findings=base.findings + findings
    )


# Every character no report may hold, in one value: the C0 controls but tab,
# newline and carriage return (Excel and XML hold those), DEL, a C1 control,
# a bidi override and a lone surrogate.
CONTROLS = (
    "".join(chr(code) for code in range(0x20) if chr(code) not in "\t\n\r")
    + "\x7f\x85\u202e\ud800"
)
CONTROL_EMAIL = f"ana.nunez{CONTROLS}@example.com"
CONTROL_MEMBER_ID = f"d4d4d4d4d4d4d4d4{CONTROLS}d4d4d4d4d4d4d4d4"
CONTROL_GROUP = f"Okta{CONTROLS}-Engineers"
CONTROL_LOGIN = f"ghost{CONTROLS}@example.com"
CONTROL_ACCOUNT = f"Exämple{CONTROLS} Corp"


def build_control_analysis() -> Analysis:
    """The analysis with ``CONTROLS`` inside Ana's email, David's member id,
    the user group Okta-Engineers' name, the ghost's IdP login and the account
    name, wherever the analysis holds them."""
    swaps = {
        ANA.email: CONTROL_EMAIL,
        DAVID.member_id: CONTROL_MEMBER_ID,
        "Okta-Engineers": CONTROL_GROUP,
        "ghost@example.com": CONTROL_LOGIN,
        ACCOUNT_NAME: CONTROL_ACCOUNT,
    }
    analysis = _swapped(build_analysis(), swaps)
    assert isinstance(analysis, Analysis)
    return analysis


def _swapped(value: object, swaps: Mapping[str, str]) -> object:
    """``value`` with each key of ``swaps`` replaced in every string it holds."""
    if type(value) is str:  # not the StrEnums: they stay members
        for old, new in swaps.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, tuple):
        return tuple(_swapped(item, swaps) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _swapped(getattr(value, f.name), swaps) for f in fields(value)
        }
        return replace(value, **changes)
    return value
