"""Collect one Cloudflare account: IAM over the v4 API, and dashboard SCIM.

The account and its members are the core of every check: when the token may
not read them the collection stops. Any other endpoint the token may not read
(or that is gone, like the deprecated roles) fails alone and is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from reporter.collect.evidence import Evidence, Fetched
from reporter.collect.http import ApiError, ApiSession
from reporter.collect.paging import (
    cloudflare_pages,
    cloudflare_single,
    scim_pages,
)
from reporter.errors import CollectError
from reporter.snapshot import layout

if TYPE_CHECKING:
    from reporter.collect.interface import CollectConfig

# cloudflare-api.md §6.2: system groups stand for v1 virtual groups.
SYSTEM_GROUP_PREFIX = "cloudflare-v1-"
SCIM_HINT = (
    "SCIM reads need Account Settings Read and an Enterprise account "
    "with dashboard SCIM"
)


_WHAT = {layout.CF_ACCOUNT: "the account", layout.CF_MEMBERS: "the account members"}


def _needs_settings_read(account_id: str) -> str:
    return f"the token needs Account Settings Read for account {account_id}"


def collect_cloudflare(
    session: ApiSession, evidence: Evidence, config: CollectConfig
) -> None:
    """Collect every Cloudflare entry of the snapshot layout into ``evidence``."""
    base = f"/accounts/{config.account_id}"
    _account_and_members(session, evidence, config, base)
    _iam_catalog(session, evidence, config, base)
    _user_groups(session, evidence, config, base)
    _scim(session, evidence, config, base)


def _pages_of(
    session: ApiSession, config: CollectConfig, url: str, entry: str, per_page: int
) -> Callable[[], Fetched]:
    return partial(
        cloudflare_pages,
        session,
        url,
        entry=entry,
        per_page=per_page,
        max_pages=config.max_pages,
    )


def _account_and_members(
    session: ApiSession, evidence: Evidence, config: CollectConfig, base: str
) -> None:
    account_id = config.account_id
    _core(evidence, layout.CF_ACCOUNT, account_id, partial(_account, session, base))
    members = _pages_of(
        session,
        config,
        f"{base}/members",
        layout.CF_MEMBERS,
        config.page_sizes.cf_members,
    )
    _core(evidence, layout.CF_MEMBERS, account_id, members)


def _iam_catalog(
    session: ApiSession, evidence: Evidence, config: CollectConfig, base: str
) -> None:
    """Roles, permission groups and resource groups: what grants are made of."""
    hint = _needs_settings_read(config.account_id)
    sizes = config.page_sizes
    evidence.attempt(
        layout.CF_ROLES,
        _pages_of(session, config, f"{base}/roles", layout.CF_ROLES, sizes.cf_roles),
        hint=f"{hint}; /roles is deprecated since 2026-07-21",
    )
    evidence.attempt(
        layout.CF_PERMISSION_GROUPS,
        _pages_of(
            session,
            config,
            f"{base}/iam/permission_groups",
            layout.CF_PERMISSION_GROUPS,
            sizes.cf_permission_groups,
        ),
        hint=hint,
    )
    evidence.attempt(
        layout.CF_RESOURCE_GROUPS,
        partial(_resource_groups, session, base),
        hint=hint,
    )


def _core(
    evidence: Evidence, entry: str, account_id: str, fetch: Callable[[], Fetched]
) -> None:
    """Collect an entry without which there is nothing to audit; refusal is fatal."""
    try:
        fetched = fetch()
    except ApiError as exc:
        if exc.status not in (401, 403, 404):
            raise
        raise _refused(exc, entry, account_id) from exc
    evidence.add(entry, fetched)


def _refused(exc: ApiError, entry: str, account_id: str) -> CollectError:
    code = f"code {exc.code}" if exc.code else "no error code"
    said = f": {exc.detail}" if exc.detail else ""
    if exc.status == 404:
        return CollectError(
            f"Cloudflare has no account {account_id} for this token "
            f"(HTTP 404, {code}{said})",
            url=exc.url,
            status=exc.status,
            hint="check --account: the 32 hex characters from the dashboard URL",
        )
    return CollectError(
        f"Cloudflare refused to read {_WHAT[entry]} (HTTP {exc.status}, {code}{said})",
        url=exc.url,
        status=exc.status,
        hint=_needs_settings_read(account_id),
    )


def _account(session: ApiSession, base: str) -> Fetched:
    account = cloudflare_single(session, base, entry=layout.CF_ACCOUNT)
    if not isinstance(account, dict):
        raise CollectError(f"GET {base} answered without an account object", url=base)
    return Fetched(account, 1, 1)


def _resource_groups(session: ApiSession, base: str) -> Fetched:
    """Resource groups come in one response, without result_info (§3)."""
    url = f"{base}/iam/resource_groups"
    groups = cloudflare_single(session, url, entry=layout.CF_RESOURCE_GROUPS)
    if not isinstance(groups, list):
        raise CollectError(f"GET {url} answered without a list in result", url=url)
    return Fetched(groups, 1, len(groups))


def _user_groups(
    session: ApiSession, evidence: Evidence, config: CollectConfig, base: str
) -> None:
    hint = _needs_settings_read(config.account_id)
    collected = evidence.attempt(
        layout.CF_USER_GROUPS,
        _pages_of(
            session,
            config,
            f"{base}/iam/user_groups",
            layout.CF_USER_GROUPS,
            config.page_sizes.cf_user_groups,
        ),
        hint=hint,
    )
    if not collected:
        evidence.skip(
            layout.CF_USER_GROUP_MEMBERS, needs=layout.CF_USER_GROUPS, hint=hint
        )
        return
    groups = evidence.entries[layout.CF_USER_GROUPS]
    evidence.attempt(
        layout.CF_USER_GROUP_MEMBERS,
        partial(_user_group_members, session, config, base, groups),
        hint=hint,
    )


def _user_group_members(
    session: ApiSession, config: CollectConfig, base: str, groups: list[Any]
) -> Fetched:
    """Members of every user group; one failed list fails them all."""
    members: dict[str, Any] = {}
    pages = count = 0
    for group_id in _ids(groups, f"{base}/iam/user_groups"):
        fetched = cloudflare_pages(
            session,
            f"{base}/iam/user_groups/{quote(group_id, safe='')}/members",
            entry=layout.CF_USER_GROUP_MEMBERS,
            per_page=config.page_sizes.cf_user_group_members,
            max_pages=config.max_pages,
        )
        members[group_id] = fetched.data
        pages += fetched.pages
        count += fetched.count
    return Fetched(members, pages, count)


def _scim(
    session: ApiSession, evidence: Evidence, config: CollectConfig, base: str
) -> None:
    """SCIM Users and Groups, then the detail of each custom group."""
    for entry, resource in (
        (layout.CF_SCIM_USERS, "Users"),
        (layout.CF_SCIM_GROUPS, "Groups"),
    ):
        fetch = partial(
            scim_pages,
            session,
            f"{base}/scim/v2/{resource}",
            entry=entry,
            count=config.page_sizes.scim,
            max_pages=config.max_pages,
        )
        evidence.attempt(entry, fetch, hint=SCIM_HINT)
    if layout.CF_SCIM_GROUPS not in evidence.entries:
        evidence.skip(
            layout.CF_SCIM_GROUP_DETAILS, needs=layout.CF_SCIM_GROUPS, hint=SCIM_HINT
        )
        return
    groups = evidence.entries[layout.CF_SCIM_GROUPS]
    evidence.attempt(
        layout.CF_SCIM_GROUP_DETAILS,
        partial(_scim_group_details, session, base, groups),
        hint=SCIM_HINT,
    )


def _scim_group_details(session: ApiSession, base: str, groups: list[Any]) -> Fetched:
    """GET each custom group: only the detail view lists members (§6.1)."""
    details: dict[str, Any] = {}
    for group_id in _ids(groups, f"{base}/scim/v2/Groups"):
        if group_id.startswith(SYSTEM_GROUP_PREFIX):
            continue
        body, _ = session.get_json(
            f"{base}/scim/v2/Groups/{quote(group_id, safe='')}",
            entry=layout.CF_SCIM_GROUP_DETAILS,
        )
        details[group_id] = body
    return Fetched(details, len(details), len(details))


def _ids(items: list[Any], url: str) -> list[str]:
    """The string ``id`` of each listed object; an object without one is an error."""
    ids = [item.get("id") for item in items]
    if not all(isinstance(i, str) and i for i in ids):
        raise CollectError(f"GET {url} listed an object without an id", url=url)
    return [str(i) for i in ids]
