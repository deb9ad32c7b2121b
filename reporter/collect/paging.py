"""One paging helper per API style: Cloudflare v4, SCIM ListResponse, Okta Link.

Each merges every page of one list endpoint into a ``Fetched`` entry, drops
duplicate ids with a warning, and refuses to loop: a page that only repeats
ids already seen, or more pages than ``max_pages``, is a CollectError.
"""

from __future__ import annotations

import logging
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
    """Every page of a Cloudflare page/per_page list (cloudflare-api.md §3)."""
    merged = _Merged(url, entry)
    page = 1
    while True:
        query = {**(params or {}), "page": page, "per_page": per_page}
        body, _ = session.get_json(url, entry=entry, page=page, params=query)
        items = _list_of_objects(cloudflare_result(body, url), url, "result")
        merged.add(items, page)
        if not items or _last_cloudflare_page(body.get("result_info"), page, per_page):
            return Fetched(merged.items, page, len(merged.items))
        page += 1
        _check_cap(url, page, max_pages)


def _last_cloudflare_page(info: Any, page: int, per_page: int) -> bool:
    """Whether ``result_info`` says no page follows; none at all means one page."""
    if not isinstance(info, dict):
        return True
    # total_pages is not in the schema, but live responses carry it (§3).
    total_pages = info.get("total_pages")
    if isinstance(total_pages, int):
        return page >= total_pages
    total_count = info.get("total_count")
    size = info.get("per_page")
    if not isinstance(size, int) or size < 1:
        size = per_page
    if isinstance(total_count, int):
        return page * size >= total_count
    return False


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
    """Every page of a SCIM ListResponse (RFC 7644 §3.4.2.4, cloudflare-api.md §3)."""
    merged = _Merged(url, entry)
    start, page = 1, 1
    while True:
        query = {"startIndex": start, "count": count}
        body, _ = session.get_json(url, entry=entry, page=page, params=query)
        if not isinstance(body, dict):
            raise CollectError(f"GET {url} answered without a ListResponse", url=url)
        # RFC 7644 §3.4.2: Resources may be left out when nothing matches.
        resources = _list_of_objects(body.get("Resources", []), url, "Resources")
        merged.add(resources, page)
        start += len(resources)
        total = body.get("totalResults")
        if not resources or (isinstance(total, int) and start > total):
            return Fetched(merged.items, page, len(merged.items))
        page += 1
        _check_cap(url, page, max_pages)


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
        next_url = _next_link(session.client, response, visited)
    return Fetched(merged.items, page, len(merged.items))


def _next_link(
    client: httpx.Client, response: httpx.Response, visited: set[str]
) -> str | None:
    """The ``next`` URL to follow, or None when done or when it would loop."""
    # response.links joins several Link header fields and one combined field.
    target = response.links.get("next", {}).get("url")
    if not target:
        return None
    absolute = client.base_url.join(target)
    if str(absolute) in visited:
        log.warning("%s: next link repeats %s; stopped there", response.url, target)
        return None
    if absolute.host != client.base_url.host:
        # Following it would send the API token to another host.
        raise CollectError(
            f"GET {response.url} links its next page to another host: {absolute.host}",
            url=str(response.url),
            hint="check the Okta org URL; it must be the org's own domain",
        )
    return str(absolute)
