"""What a hostile or misconfigured server must not get out of the collector."""

from __future__ import annotations

import httpx
import pytest

from reporter.collect.http import ApiSession, okta_client
from reporter.collect.paging import okta_pages
from reporter.errors import CollectError

OKTA = "http://127.0.0.1:18083"
OKTA_TOKEN = "okta-hardening-token-5f2a"


def two_servers(foreign: str, seen: list[httpx.Request]) -> httpx.MockTransport:
    """Page 1 links page 2 at ``foreign``; page 2 (``after=1``) ends the list."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params.get("after"):
            return httpx.Response(200, json=[{"id": "u2"}])
        link = f'<{foreign}/api/v1/users?after=1>; rel="next"'
        return httpx.Response(200, json=[{"id": "u1"}], headers={"link": link})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    "foreign",
    ["http://127.0.0.1:18082", "https://127.0.0.1:18083", "http://localhost:18083"],
)
def test_a_next_link_to_another_origin_is_refused(foreign: str) -> None:
    """A next link to another port, scheme or host stops before sending the token."""
    seen: list[httpx.Request] = []
    client = okta_client(OKTA, OKTA_TOKEN, transport=two_servers(foreign, seen))

    with client, pytest.raises(CollectError) as raised:
        okta_pages(ApiSession(client), "/api/v1/users", entry="okta/users")

    assert f"{foreign}/api/v1/users?after=1" in str(raised.value)
    assert [str(r.url.netloc, "ascii") for r in seen] == ["127.0.0.1:18083"]


def test_a_next_link_to_the_same_origin_is_followed() -> None:
    """A next link to the configured scheme, host and port is read."""
    seen: list[httpx.Request] = []
    client = okta_client(OKTA, OKTA_TOKEN, transport=two_servers(OKTA, seen))

    with client:
        fetched = okta_pages(ApiSession(client), "/api/v1/users", entry="okta/users")

    assert [user["id"] for user in fetched.data] == ["u1", "u2"]
