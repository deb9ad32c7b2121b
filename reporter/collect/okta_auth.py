"""Okta credentials: an SSWS API token, or an OAuth 2.0 service app.

The service app signs a ``private_key_jwt`` client assertion and trades it for
a bearer token of the three read-only scopes (idp-apis.md §2.1). The token
lasts an hour; it is fetched again shortly before it expires, so a long
collection never runs on an expired token. The key, the assertion and the
token are never logged, and never shown in an error.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from reporter.collect.http import (
    OKTA_URL_OPTION,
    USER_AGENT,
    authorized_client,
    okta_client,
    scrub,
)
from reporter.errors import CollectError, ConfigError

log = logging.getLogger(__name__)

TOKEN_ENV = "OKTA_API_TOKEN"  # noqa: S105 (a variable name)
CLIENT_ID_ENV = "OKTA_CLIENT_ID"
PRIVATE_KEY_ENV = "OKTA_PRIVATE_KEY"
KEY_ID_ENV = "OKTA_KEY_ID"
SCOPES = ("okta.apps.read", "okta.groups.read", "okta.users.read")
ADMIN_ROLE = "Read-Only Administrator"
TOKEN_PATH = "/oauth2/v1/token"  # noqa: S105 (a path)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# §2.1: the assertion may live at most an hour; five minutes is plenty.
ASSERTION_SECONDS = 300
# A token this close to its expiry is fetched again before the next request.
REFRESH_MARGIN = 60.0
_GRANT_HINT = (
    f"grant {', '.join(SCOPES)} on the service app's Okta API Scopes tab and "
    f"assign it the {ADMIN_ROLE} role (Admin roles tab)"
)
# The fix for each OAuth error code Okta's token endpoint answers.
_ERROR_HINTS = {
    "invalid_client": f"check {CLIENT_ID_ENV}, that the app authenticates with "
    f"'Public key / Private key', and that its public key (kid {KEY_ID_ENV}) "
    f"pairs with {PRIVATE_KEY_ENV}",
    "invalid_scope": _GRANT_HINT,
    "access_denied": _GRANT_HINT,
    "unauthorized_client": "allow the Client Credentials grant on the service app",
    "invalid_dpop_proof": "untick 'Require DPoP' on the service app",
    "use_dpop_nonce": "untick 'Require DPoP' on the service app",
}

Clock = Callable[[], float]


@dataclass(frozen=True)
class ServiceApp:
    """An Okta API Services app: its client id and PEM private key (never shown)."""

    client_id: str
    private_key: str = field(repr=False)
    key_id: str | None = None


OktaCredential = str | ServiceApp


def okta_credential(environ: Mapping[str, str]) -> OktaCredential:
    """The SSWS token or the service app the environment names; exactly one.

    ``OKTA_API_TOKEN`` alone is an SSWS token; ``OKTA_CLIENT_ID`` with
    ``OKTA_PRIVATE_KEY`` (and optionally ``OKTA_KEY_ID``) a service app.
    """
    token = environ.get(TOKEN_ENV, "").strip()
    client_id = environ.get(CLIENT_ID_ENV, "").strip()
    key = environ.get(PRIVATE_KEY_ENV, "").strip()
    if token and (client_id or key):
        raise ConfigError(
            f"both {TOKEN_ENV} and an Okta service app ({CLIENT_ID_ENV}) are set",
            hint=f"unset {TOKEN_ENV} to use the service app, or unset "
            f"{CLIENT_ID_ENV} and {PRIVATE_KEY_ENV} to use the API token",
        )
    if token:
        return token
    if not (client_id or key):
        raise ConfigError(
            "no Okta credential is set",
            hint=f"export {TOKEN_ENV} (a {ADMIN_ROLE}'s API token), or "
            f"{CLIENT_ID_ENV} and {PRIVATE_KEY_ENV} of a service app",
        )
    missing = [
        n for n, v in ((CLIENT_ID_ENV, client_id), (PRIVATE_KEY_ENV, key)) if not v
    ]
    if missing:
        raise ConfigError(
            f"the Okta service app needs {' and '.join(missing)}",
            hint=f"export {CLIENT_ID_ENV} and {PRIVATE_KEY_ENV} (the PEM text)",
        )
    key_id = environ.get(KEY_ID_ENV, "").strip() or None
    app = ServiceApp(client_id=client_id, private_key=key, key_id=key_id)
    _signing_key(app)
    return app


def okta_http_client(
    base_url: str,
    credential: OktaCredential,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = time.time,
) -> httpx.Client:
    """A client for the Okta API with either credential (idp-apis.md §2.1)."""
    if isinstance(credential, str):
        return okta_client(base_url, credential, timeout=timeout, transport=transport)
    return okta_oauth_client(
        base_url, credential, timeout=timeout, transport=transport, clock=clock
    )


def okta_oauth_client(
    base_url: str,
    app: ServiceApp,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = time.time,
) -> httpx.Client:
    """A client whose requests carry the service app's bearer token."""
    auth = ServiceAppAuth(base_url, app, clock=clock)
    return authorized_client(
        base_url, auth, OKTA_URL_OPTION, timeout=timeout, transport=transport
    )


class ServiceAppAuth(httpx.Auth):
    """Bearer auth from the token endpoint, fetched again before it expires.

    A 401 on a token this class thought valid (revoked, clock skew) fetches
    one new token and sends the request once more.
    """

    requires_response_body = True

    def __init__(self, base_url: str, app: ServiceApp, *, clock: Clock) -> None:
        self.token_url = str(httpx.URL(base_url).join(TOKEN_PATH))
        self.app = app
        self.fetched = 0
        self._key, self._algorithm = _signing_key(app)
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0

    def secrets(self) -> tuple[str, ...]:
        """What must never be shown: the current token."""
        return (self._token,) if self._token else ()

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = False
        if self._token is None or self._clock() >= self._expires - REFRESH_MARGIN:
            self._accept((yield self._token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self._accept((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _token_request(self) -> httpx.Request:
        form = {
            "grant_type": "client_credentials",
            "scope": " ".join(SCOPES),
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(),
        }
        return httpx.Request(
            "POST",
            self.token_url,
            data=form,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )

    def _assertion(self) -> str:
        """The private_key_jwt: iss = sub = client id, aud = the token URL."""
        now = int(self._clock())
        claims = {
            "iss": self.app.client_id,
            "sub": self.app.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + ASSERTION_SECONDS,
            "jti": secrets.token_urlsafe(24),
        }
        headers = {"kid": self.app.key_id} if self.app.key_id else None
        return jwt.encode(claims, self._key, algorithm=self._algorithm, headers=headers)

    def _accept(self, response: httpx.Response) -> None:
        """Keep the token of a token-endpoint answer; any error is fatal."""
        log.info("POST %s %s", TOKEN_PATH, response.status_code)
        body = _json(response)
        token = body.get("access_token")
        if response.is_error or not isinstance(token, str) or not token:
            raise _token_error(response, body, self.token_url)
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        self._token = token
        self._expires = self._clock() + seconds
        self.fetched += 1


def _signing_key(app: ServiceApp) -> tuple[Any, str]:
    """The private key and the JWS algorithm its type calls for (RS256, ES…)."""
    try:
        key = serialization.load_pem_private_key(
            app.private_key.replace("\\n", "\n").encode(), password=None
        )
    except (ValueError, TypeError) as exc:
        # The value is a secret: it is never shown, even when malformed.
        raise ConfigError(
            f"{PRIVATE_KEY_ENV} is not an unencrypted PEM private key (not shown)",
            hint=f"export {PRIVATE_KEY_ENV} with the PEM text of the key whose "
            "public half is on the service app",
        ) from exc
    if isinstance(key, rsa.RSAPrivateKey):
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        bits = {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size)
        if bits is not None:
            return key, bits
    raise ConfigError(
        f"{PRIVATE_KEY_ENV} holds a {type(key).__name__}, which Okta cannot verify",
        hint="use an RSA key or an EC key on P-256, P-384 or P-521",
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _token_error(
    response: httpx.Response, body: dict[str, Any], url: str
) -> CollectError:
    """One line: what the token endpoint said, and the setting that fixes it."""
    code = body.get("error") if isinstance(body.get("error"), str) else None
    detail = body.get("error_description")
    said = ": ".join(
        scrub(str(part)) for part in (code, detail) if isinstance(part, str) and part
    )
    return CollectError(
        f"Okta refused the service app a token (HTTP {response.status_code}"
        + (f", {said})" if said else ")"),
        url=url,
        status=response.status_code,
        hint=_ERROR_HINTS.get(code or "", _GRANT_HINT),
    )
