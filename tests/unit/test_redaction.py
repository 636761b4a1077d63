"""Redaction: personal data and secrets become placeholders; ordinary task text is untouched."""

from __future__ import annotations

import pytest

from smarttask.adapters.llm.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail ada@example.com today", "mail [email] today"),
        ("cc: Grace.Hopper+work@mail.navy.mil.", "cc: [email]."),
        ("call +49 30 1234567 or", "call [phone] or"),
        ("call +1 (415) 555-2671", "call [phone]"),
        ("office (030) 1234 5678", "office [phone]"),
        ("us: 415-555-2671.", "us: [phone]."),
        ("uk: 020 7946 0958", "uk: [phone]"),
        ("mobile 0171 1234567", "mobile [phone]"),
        ("phone: 4155552671", "phone: [phone]"),
        ("+33612345678", "[phone]"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-proj-AbCdEf0123456789XyZabcdef", "key [secret]"),
        ("anthropic sk-ant-api03-abcdefghijklmnop1234", "anthropic [secret]"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "aws [secret] here"),
        ("gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "gh [secret]"),
        ("google AIzaSyA-1234567890abcdefghijklmnopqrstu", "google [secret]"),
        ("slack xoxb-123456789012-abcdefghij", "slack [secret]"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc_DEF-123 end",
            "jwt [secret] end",
        ),
        ("password=hunter2", "password=[secret]"),
        ("DB_PASSWORD: 'c0rrect-h0rse'", "DB_PASSWORD: '[secret]'"),
        ("api_key = 123abc456", "api_key = [secret]"),
        ("Authorization: Bearer abcDEF123ghiJKL456mno", "Authorization: Bearer [secret]"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [secret]"),
        ("postgres://app:s3cr3t@db:5432/x", "postgres://app:[secret]@db:5432/x"),
        ("hex 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "hex [secret]"),
        ("blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok", "blob [secret] ok"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----",
            "[secret]",
        ),
    ],
)
def test_secrets_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Release 2026-11-22 at 10:30, then 2026-12-01T09:00:00Z",
        "Upgrade to v2.10.1 (was 1.9.0) and python 3.11",
        "Blocked by WEB-42 and API-7; see PAY-1234",
        "Estimate 90 minutes, 3 people, 25 MiB, 1024 tokens, 200000 rows",
        "Server 192.168.1.10:8080 and 10.0.0.1",
        "Task id 7f1c2e9a-3b4d-4c5e-8f60-1a2b3c4d5e6f",
        "commit a1b2c3d, ticket #4521, order 12345",
        "Budget: $1,250,000 for Q3 2026; price 19.99",
        "The token expires after 15 minutes; rotate the secret weekly",
        "password reset flow: the password must have 10 characters",
        "secret: rotate weekly",
        "Range 10-20, score 0.75, 12/31/2026 and 31.12.2026",
        "docs at https://example.com/guide/getting-started/installation-on-linux",
        "https://github.com/org/repo/pull/1234",
        "Meeting on 22.11.2026 14:00-15:30",
        "call getUserAccountSettingsFromDatabase2 in UserSettingsService",
        "function handleOAuth2CallbackForGoogleProvider() returns HTTP2 per RFC 9457",
        "ISBN 978-3-16-148410-0, semver v1.2.3-beta.4+build.567",
    ],
)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    text = "ada@example.com, +49 30 1234567, password=x, sk-abcdefghijklmnopqrstuvwxyz"
    once = redact(text)
    assert redact(once) == once
    assert "example.com" not in once
    assert "1234567" not in once
