"""Collect the Okta side: the two Cloudflare apps and what they provision.

Okta errors are told apart by ``errorCode`` (idp-apis.md §2.3): an invalid
token (E0000011) or an unknown app id (E0000007) ends the collection; a missing
permission (E0000006) fails only the entry that needed it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from reporter.collect.evidence import Evidence, Fetched
from reporter.collect.http import ApiError, ApiSession
from reporter.collect.limiter import RateLimit
from reporter.collect.okta_auth import ADMIN_ROLE, SCOPES, ServiceAppAuth
from reporter.collect.paging import okta_pages
from reporter.errors import CollectError
from reporter.snapshot import layout

if TYPE_CHECKING:
    from reporter.collect.interface import CollectConfig

log = logging.getLogger(__name__)

INVALID_TOKEN = "E0000011"  # noqa: S105 (an Okta error code)
NOT_FOUND = "E0000007"
SSWS_TOKEN_HINT = f"set OKTA_API_TOKEN to a valid token of a {ADMIN_ROLE}"
OAUTH_TOKEN_HINT = (
    f"check that the service app has {', '.join(SCOPES)} granted and the "
    f"{ADMIN_ROLE} role, and is active"
)
# Only a missing permission (E0000006, HTTP 403) fails a single entry.
TOLERATED = (403,)
# idp-apis.md §2.1: the scopes each read needs (an SSWS token has its admin's rights).
APPS_HINT = "the Okta token needs okta.apps.read (a Read-Only Administrator's token)"
PUSH_HINT = "Group Push mappings need okta.apps.read and okta.groups.read"
GROUPS_HINT = (
    "the Okta token needs okta.groups.read (a Read-Only Administrator's token)"
)
USERS_HINT = "the Okta token needs okta.users.read (a Read-Only Administrator's token)"
# §2.3: users and groups lists allow 600 requests a minute (Enterprise).
OKTA_RATE_LIMIT = RateLimit(requests=600, window=60.0)
# Okta app ids: "0oa" and 17 more letters or digits; anything else is a label.
APP_ID = re.compile(r"0oa[0-9A-Za-z]{17}")
APPS_PAGE = 200  # the /api/v1/apps maximum (§2.2)
MAX_CANDIDATES = 10
# Group names of v1 virtual groups (idp-apis.md §2.2).
VIRTUAL_GROUP_SEARCH = 'profile.name sw "CF-"'
# Groups looked up by id per search: ``id eq "00g…" or …``. 40 clauses of a
# 20-character id are about 1,300 characters, 2,000 once URL-encoded: far
# below the 8 KB request line proxies and servers commonly accept.
ID_BATCH = 40
SEARCH_CHARS = 1500

Json = dict[str, Any]


def collect_okta(
    session: ApiSession, evidence: Evidence, config: CollectConfig
) -> None:
    """Collect every Okta entry of the snapshot layout into ``evidence``."""
    try:
        _collect(session, evidence, config)
    except ApiError as exc:
        if exc.status == 401 or exc.code == INVALID_TOKEN:
            oauth = isinstance(session.client.auth, ServiceAppAuth)
            raise CollectError(
                f"Okta rejected the {'bearer' if oauth else 'API'} token "
                f"(HTTP {exc.status}, "
                f"{exc.code or 'no error code'}: {exc.detail or 'no detail'})",
                url=exc.url,
                status=exc.status,
                hint=OAUTH_TOKEN_HINT if oauth else SSWS_TOKEN_HINT,
            ) from exc
        raise


def _collect(session: ApiSession, evidence: Evidence, config: CollectConfig) -> None:
    apps = {"v1": config.okta_v1_app_id or None, "v2": config.okta_v2_app_id or None}
    evidence.attempt(
        layout.OKTA_APPS,
        partial(_apps, session, config, apps),
        hint=APPS_HINT,
        tolerated=TOLERATED,
    )
    app_ids = _app_ids(evidence, apps)
    # Small pages first: they are read while Cloudflare is, and the large
    # pages of app users and users suffer most from sharing the CPU with it.
    _app_list(session, evidence, config, app_ids, layout.OKTA_PUSH_MAPPINGS)
    _app_list(session, evidence, config, app_ids, layout.OKTA_APP_GROUPS)
    _mapped_groups(session, evidence, config, app_ids)
    _app_list(session, evidence, config, app_ids, layout.OKTA_APP_USERS)
    evidence.attempt(
        layout.OKTA_USERS,
        partial(_users, session, config),
        hint=USERS_HINT,
        tolerated=TOLERATED,
    )


def _app_list(
    session: ApiSession,
    evidence: Evidence,
    config: CollectConfig,
    app_ids: list[str],
    entry: str,
) -> None:
    """App users, app groups or push mappings (``entry``), keyed by app id."""
    sizes = config.page_sizes
    lists: dict[str, tuple[str, Json, str]] = {
        layout.OKTA_APP_USERS: (
            "users",
            {"expand": "user", "limit": sizes.okta_app_users},
            APPS_HINT,
        ),
        layout.OKTA_APP_GROUPS: (
            "groups",
            {"expand": "group", "limit": sizes.okta_app_groups},
            APPS_HINT,
        ),
        layout.OKTA_PUSH_MAPPINGS: (
            "group-push/mappings",
            {"limit": sizes.okta_push_mappings},
            PUSH_HINT,
        ),
    }
    suffix, params, hint = lists[entry]
    fetch = partial(_per_app, session, config, app_ids, suffix, entry, params)
    evidence.attempt(entry, fetch, hint=hint, tolerated=TOLERATED)


def _mapped_groups(
    session: ApiSession, evidence: Evidence, config: CollectConfig, app_ids: list[str]
) -> None:
    """The groups push mappings name, and the members of their source groups."""
    if layout.OKTA_PUSH_MAPPINGS not in evidence.entries:
        for entry in (layout.OKTA_GROUPS, layout.OKTA_GROUP_MEMBERS):
            evidence.skip(entry, needs=layout.OKTA_PUSH_MAPPINGS, hint=PUSH_HINT)
        return
    mappings = _flatten(evidence.entries[layout.OKTA_PUSH_MAPPINGS])
    assigned = [
        app_group["_embedded"]["group"]
        for app_group in _flatten(evidence.entries.get(layout.OKTA_APP_GROUPS, {}))
        if isinstance(app_group.get("_embedded", {}).get("group"), dict)
    ]
    evidence.attempt(
        layout.OKTA_GROUPS,
        partial(_groups, session, config, app_ids, mappings, assigned),
        hint=GROUPS_HINT,
        tolerated=TOLERATED,
    )
    evidence.attempt(
        layout.OKTA_GROUP_MEMBERS,
        partial(_group_members, session, config, mappings),
        hint=GROUPS_HINT,
        tolerated=TOLERATED,
    )


def _flatten(per_app: dict[str, list[Json]]) -> list[Json]:
    return [item for listed in per_app.values() for item in listed]


def _app_ids(evidence: Evidence, apps: dict[str, str | None]) -> list[str]:
    """The ids of the located apps; the configured ids when apps were not read."""
    located = evidence.entries.get(layout.OKTA_APPS)
    if isinstance(located, dict):
        found = (a.get("id") for a in located.values() if isinstance(a, dict))
        return _unique(found)
    return _unique(a for a in apps.values() if a and APP_ID.fullmatch(a))


def _apps(
    session: ApiSession, config: CollectConfig, apps: dict[str, str | None]
) -> Fetched:
    """Each configured app, by id or by label; a missing app is a config error."""
    found: dict[str, Json | None] = {}
    pages = 0
    for key, ref in apps.items():
        if ref is None:
            found[key] = None
        elif APP_ID.fullmatch(ref):
            found[key] = _app_by_id(session, key, ref)
            pages += 1
        else:
            found[key], read = _app_by_label(session, config, key, ref)
            pages += read
    requested = sum(1 for a in found.values() if a is not None)
    return Fetched(found, pages, requested)


def _app_by_id(session: ApiSession, key: str, app_id: str) -> Json:
    try:
        body, _ = session.get_json(
            f"/api/v1/apps/{quote(app_id, safe='')}", entry=layout.OKTA_APPS
        )
    except ApiError as exc:
        if exc.status != 404 and exc.code != NOT_FOUND:
            raise
        raise CollectError(
            f"Okta has no app with id {app_id!r} (the {key} app; {exc.code})",
            url=exc.url,
            status=exc.status,
            hint=f"check --okta-{key}-app (the id in the app's Okta admin URL)",
        ) from exc
    if not isinstance(body, dict):
        url = f"/api/v1/apps/{app_id}"
        raise CollectError(f"GET {url} answered without an app object", url=url)
    return body


def _app_by_label(
    session: ApiSession, config: CollectConfig, key: str, label: str
) -> tuple[Json, int]:
    """The one app whose label is ``label`` (case-insensitive), and the pages read.

    ``q`` matches the start of an app's name or label (idp-apis.md §2.2), so
    the exact label is picked from its answers; none or several is an error
    listing the candidates.
    """
    listed = okta_pages(
        session,
        "/api/v1/apps",
        entry=layout.OKTA_APPS,
        params={"q": label, "limit": APPS_PAGE},
        max_pages=config.max_pages,
    )
    wanted = label.strip().casefold()
    exact = [
        a for a in listed.data if str(a.get("label", "")).strip().casefold() == wanted
    ]
    if len(exact) == 1:
        return exact[0], listed.pages
    candidates = exact or listed.data
    shown = "; ".join(
        f"{a.get('id')} {a.get('label')!r} {a.get('status')}"
        for a in candidates[:MAX_CANDIDATES]
    )
    more = len(candidates) - MAX_CANDIDATES
    many = f"{len(exact)} apps are labelled {label!r}"
    none = f"no Okta app is labelled {label!r}"
    raise CollectError(
        f"{many if exact else none} (the {key} app)"
        + (f"; candidates: {shown}" if shown else "")
        + (f" and {more} more" if more > 0 else ""),
        url=str(session.client.base_url.join("/api/v1/apps")),
        hint=f"pass --okta-{key}-app with the app's id (0oa..., in its Okta admin "
        "URL) or its exact label",
    )


def _per_app(
    session: ApiSession,
    config: CollectConfig,
    app_ids: list[str],
    suffix: str,
    entry: str,
    params: Json,
) -> Fetched:
    """One list per app id; one failed list fails the entry."""
    lists: dict[str, list[Json]] = {}
    pages = 0
    for app_id in app_ids:
        fetched = okta_pages(
            session,
            f"/api/v1/apps/{quote(app_id, safe='')}/{suffix}",
            entry=entry,
            params=params,
            max_pages=config.max_pages,
        )
        lists[app_id] = fetched.data
        pages += fetched.pages
    return Fetched(lists, pages, sum(len(v) for v in lists.values()))


def _groups(
    session: ApiSession,
    config: CollectConfig,
    app_ids: list[str],
    mappings: list[Json],
    assigned: list[Json],
) -> Fetched:
    """Every group a push mapping names, the apps' groups, every ``CF-`` group.

    Each group is kept once, the mappings' groups first. Groups cost pages,
    not one request each: the apps' groups come embedded in the app group list
    (``expand=group``), the app-side groups (push targets) of each app from one
    ``source.id`` search, and any other mapped group from ``id eq`` searches
    of up to ``ID_BATCH`` ids (idp-apis.md §2.2).
    """
    named = _unique(
        g for m in mappings for g in (m.get("sourceGroupId"), m.get("targetGroupId"))
    )
    known: dict[str, Json] = {}
    _keep(known, assigned)
    pages = 0
    for app_id in app_ids:
        pages += _search_into(known, session, config, _equals("source.id", app_id))
    wanted = [group_id for group_id in named if group_id not in known]
    for batch in _batches(wanted):
        search = " or ".join(_equals("id", group_id) for group_id in batch)
        pages += _search_into(known, session, config, search)
    pages += _search_into(known, session, config, VIRTUAL_GROUP_SEARCH)
    for group_id in (g for g in named if g not in known):
        # A mapping can outlive its group; the mapping still names the id.
        log.warning("Okta group %s named by a push mapping does not exist", group_id)
    first = [known[group_id] for group_id in named if group_id in known]
    mapped = set(named)
    listed = first + [g for i, g in known.items() if i not in mapped]
    return Fetched(listed, pages, len(listed))


def _search_into(
    known: dict[str, Json], session: ApiSession, config: CollectConfig, search: str
) -> int:
    """Add every group ``search`` finds to ``known``; the pages it took."""
    found = okta_pages(
        session,
        "/api/v1/groups",
        entry=layout.OKTA_GROUPS,
        params={"search": search, "limit": config.page_sizes.okta_groups},
        max_pages=config.max_pages,
    )
    _keep(known, found.data)
    return found.pages


def _keep(known: dict[str, Json], groups: Iterable[Json]) -> None:
    for group in groups:
        group_id = group.get("id")
        if isinstance(group_id, str) and group_id:
            known.setdefault(group_id, group)


def _equals(attribute: str, value: str) -> str:
    """A search clause ``attribute eq "value"``, its quotes escaped (§2.2)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{escaped}"'


def _batches(ids: list[str]) -> Iterable[list[str]]:
    """``ids`` in runs whose ``id eq`` search stays within ``SEARCH_CHARS``."""
    batch: list[str] = []
    length = 0
    for group_id in ids:
        clause = len(_equals("id", group_id)) + len(" or ")
        if batch and (len(batch) == ID_BATCH or length + clause > SEARCH_CHARS):
            yield batch
            batch, length = [], 0
        batch.append(group_id)
        length += clause
    if batch:
        yield batch


def _group_members(
    session: ApiSession, config: CollectConfig, mappings: list[Json]
) -> Fetched:
    """The users of each mapping's source group: who the push should send."""
    members: dict[str, list[Json]] = {}
    pages = 0
    for group_id in _unique(m.get("sourceGroupId") for m in mappings):
        try:
            fetched = okta_pages(
                session,
                f"/api/v1/groups/{quote(group_id, safe='')}/users",
                entry=layout.OKTA_GROUP_MEMBERS,
                params={"limit": config.page_sizes.okta_group_members},
                max_pages=config.max_pages,
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            log.warning("Okta source group %s does not exist; no members", group_id)
            continue
        members[group_id] = fetched.data
        pages += fetched.pages
    return Fetched(members, pages, sum(len(v) for v in members.values()))


def _users(session: ApiSession, config: CollectConfig) -> Fetched:
    """Every user of every status: the plain list hides DEPROVISIONED (§2.2)."""
    return okta_pages(
        session,
        "/api/v1/users",
        entry=layout.OKTA_USERS,
        params={"search": "status pr", "limit": config.page_sizes.okta_users},
        max_pages=config.max_pages,
    )


def _unique(values: Iterable[Any]) -> list[str]:
    """The distinct non-empty string values, in first-seen order."""
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
