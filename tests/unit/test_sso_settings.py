"""Single sign-on settings: several providers at once, secrets kept out of every message,
and a bad provider stops the start with a message that names it and what is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from smarttask.settings import Settings

SECRET = "client-secret-value-never-shown-42"
GOOGLE = {
    "kind": "oidc",
    "display_name": "Google",
    "issuer": "https://accounts.google.com",
    "client_id": "1234.apps.googleusercontent.com",
    "allowed_domains": ["Example.COM"],
}
KEYCLOAK = {
    "kind": "oidc",
    "issuer": "https://sso.example.com/realms/acme",
    "client_id": "smarttask",
    "trust_mfa": True,
    "mfa_amr": ["mfa", "otp"],
}
GITHUB = {"kind": "github", "display_name": "GitHub", "client_id": "Iv1.abc", "create_users": False}


def build(providers: dict[str, Any], secrets: dict[str, str] | None = None) -> Settings:
    """Settings with these providers (and secrets by name)."""
    values: dict[str, Any] = {
        "secret_key": "unit-tests-signing-key-0123456789-abcdef",
        "public_url": "https://tasks.example.com",
        "sso_providers": json.dumps(providers),
    }
    if secrets is not None:
        values["sso_client_secrets"] = json.dumps(secrets)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_google_keycloak_and_github_at_once() -> None:
    settings = build(
        {"google": GOOGLE, "keycloak": KEYCLOAK, "github": GITHUB},
        {"google": SECRET, "keycloak": "kc-secret-value", "github": "gh-secret-value"},
    )
    sso = settings.sso
    assert [p.name for p in sso.providers] == ["google", "keycloak", "github"]
    google, keycloak, github = sso.providers
    assert google.scopes == ("openid", "email", "profile")
    assert google.allowed_domains == ("example.com",)
    assert google.client_secret == SECRET
    assert keycloak.display_name == "Keycloak"
    assert keycloak.trust_mfa
    assert keycloak.mfa_amr == ("mfa", "otp")
    assert github.scopes == ("read:user", "user:email")
    assert github.api_url == "https://api.github.com"
    assert not github.create_users
    assert sso.redirect_uri("google") == "https://tasks.example.com/auth/oidc/google/callback"
    assert sso.get("nope") is None
    for shown in (repr(settings), repr(sso), str(settings.model_dump())):
        assert SECRET not in shown


def test_no_providers_by_default() -> None:
    settings = Settings(_env_file=None, secret_key="unit-tests-signing-key-0123456789-abcdef")  # type: ignore[call-arg]
    assert settings.sso.providers == ()


@pytest.mark.parametrize(
    ("providers", "secrets", "message"),
    [
        ({"g": {"kind": "oidc", "client_id": "a"}}, None, "provider 'g': issuer: required"),
        (
            {"g": {**GOOGLE, "issuer": "http://accounts.example.com"}},
            None,
            "issuer must use https",
        ),
        ({"Bad Name": GOOGLE}, None, "a provider name is"),
        ({"g": {**GOOGLE, "scopes": ["email"]}}, None, "needs the scope openid"),
        ({"g": {**GOOGLE, "kind": "saml"}}, None, "kind: Input should be 'oidc' or 'github'"),
        ({"g": {**GOOGLE, "client_secret": SECRET}}, {"g": SECRET}, "client_secret is set twice"),
        ({"g": GITHUB}, None, "a GitHub OAuth app needs its client secret"),
        ({"g": {**GITHUB, "trust_mfa": True}}, {"g": SECRET}, "trust_mfa: GitHub"),
        ({"g": {**GOOGLE, "allowed_domains": ["not a domain"]}}, None, "is not a domain name"),
        ({"g": {**GOOGLE, "unknown": SECRET}}, None, "unknown: Extra inputs are not permitted"),
        ({"g": GOOGLE}, {"other": SECRET}, "SMARTTASK_SSO_CLIENT_SECRETS names no provider"),
        ({"g": {**GOOGLE, "github_url": "https://x"}}, None, "applies to kind github only"),
    ],
)
def test_a_bad_provider_is_refused_by_name_without_its_secret(
    providers: dict[str, Any], secrets: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        build(providers, secrets)
    text = str(refused.value)
    assert message in text
    assert SECRET not in text


def test_not_json_is_refused() -> None:
    with pytest.raises(ValidationError, match="SMARTTASK_SSO_PROVIDERS must be a JSON object"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            secret_key="unit-tests-signing-key-0123456789-abcdef",
            sso_providers="google",
        )


def test_the_start_stops_with_a_plain_message(tmp_path: Path) -> None:
    """`smarttask migrate` with a bad provider: exit code 2, the provider named, no secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env |= {
        "SMARTTASK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "SMARTTASK_SECRET_KEY": "unit-tests-signing-key-0123456789-abcdef",
        "SMARTTASK_SSO_PROVIDERS": json.dumps(
            {"keycloak": {**KEYCLOAK, "issuer": "ftp://sso.example.com"}}
        ),
        "SMARTTASK_SSO_CLIENT_SECRETS": json.dumps({"keycloak": SECRET}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "smarttask.entrypoints.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "provider 'keycloak': issuer must be an absolute https URL" in done.stderr
    assert SECRET not in done.stderr + done.stdout
