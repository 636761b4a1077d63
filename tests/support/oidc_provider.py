"""A local OpenID provider on 127.0.0.1, built on Authlib's server components, that a test
can tell to misbehave.

It speaks the real protocol over HTTP: discovery (`/.well-known/openid-configuration`), the
authorization endpoint (Authlib's `AuthorizationCodeGrant` with the `OpenIDCode` extension
and PKCE through `CodeChallenge(required=True)`), the token endpoint (client_secret_basic
or _post; a code works once), the key set and userinfo. The issuer has a Keycloak-like
path (`/realms/acme`). It runs as a Starlette app under uvicorn in a thread.

    provider = OidcProvider().start()
    provider.register_redirect("http://testserver/auth/oidc/kc/callback")
    provider.next_person = Account("ada-1", "ada@example.com")   # who signs in next
    provider.misbehave = Misbehaviour(audience="someone-else")   # or other_key, expired...
    provider.stop()

Without `next_person`, the authorization endpoint shows a sign-in form (an email field and
a `Continue` button, for the browser tests); the person is looked up in `accounts`.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    AuthorizationServer,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support import free_port
from tests.support.log_scan import register_secret

CLIENT_ID = "smarttask-test-client"
CLIENT_SECRET = "local-oidc-client-secret-7f3a9c"
KID = "local-signing-key-1"
REALM = "/realms/acme"
register_secret(CLIENT_SECRET)


@dataclass(frozen=True)
class Account:
    """A person at the provider."""

    subject: str
    email: str
    email_verified: bool = True
    name: str = "Ada Lovelace"
    amr: tuple[str, ...] = ("pwd",)


@dataclass(frozen=True)
class Misbehaviour:
    """What the provider does wrong in its ID tokens (all off by default)."""

    other_key: bool = False  # signed with a key it does not publish (same kid)
    audience: str | None = None  # issued for another client
    expired: bool = False  # exp (and iat) in the past
    nonce: str | None = None  # another sign-in's nonce
    issuer: str | None = None  # another issuer
    auth_time: int | None = None  # a stale authentication time


class ThreadedServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving; returns once the server listens."""
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the local server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class _Client:
    """The one registered client (smarttask), Authlib's ClientMixin."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code:
    """An issued authorization code, Authlib's AuthorizationCodeMixin."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Account
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> list[str] | None:
        return list(self.person.amr) or None


class _Request(OAuth2Request):
    """An OAuth2Request over a request already read (query and form as dicts)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Any,
        query: dict[str, str],
        form: dict[str, str],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._query = query
        self._form = form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class OidcProvider:
    """The provider: its app, its state and what the tests tell it."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": KID})
        self.client = _Client(CLIENT_ID, CLIENT_SECRET, [])
        self.accounts: dict[str, Account] = {}
        self.next_person: Account | None = None
        self.misbehave = Misbehaviour()
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, Account] = {}
        self.token_requests: list[dict[str, str]] = []
        self.authorize_requests: list[dict[str, str]] = []
        self._server = _Server(self)
        self._http = ThreadedServer(self._app())

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> OidcProvider:
        """Listen on a free port."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._http.stop()

    @property
    def issuer(self) -> str:
        """The issuer (the discovery document's base)."""
        return self._http.base_url + REALM

    def register_redirect(self, *uris: str) -> None:
        """Allow these redirect URIs for the client."""
        self.client.redirect_uris.extend(u for u in uris if u not in self.client.redirect_uris)

    def add(self, person: Account) -> Account:
        """A person who can sign in through the form."""
        self.accounts[person.email] = person
        return person

    def reset(self) -> None:
        """Forget the test's script: who signs in next, and any misbehaviour."""
        self.next_person = None
        self.misbehave = Misbehaviour()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """This provider's entry in SMARTTASK_SSO_PROVIDERS."""
        return {
            "kind": "oidc",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **extra,
        }

    # -- the app -------------------------------------------------------------------------
    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"{REALM}/.well-known/openid-configuration", self._discovery),
                Route(f"{REALM}/protocol/openid-connect/auth", self._authorize),
                Route(f"{REALM}/protocol/openid-connect/token", self._token, methods=["POST"]),
                Route(f"{REALM}/protocol/openid-connect/certs", self._jwks),
                Route(f"{REALM}/protocol/openid-connect/userinfo", self._userinfo),
            ]
        )

    async def _discovery(self, _request: Request) -> Response:
        base = self.issuer + "/protocol/openid-connect"
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{base}/auth",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/certs",
                "userinfo_endpoint": f"{base}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def _jwks(self, _request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        person = self.tokens.get(token)
        if person is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(_claims_of(person))

    async def _read(self, request: Request) -> _Request:
        form = {k: str(v) for k, v in (await request.form()).items()}
        query = dict(request.query_params)
        return _Request(request.method, str(request.url), request.headers, query, form)

    async def _authorize(self, request: Request) -> Response:
        incoming = await self._read(request)
        self.authorize_requests.append(dict(incoming.args))
        try:
            grant = self._server.get_consent_grant(incoming, end_user=None)
        except OAuth2Error as error:
            return HTMLResponse(f"<h1>Refused</h1><p>{html.escape(error.error)}</p>", 400)
        person = self.next_person
        login = incoming.args.get("login")
        if login is not None:
            person = self.accounts.get(login)
            if person is None:
                return self._form(incoming.args, "No such account.")
        if person is None:
            return self._form(incoming.args, None)
        self._server.person = person
        return self._server.create_authorization_response(incoming, grant_user=person, grant=grant)

    def _form(self, args: dict[str, str], error: str | None) -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in args.items()
            if k != "login"
        )
        message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        page = (
            "<!doctype html><html lang='en'><head><title>Acme sign-in</title></head><body>"
            "<main><h1>Sign in to Acme</h1>"
            + message
            + "<form method='get'>"
            + hidden
            + "<label for='login'>Email</label><input id='login' name='login' type='email'>"
            "<button type='submit'>Continue</button></form></main></body></html>"
        )
        return HTMLResponse(page)

    async def _token(self, request: Request) -> Response:
        incoming = await self._read(request)
        self.token_requests.append(dict(incoming.form))
        return self._server.create_token_response(incoming)


def _claims_of(person: Account) -> dict[str, Any]:
    return {
        "sub": person.subject,
        "email": person.email,
        "email_verified": person.email_verified,
        "name": person.name,
    }


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        provider: OidcProvider = self.server.provider
        data = request.payload.data
        auth_time = provider.misbehave.auth_time or int(time.time())
        provider.codes[code] = _Code(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.scope,
            person=request.user,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=auth_time,
        )

    def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
        found: _Code | None = self.server.provider.codes.get(code)
        if found is None or found.client_id != client.client_id:
            return None
        if time.time() - found.issued_at > 600:
            return None
        return found

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        self.server.provider.codes.pop(authorization_code.code, None)  # a code works once

    def authenticate_user(self, authorization_code: _Code) -> Account:
        return authorization_code.person


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False

    def resolve_client_private_key(self, client: _Client) -> RSAKey:
        wrong = self.provider.misbehave.other_key
        return self.provider.other_key if wrong else self.provider.key

    def get_client_algorithm(self, client: _Client) -> str:
        return "RS256"

    def get_encode_header(self, client: _Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": KID}

    def get_client_claims(self, client: _Client) -> dict[str, Any]:
        misbehave = self.provider.misbehave
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": misbehave.issuer or self.provider.issuer,
            "aud": [misbehave.audience or client.get_client_id()],
        }
        if misbehave.expired:
            claims |= {"iat": now - 7200, "exp": now - 3600}
        return claims

    def get_authorization_code_claims(self, authorization_code: _Code) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        if self.provider.misbehave.nonce is not None:
            claims["nonce"] = self.provider.misbehave.nonce
        return claims

    def generate_user_info(self, user: Account, scope: str) -> UserInfo:
        return UserInfo(_claims_of(user))


class _Server(AuthorizationServer):
    """Authlib's authorization server, plumbed into the Starlette app above."""

    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.provider = provider
        self.person: Account | None = None
        self.register_token_generator("default", BearerTokenGenerator(_token_value))
        self.register_grant(_CodeGrant, [CodeChallenge(required=True), _OpenIDCode(provider)])

    def query_client(self, client_id: str) -> _Client | None:
        return self.provider.client if client_id == self.provider.client.client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.provider.tokens[token["access_token"]] = request.user

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request  # already an OAuth2Request (_Request)

    def create_json_request(self, request: Any) -> Any:
        # Authlib's hook for JSON endpoints (client registration), which this provider
        # does not serve: no route reaches it.
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        headers = dict(headers or [])
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=headers)
        return Response(body or "", status_code=status, headers=headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


def _token_value(*_args: Any, **_kwargs: Any) -> str:
    import secrets

    return secrets.token_urlsafe(32)


def with_person(provider: OidcProvider, person: Account, **changes: Any) -> Account:
    """The person, changed (e.g. email_verified=False), made the next to sign in."""
    chosen = replace(person, **changes)
    provider.next_person = chosen
    return chosen


def authorize_query(url: str) -> dict[str, str]:
    """The query of an authorization URL, as a dict."""
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))


def callback_target(location: str) -> str:
    """The app-relative path and query of the provider's redirect back to the app."""
    from urllib.parse import urlsplit

    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")
