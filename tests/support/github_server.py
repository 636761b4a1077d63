"""A local GitHub: the OAuth app endpoints and the two REST calls sign-in needs.

`/login/oauth/authorize` (auto-approves `next_person`, else a sign-in form),
`/login/oauth/access_token` (form body, JSON answer with `Accept: application/json`; a bad
or used code, or a PKCE verifier that does not match, gets GitHub's 200
`{"error": "bad_verification_code"}`), and under `/api/v3` (a GitHub Enterprise-like API
base) `GET /user` and `GET /user/emails` with the token as `Authorization: Bearer`.

    github = GitHubServer().start()
    github.next_person = GitHubAccount(42, "ada", "ada@example.com")
    ...settings: {"kind": "github", "github_url": github.base_url, "api_url": github.api_url, ...}
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.log_scan import register_secret
from tests.support.oidc_provider import ThreadedServer

CLIENT_ID = "Iv1.smarttasktest"
CLIENT_SECRET = "local-github-client-secret-4be1d0"
register_secret(CLIENT_SECRET)


@dataclass(frozen=True)
class GitHubAccount:
    """A GitHub user and their email addresses."""

    id: int
    login: str
    email: str
    verified: bool = True  # the primary address's `verified`
    name: str | None = "Grace Hopper"
    others: tuple[tuple[str, bool], ...] = ()  # more (email, verified), not primary


@dataclass
class _Code:
    person: GitHubAccount
    redirect_uri: str
    challenge: str | None
    issued_at: float = field(default_factory=time.time)


class GitHubServer:
    """The local GitHub and what the tests tell it."""

    def __init__(self) -> None:
        self.next_person: GitHubAccount | None = None
        self.accounts: dict[str, GitHubAccount] = {}
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, GitHubAccount] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self._http = ThreadedServer(
            Starlette(
                routes=[
                    Route("/login/oauth/authorize", self._authorize),
                    Route("/login/oauth/access_token", self._access_token, methods=["POST"]),
                    Route("/api/v3/user", self._user),
                    Route("/api/v3/user/emails", self._emails),
                ]
            )
        )

    def start(self) -> GitHubServer:
        """Listen on a free port."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._http.stop()

    @property
    def base_url(self) -> str:
        """What `github_url` must be."""
        return self._http.base_url

    @property
    def api_url(self) -> str:
        """What `api_url` must be."""
        return self._http.base_url + "/api/v3"

    def add(self, person: GitHubAccount) -> GitHubAccount:
        """A person who can sign in through the form (by login)."""
        self.accounts[person.login] = person
        return person

    def reset(self) -> None:
        """Forget who signs in next."""
        self.next_person = None

    def settings(self, **extra: Any) -> dict[str, Any]:
        """This server's entry in SMARTTASK_SSO_PROVIDERS."""
        return {
            "kind": "github",
            "display_name": "GitHub",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "github_url": self.base_url,
            "api_url": self.api_url,
            **extra,
        }

    async def _authorize(self, request: Request) -> Response:
        args = dict(request.query_params)
        self.authorize_requests.append(args)
        if args.get("client_id") != CLIENT_ID or not args.get("redirect_uri"):
            return HTMLResponse("<h1>The application is not registered</h1>", 404)
        person = self.next_person
        if "login" in args:
            person = self.accounts.get(args["login"])
        if person is None:
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in args.items()
                if k != "login"
            )
            return HTMLResponse(
                "<!doctype html><html lang='en'><head><title>Sign in to GitHub</title></head>"
                "<body><main><h1>Sign in to GitHub</h1><form method='get'>" + hidden + ""
                "<label for='login'>Username</label><input id='login' name='login'>"
                "<button type='submit'>Authorize</button></form></main></body></html>"
            )
        code = secrets.token_hex(10)
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method") != "S256":
            return HTMLResponse("<h1>Only S256</h1>", 400)
        self.codes[code] = _Code(person, args["redirect_uri"], challenge)
        query = urlencode({"code": code, "state": args.get("state", "")})
        return RedirectResponse(f"{args['redirect_uri']}?{query}", status_code=302)

    async def _access_token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "incorrect_client_credentials"})
        found = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        if (
            found is None
            or time.time() - found.issued_at > 600
            or found.redirect_uri != form.get("redirect_uri")
            or (found.challenge and not compare_s256_code_challenge(verifier, found.challenge))
        ):
            return JSONResponse(
                {
                    "error": "bad_verification_code",
                    "error_description": "The code passed is incorrect or expired.",
                }
            )
        token = "gho_" + secrets.token_hex(18)
        self.tokens[token] = found.person
        return JSONResponse({"access_token": token, "token_type": "bearer", "scope": "user:email"})

    def _who(self, request: Request) -> GitHubAccount | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").removeprefix("token ")
        return self.tokens.get(token)

    async def _user(self, request: Request) -> Response:
        person = self._who(request)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(
            {"id": person.id, "login": person.login, "name": person.name, "email": None}
        )

    async def _emails(self, request: Request) -> Response:
        person = self._who(request)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        emails = [
            {"email": email, "primary": False, "verified": ok, "visibility": None}
            for email, ok in person.others
        ]
        emails.append(
            {
                "email": person.email,
                "primary": True,
                "verified": person.verified,
                "visibility": "private",
            }
        )
        return JSONResponse(emails)
