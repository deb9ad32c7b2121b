"""Collect one Cloudflare account: IAM over the v4 API, and dashboard SCIM.

The account and its members are the core of every check: when the token may
not read them the collection stops. Any other endpoint the token may not read
(or that is gone, like the deprecated roles) fails alone and is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from reporter.collect.evidence import Evidence, Fetched, Outcome, outcome_of
from reporter.collect.http import ApiError, ApiSession
from reporter.collect.paging import (
    cloudflare_cursor_pages,
    cloudflare_pages,
    cloudflare_single,
    scim_pages,
)
from reporter.errors import CollectError
from reporter.snapshot import layout

if TYPE_CHECKING:
    from reporter.collect.interface import AuditWindow, CollectConfig

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
    """Collect every Cloudflare entry of the snapshot layout into ``evidence``.

    The account comes first (it proves the token); the lists are then fetched
    concurrently, and the entries that depend on a list after it. Entries are
    recorded in the layout's order whatever order the answers arrive in.
    """
    base = f"/accounts/{config.account_id}"
    if not evidence.restore(layout.CF_ACCOUNT):
        _core(
            evidence,
            layout.CF_ACCOUNT,
            config.account_id,
            partial(_account, session, base),
        )
    lists = _lists(session, config, base)
    outcomes = _fetch_all(session, evidence, lists)
    _settle_members(evidence, config.account_id, outcomes.pop(layout.CF_MEMBERS, None))
    for entry, outcome in outcomes.items():
        evidence.settle(entry, outcome, hint=lists[entry].hint)
    _dependents(session, evidence, config, base)
    if config.audit_since is not None:
        _audit_logs(session, evidence, config, config.audit_since)


@dataclass(frozen=True)
class _Job:
    """How to fetch one entry, and what would fix a refusal."""

    fetch: Callable[[], Fetched]
    hint: str


def _lists(session: ApiSession, config: CollectConfig, base: str) -> dict[str, _Job]:
    """The entries that need nothing but the account, in the layout's order."""
    hint = _needs_settings_read(config.account_id)
    sizes = config.page_sizes

    def pages(path: str, entry: str, per_page: int) -> Callable[[], Fetched]:
        return _pages_of(session, config, base + path, entry, per_page)

    def scim(resource: str, entry: str) -> Callable[[], Fetched]:
        return partial(
            scim_pages,
            session,
            f"{base}/scim/v2/{resource}",
            entry=entry,
            count=sizes.scim,
            max_pages=config.max_pages,
        )

    return {
        layout.CF_MEMBERS: _Job(
            pages("/members", layout.CF_MEMBERS, sizes.cf_members), hint
        ),
        layout.CF_ROLES: _Job(
            pages("/roles", layout.CF_ROLES, sizes.cf_roles),
            f"{hint}; /roles is deprecated since 2026-07-21",
        ),
        layout.CF_PERMISSION_GROUPS: _Job(
            pages(
                "/iam/permission_groups",
                layout.CF_PERMISSION_GROUPS,
                sizes.cf_permission_groups,
            ),
            hint,
        ),
        layout.CF_RESOURCE_GROUPS: _Job(partial(_resource_groups, session, base), hint),
        layout.CF_USER_GROUPS: _Job(
            pages("/iam/user_groups", layout.CF_USER_GROUPS, sizes.cf_user_groups),
            hint,
        ),
        layout.CF_SCIM_USERS: _Job(scim("Users", layout.CF_SCIM_USERS), SCIM_HINT),
        layout.CF_SCIM_GROUPS: _Job(scim("Groups", layout.CF_SCIM_GROUPS), SCIM_HINT),
    }


def _fetch_all(
    session: ApiSession, evidence: Evidence, jobs: dict[str, _Job]
) -> dict[str, Outcome]:
    """Fetch every job not saved by an earlier run, concurrently, in job order."""
    wanted = [entry for entry in jobs if not evidence.saved(entry)]
    outcomes = session.map(lambda entry: outcome_of(jobs[entry].fetch), wanted)
    fetched = dict(zip(wanted, outcomes, strict=True))
    ordered: dict[str, Outcome] = {}
    for entry in jobs:
        if entry in fetched:
            ordered[entry] = fetched[entry]
        else:
            evidence.restore(entry)
    return ordered


def _settle_members(
    evidence: Evidence, account_id: str, outcome: Outcome | None
) -> None:
    """Members are core: without them there is nothing to audit."""
    if outcome is None:
        return  # restored from an earlier run
    if isinstance(outcome, ApiError):
        if outcome.status not in (401, 403, 404):
            raise outcome
        raise _refused(outcome, layout.CF_MEMBERS, account_id) from outcome
    evidence.add(layout.CF_MEMBERS, outcome)


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
    if not exc.is_json:
        # An HTML 404 is a web server, not Cloudflare saying the account is unknown.
        return CollectError(
            f"the server at {exc.url} did not answer like the Cloudflare API "
            f"(HTTP {exc.status}, {exc.content_type or 'no content type'})",
            url=exc.url,
            status=exc.status,
            hint="check --cloudflare-url: it must be the Cloudflare v4 API, "
            "e.g. https://api.cloudflare.com/client/v4",
        )
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
    asked = base.rpartition("/")[2]
    found = account.get("id")
    # Every other entry is read as this account's: another id means the wrong API.
    if not isinstance(found, str) or found.casefold() != asked.casefold():
        raise CollectError(
            f"GET {base} answered with the account "
            f"{session.server_text(repr(found))}, not {asked}",
            url=base,
            hint="check --cloudflare-url: it must be the Cloudflare v4 API",
        )
    return Fetched(account, 1, 1)


def _resource_groups(session: ApiSession, base: str) -> Fetched:
    """Resource groups come in one response, without result_info (§3)."""
    url = f"{base}/iam/resource_groups"
    groups = cloudflare_single(session, url, entry=layout.CF_RESOURCE_GROUPS)
    if not isinstance(groups, list):
        raise CollectError(f"GET {url} answered without a list in result", url=url)
    return Fetched(groups, 1, len(groups))


def _dependents(
    session: ApiSession, evidence: Evidence, config: CollectConfig, base: str
) -> None:
    """User group members: one list per listed user group.

    SCIM group details (``GET /scim/v2/Groups/{id}``, one request per custom
    group) are not collected: no check reads them, and at 300 groups they
    were a quarter of the account's 1,200-request rate-limit window.
    """
    entry, needs = layout.CF_USER_GROUP_MEMBERS, layout.CF_USER_GROUPS
    hint = _needs_settings_read(config.account_id)
    if needs not in evidence.entries:
        if not evidence.restore(entry):
            evidence.skip(entry, needs=needs, hint=hint)
        return
    fetch = partial(_user_group_members, session, config, base, evidence.entries[needs])
    jobs = {entry: _Job(fetch, hint)}
    for done, outcome in _fetch_all(session, evidence, jobs).items():
        evidence.settle(done, outcome, hint=hint)


def _user_group_members(
    session: ApiSession, config: CollectConfig, base: str, groups: list[Any]
) -> Fetched:
    """Members of every user group; one failed list fails them all."""

    def members_of(group_id: str) -> Fetched:
        return cloudflare_pages(
            session,
            f"{base}/iam/user_groups/{quote(group_id, safe='')}/members",
            entry=layout.CF_USER_GROUP_MEMBERS,
            per_page=config.page_sizes.cf_user_group_members,
            max_pages=config.max_pages,
        )

    group_ids = _ids(groups, f"{base}/iam/user_groups")
    fetched = session.map(members_of, group_ids)
    members = {gid: f.data for gid, f in zip(group_ids, fetched, strict=True)}
    pages = sum(f.pages for f in fetched)
    return Fetched(members, pages, sum(f.count for f in fetched))


def _audit_logs(
    session: ApiSession, evidence: Evidence, config: CollectConfig, window: AuditWindow
) -> None:
    """Audit Logs v2 entries of the window (cloudflare-api.md §3, §6.5)."""
    base = f"/accounts/{config.account_id}"
    params: dict[str, str | int] = {
        "since": window.since,
        "before": window.before,
        "direction": "asc",
        "limit": config.page_sizes.cf_audit_logs,
    }
    fetch = partial(
        cloudflare_cursor_pages,
        session,
        f"{base}/logs/audit",
        entry=layout.CF_AUDIT_LOGS,
        params=params,
        max_pages=config.max_pages,
    )
    evidence.attempt(
        layout.CF_AUDIT_LOGS,
        fetch,
        hint=f"{_needs_settings_read(config.account_id)} (it covers audit logs)",
    )


def list_accounts(session: ApiSession, *, max_pages: int = 1000) -> list[str]:
    """The ids of every account the token can list (``GET /accounts``, §3).

    Account-owned tokens are refused here (code 1001): such a token audits
    only the account it belongs to, named with ``--account``.
    """
    try:
        fetched = cloudflare_pages(
            session, "/accounts", entry="accounts", per_page=50, max_pages=max_pages
        )
    except ApiError as exc:
        raise CollectError(
            f"Cloudflare refused to list the accounts (HTTP {exc.status}, "
            f"code {exc.code or 'none'})",
            url=exc.url,
            status=exc.status,
            hint="an account-owned token cannot list accounts: pass --account",
        ) from exc
    return _ids(fetched.data, "/accounts")


def _ids(items: list[Any], url: str) -> list[str]:
    """The string ``id`` of each listed object; an object without one is an error."""
    ids = [item.get("id") for item in items]
    if not all(isinstance(i, str) and i for i in ids):
        raise CollectError(f"GET {url} listed an object without an id", url=url)
    return [str(i) for i in ids]
