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
# object: SCIM group id -> GET /scim/v2/Groups/{id} (custom groups only).
# No longer collected (no check reads it; one request per group); kept so
# snapshots that hold it still read.
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

# Microsoft Entra ID (Graph v1.0), raw Graph objects. Present only when Entra
# was collected.
# object: {"v1": servicePrincipal | null, "v2": servicePrincipal | null}
ENTRA_SERVICE_PRINCIPALS = "entra/service_principals.json"
# object: service principal id -> appRoleAssignment list (appRoleAssignedTo)
ENTRA_ASSIGNMENTS = "entra/assignments.json"
# list: every group an assignment names, plus groups named CF-... (startswith)
ENTRA_GROUPS = "entra/groups.json"
# object: group id -> direct user members (members/microsoft.graph.user)
ENTRA_GROUP_MEMBERS = "entra/group_members.json"
# object: group id -> transitiveMembers (users and the nested group objects)
ENTRA_GROUP_TRANSITIVE = "entra/group_transitive_members.json"
# list: users reachable through an assignment, with accountEnabled, mail,
# userPrincipalName, otherMails, userType, displayName selected
ENTRA_USERS = "entra/users.json"
# object: service principal id -> synchronization jobs
ENTRA_SYNC_JOBS = "entra/sync_jobs.json"
# object: synchronization job id -> its schema (mappings, scoping filters)
ENTRA_SYNC_SCHEMAS = "entra/sync_schemas.json"

# File import (--idp-file) for any IdP: the canonical rows read from the file,
# every value text (idp-apis.md section 5), each with the file line it came
# from; and the file's own name, format and SHA-256.
# Each row also has "app" ("v1", "v2" or "": the Cloudflare app it is about),
# "assigned" ("true", "false": an unassignment, or "": a user or membership
# list) and "line" (a number). Enumerated values are kept as written: compare
# them case-insensitively. Columns and values: docs/idp-file.md.
IDP_FILE_ROWS = "idp_file/rows.json"  # list of canonical row objects
# object: name, format, sha256, rows; also columns (header -> column or null),
# group and app (the --idp-file-group / --idp-file-app given, or null)
IDP_FILE_SOURCE = "idp_file/source.json"

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
ENTRA_ENTRIES = (
    ENTRA_SERVICE_PRINCIPALS,
    ENTRA_ASSIGNMENTS,
    ENTRA_GROUPS,
    ENTRA_GROUP_MEMBERS,
    ENTRA_GROUP_TRANSITIVE,
    ENTRA_USERS,
    ENTRA_SYNC_JOBS,
    ENTRA_SYNC_SCHEMAS,
)
IDP_FILE_ENTRIES = (IDP_FILE_ROWS, IDP_FILE_SOURCE)
