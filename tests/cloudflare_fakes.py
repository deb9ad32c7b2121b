"""A stand-in Cloudflare for tests whose subject is another API."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


def empty_cloudflare(account_id: str) -> Handler:
    """A Cloudflare account with no members, groups or SCIM resources."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith(account_id):
            account = {"id": account_id, "name": "Example Corp", "type": "enterprise"}
            return httpx.Response(200, json={"success": True, "result": account})
        if "/scim/v2/" in path:
            body = {"schemas": [], "totalResults": 0, "startIndex": 1, "Resources": []}
            return httpx.Response(
                200, json=body, headers={"content-type": "application/scim+json"}
            )
        return httpx.Response(200, json={"success": True, "result": []})

    return handle
