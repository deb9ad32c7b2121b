"""One paging helper per API style: Cloudflare v4, SCIM ListResponse, Okta Link.

Each merges every page of one list endpoint into a ``Fetched`` entry, drops
duplicate ids with a warning, and refuses to loop: a page that only repeats
ids already seen, or more pages than ``max_pages``, is a CollectError.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import httpx

from reporter.collect.evidence import Fetched
from reporter.collect.http import ApiSession, Params
from reporter.errors import CollectError

log = logging.getLogger(__name__)

MAX_PAGES = 1000
Json = dict[str, Any]


class _Merged:
    """Items of every page so far, deduplicated by ``id``."""

    def __init__(self, url: str, entry: str) -> None:
        self.url = url
        self.entry = entry
        self.items: list[Json] = []
        self._seen: set[str] = set()

    def add(self, page_items: list[Json], page: int) -> None:
        new = 0
        for item in page_items:
            ident = item.get("id") if isinstance(item, dict) else None
            if ident is not None and ident in self._seen:
                log.warning(
                    "%s: page %d repeats id %s; kept once", self.url, page, ident
                )
                continue
            if ident is not None:
                self._seen.add(ident)
            self.items.append(item)
            new += 1
        if page_items and new == 0:
            raise CollectError(
                f"GET {self.url} page {page} only repeats ids already seen: "
                "the API ignored the paging parameters",
                url=self.url,
                hint="collect again; if it persists, report it to the API vendor",
            )


def _check_cap(url: str, page: int, max_pages: int) -> None:
    if page > max_pages:
        raise CollectError(
            f"GET {url} still had more after {max_pages} pages",
            url=url,
            hint="the list is larger than the page cap; raise max_pages",
        )


def _check_announced(url: str, pages: int, max_pages: int) -> None:
    if pages > max_pages:
        raise CollectError(
            f"GET {url} announces {pages} pages, more than the cap of {max_pages}",
            url=url,
            hint="check the API base URL; for a list that large raise max_pages",
        )


def _list_of_objects(value: Any, url: str, what: str) -> list[Json]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CollectError(
            f"GET {url} answered without a list of objects in {what}", url=url
        )
    return value


def cloudflare_result(body: Any, url: str) -> Any:
    """The ``result`` of a Cloudflare v4 success envelope (cloudflare-api.md §2)."""
    if not isinstance(body, dict) or body.get("success") is not True:
        raise CollectError(
            f"GET {url} answered without a Cloudflare success envelope", url=url
        )
    return body.get("result")


def cloudflare_pages(
    session: ApiSession,
    url: str,
    *,
    entry: str,
    per_page: int,
    params: Params | None = None,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every page of a Cloudflare page/per_page list (cloudflare-api.md §3).

    Once the first page tells how many pages there are, the rest are fetched
    concurrently and merged in page order; without totals, pages are walked
    one by one until a short or empty page.
    """

    def fetch(page: int) -> list[Json]:
        query = {**(params or {}), "page": page, "per_page": per_page}
        body, _ = session.get_json(url, entry=entry, page=page, params=query)
        result = cloudflare_result(body, url)
        if page == 1:
            first_info.append(body.get("result_info"))
        return _list_of_objects(result, url, "result")

    first_info: list[Any] = []
    merged = _Merged(url, entry)
    first = fetch(1)
    merged.add(first, 1)
    info = first_info[0]
    size = _count(info.get("per_page")) if isinstance(info, dict) else None
    last = _cloudflare_last_page(info, size or per_page)
    if last is None and len(first) >= (size or per_page):
        return _walk_cloudflare_pages(fetch, merged, size or per_page, max_pages)
    if not first or last is None or last == 1:
        return Fetched(merged.items, 1, len(merged.items))
    _check_announced(url, last, max_pages)
    session.expect(entry, last - 1)
    rest = session.map(fetch, range(2, last + 1))
    for page, items in enumerate(rest, start=2):
        if not items:
            return Fetched(merged.items, page, len(merged.items))
        merged.add(items, page)
    return Fetched(merged.items, last, len(merged.items))


def _walk_cloudflare_pages(
    fetch: Callable[[int], list[Json]], merged: _Merged, per_page: int, max_pages: int
) -> Fetched:
    """Pages 2, 3, ... one at a time, until a short or an empty page."""
    page = 1
    while True:
        page += 1
        _check_cap(merged.url, page, max_pages)
        items = fetch(page)
        merged.add(items, page)
        if len(items) < per_page:
            return Fetched(merged.items, page, len(merged.items))


def _cloudflare_last_page(info: Any, per_page: int) -> int | None:
    """The number of pages ``result_info`` announces; None when it does not say.

    A missing ``result_info`` says nothing: a full page is then followed.
    """
    if not isinstance(info, dict):
        return None
    # total_pages is not in the schema, but live responses carry it (§3).
    total_pages = _count(info.get("total_pages"))
    if total_pages is not None:
        return max(1, total_pages)
    total_count = _count(info.get("total_count"))
    if total_count is not None:
        return max(1, math.ceil(total_count / per_page))
    return None


def _count(value: Any) -> int | None:
    """A count from JSON (3 or 3.0, never a boolean or a negative), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not float(value).is_integer() or value < 0:
        return None
    return int(value)


def cloudflare_single(session: ApiSession, url: str, *, entry: str) -> Any:
    """The ``result`` of one unpaged Cloudflare GET."""
    body, _ = session.get_json(url, entry=entry)
    return cloudflare_result(body, url)


def scim_pages(
    session: ApiSession,
    url: str,
    *,
    entry: str,
    count: int,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every page of a SCIM ListResponse (RFC 7644 §3.4.2.4, cloudflare-api.md §3).

    The first page's ``totalResults`` and size set the start index of every
    other page, which are then fetched concurrently.
    """

    def fetch(page: int, start: int, size: int) -> tuple[list[Json], Any]:
        query = {"startIndex": start, "count": size}
        body, _ = session.get_json(url, entry=entry, page=page, params=query)
        if not isinstance(body, dict):
            raise CollectError(f"GET {url} answered without a ListResponse", url=url)
        # RFC 7644 §3.4.2: Resources may be left out when nothing matches.
        resources = _list_of_objects(body.get("Resources", []), url, "Resources")
        return resources, body.get("totalResults")

    merged = _Merged(url, entry)
    first, total = fetch(1, 1, count)
    merged.add(first, 1)
    step, total = len(first), _count(total)
    if not step or total is None or 1 + step > total:
        return Fetched(merged.items, 1, len(merged.items))
    last = math.ceil(total / step)
    _check_announced(url, last, max_pages)
    session.expect(entry, last - 1)
    rest = session.map(
        lambda page: fetch(page, 1 + (page - 1) * step, step)[0], range(2, last + 1)
    )
    for page, resources in enumerate(rest, start=2):
        if not resources:
            return Fetched(merged.items, page, len(merged.items))
        merged.add(resources, page)
    return Fetched(merged.items, last, len(merged.items))


def cloudflare_cursor_pages(
    session: ApiSession,
    url: str,
    *,
    entry: str,
    params: Params,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every page of a cursor list: Audit Logs v2 (cloudflare-api.md §3).

    The next cursor is ``result_info.cursor`` (spec, docs) or
    ``result_info.cursors.after`` (the official SDK); paging stops when it is
    missing or empty, on an empty page, or when a cursor comes back again.
    """
    merged = _Merged(url, entry)
    seen: set[str] = set()
    cursor: str | None = None
    page = 0
    while True:
        page += 1
        _check_cap(url, page, max_pages)
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body, _ = session.get_json(url, entry=entry, page=page, params=query)
        items = _list_of_objects(cloudflare_result(body, url), url, "result")
        merged.add(items, page)
        cursor = _next_cursor(body.get("result_info"))
        if not items or not cursor:
            return Fetched(merged.items, page, len(merged.items))
        if cursor in seen:
            raise CollectError(
                f"GET {url} page {page} returned a cursor already followed",
                url=url,
                hint="collect again; if it persists, report it to the API vendor",
            )
        seen.add(cursor)


def _next_cursor(info: Any) -> str | None:
    if not isinstance(info, dict):
        return None
    cursor = info.get("cursor")
    cursors = info.get("cursors")
    if not cursor and isinstance(cursors, dict):
        cursor = cursors.get("after")
    return cursor if isinstance(cursor, str) and cursor else None


def okta_pages(
    session: ApiSession,
    url: str,
    *,
    entry: str,
    params: Params | None = None,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every page of an Okta list, following ``Link: rel="next"`` (idp-apis.md §2.3)."""
    merged = _Merged(url, entry)
    visited: set[str] = set()
    next_url: str | None = url
    page = 0
    while next_url is not None:
        page += 1
        _check_cap(url, page, max_pages)
        body, response = session.get_json(
            next_url, entry=entry, page=page, params=params if page == 1 else None
        )
        visited.add(str(response.request.url))
        merged.add(_list_of_objects(body, url, "the body"), page)
        next_url = _next_link(session, response, visited)
    return Fetched(merged.items, page, len(merged.items))


def _next_link(
    session: ApiSession, response: httpx.Response, visited: set[str]
) -> str | None:
    """The ``next`` URL to follow, or None when done or when it would loop."""
    # response.links joins several Link header fields and one combined field.
    target = response.links.get("next", {}).get("url")
    if not target:
        return None
    absolute = session.client.base_url.join(target)
    here, shown = (session.server_text(str(u)) for u in (response.url, absolute))
    if str(absolute) in visited:
        log.warning("%s: next link repeats %s; stopped there", here, shown)
        return None
    if _origin(absolute) != _origin(session.client.base_url):
        # Following it would send the API token to another origin.
        raise CollectError(
            f"GET {here} links its next page to another origin: {shown}",
            url=here,
            hint="check --okta-url; it must be the org's own URL (scheme, host, port)",
        )
    return str(absolute)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port: a token may only go where it was configured for."""
    return url.scheme, url.host, url.port
