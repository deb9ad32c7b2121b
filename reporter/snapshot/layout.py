"""What a snapshot holds: one archive entry per collected endpoint.

A snapshot is a zip archive. ``manifest.json`` describes the collection and
lists the SHA-256 of every other entry. Each data entry holds the raw API
objects of one endpoint, merged across pages and otherwise untouched, in the
shape named below. An endpoint that could not be read has no data entry; its
manifest record says why, so the analysis can mark what it could not assess.
"""

from __future__ import annotations

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Cloudflare (paths relative to /client/v4/accounts/{account_id}).
CF_ACCOUNT = "cloudflare/account.json"  # object: iam_account
CF_MEMBERS = "cloudflare/members.json"  # list: iam_member_with_policies
CF_ROLES = "cloudflare/roles.json"  # list: iam_role
CF_PERMISSION_GROUPS = "cloudflare/permission_groups.json"  # list
CF_RESOURCE_GROUPS = "cloudflare/resource_groups.json"  # list
CF_USER_GROUPS = "cloudflare/user_groups.json"  # list: iam_user_group
# object: user group id -> list of iam_user_group_member list items
CF_USER_GROUP_MEMBERS = "cloudflare/user_group_members.json"
CF_SCIM_USERS = "cloudflare/scim_users.json"  # list: SCIM User resources
CF_SCIM_GROUPS = "cloudflare/scim_groups.json"  # list: SCIM Group list items
# object: SCIM group id -> GET /scim/v2/Groups/{id} (custom groups only)
CF_SCIM_GROUP_DETAILS = "cloudflare/scim_group_details.json"
# list: Audit Logs v2 entries of the --audit-since window, oldest first.
# Present only when that window was asked for; not in CLOUDFLARE_ENTRIES.
CF_AUDIT_LOGS = "cloudflare/audit_logs.json"

# Okta (Management API). Present only when Okta was collected.
OKTA_APPS = "okta/apps.json"  # object: {"v1": app | null, "v2": app | null}
OKTA_APP_USERS = "okta/app_users.json"  # object: app id -> app users
OKTA_APP_GROUPS = "okta/app_groups.json"  # object: app id -> app groups
OKTA_PUSH_MAPPINGS = "okta/push_mappings.json"  # object: app id -> mappings
OKTA_GROUPS = "okta/groups.json"  # list: every group a mapping or app names
OKTA_GROUP_MEMBERS = "okta/group_members.json"  # object: group id -> users
OKTA_USERS = "okta/users.json"  # list: users of every status

CLOUDFLARE_ENTRIES = (
    CF_ACCOUNT,
    CF_MEMBERS,
    CF_ROLES,
    CF_PERMISSION_GROUPS,
    CF_RESOURCE_GROUPS,
    CF_USER_GROUPS,
    CF_USER_GROUP_MEMBERS,
    CF_SCIM_USERS,
    CF_SCIM_GROUPS,
    CF_SCIM_GROUP_DETAILS,
)
OKTA_ENTRIES = (
    OKTA_APPS,
    OKTA_APP_USERS,
    OKTA_APP_GROUPS,
    OKTA_PUSH_MAPPINGS,
    OKTA_GROUPS,
    OKTA_GROUP_MEMBERS,
    OKTA_USERS,
)
