"""What a failed migration tells CloudFormation: the error, never a password or a secret."""

from __future__ import annotations

import pytest

from smarttask.entrypoints.lambda_migrate import scrub


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "cannot connect to postgresql+asyncpg://smarttask:hunter2-pw@db.internal:5432/app",
            "cannot connect to postgresql+asyncpg://smarttask:***@db.internal:5432/app",
        ),
        (
            "redis at rediss://:token-xyz@cache:6379/0 refused",
            "redis at rediss://:***@cache:6379/0 refused",
        ),
        (
            "no password in sqlite+aiosqlite:////tmp/a.db nor in https://host/path",
            "no password in sqlite+aiosqlite:////tmp/a.db nor in https://host/path",
        ),
        ("user@example.com is not a URL", "user@example.com is not a URL"),
    ],
)
def test_url_passwords_are_cut_out(message: str, expected: str) -> None:
    assert scrub(message, []) == expected


def test_every_known_secret_is_cut_out_longest_first() -> None:
    secrets = ["signing-key-0123456789", "signing-key"]
    message = "bad key signing-key-0123456789 and signing-key again"
    assert scrub(message, secrets) == "bad key *** and *** again"
