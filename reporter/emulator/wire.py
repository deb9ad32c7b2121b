"""Requests, replies, routes and the three paging styles the emulator speaks.

Each paging style has one helper here, shared by every endpoint that pages
that way (``shared/domain/cloudflare-api.md`` §3, ``idp-apis.md`` §2.3).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from reporter.demo.org import Json

JSON = "application/json; charset=utf-8"
SCIM_JSON = "application/scim+json; charset=utf-8"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass(frozen=True)
class Request:
    """One GET as a handler sees it."""

    path: str  # without the query string
    query: Mapping[str, str]  # first value of each parameter
    authorization: str
    base_url: str  # scheme://host:port of the emulator


@dataclass(frozen=True)
class Reply:
    """What a handler answers: status, JSON body, content type, extra headers.

    ``raw``, when set, is sent instead of the JSON body (an HTML page, a body
    cut short).
    """

    status: int
    body: Any
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    raw: bytes | None = None


Handler = Callable[[Request, Mapping[str, str]], Reply]


@dataclass(frozen=True)
class Route:
    """A path pattern, the endpoint families it belongs to, and its handler."""

    pattern: re.Pattern[str]
    families: frozenset[str]
    handle: Handler
    scim: bool = False  # SCIM endpoints answer errors in the SCIM shape


def route(template: str, families: Sequence[str], handle: Handler, **kw: Any) -> Route:
    """A Route from a template such as ``/accounts/{a}/members/{id}``."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(re.compile(pattern + "/?"), frozenset(families), handle, **kw)


class BadQuery(ValueError):
    """A query parameter the API would reject."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"invalid value {value!r} for query parameter {name!r}")
        self.name = name
        self.value = value


def int_param(query: Mapping[str, str], name: str, default: int) -> int:
    """An integer query parameter, ``default`` when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(float(raw))
    except ValueError:
        raise BadQuery(name, raw) from None


@dataclass(frozen=True)
class PageSize:
    """A v4 endpoint's documented ``per_page`` default, minimum and maximum."""

    default: int
    minimum: int
    maximum: int


def page_window(
    items: Sequence[Json], query: Mapping[str, str], size: PageSize
) -> Json:
    """A v4 envelope for one ``page``/``per_page`` window of ``items``.

    A ``per_page`` outside the documented bounds is clamped to them.
    """
    page = max(1, int_param(query, "page", 1))
    per_page = int_param(query, "per_page", size.default)
    per_page = min(size.maximum, max(size.minimum, per_page))
    window = items[(page - 1) * per_page : page * per_page]
    return success(
        list(window),
        result_info={
            "page": page,
            "per_page": per_page,
            "count": len(window),
            "total_count": len(items),
            "total_pages": math.ceil(len(items) / per_page),
        },
    )


def success(result: Any, **extra: Any) -> Json:
    """A v4 success envelope."""
    return {"success": True, "errors": [], "messages": [], "result": result, **extra}


def cursor_page(items: Sequence[Json], query: Mapping[str, str]) -> Json:
    """A v4 envelope for one Audit Logs v2 page: ``limit`` items from ``cursor``.

    ``result_info`` carries ``count`` and the next ``cursor``, empty at the end
    (cloudflare-api.md §3).
    """
    limit = max(1, int_param(query, "limit", 100))
    offset = _decode_after(query.get("cursor"), "cursor")
    window = list(items[offset : offset + limit])
    following = _encode_after(offset + limit) if offset + limit < len(items) else ""
    return success(window, result_info={"count": len(window), "cursor": following})


def scim_window(items: Sequence[Json], query: Mapping[str, str]) -> Json:
    """A SCIM ListResponse for ``startIndex`` (1-based) and ``count``.

    RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1, a negative count
    as 0. The default page of 100 matches what Okta sends (idp-apis.md §6).
    """
    start = max(1, int_param(query, "startIndex", 1))
    count = max(0, int_param(query, "count", 100))
    window = items[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(items),
        "startIndex": start,
        "itemsPerPage": len(window),
        "Resources": list(window),
    }


@dataclass(frozen=True)
class CursorSize:
    """An Okta endpoint's ``limit`` default and maximum."""

    default: int
    maximum: int


def cursor_window(
    items: Sequence[Json],
    request: Request,
    size: CursorSize,
    *,
    combined_link: bool,
) -> tuple[list[Json], tuple[tuple[str, str], ...]]:
    """One Okta page of ``items`` and its ``Link`` headers (self, next).

    Real Okta sends the links as one combined header on some endpoints and
    as separate header fields on others; clients must read both.
    """
    limit = min(size.maximum, max(1, int_param(request.query, "limit", size.default)))
    offset = _decode_after(request.query.get("after"))
    window = list(items[offset : offset + limit])
    links = [f'<{_url(request, request.query)}>; rel="self"']
    if offset + limit < len(items):
        following = {**request.query, "limit": str(limit)}
        following["after"] = _encode_after(offset + limit)
        links.append(f'<{_url(request, following)}>; rel="next"')
    if combined_link:
        return window, (("Link", ", ".join(links)),)
    return window, tuple(("Link", link) for link in links)


def _url(request: Request, query: Mapping[str, str]) -> str:
    tail = f"?{urlencode(query)}" if query else ""
    return f"{request.base_url}{request.path}{tail}"


def _encode_after(offset: int) -> str:
    """An opaque cursor, as Okta's are: clients must not build their own."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_after(after: str | None, name: str = "after") -> int:
    if not after:
        return 0
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadQuery(name, after) from None
