"""Okta through an OAuth 2.0 service app: private_key_jwt, bearer, refresh.

Every request goes to the emulator over loopback, the token POST too: its
token endpoint verifies the assertion against the public half of a key
generated here for this test run only.
"""

from __future__ import annotations

import logging
import secrets
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import jwt
import pytest
from cli_runner import run_cli
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from reporter.collect import CollectConfig
from reporter.collect.evidence import Evidence
from reporter.collect.http import ApiSession
from reporter.collect.okta import collect_okta
from reporter.collect.okta_auth import (
    SCOPES,
    TOKEN_PATH,
    ServiceApp,
    ServiceAppAuth,
    okta_credential,
    okta_http_client,
)
from reporter.demo import build_organization
from reporter.demo.org import Organization
from reporter.emulator import Emulator
from reporter.emulator.okta import OktaApi, ServiceAppGrant
from reporter.errors import CollectError, ConfigError
from reporter.snapshot import layout, read_snapshot

CLIENT_ID = "0oa1svcappEXAMPLE001"
KEY_ID = "kid-test-1"
SSWS = secrets.token_hex(16)


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def rsa_pem() -> tuple[str, str]:
    """A throwaway RSA key pair (private PEM, public PEM), never written."""
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def org() -> Organization:
    return build_organization(size=60)


class TokenEndpoint(httpx.BaseTransport):
    """Loopback to the emulator, keeping each token form the collector POSTs."""

    def __init__(self, api: OktaApi) -> None:
        self.api = api  # the emulator's own Okta: the test registers apps on it
        self.forms: list[dict[str, str]] = []
        self._http = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == TOKEN_PATH:
            self.forms.append(dict(parse_qsl(request.read().decode())))
        return self._http.handle_request(request)


@dataclass
class Clock:
    """Wall time plus what the test advanced: the service app's clock."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Setup:
    emulator: Emulator
    endpoint: TokenEndpoint
    clock: Clock
    app: ServiceApp


@pytest.fixture
def served(org: Organization, rsa_pem: tuple[str, str]) -> Iterator[Setup]:
    """The emulator serving the demo org, and a registered service app."""
    private, public = rsa_pem
    clock = Clock()
    app = ServiceApp(client_id=CLIENT_ID, private_key=private, key_id=KEY_ID)
    with Emulator(
        org, cloudflare_token=SSWS, okta_token=SSWS, okta_clock=clock
    ) as emulator:
        emulator.okta.register(ServiceAppGrant(CLIENT_ID, public))
        yield Setup(emulator, TokenEndpoint(emulator.okta), clock, app)


def _config(org: Organization, url: str) -> CollectConfig:
    return CollectConfig(
        account_id=org.cloudflare.account["id"],
        cloudflare_url="https://api.cloudflare.test/client/v4",
        okta_url=url,
        okta_v1_app_id=org.okta.v1_app_id,
        okta_v2_app_id=org.okta.v2_app_id,
    )


def _collect(
    org: Organization, setup: Setup, app: ServiceApp | None = None
) -> Evidence:
    evidence = Evidence()
    url = setup.emulator.okta_url
    with okta_http_client(
        url, app or setup.app, transport=setup.endpoint, clock=setup.clock
    ) as client:
        collect_okta(ApiSession(client), evidence, _config(org, url))
    return evidence


def test_a_service_app_collects_every_okta_entry(
    org: Organization, served: Setup
) -> None:
    """With a bearer from the token endpoint, every Okta entry is collected."""
    evidence = _collect(org, served)

    assert set(evidence.entries) == set(layout.OKTA_ENTRIES)
    assert len(evidence.entries[layout.OKTA_USERS]) == len(org.okta.users)
    assert len(served.endpoint.forms) == 1


def test_the_token_request_asks_the_three_read_scopes(
    org: Organization, served: Setup
) -> None:
    """client_credentials, the three read-only scopes, a jwt-bearer assertion."""
    _collect(org, served)

    (form,) = served.endpoint.forms

    assert form["grant_type"] == "client_credentials"
    assert form["scope"].split() == list(SCOPES)
    assert form["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )


def test_the_assertion_is_a_private_key_jwt_for_the_token_url(
    org: Organization, served: Setup, rsa_pem: tuple[str, str]
) -> None:
    """iss = sub = client id, aud = token URL, exp within the hour, jti, kid, RS256."""
    _collect(org, served)
    assertion = served.endpoint.forms[0]["client_assertion"]
    token_url = served.emulator.okta_url + TOKEN_PATH

    claims = jwt.decode(assertion, rsa_pem[1], algorithms=["RS256"], audience=token_url)

    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    assert len(claims["jti"]) >= 16
    header = jwt.get_unverified_header(assertion)
    assert (header["alg"], header["kid"]) == ("RS256", KEY_ID)


def test_every_get_carries_the_bearer_token(org: Organization, served: Setup) -> None:
    """The emulator answered every GET with 200: it accepted the bearer."""
    _collect(org, served)

    statuses = {status for _, _, status in served.emulator.requests}

    assert statuses == {200}
    assert served.emulator.request_count > 10


def test_an_expiring_token_is_fetched_again() -> None:
    """A token within a minute of its expiry is replaced before the next GET."""
    clock = Clock()
    tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            tokens.append(f"bearer-{len(tokens)}")
            body = {"access_token": tokens[-1], "expires_in": 3600}
            return httpx.Response(200, json=body)
        return httpx.Response(
            200, json=[], headers={"x-auth": request.headers["authorization"]}
        )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = ServiceApp(CLIENT_ID, _pem(key)[0])
    transport = httpx.MockTransport(handler)
    with okta_http_client(
        "https://example.okta.test", app, transport=transport, clock=clock
    ) as client:
        first = client.get("/api/v1/users").headers["x-auth"]
        clock.offset = 3000.0
        second = client.get("/api/v1/users").headers["x-auth"]
        clock.offset = 3545.0
        third = client.get("/api/v1/users").headers["x-auth"]

    assert (first, second, third) == (
        "Bearer bearer-0",
        "Bearer bearer-0",
        "Bearer bearer-1",
    )


def test_a_401_on_a_live_token_fetches_one_new_token() -> None:
    """A revoked token: one new token, the request sent once more, then given up."""
    tokens: list[str] = []
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            tokens.append(f"bearer-{len(tokens)}")
            return httpx.Response(200, json={"access_token": tokens[-1]})
        sent.append(request.headers["authorization"])
        return httpx.Response(401, json={"errorCode": "E0000011"})

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = ServiceApp(CLIENT_ID, _pem(key)[0])
    with okta_http_client(
        "https://example.okta.test", app, transport=httpx.MockTransport(handler)
    ) as client:
        client.get("/api/v1/users")
        response = client.get("/api/v1/users")

    assert response.status_code == 401
    assert sent == ["Bearer bearer-0", "Bearer bearer-0", "Bearer bearer-1"]


def test_an_unknown_client_is_one_line_naming_the_client_id_variable(
    org: Organization, served: Setup
) -> None:
    """invalid_client stops the collection; the hint names OKTA_CLIENT_ID."""
    stranger = ServiceApp("0oa1unknownEXAMPLE01", served.app.private_key)

    with pytest.raises(CollectError) as caught:
        _collect(org, served, stranger)

    assert "invalid_client" in caught.value.message
    assert caught.value.status == 401
    assert caught.value.hint is not None and "OKTA_CLIENT_ID" in caught.value.hint


def test_scopes_not_granted_name_every_scope_and_the_admin_role(
    org: Organization, served: Setup, rsa_pem: tuple[str, str]
) -> None:
    """invalid_scope: the hint lists the three scopes and Read-Only Administrator."""
    narrow = frozenset({"okta.apps.read", "okta.groups.read"})
    served.endpoint.api.register(ServiceAppGrant(CLIENT_ID, rsa_pem[1], narrow))

    with pytest.raises(CollectError) as caught:
        _collect(org, served)

    assert "invalid_scope" in caught.value.message
    hint = caught.value.hint or ""
    assert all(scope in hint for scope in SCOPES)
    assert "Read-Only Administrator" in hint


def test_a_key_that_does_not_match_the_registered_one_is_refused(
    org: Organization, served: Setup
) -> None:
    """An assertion signed by another key is invalid_client."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong = ServiceApp(CLIENT_ID, _pem(other)[0])

    with pytest.raises(CollectError, match="invalid_client"):
        _collect(org, served, wrong)


def test_an_expired_assertion_is_refused(org: Organization, served: Setup) -> None:
    """The emulator checks exp: an assertion from two hours ago is refused."""
    served.clock.offset = 0.0
    served.endpoint.api.clock = lambda: time.time() + 7200

    with pytest.raises(CollectError, match="invalid_client"):
        _collect(org, served)


def test_a_bearer_without_a_scope_is_refused_that_family(
    org: Organization, served: Setup
) -> None:
    """A bearer of okta.apps.read only reads apps; users answer 403 E0000006."""
    assertion = ServiceAppAuth(
        served.emulator.okta_url, served.app, clock=time.time
    )._token_request()
    form = dict(parse_qsl(assertion.read().decode()))
    form["scope"] = "okta.apps.read"
    reply = served.endpoint.api.token(form, served.emulator.okta_url + TOKEN_PATH)
    bearer = {"authorization": f"Bearer {reply.body['access_token']}"}

    with httpx.Client(base_url=served.emulator.okta_url, headers=bearer) as client:
        apps = client.get(f"/api/v1/apps/{org.okta.v1_app_id}")
        users = client.get("/api/v1/users")

    assert apps.status_code == 200
    assert (users.status_code, users.json()["errorCode"]) == (403, "E0000006")


def test_no_key_assertion_or_token_reaches_the_log(
    org: Organization, served: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """The private key, the assertion and the bearer appear in no log line."""
    caplog.set_level(logging.DEBUG)

    _collect(org, served)

    form = served.endpoint.forms[0]
    body_line = served.app.private_key.splitlines()[1]
    assert form["client_assertion"] not in caplog.text
    assert body_line not in caplog.text
    assert "eyJ" not in caplog.text
    assert f"POST {TOKEN_PATH} 200" in caplog.text


def test_an_ec_key_signs_with_es256() -> None:
    """A P-256 key signs its assertion with ES256, verifiable by its public key."""
    private, public = _pem(ec.generate_private_key(ec.SECP256R1()))
    auth = ServiceAppAuth(
        "https://example.okta.test", ServiceApp(CLIENT_ID, private), clock=time.time
    )

    form = dict(parse_qsl(auth._token_request().read().decode()))
    assertion = form["client_assertion"]

    assert jwt.get_unverified_header(assertion)["alg"] == "ES256"
    audience = "https://example.okta.test" + TOKEN_PATH
    assert jwt.decode(assertion, public, algorithms=["ES256"], audience=audience)


# -- choosing the credential from the environment -----------------------------


def test_the_api_token_alone_is_the_ssws_credential() -> None:
    """OKTA_API_TOKEN alone: the SSWS token, as before."""
    assert okta_credential({"OKTA_API_TOKEN": " tok-1 "}) == "tok-1"


def test_a_client_id_and_key_make_a_service_app(rsa_pem: tuple[str, str]) -> None:
    """OKTA_CLIENT_ID, OKTA_PRIVATE_KEY and OKTA_KEY_ID make a ServiceApp."""
    env = {
        "OKTA_CLIENT_ID": CLIENT_ID,
        "OKTA_PRIVATE_KEY": rsa_pem[0],
        "OKTA_KEY_ID": KEY_ID,
    }

    app = okta_credential(env)

    assert isinstance(app, ServiceApp)
    assert (app.client_id, app.key_id) == (CLIENT_ID, KEY_ID)
    assert rsa_pem[0] not in repr(app)


def test_both_credentials_set_is_an_error(rsa_pem: tuple[str, str]) -> None:
    """The token and a service app together: a ConfigError naming both."""
    env = {"OKTA_API_TOKEN": "tok", "OKTA_CLIENT_ID": CLIENT_ID}

    with pytest.raises(ConfigError) as caught:
        okta_credential({**env, "OKTA_PRIVATE_KEY": rsa_pem[0]})

    assert "OKTA_API_TOKEN" in str(caught.value) and "OKTA_CLIENT_ID" in str(
        caught.value
    )


def test_no_credential_is_an_error_naming_both_options() -> None:
    """Neither set: the hint names OKTA_API_TOKEN and OKTA_CLIENT_ID."""
    with pytest.raises(ConfigError) as caught:
        okta_credential({})

    assert "OKTA_API_TOKEN" in str(caught.value)
    assert "OKTA_PRIVATE_KEY" in str(caught.value)


def test_a_client_id_without_a_key_names_the_missing_variable() -> None:
    """OKTA_CLIENT_ID alone: the error names OKTA_PRIVATE_KEY."""
    with pytest.raises(ConfigError, match="needs OKTA_PRIVATE_KEY"):
        okta_credential({"OKTA_CLIENT_ID": CLIENT_ID})


def test_a_malformed_key_is_refused_without_showing_it() -> None:
    """A key that is not PEM is a ConfigError that does not echo the value."""
    env = {"OKTA_CLIENT_ID": CLIENT_ID, "OKTA_PRIVATE_KEY": "not-a-key-s3cr3t"}

    with pytest.raises(ConfigError) as caught:
        okta_credential(env)

    assert "s3cr3t" not in str(caught.value)


def test_an_ed25519_key_is_refused_naming_the_usable_types() -> None:
    """Okta verifies RS/ES keys only; an Ed25519 key is a ConfigError."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

    with pytest.raises(ConfigError, match="RSA key or an EC key"):
        okta_credential({"OKTA_CLIENT_ID": CLIENT_ID, "OKTA_PRIVATE_KEY": pem})


def test_collect_with_a_service_app_from_the_environment(
    org: Organization, served: Setup, tmp_path: Path
) -> None:
    """The CLI signs in as the service app over HTTP and writes the Okta entries."""
    env = {
        "CLOUDFLARE_API_TOKEN": SSWS,
        "OKTA_CLIENT_ID": CLIENT_ID,
        "OKTA_PRIVATE_KEY": served.app.private_key,
    }
    out = tmp_path / "snapshot.zip"

    done = run_cli(
        "collect",
        "--account",
        org.cloudflare.account["id"],
        "--cloudflare-url",
        served.emulator.cloudflare_url,
        "--okta-url",
        served.emulator.okta_url,
        "--okta-v1-app",
        org.okta.v1_app_id,
        "--okta-v2-app",
        org.okta.v2_app_id,
        "--out",
        str(out),
        "--quiet",
        env=env,
    )

    assert done.returncode == 0, done.stderr
    snapshot = read_snapshot(out)
    assert set(layout.OKTA_ENTRIES) <= set(snapshot.entries)
    token_posts = [r for r in served.emulator.requests if r[0] == "POST"]
    assert token_posts == [("POST", TOKEN_PATH, 200)]
    with zipfile.ZipFile(out) as archive:
        stored = b"".join(archive.read(name) for name in archive.namelist())
    assert served.app.private_key.splitlines()[1].encode() not in stored
    assert b"client_assertion" not in stored and b"eyJ" not in stored
