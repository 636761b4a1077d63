"""Which database errors are "retry later" (503) and which are bugs (500)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from smarttask.kit.problems import is_database_unavailable


def dbapi_error(cause: Exception) -> sa_exc.DBAPIError:
    """A SQLAlchemy error wrapping a driver error, the way the asyncpg dialect raises it."""
    adapted = Exception(str(cause))
    adapted.__cause__ = cause
    return sa_exc.DBAPIError("SELECT 1", {}, adapted)


@pytest.mark.parametrize(
    "cause",
    [
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.LockNotAvailableError("could not obtain lock"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    ],
)
def test_transient_database_errors_are_unavailable(cause: Exception) -> None:
    assert is_database_unavailable(dbapi_error(cause))


@pytest.mark.parametrize(
    "cause",
    [
        asyncpg.exceptions.UndefinedTableError('relation "x" does not exist'),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
    ],
)
def test_bugs_are_not_unavailable(cause: Exception) -> None:
    assert not is_database_unavailable(dbapi_error(cause))


def test_pool_timeout_and_network_errors_are_unavailable() -> None:
    assert is_database_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
    assert is_database_unavailable(ConnectionRefusedError())
    assert not is_database_unavailable(ValueError("bug"))
