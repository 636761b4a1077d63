"""Password hashing (argon2id) off the event loop, and the password policy."""

from __future__ import annotations

import asyncio
import gzip
import re
import secrets
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from smarttask.kit.malloc import return_large_blocks
from smarttask.settings import AuthSettings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" (about 10^8 guesses or more)
# zxcvbn's cost grows steeply with length (a 72-character password takes ~250 ms of CPU):
# the estimate looks at the first 32 characters only (~40 ms at worst), and a password
# whose first 32 characters are hard to guess is hard to guess.
_ESTIMATED_LENGTH = 32
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
_WORD_SEPARATORS = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    data = files("smarttask.accounts").joinpath("data/common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _user_inputs(email: str | None, name: str | None) -> list[str]:
    """The user's own words, which a guesser tries first: name and email, whole and in parts."""
    words: list[str] = []
    for value in (name, email):
        if value:
            words.append(value)
            words.extend(part for part in _WORD_SEPARATORS.split(value) if len(part) >= 3)
    return words


def strength_problem(password: str, email: str | None, name: str | None) -> str | None:
    """Why zxcvbn finds the password easy to guess (score below MIN_STRENGTH); else None."""
    from zxcvbn import zxcvbn  # imported on first use: ~0.3 s and a few MiB of word lists

    words = _user_inputs(email, name)
    result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=words)
    if int(result["score"]) >= MIN_STRENGTH:
        # zxcvbn counts a separator between words as ten more guesses each: "jane-doe-
        # example" scores 3 for Jane Doe. The words alone must be hard to guess too.
        joined = _WORD_SEPARATORS.sub("", password)[:_ESTIMATED_LENGTH]
        if joined == password[:_ESTIMATED_LENGTH] or len(joined) < MIN_LENGTH:
            return None
        result = zxcvbn(joined, user_inputs=words)
        if int(result["score"]) >= MIN_STRENGTH:
            return None
    warning = str((result.get("feedback") or {}).get("warning") or "").rstrip(".")
    why = f" ({warning[:1].lower()}{warning[1:]})" if warning else ""
    return f"is too easy to guess{why}; add a few uncommon words, or make it longer"


def password_problems(password: str, email: str | None, name: str | None = None) -> list[str]:
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
    if not problems:  # the estimate only adds to a refusal that says nothing yet
        weak = strength_problem(password, email, name)
        if weak:
            problems.append(weak)
    return problems


def _hash_errors() -> tuple[type[Exception], ...]:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    return (VerifyMismatchError, VerificationError, InvalidHashError)


@cache
def _hashing_threads(count: int) -> ThreadPoolExecutor:
    """The process's `count` threads that hash passwords, started on first use.

    A hash's memory (19 MiB by default) goes back to the system once the hash is done
    (kit/malloc.py): otherwise glibc keeps it resident for the thread that hashed. Threads
    of their own, not asyncio's shared pool, bound the hashes in flight.
    """
    return_large_blocks()
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="password-hash")


class PasswordHashing:
    """argon2id with bounded concurrency: a burst of logins cannot exhaust memory.

    At most `password_hash_concurrency` hashes run at once, each in one of as many threads
    (the others wait their turn); argon2 is imported on first use: most requests (and a
    Lambda's cold start) never hash.
    """

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._hasher_instance: PasswordHasher | None = None
        self._dummy_hash: str | None = None

    async def _in_thread(self, work: Callable[..., Any], *args: str) -> Any:
        threads = _hashing_threads(self._settings.password_hash_concurrency)
        return await asyncio.get_running_loop().run_in_executor(threads, work, *args)

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
        return str(await self._in_thread(self._hasher.hash, password))

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the hash."""
        try:
            return bool(await self._in_thread(self._hasher.verify, password_hash, password))
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
