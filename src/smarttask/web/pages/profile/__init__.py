"""Pages under /profile: one's name and password, two-step sign-in, personal API tokens.

Every change goes through the functions the API's /users/me routes call (accounts.profile,
accounts.service) with the API's request schemas, proof of presence included: the
current password, checked and counted like a sign-in (a wrong one is said beside the
field; enough of them lock the email out, 429).
"""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.profile import account, tokens, totp

router = APIRouter(include_in_schema=False)
for part in (account, totp, tokens):
    router.include_router(part.router)
