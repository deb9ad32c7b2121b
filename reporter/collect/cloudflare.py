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

    The account comes first (it proves the token); every other entry is then
    fetched concurrently, each one that depends on a list as soon as that list
    is read. Entries are recorded in the layout's order whatever order the
    answers arrive in.
    """
    base = f"/accounts/{config.account_id}"
    # The cycle collector is paused around the whole collection (interface.py).
    if not evidence.restore(layout.CF_ACCOUNT):
        _core(
            evidence,
            layout.CF_ACCOUNT,
            config.account_id,
            partial(_account, session, base),
        )
    session.prefer(_PREFERRED)
    jobs = _jobs(session, config, base)
    _settle(evidence, config, jobs, _fetch_all(session, evidence, jobs))


# Which waiting requests take a free slot first. Lists read page after page
# come first (each page waits for the one before); then the user groups, which
# the member lists wait for; the large lists early, so each is saved for
# --resume while the rest are in flight; the many small member lists last.
_PREFERRED = (
    layout.CF_AUDIT_LOGS,
    layout.CF_ACCOUNT,
    layout.CF_USER_GROUPS,
    layout.CF_ROLES,
    layout.CF_PERMISSION_GROUPS,
    layout.CF_RESOURCE_GROUPS,
    layout.CF_SCIM_GROUPS,
    layout.CF_MEMBERS,
    layout.CF_SCIM_USERS,
    layout.CF_USER_GROUP_MEMBERS,
)


@dataclass(frozen=True)
class _Job:
    """How to fetch one entry, and what would fix a refusal.

    ``fetch`` is given the objects of the entry the job ``needs`` (None when it
    needs none); such a job runs on that entry's thread once they are read.
    """

    fetch: Callable[[Any], Fetched]
    hint: str
    needs: str | None = None


def _alone(fetch: Callable[[], Fetched]) -> Callable[[Any], Fetched]:
    """A job's fetch for an entry that needs no other."""
    return lambda _: fetch()


def _jobs(session: ApiSession, config: CollectConfig, base: str) -> dict[str, _Job]:
    """Every entry after the account, in the layout's order."""
    hint = _needs_settings_read(config.account_id)
    jobs = _lists(session, config, base)
    # SCIM group details (GET /scim/v2/Groups/{id}, one request per custom
    # group) are not collected: no check reads them, and at 300 groups they
    # were a quarter of the account's 1,200-request rate-limit window.
    jobs[layout.CF_USER_GROUP_MEMBERS] = _Job(
        partial(_user_group_members, session, config, base),
        hint,
        needs=layout.CF_USER_GROUPS,
    )
    if config.audit_since is not None:
        jobs[layout.CF_AUDIT_LOGS] = _Job(
            _alone(_audit_logs(session, config, config.audit_since)),
            f"{hint} (it covers audit logs)",
        )
    return jobs


def _lists(session: ApiSession, config: CollectConfig, base: str) -> dict[str, _Job]:
    """The entries that need nothing but the account, in the layout's order."""
    hint = _needs_settings_read(config.account_id)
    sizes = config.page_sizes

    def pages(path: str, entry: str, per_page: int) -> Callable[[Any], Fetched]:
        return _alone(_pages_of(session, config, base + path, entry, per_page))

    def scim(resource: str, entry: str) -> Callable[[Any], Fetched]:
        return _alone(
            partial(
                scim_pages,
                session,
                f"{base}/scim/v2/{resource}",
                entry=entry,
                count=sizes.scim,
                max_pages=config.max_pages,
            )
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
        layout.CF_RESOURCE_GROUPS: _Job(
            _alone(partial(_resource_groups, session, base)), hint
        ),
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
    """Fetch every job not saved by an earlier run, concurrently.

    Each entry read is saved for --resume on its own thread at once. A job
    needing another runs after it on its thread, given its objects (read now
    or saved earlier); it is left out when that entry was refused.
    """
    wanted = [entry for entry in jobs if not evidence.saved(entry)]
    after: dict[str, list[str]] = {}
    for entry in wanted:
        needs = jobs[entry].needs
        if needs is not None:
            after.setdefault(needs, []).append(entry)
    starts = [e for e in jobs if jobs[e].needs is None and (e in wanted or e in after)]

    def chain(entry: str) -> list[tuple[str, Outcome]]:
        done: list[tuple[str, Outcome]] = []
        if entry in wanted:
            outcome = _fetch_and_keep(evidence, entry, jobs[entry], None)
            done.append((entry, outcome))
            data = outcome.data if isinstance(outcome, Fetched) else None
            ready = isinstance(outcome, Fetched)
        else:
            saved = evidence.peek(entry)
            data, ready = (saved.data, True) if saved is not None else (None, False)
        for dependent in after.get(entry, []) if ready else []:
            done.append(
                (dependent, _fetch_and_keep(evidence, dependent, jobs[dependent], data))
            )
        return done

    return {e: o for done in session.map(chain, starts) for e, o in done}


def _fetch_and_keep(evidence: Evidence, entry: str, job: _Job, given: Any) -> Outcome:
    outcome = outcome_of(partial(job.fetch, given))
    if isinstance(outcome, Fetched):
        evidence.keep(entry, outcome)
    return outcome


def _settle(
    evidence: Evidence,
    config: CollectConfig,
    jobs: dict[str, _Job],
    outcomes: dict[str, Outcome],
) -> None:
    """Record every job's outcome, or its earlier run's entry, in the jobs' order."""
    for entry, job in jobs.items():
        outcome = outcomes.get(entry)
        if outcome is None:
            if not evidence.restore(entry) and job.needs is not None:
                evidence.skip(entry, needs=job.needs, hint=job.hint)
        elif entry == layout.CF_MEMBERS:
            _settle_members(evidence, config.account_id, outcome)
        else:
            evidence.settle(entry, outcome, hint=job.hint)


def _settle_members(evidence: Evidence, account_id: str, outcome: Outcome) -> None:
    """Members are core: without them there is nothing to audit."""
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
    session: ApiSession, config: CollectConfig, window: AuditWindow
) -> Callable[[], Fetched]:
    """Audit Logs v2 entries of the window (cloudflare-api.md §3, §6.5)."""
    params: dict[str, str | int] = {
        "since": window.since,
        "before": window.before,
        "direction": "asc",
        "limit": config.page_sizes.cf_audit_logs,
    }
    return partial(
        cloudflare_cursor_pages,
        session,
        f"/accounts/{config.account_id}/logs/audit",
        entry=layout.CF_AUDIT_LOGS,
        params=params,
        max_pages=config.max_pages,
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
