"""Single sign-on pages: the trip to a provider and back, and one's sign-in methods.

`/auth/oidc/<provider>/login` starts a sign-in (state, nonce and a PKCE verifier kept in
an `sso_attempt` row, bound to this browser by the HttpOnly `st_sso` cookie) and sends the
browser to the provider; `/auth/oidc/<provider>/callback` spends that attempt once,
exchanges the code, verifies the answer (sso/providers.py) and signs in exactly as the
password does (web/signin.py: the same session, the same TOTP step). Both are GETs, since
the provider redirects, yet they write: they take the request's session for writing, and
the network calls to the provider happen before it opens (SQLite's write lock is never
held while a provider answers).

`/profile/sign-in-methods` lists the linked providers; linking another or unlinking one is
account control: it needs the current password or a one-time code, or, for an account that
has neither, signing in again at a provider already linked. A form cannot redirect to
another site under this app's Content-Security-Policy (`form-action 'self'`), so a link
starts with a page whose button goes to the provider.
"""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.sso import flow, methods

router = APIRouter(include_in_schema=False)
for part in (flow, methods):
    router.include_router(part.router)
