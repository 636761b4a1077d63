"""ETags from row versions, and If-Match preconditions (RFC 9110)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from smarttask.kit.problems import PreconditionFailed

IfMatch = Annotated[
    str | None, Header(max_length=1024, description="ETag of the version you are changing")
]


def etag(version: int) -> str:
    """The strong ETag of a version."""
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Pass when If-Match is absent, `*`, or names the current version; else 412."""
    if if_match is None:
        return
    candidates = [tag.strip() for tag in if_match.split(",")]
    if "*" in candidates or etag(version) in candidates:
        return
    raise PreconditionFailed(
        "The resource changed since you read it (If-Match does not match its ETag); "
        "read it again and retry.",
        headers={"ETag": etag(version)},
    )


def names_a_version(if_match: str | None) -> bool:
    """Whether If-Match names versions (not absent, not `*`): the request is conditional on
    the version it read, so losing a race to another writer fails that condition (412)."""
    if if_match is None:
        return False
    return "*" not in (tag.strip() for tag in if_match.split(","))
