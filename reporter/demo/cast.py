"""Who and what the demo scenario holds: the catalogue, the groups, the cast.

Data only; ``reporter.demo.generator`` plays it out. Each named person stands
for one situation the report must show (see ``docs/ARCHITECTURE.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "northwind.example"
ACCOUNT_SCOPE = "com.cloudflare.api.account"
ZONE_SCOPE = "com.cloudflare.api.account.zone"
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
V1_PREFIX = "cloudflare-v1-"
OKTA_ORG = "https://northwind.okta.example"
WHOLE_ACCOUNT = "account"  # resource group plan name of the whole-account group


# name, meta.label, areas read, areas written ("*" = all), description.
ROLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Administrator", "admin", "*", "*", "Can access the full account."),
    (
        "Super Administrator - All Privileges",
        "super_admin",
        "*",
        "*",
        "Can edit any Cloudflare setting, make purchases and manage members.",
    ),
    ("Administrator Read Only", "admin_readonly", "*", "", "Can view everything."),
    ("Analytics", "analytics", "analytics,logs", "", "Can read analytics."),
    ("Audit Logs Viewer", "audit_logs_viewer", "logs", "", "Can view audit logs."),
    ("Billing", "billing", "billing", "billing", "Can edit billing."),
    ("DNS", "dns", "dns,dns_records,zones", "dns,dns_records", "Can edit DNS."),
    ("Firewall", "firewall", "waf,zones", "waf", "Can edit WAF rules."),
    (
        "Minimal Account Access",
        "minimal_account_access",
        "organization",
        "",
        "Can view the account and nothing else.",
    ),
)
# Domain-scoped permission groups: never usable with v1 groups (§6.3).
ZONE_GROUPS = (("Domain Administrator", "domain_admin"), ("Domain DNS", "domain_dns"))

# Virtual group role, displayName template, Okta source group. Both documented
# spellings of the name appear (cloudflare-api.md §6.3), and one account id is
# written in upper case: the id compares case-insensitively.
VIRTUAL_GROUPS = (
    ("Administrator", "CF-{acct} - {role}", "Okta Cloudflare Admins"),
    (
        "Super Administrator - All Privileges",
        "CF-{ACCT} - {role}",
        "Okta Cloudflare Owners",
    ),
    ("DNS", "CF-{acct}-{role}", "DNS Team"),
    ("Billing", "CF-{acct} - {role}", "Finance"),
    ("Administrator Read Only", "CF-{acct} - {role}", "Auditors"),
)
# v1 mappings Cloudflare never materialised: another account, an unknown role.
STRAY_V1 = (
    ("CF-{other} - Administrator", "Partner Admins"),
    ("CF-{acct} - Firewall Wizard", "Security Team"),
)
FOREIGN_SOURCE, UNKNOWN_SOURCE = (source for _, source in STRAY_V1)

# SCIM-synced user groups: name, permission group, resource group plan name.
USER_GROUPS: tuple[tuple[str, str | None, str], ...] = (
    ("Cloudflare-Admins", "Administrator", WHOLE_ACCOUNT),
    ("Cloudflare-DNS-Editors", "DNS", WHOLE_ACCOUNT),
    ("Cloudflare-ReadOnly", "Administrator Read Only", WHOLE_ACCOUNT),
    ("Cloudflare-Billing", None, WHOLE_ACCOUNT),  # synced, no policy yet (step 4)
    ("Cloudflare-Zone-Admins", "Domain Administrator", "prod-zones"),
)
# The post-migration stage: the user group that replaces each virtual group
# (Cloudflare-Owners and Billing's policy are added by the migration itself).
OWNERS_GROUP = "Cloudflare-Owners"
REPLACEMENTS = {
    "Administrator": "Cloudflare-Admins",
    "Super Administrator - All Privileges": OWNERS_GROUP,
    "DNS": "Cloudflare-DNS-Editors",
    "Billing": "Cloudflare-Billing",
    "Administrator Read Only": "Cloudflare-ReadOnly",
}
# The migration's deliberate mistake: this member's virtual group is removed
# but nobody adds them to its replacement, so they lose access.
FORGOTTEN_LOCAL = "lucas.martin"

# Cloudflare refuses SCIM groups whose name starts with "CF" (§6.2): the push
# of this v2 group fails, so it has no SCIM group and no user group.
ERROR_GROUP = "CF Network Engineers"
ERROR_SUMMARY = (
    "Failed on 2026-02-03T10:15:00Z: Error while creating user group "
    f"{ERROR_GROUP}: group names starting with CF are reserved"
)
# Permission groups of the extra user groups that large demos add.
EXTRA_GRANTS = (
    ("Analytics", WHOLE_ACCOUNT),
    ("Firewall", WHOLE_ACCOUNT),
    ("Administrator Read Only", WHOLE_ACCOUNT),
    ("DNS", WHOLE_ACCOUNT),
    ("Domain DNS", "staging-zone"),
    ("Audit Logs Viewer", WHOLE_ACCOUNT),
)
RESOURCE_GROUPS = ("prod-zones", "staging-zone")

Policy = tuple[str, str, str]  # access, permission group name, resource group plan


@dataclass(frozen=True)
class Person:
    """One person in the scenario and every access decision about them."""

    first: str
    last: str
    local: str  # email local part (or a whole address when it holds "@")
    virtual: tuple[str, ...] = ()  # roles of the virtual groups they are in
    user_groups: tuple[str, ...] = ()
    direct: tuple[Policy, ...] = ()
    roles: tuple[str, ...] = ()  # independent legacy roles
    okta_status: str | None = "ACTIVE"  # None: no Okta user at all
    okta_case_differs: bool = False  # Okta keeps the email title-cased
    v2: bool = False  # assigned to the v2 app
    pending: bool = False
    invite_user: bool = True  # pending invite: whether `user` is present
    okta_groups: tuple[str, ...] = ()  # Okta-only groups (stray v1, errored v2)

    @property
    def email(self) -> str:
        """The address as Cloudflare stores it."""
        return self.local if "@" in self.local else f"{self.local}@{DOMAIN}"

    @property
    def okta_email(self) -> str:
        """The address as Okta stores it."""
        if not self.okta_case_differs:
            return self.email
        local, _, domain = self.email.partition("@")
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain


_HOSTILE_FIRST = '=HYPERLINK("http://x.invalid","<script>alert(1)</script>")'
_HOSTILE_LAST = "<img src=x onerror=alert(2)>"
ADMIN = "Administrator"
SUPER = "Super Administrator - All Privileges"
READ_ONLY = "Administrator Read Only"

# The named cast: each person stands for one situation the report must show.
CAST = (
    Person("Break-Glass", "Admin", "breakglass", roles=(SUPER,), okta_status=None),
    Person("Olivia", "Chen", "olivia.chen", virtual=(SUPER,)),
    Person("Liam", "Walker", "liam.walker", (ADMIN,), ("Cloudflare-Admins",), v2=True),
    Person(
        "Noah",
        "Patel",
        "noah.patel",
        (ADMIN, "DNS"),
        ("Cloudflare-DNS-Editors",),
        v2=True,
    ),
    Person(
        "Emma", "Johansson", "emma.johansson", ("Billing",), ("Cloudflare-Billing",)
    ),
    Person("Lucas", "Martin", "lucas.martin", ("Billing",), roles=("Analytics",)),
    Person(
        "Mia", "Rossi", "mia.rossi", ("DNS",), direct=(("allow", "DNS", WHOLE_ACCOUNT),)
    ),
    Person("Ethan", "Brooks", "ethan.brooks", ("DNS",), okta_status="SUSPENDED"),
    Person(
        "Sophia",
        "Novak",
        "sophia.novak",
        (READ_ONLY,),
        ("Cloudflare-ReadOnly",),
        okta_status="DEPROVISIONED",
    ),
    Person(
        "José",
        "García",
        "jose.garcia",
        (ADMIN,),
        ("Cloudflare-Admins",),
        okta_case_differs=True,
        v2=True,
    ),
    Person("小明", "王", "wang.xiaoming", (READ_ONLY,)),
    Person("ليلى", "حداد", "layla.haddad", (), ("Cloudflare-ReadOnly",), v2=True),
    Person("נועה", "כהן", "noa.cohen", ("DNS",), ("Cloudflare-DNS-Editors",), v2=True),
    Person(_HOSTILE_FIRST, _HOSTILE_LAST, "mallory", (ADMIN,)),
    Person(
        "Chloé",
        "Dubois",
        "chloe.dubois",
        (ADMIN,),
        ("Cloudflare-Zone-Admins",),
        v2=True,
    ),
    Person(
        "Mateo",
        "Álvarez",
        "mateo.alvarez",
        direct=(
            ("allow", "Analytics", WHOLE_ACCOUNT),
            ("deny", "Billing", WHOLE_ACCOUNT),
        ),
    ),
    Person(
        "Hannah",
        "Schmidt",
        "hannah.schmidt",
        direct=(("allow", "Domain DNS", "staging-zone"),),
        v2=True,
    ),
    Person(
        "由紀",
        "田中",
        "yuki.tanaka",
        (SUPER,),
        direct=(("allow", SUPER, WHOLE_ACCOUNT),),
    ),
    Person("Amelia", "Wright", "amelia.wright", roles=("Audit Logs Viewer",)),
    Person(
        "Grace",
        "Kim",
        "grace.kim",
        (),
        ("Cloudflare-DNS-Editors",),
        okta_status="LOCKED_OUT",
        v2=True,
    ),
    Person("Oliver", "Smith", "oliver.smith", okta_status="RECOVERY"),
    Person(
        "Isabella",
        "Costa",
        "isabella.costa",
        ("Billing",),
        direct=(("allow", "Billing", WHOLE_ACCOUNT),),
        okta_status="PASSWORD_EXPIRED",
    ),
    Person(
        "Björn",
        "Lindqvist",
        "bjorn.lindqvist",
        (READ_ONLY,),
        ("Cloudflare-ReadOnly",),
        v2=True,
        okta_groups=(FOREIGN_SOURCE,),
    ),
    Person(
        "Priya",
        "Raman",
        "priya.raman",
        ("DNS",),
        ("Cloudflare-DNS-Editors",),
        v2=True,
        okta_groups=(UNKNOWN_SOURCE, ERROR_GROUP),
    ),
    Person(
        "Daniel",
        "Okafor",
        "daniel.okafor",
        (),
        ("Cloudflare-Zone-Admins",),
        v2=True,
        okta_groups=(ERROR_GROUP,),
    ),
    # Pending invites, made by hand in the dashboard.
    Person(
        "",
        "",
        "r.khan@partner.example",
        roles=(ADMIN,),
        okta_status=None,
        pending=True,
    ),
    Person(
        "",
        "",
        "new.hire",
        roles=("DNS",),
        okta_status="STAGED",
        pending=True,
        invite_user=False,
    ),
    Person(
        "Kofi",
        "Mensah",
        "kofi.mensah",
        roles=(READ_ONLY,),
        okta_status="PROVISIONED",
        pending=True,
    ),
)
HOSTILE_LOCAL = "mallory"

FIRST_NAMES = (
    "Sam",
    "Aisha",
    "Léa",
    "Jonas",
    "Fatima",
    "Mei",
    "Carlos",
    "Anna",
    "Omar",
    "Zoë",
    "Ravi",
    "Ingrid",
    "Tomás",
    "Nadia",
)
LAST_NAMES = (
    "Taylor",
    "Müller",
    "Silva",
    "Nowak",
    "Haddad",
    "Ito",
    "Ødegård",
    "Kowalski",
    "Moreau",
    "Singh",
    "O'Brien",
    "Park",
)
ASCII_FOLD = str.maketrans("éëáöüøØåÅ'", "eeaouooaa-")
