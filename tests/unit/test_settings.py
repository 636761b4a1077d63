"""Settings: safe defaults, refused insecure production configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from smarttask.settings import Settings, get_settings


def build(**values: object) -> Settings:
    """Settings from explicit values only (a signing key unless one is given)."""
    values = {"secret_key": "unit-tests-signing-key-0123456789-abcdef", **values}
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_defaults_are_the_embedded_ones() -> None:
    settings = build()
    assert settings.env == "development"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.rate_limit_enabled is True
    assert settings.cors_origins == ()
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.max_counters == 1000
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000


def test_production_refuses_the_default_or_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="SMARTTASK_SECRET_KEY"):
        build(env="production", secret_key="")
    with pytest.raises(ValidationError, match="SMARTTASK_SECRET_KEY"):
        build(env="production", secret_key="short")
    assert build(env="production", secret_key="s" * 40).env == "production"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMARTTASK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMARTTASK_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("SMARTTASK_RATE_LIMIT_ENABLED", "false")
    monkeypatch.setenv("SMARTTASK_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.cors_origins == ("https://a.example", "https://b.example")
        assert settings.rate_limit_enabled is False
        assert settings.database.is_sqlite is False
    finally:
        get_settings.cache_clear()


def test_wildcard_origin_is_refused() -> None:
    with pytest.raises(ValidationError, match="allowed origins"):
        build(cors_origins="*")


def test_secret_never_shows_in_repr() -> None:
    settings = build(secret_key="a-very-secret-value-that-is-long-enough")
    assert "a-very-secret" not in repr(settings)
    assert "a-very-secret" not in str(settings.model_dump())
