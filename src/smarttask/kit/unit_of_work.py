"""The request's unit of work: one session, committed once before the answer leaves.

The commit happens when the route's response starts, so a client never sees a success
whose data was not committed. Idempotent POSTs store their answer in that same
transaction: either both the effects and the answer are kept, or neither is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarttask.db.engine import Database, Reader
from smarttask.kit.problems import (
    ProblemError,
    is_database_unavailable,
    problem_response,
    response_for_problem,
)
from smarttask.settings import HttpSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.kit.idempotency.service import Claim

log = logging.getLogger("smarttask.uow")

# The owner of a request's Idempotency-Key; None: the caller's credentials are refused on a
# route that needs them, so the key is left alone and the route answers (its 401).
PrincipalResolver = Callable[[Scope], Awaitable[str | None]]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def anonymous_principal(scope: Scope) -> str:
    """Anonymous callers are told apart by their address."""
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class UnitOfWork:
    """A lazily opened session and what to do with it at the end of the request."""

    def __init__(self, database: Database, *, writes: bool) -> None:
        self._database = database
        self.writes = writes
        self._session: AsyncSession | None = None
        self._opened: AbstractAsyncContextManager[Reader] | None = None
        self._reader: Reader | None = None
        self.commit_on_error = False
        # True when the answer is stored for Idempotency-Key replay in the session's
        # transaction: the request's writes must then go through that same transaction.
        self.records_answer = False
        # True when the request was refused before its operation ran (its body or
        # parameters failed validation): an Idempotency-Key is then released, not stored,
        # so that the corrected request can be sent again with the same key.
        self.refused_before_running = False

    @property
    def session(self) -> AsyncSession:
        """The request's session, opened on first use."""
        if self._session is None:
            self._session = self._database.session(writes=self.writes)
        return self._session

    async def reader(self) -> Reader:
        """The request's reader, opened on first use and closed with the unit of work.

        Read-only requests on the fast read path run their prebuilt statements (the caller,
        then what they read) on this one pooled connection outside the ORM session (see
        `Database.open_reader`).
        """
        if self._reader is None:
            opened = self._database.open_reader()
            self._reader = await opened.__aenter__()
            self._opened = opened
        return self._reader

    @property
    def writes_in_session(self) -> bool:
        """Whether the request's writes must go through the session's transaction.

        True when its answer is stored there for Idempotency-Key replay: a write committed
        on its own could then be kept while the stored answer is rolled back.
        """
        return self.records_answer

    @property
    def used(self) -> bool:
        """Whether the request touched the database."""
        return self._session is not None

    def keep_changes_on_error(self) -> None:
        """Commit even though the answer is an error (e.g. revoking tokens on reuse)."""
        self.commit_on_error = True

    async def finish(self, status: int) -> None:
        """Commit on success (or when asked to), else roll back."""
        if self._session is None or not self.writes:
            return  # a read-only session has nothing to commit; close() ends it
        if status < 400 or self.commit_on_error:
            await self._session.commit()
        else:
            await self._session.rollback()

    async def close(self) -> None:
        """Give the connections back to the pool."""
        try:
            if self._opened is not None:
                opened, self._opened, self._reader = self._opened, None, None
                await opened.__aexit__(None, None, None)
        finally:
            if self._session is not None:
                session, self._session = self._session, None
                await session.close()


def unit_of_work(scope: Scope) -> UnitOfWork:
    """The unit of work of the request this scope belongs to."""
    uow = scope.get("state", {}).get("uow")
    if uow is None:
        raise RuntimeError("UnitOfWorkMiddleware is not installed")
    return uow  # type: ignore[no-any-return]


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_receive(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class UnitOfWorkMiddleware:
    """Opens the unit of work, commits it before the response starts, handles Idempotency-Key."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        http: HttpSettings,
        fingerprint_key: bytes,
        principal: PrincipalResolver = anonymous_principal,
        unreplayable_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.database = database
        self.http = http
        self.fingerprint_key = fingerprint_key
        self.principal = principal
        # Answers that carry secrets (tokens, TOTP seeds) are never stored for replay.
        self.unreplayable_prefixes = unreplayable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside its unit of work."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uow = UnitOfWork(self.database, writes=scope["method"] not in _SAFE_METHODS)
        scope.setdefault("state", {})["uow"] = uow
        try:
            key = Headers(scope=scope).get("idempotency-key") if scope["method"] == "POST" else None
            if key is not None and scope["path"].startswith(self.unreplayable_prefixes):
                key = None
            if key is None:
                await self.app(scope, receive, _CommittingSend(uow, send, self.http).send)
            else:
                await self._idempotent(scope, receive, send, uow, key)
        finally:
            await uow.close()

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, uow: UnitOfWork, key: str
    ) -> None:
        # Imported on the first keyed POST, not at start: a Lambda cold start never needs it.
        from smarttask.kit.idempotency import service as idempotency

        try:
            body = await _read_body(receive)
        except HTTPException as error:  # the edge's body limit, met while reading
            await problem_response(error.status_code, str(error.detail), headers=error.headers)(
                scope, receive, send
            )
            return
        principal = await self.principal(scope)
        if principal is None:
            sender = _CommittingSend(uow, send, self.http)
            await self.app(scope, _replay_receive(body, receive), sender.send)
            return
        fingerprint = idempotency.request_fingerprint(
            self.fingerprint_key,
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            body,
        )
        try:
            idempotency.validate_key(key)
            use = idempotency.KeyUse(
                principal=principal,
                key=key,
                request_hash=fingerprint,
                request_id=scope["state"].get("request_id"),
                lease_seconds=self.http.idempotency_lease_seconds,
                ttl_seconds=self.http.idempotency_ttl_seconds,
            )
            # SQLite has one writer: a read-only look first answers a replay or an in-flight
            # duplicate's 409 without waiting for the write lock. PostgreSQL claims a new key
            # (the common case) in one statement committed on its own; a known key is then
            # decided by `claim`, in a transaction.
            outcome: Claim | Response | None = None
            if self.database.settings.is_sqlite:
                async with self.database.session(writes=False) as session:
                    answer = await idempotency.lookup(session, use)
                if answer is not None:
                    await answer(scope, receive, send)
                    return
            else:
                outcome = await idempotency.claim_new(self.database, use)
            if outcome is None:
                async with self.database.session() as session:
                    outcome = await idempotency.claim(session, use)
                    await session.commit()
        except ProblemError as problem:
            await response_for_problem(problem)(scope, receive, send)
            return
        if isinstance(outcome, Response):
            await outcome(scope, receive, send)
            return
        uow.records_answer = True
        sender = _CommittingSend(uow, send, self.http, idempotency_row=outcome.row_id)
        try:
            await self.app(scope, _replay_receive(body, receive), sender.send)
        except BaseException:
            sender.release_claim = True  # nothing was committed: a retry must run again
            raise
        finally:
            if sender.release_claim:
                await uow.close()
                await self._release(outcome.row_id)

    async def _release(self, row_id: str) -> None:
        from smarttask.kit.idempotency import repository as idempotency_repository

        try:
            async with self.database.session() as session:
                await idempotency_repository.release(session, row_id)
                await session.commit()
        except Exception as error:  # the lease expires by itself if the database is gone
            log.warning("could not release idempotency key", exc_info=error)


class _CommittingSend:
    """Wraps send: finishes the unit of work before the first byte of the answer leaves."""

    def __init__(
        self, uow: UnitOfWork, send: Send, http: HttpSettings, idempotency_row: str | None = None
    ) -> None:
        self.uow = uow
        self._send = send
        self.http = http
        self.idempotency_row = idempotency_row
        self.release_claim = False
        self._start: Message | None = None
        self._chunks: list[bytes] = []
        self._replaced = False

    async def send(self, message: Message) -> None:
        """Intercept the start (and, when idempotent, the whole body) of the response."""
        if self._replaced:
            return
        if message["type"] == "http.response.start":
            if self.idempotency_row is None:
                if await self._finish(message["status"], None):
                    await self._send(message)
                return
            self._start = message
            return
        if message["type"] == "http.response.body" and self._start is not None:
            self._chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            start, body = self._start, b"".join(self._chunks)
            self._start = None
            if await self._finish(start["status"], (start, body)):
                await self._send(start)
                await self._send({"type": "http.response.body", "body": body})
            return
        await self._send(message)

    async def _finish(self, status: int, response: tuple[Message, bytes] | None) -> bool:
        """Finish the unit of work; False when the answer had to be replaced by an error."""
        try:
            if response is not None and self.idempotency_row is not None:
                await self._finish_idempotent(status, *response)
            else:
                await self.uow.finish(status)
        except Exception as error:
            await self._replace(error)
            return False
        return True

    async def _finish_idempotent(self, status: int, start: Message, body: bytes) -> None:
        from smarttask.kit.idempotency import repository as idempotency_repository
        from smarttask.kit.idempotency import service as idempotency

        assert self.idempotency_row is not None
        if (
            status >= 500
            or status in idempotency.TRANSIENT_STATUSES
            or self.uow.refused_before_running
        ):
            self.release_claim = True
            await self.uow.finish(status)
            return
        if status >= 400 and not self.uow.commit_on_error:
            await self.uow.finish(status)  # roll back the request's changes, keep the answer
        headers = Headers(raw=start.get("headers", []))
        stored = {name: headers[name] for name in idempotency.REPLAYED_HEADERS if name in headers}
        await idempotency_repository.store_response(
            self.uow.session, self.idempotency_row, status=status, headers=stored, body=body
        )
        await self.uow.session.commit()

    async def _replace(self, error: Exception) -> None:
        self._replaced = True
        self.release_claim = True
        if is_database_unavailable(error):
            log.warning("commit failed: database unavailable", exc_info=error)
            response = problem_response(
                503,
                "The database is unavailable right now; retry shortly.",
                slug="service-unavailable",
                headers={"Retry-After": str(self.http.retry_after_seconds)},
            )
        else:
            log.error("commit failed", exc_info=error)
            response = problem_response(500, "An unexpected error occurred; it has been logged.")
        await response({"type": "http"}, _no_receive, self._send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
