"""Password hashing (argon2id) off the event loop, and the password policy."""

from __future__ import annotations

import asyncio
import gzip
import re
import secrets
import unicodedata
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from smarttask.settings import AuthSettings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 256
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    data = files("smarttask.accounts").joinpath("data/common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problems(password: str, email: str | None) -> list[str]:
    """Why the password is refused; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    lowered = unicodedata.normalize("NFKC", password).casefold()
    stem = _TRAILING_NOISE.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(stem) >= 4 and stem in common and len(lowered) - len(stem) <= 4):
        problems.append("is too common; choose a longer, less predictable one")
    if email and (lowered == email.casefold() or lowered == email.split("@")[0].casefold()):
        problems.append("must not be your email address")
    return problems


def _hash_errors() -> tuple[type[Exception], ...]:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    return (VerifyMismatchError, VerificationError, InvalidHashError)


class PasswordHashing:
    """argon2id with bounded concurrency: a burst of logins cannot exhaust memory.

    argon2 is imported on first use: most requests (and a Lambda's cold start) never hash.
    """

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._hasher_instance: PasswordHasher | None = None
        self._slots = asyncio.Semaphore(settings.password_hash_concurrency)
        self._dummy_hash: str | None = None

    @property
    def _hasher(self) -> Any:
        if self._hasher_instance is None:
            from argon2 import PasswordHasher, Type

            self._hasher_instance = PasswordHasher(
                time_cost=self._settings.argon2_time_cost,
                memory_cost=self._settings.argon2_memory_kib,
                parallelism=self._settings.argon2_parallelism,
                type=Type.ID,
            )
        return self._hasher_instance

    async def hash(self, password: str) -> str:
        """The argon2id hash of the password."""
        async with self._slots:
            return str(await asyncio.to_thread(self._hasher.hash, password))

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the hash."""
        async with self._slots:
            try:
                return bool(await asyncio.to_thread(self._hasher.verify, password_hash, password))
            except _hash_errors():
                return False

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification, for unknown emails (no timing oracle)."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        from argon2.exceptions import InvalidHashError

        try:
            return bool(self._hasher.check_needs_rehash(password_hash))
        except InvalidHashError:
            return True
