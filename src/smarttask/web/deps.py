"""What page routes declare: the signed-in caller (or a sign-in redirect) and the CSRF check.

Every page route depends on `PageCaller` or `MaybeCaller`; both refuse a change (any method
but GET and HEAD) without a valid CSRF token (csrf.py), so no page route can forget it.
A signed-in person's changes count against the same per-user write limit as the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response

from smarttask.accounts.components import AuthComponents
from smarttask.accounts.deps import count_write, forget_caller_on_commit
from smarttask.db.engine import Reader
from smarttask.kit.problems import Unauthorized
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.web import csrf, signin
from smarttask.web.signin import WebCaller

# An id in a page's path (a task's, a project's, a comment's...).
Id = Annotated[str, Path(min_length=1, max_length=64)]


class SignInRequired(Unauthorized):
    """The page needs a signed-in person: the browser is sent to /login (web/errors.py)."""


def _key(request: Request) -> str:
    return str(request.app.state.settings.secret_key.get_secret_value())


async def maybe_caller(request: Request, response: Response) -> WebCaller | None:
    """The signed-in person, if any, after the CSRF check of a change."""
    found = await signin.caller(request)
    await csrf.check(request, _key(request), found.session_id if found else None)
    uow = unit_of_work(request.scope)
    if found is not None and uow.writes:
        auth: AuthComponents = request.app.state.auth
        await count_write(auth, found.user.id, response)
        forget_caller_on_commit(auth, uow, found.user.id)
    return found


async def page_caller(
    found: Annotated[WebCaller | None, Depends(maybe_caller)],
) -> WebCaller:
    """The signed-in person; anyone else is sent to the sign-in page."""
    if found is None:
        raise SignInRequired("Sign in to see this page.")
    return found


MaybeCaller = Annotated[WebCaller | None, Depends(maybe_caller)]
PageCaller = Annotated[WebCaller, Depends(page_caller)]


async def page_reader(request: Request) -> Reader | None:
    """The request's reader when the request only reads; None when it changes something.

    A read-only page reads on the connection its caller was looked up on, so the ORM session
    stays closed (the API's fast reads do the same); a change reads through its session,
    which sees its own writes.
    """
    uow = unit_of_work(request.scope)
    return None if uow.writes else await uow.reader()
