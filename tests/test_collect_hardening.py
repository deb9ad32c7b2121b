"""What a hostile or misconfigured server must not get out of the collector."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cli_runner import run_cli

from reporter.collect import CollectConfig, collect_snapshot
from reporter.collect.evidence import Evidence
from reporter.collect.http import (
    SERVER_TEXT_CAP,
    ApiSession,
    cloudflare_client,
    graph_client,
    okta_client,
)
from reporter.collect.okta import collect_okta
from reporter.collect.paging import okta_pages
from reporter.errors import CollectError, ConfigError
from reporter.snapshot import Snapshot, layout

OKTA = "http://127.0.0.1:18083"
OKTA_TOKEN = "okta-hardening-token-5f2a"
CLOUDFLARE = "http://127.0.0.1:18081/client/v4"
CF_TOKEN = "SECRETTOKEN123"
ACCOUNT = "0123456789abcdef0123456789abcdef"
BASE = f"/client/v4/accounts/{ACCOUNT}"


def envelope(result: object) -> httpx.Response:
    """A Cloudflare v4 success envelope holding ``result`` (one page)."""
    info = {"page": 1, "per_page": 50, "count": 0, "total_count": 0}
    body = {"success": True, "errors": [], "result": result, "result_info": info}
    return httpx.Response(200, json=body)


def echoing_cloudflare(
    refused: str, message: str = "denied for {auth}"
) -> httpx.MockTransport:
    """An empty Cloudflare account whose ``refused`` path answers 403, echoing auth."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == BASE + refused:
            text = message.format(auth=request.headers["authorization"])
            error = {"code": 10000, "message": text}
            return httpx.Response(403, json={"success": False, "errors": [error]})
        if path == BASE:
            return envelope({"id": ACCOUNT, "name": "Example"})
        if "/scim/v2/" in path:
            return httpx.Response(200, json={"totalResults": 0, "Resources": []})
        return envelope([])

    return httpx.MockTransport(handle)


def collect_cloudflare_from(transport: httpx.MockTransport) -> Snapshot:
    """Collect the fake Cloudflare account, with no Okta."""
    config = CollectConfig(account_id=ACCOUNT, cloudflare_url=CLOUDFLARE)
    with cloudflare_client(CLOUDFLARE, CF_TOKEN, transport=transport) as client:
        return collect_snapshot(
            config, client, None, clock=lambda: datetime.now(UTC), sleep=lambda s: None
        )


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


def test_an_echoed_token_is_not_in_the_manifest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 403 echoing "Bearer <token>" leaves no token in the manifest or the logs."""
    caplog.set_level(logging.INFO)

    snapshot = collect_cloudflare_from(echoing_cloudflare("/scim/v2/Users"))

    manifest = json.dumps(asdict(snapshot.manifest))
    reasons = [e.reason for e in snapshot.manifest.endpoints if e.reason]
    assert CF_TOKEN not in manifest and CF_TOKEN not in caplog.text
    assert any("denied for Bearer [redacted]" in r for r in reasons)


def test_an_echoed_token_is_not_in_the_error() -> None:
    """A refused account read echoing the token raises an error without it."""
    transport = echoing_cloudflare("", "token {auth} has no access")

    with pytest.raises(CollectError) as raised:
        collect_cloudflare_from(transport)

    assert "refused to read the account" in str(raised.value)
    assert CF_TOKEN not in str(raised.value)
    assert "[redacted]" in str(raised.value)


def test_an_echoed_okta_token_is_not_in_the_error() -> None:
    """Okta's 401 echoing "SSWS <token>" raises an error without the token."""

    def handle(request: httpx.Request) -> httpx.Response:
        summary = f"Invalid token {request.headers['authorization']}"
        body = {"errorCode": "E0000011", "errorSummary": summary}
        return httpx.Response(401, json=body)

    config = CollectConfig(
        account_id=ACCOUNT, cloudflare_url=CLOUDFLARE, okta_url=OKTA, okta_v1_app_id="a"
    )
    client = okta_client(OKTA, OKTA_TOKEN, transport=httpx.MockTransport(handle))

    with client, pytest.raises(CollectError) as raised:
        collect_okta(ApiSession(client), Evidence(), config)

    assert "Okta rejected the API token" in str(raised.value)
    assert OKTA_TOKEN not in str(raised.value) and "SSWS [redacted]" in str(
        raised.value
    )


def test_a_token_the_session_does_not_know_is_scrubbed_by_pattern() -> None:
    """Any "Bearer <x>" in server text is redacted, not only the session's token."""
    transport = echoing_cloudflare("/roles", "denied for Bearer someone-elses-token")

    snapshot = collect_cloudflare_from(transport)

    record = next(e for e in snapshot.manifest.endpoints if e.entry == layout.CF_ROLES)
    assert record.reason is not None
    assert "someone-elses-token" not in record.reason
    assert "Bearer [redacted]" in record.reason


def test_long_server_text_is_capped() -> None:
    """A 5,000-character error message is cut to the cap in the manifest."""
    transport = echoing_cloudflare("/roles", "x" * 5000)

    snapshot = collect_cloudflare_from(transport)

    record = next(e for e in snapshot.manifest.endpoints if e.entry == layout.CF_ROLES)
    assert record.reason is not None
    assert "x" * SERVER_TEXT_CAP not in record.reason
    assert "x" * (SERVER_TEXT_CAP - 1) + "…" in record.reason


@pytest.mark.parametrize("token", ["SEKRITé2", "abc\ndef", "two words"])
def test_a_token_an_http_header_cannot_carry_is_refused(token: str) -> None:
    """A non-ASCII, multi-line or spaced token is a ConfigError naming the variable."""
    with pytest.raises(ConfigError) as raised:
        cloudflare_client(CLOUDFLARE, token)

    assert "CLOUDFLARE_API_TOKEN" in str(raised.value)
    assert token not in str(raised.value)


def test_a_bad_okta_token_names_its_variable() -> None:
    """The Okta client names OKTA_API_TOKEN for a token with a line break."""
    with pytest.raises(ConfigError, match="OKTA_API_TOKEN"):
        okta_client(OKTA, "okta\r\ntoken")


def test_a_url_with_a_password_is_refused_without_echoing_it() -> None:
    """--cloudflare-url with user:password@ is refused; the password is not shown."""
    with pytest.raises(ConfigError) as raised:
        cloudflare_client("http://bob:PASSWORD@127.0.0.1:18081/client/v4", CF_TOKEN)

    assert "--cloudflare-url" in str(raised.value)
    assert "PASSWORD" not in str(raised.value)


@pytest.mark.parametrize(
    ("client", "url", "variable"),
    [
        (cloudflare_client, CLOUDFLARE + "?token=QUERY-SEKRIT", "CLOUDFLARE_API_TOKEN"),
        (cloudflare_client, CLOUDFLARE + "#QUERY-SEKRIT", "CLOUDFLARE_API_TOKEN"),
        (okta_client, OKTA + "/?QUERY-SEKRIT", "OKTA_API_TOKEN"),
        (graph_client, "https://graph.example/v1.0?k=QUERY-SEKRIT", "AZURE_CLIENT"),
        (cloudflare_client, "api.example?token=QUERY-SEKRIT", "CLOUDFLARE_API_TOKEN"),
    ],
)
def test_a_url_with_a_query_or_fragment_is_refused_without_echoing_it(
    client: Callable[[str, str], httpx.Client], url: str, variable: str
) -> None:
    """A base URL with '?' or '#' is refused naming where credentials go, not it."""
    with pytest.raises(ConfigError) as raised:
        client(url, CF_TOKEN)

    message = str(raised.value)
    assert "query string" in message or "fragment" in message
    assert variable in message
    assert "QUERY-SEKRIT" not in message


@pytest.mark.parametrize("url", ["", "example.okta.com", "ftp://example.okta.com"])
def test_an_okta_url_without_http_scheme_or_host_is_refused(url: str) -> None:
    """An empty, scheme-less or non-http --okta-url is a ConfigError naming it."""
    with pytest.raises(ConfigError) as raised:
        okta_client(url, OKTA_TOKEN)

    assert "--okta-url" in str(raised.value)
    assert "https://example.okta.com" in str(raised.value)


def test_collect_snapshot_refuses_a_source_url_with_a_password() -> None:
    """A config whose URL has userinfo never reaches the manifest's sources."""
    config = CollectConfig(
        account_id=ACCOUNT, cloudflare_url="https://bob:PASSWORD@api.example/v4"
    )
    client = cloudflare_client(CLOUDFLARE, CF_TOKEN, transport=echoing_cloudflare(""))

    with client, pytest.raises(ConfigError, match="--cloudflare-url"):
        collect_snapshot(config, client, None, clock=lambda: datetime.now(UTC))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the tool as a user would, with a Cloudflare token in the environment."""
    tokens = {"CLOUDFLARE_API_TOKEN": CF_TOKEN, "OKTA_API_TOKEN": OKTA_TOKEN}
    return run_cli(*args, env=tokens, timeout=120)


def test_collect_refuses_an_empty_okta_url(tmp_path: Path) -> None:
    """collect --okta-url '' exits 2 naming --okta-url, before any request."""
    result = cli(
        "collect",
        "--account",
        ACCOUNT,
        "--out",
        str(tmp_path / "s.zip"),
        "--okta-url",
        "",
        "--okta-v1-app",
        "a",
        "--okta-v2-app",
        "b",
    )

    assert result.returncode == 2, result.stderr
    assert "--okta-url '' is not an http(s) URL with a host" in result.stderr


@pytest.mark.parametrize("command", ["collect", "check"])
def test_a_cloudflare_url_with_a_query_is_refused_before_anything(
    tmp_path: Path, command: str
) -> None:
    """collect and check exit 2 on a query in --cloudflare-url; no value, no files."""
    out = tmp_path / ("s.zip" if command == "collect" else "out")
    url = CLOUDFLARE + "?token=QUERY-SEKRIT"

    result = cli(
        command, "--account", ACCOUNT, "--out", str(out), "--cloudflare-url", url
    )

    assert result.returncode == 2, result.stderr
    assert "--cloudflare-url has a query string" in result.stderr
    assert "CLOUDFLARE_API_TOKEN" in result.stderr
    assert "QUERY-SEKRIT" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_html_404_is_not_called_an_unknown_account() -> None:
    """A plain web server's HTML 404 names the URL and --cloudflare-url instead."""

    def handle(request: httpx.Request) -> httpx.Response:
        html = "<html><body>Not Found</body></html>"
        return httpx.Response(404, text=html, headers={"content-type": "text/html"})

    with pytest.raises(CollectError) as raised:
        collect_cloudflare_from(httpx.MockTransport(handle))

    message = str(raised.value)
    assert f"the server at {CLOUDFLARE}/accounts/{ACCOUNT} did not answer" in message
    assert "(HTTP 404, text/html)" in message and "--cloudflare-url" in message
    assert "has no account" not in message


def test_a_cloudflare_json_404_still_names_the_account() -> None:
    """Cloudflare's own JSON 404 for the account still says the account is unknown."""

    def handle(request: httpx.Request) -> httpx.Response:
        error = {"code": 7003, "message": "Could not route"}
        return httpx.Response(404, json={"success": False, "errors": [error]})

    with pytest.raises(CollectError, match=f"Cloudflare has no account {ACCOUNT}"):
        collect_cloudflare_from(httpx.MockTransport(handle))


def test_collect_snapshot_lowers_an_upper_case_account_id() -> None:
    """An upper-case account id is requested and recorded in lower case."""
    config = CollectConfig(account_id=ACCOUNT.upper(), cloudflare_url=CLOUDFLARE)
    transport = echoing_cloudflare("/roles")

    with cloudflare_client(CLOUDFLARE, CF_TOKEN, transport=transport) as client:
        snapshot = collect_snapshot(
            config, client, None, clock=lambda: datetime.now(UTC), sleep=lambda s: None
        )

    assert snapshot.manifest.account_id == ACCOUNT
    assert snapshot.manifest.requests[0].path == BASE
