"""Settings read their variables exactly as pydantic-settings would for the same model.

`Reference` is smarttask's `Settings` (same fields, defaults, constraints and validators)
read by pydantic-settings' `BaseSettings`, with the configuration `Settings` had before it
read its variables itself. Each case sets variables and a .env file, then both must give
the same values, or fail with the same errors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import SecretStr, ValidationError

from smarttask.settings import Settings

pydantic_settings = pytest.importorskip("pydantic_settings")


class Reference(Settings, pydantic_settings.BaseSettings):  # type: ignore[misc]
    """Settings as pydantic-settings reads them."""

    model_config = pydantic_settings.SettingsConfigDict(
        env_prefix="SMARTTASK_", env_file=".env", extra="ignore", frozen=True
    )

    cors_origins: Annotated[tuple[str, ...], pydantic_settings.NoDecode] = ()
    previous_secret_keys: Annotated[tuple[SecretStr, ...], pydantic_settings.NoDecode] = ()

    def __init__(self, **values: Any) -> None:
        pydantic_settings.BaseSettings.__init__(self, **values)


def outcome(cls: type[Settings], **values: Any) -> Any:
    """Every field's value (secrets revealed), or the validation errors."""
    try:
        settings = cls(**values)
    except ValidationError as error:
        # The context holds the ValueError raised, equal only to itself: compared as text.
        errors = [
            {**e, "ctx": {k: str(v) for k, v in e.get("ctx", {}).items()}}
            for e in error.errors(include_url=False)
        ]
        # The message too: it shows the input in the order the model received it.
        return errors, str(error).replace(f"for {cls.__name__}\n", "for Settings\n", 1)
    dumped = settings.model_dump()
    return {
        name: value.get_secret_value()
        if isinstance(value, SecretStr)
        else tuple(v.get_secret_value() if isinstance(v, SecretStr) else v for v in value)
        if isinstance(value, tuple)
        else value
        for name, value in dumped.items()
    }


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SMARTTASK_* variable in the environment; the working directory is empty."""
    for name in list(os.environ):
        if name.upper().startswith("SMARTTASK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {
        "SMARTTASK_ENV": "production",
        "SMARTTASK_SECRET_KEY": "k" * 40,
        "SMARTTASK_DB_ECHO": "yes",
        "SMARTTASK_DB_POOL_SIZE": "7",
        "SMARTTASK_DB_CONNECT_TIMEOUT": "0.5",
        "SMARTTASK_REDIS_URL": "",
        "SMARTTASK_CORS_ORIGINS": "https://a.example, https://b.example,",
        "SMARTTASK_PREVIOUS_SECRET_KEYS": "one,two",
        "SMARTTASK_AI_API_KEY": "sk-1",
        "SMARTTASK_LOG_JSON": "0",
        "SMARTTASK_AI_PROVIDER": "gemini",
    },
    {"smarttask_database_url": "postgresql+asyncpg://u@h/db", "SmartTask_Port": "9000"},
    {"SMARTTASK_CORS_ORIGINS": '["https://a.example"]', "SMARTTASK_UNKNOWN": "x"},
    {"SMARTTASK_PORT": "abc", "SMARTTASK_DB_POOL_SIZE": "0", "SMARTTASK_MAX_COUNTERS": ""},
    {"SMARTTASK_ENV": "production"},
    {"SMARTTASK_STORAGE": "s3", "SMARTTASK_LOG_LEVEL": "debug"},
    {"SMARTTASK_CORS_ORIGINS": "*", "DATABASE_URL": "ignored", "PORT": "1"},
]

DOTENV = """\
# a comment
SMARTTASK_DATABASE_URL=sqlite+aiosqlite:///./from-dotenv.db
export SMARTTASK_JWT_ISSUER="quoted issuer"
smarttask_job_concurrency = 8
SMARTTASK_TOTP_ISSUER='single ${HOME} quoted'
SMARTTASK_JWT_AUDIENCE=${SMARTTASK_JWT_ISSUER}-aud
SMARTTASK_COUNTER_RATE_LIMIT
SMARTTASK_HOST=
DATABASE_URL=sqlite:///unprefixed.db
SMARTTASK_NOT_A_FIELD=1
SMARTTASK_PORT=7000 # trailing comment
"""


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("dotenv", [None, DOTENV])
def test_same_values_or_errors_as_pydantic_settings(
    clean: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], dotenv: str | None
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if dotenv is not None:
        (clean / ".env").write_text(dotenv)
    assert outcome(Settings) == outcome(Reference)
    assert outcome(Settings, _env_file=None) == outcome(Reference, _env_file=None)
    explicit = {"port": 1234, "JWT_Issuer": "explicit", "redis_url": None, "other": 1}
    assert outcome(Settings, **explicit) == outcome(Reference, **explicit)
    assert outcome(Settings, PORT="1", port="2") == outcome(Reference, PORT="1", port="2")


def test_the_file_is_read_and_the_environment_wins(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean / ".env").write_text(DOTENV)
    other = clean / "other.env"
    other.write_text("SMARTTASK_PORT=6000\n")
    monkeypatch.setenv("SMARTTASK_JOB_CONCURRENCY", "9")
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./from-dotenv.db"
    assert settings.jwt_issuer == "quoted issuer"
    assert settings.jwt_audience == "quoted issuer-aud"
    assert settings.job_concurrency == 9
    assert settings.counter_rate_limit == "300/minute"  # a name without `=` sets nothing
    assert settings.port == 7000
    assert Settings(_env_file=other).port == 6000
    assert Settings(_env_file=None).port == 8000
    assert outcome(Settings, _env_file=other) == outcome(Reference, _env_file=other)
    assert outcome(Settings, _env_file=clean) == outcome(Reference, _env_file=clean)  # a dir
