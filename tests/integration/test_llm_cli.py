"""`smarttask ai check` against the fake vendor servers: what answered, or exactly what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smarttask.entrypoints.cli import main
from smarttask.settings import get_settings
from tests.support import free_port
from tests.support.fakes.fixtures import (  # noqa: F401 - fixtures
    aws_env,
    bedrock_server,
    gemini_server,
    openai_server,
)
from tests.support.fakes.llm_servers import (
    BedrockServer,
    FakeLLMServer,
    GeminiServer,
    OpenAIServer,
    rate_limited,
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean SMARTTASK_AI_* environment, no .env file, fresh settings."""
    for name in list(os.environ):
        if name.startswith("SMARTTASK_AI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def configure(env: pytest.MonkeyPatch, server: FakeLLMServer, **changes: Any) -> None:
    values = {**server.settings_overrides(ai_max_retries=3), **changes}
    for name, value in values.items():
        if value is not None:
            env.setenv(f"SMARTTASK_{name.upper()}", str(value))


def run_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    get_settings.cache_clear()
    code = main(["ai", "check"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("vendor", ["openai", "gemini", "bedrock"])
def test_check_says_what_answered(
    vendor: str,
    request: pytest.FixtureRequest,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server: FakeLLMServer = request.getfixturevalue(f"{vendor}_server")
    configure(environment, server)
    code, out, err = run_check(capsys)
    assert code == 0, err
    assert f"provider: {vendor}" in out
    assert f"model: {server.default_model}" in out
    assert f"base url: {server.base_url}" in out
    assert "ok: provider" in out
    assert " ms" in out
    assert len(server.requests) == 1
    assert server.api_key not in out + err


def test_missing_api_key(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("SMARTTASK_AI_PROVIDER", "openai")  # api.openai.com, no key: no call made
    code, out, err = run_check(capsys)
    assert code == 1
    assert "api key: not set" in out
    assert "FAILED (misconfigured)" in err
    assert "SMARTTASK_AI_API_KEY is not set" in err


def test_gemini_missing_api_key(
    environment: pytest.MonkeyPatch,
    gemini_server: GeminiServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(environment, gemini_server, ai_api_key=None)
    code, _, err = run_check(capsys)
    assert code == 1
    assert "SMARTTASK_AI_API_KEY is not set" in err
    assert gemini_server.requests == []


def test_unreachable_url(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nobody listens there
    environment.setenv("SMARTTASK_AI_PROVIDER", "openai")
    environment.setenv("SMARTTASK_AI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    code, _, err = run_check(capsys)
    assert code == 1
    assert "FAILED (unavailable)" in err
    assert f"cannot connect to http://127.0.0.1:{port}/v1" in err


def test_unknown_model(
    environment: pytest.MonkeyPatch,
    openai_server: OpenAIServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(environment, openai_server, ai_model="gpt-9-imaginary")
    code, _, err = run_check(capsys)
    assert code == 1
    assert "FAILED (unknown model)" in err
    assert "model 'gpt-9-imaginary' is not available at provider 'openai'" in err


def test_refused_key_is_never_printed(
    environment: pytest.MonkeyPatch,
    openai_server: OpenAIServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(environment, openai_server, ai_api_key="wrong-key")
    code, out, err = run_check(capsys)
    assert code == 1
    assert "FAILED (misconfigured)" in err
    assert "refused the API key (401)" in err
    assert "wrong-key" not in out + err


def test_rate_limited(
    environment: pytest.MonkeyPatch,
    bedrock_server: BedrockServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(environment, bedrock_server)
    bedrock_server.default = rate_limited("30")
    code, _, err = run_check(capsys)
    assert code == 1
    assert "FAILED (unavailable)" in err
    assert "ThrottlingException (429)" in err
    assert len(bedrock_server.requests) == 1  # a check never retries


def test_the_installed_command_runs_the_check(
    openai_server: OpenAIServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_AI_")}
    env.update(
        {f"SMARTTASK_{k.upper()}": str(v) for k, v in openai_server.settings_overrides().items()}
    )
    result = subprocess.run(
        [sys.executable, "-m", "smarttask.entrypoints.cli", "ai", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ok: provider 'openai', model 'gpt-4o-mini'" in result.stdout
    assert openai_server.api_key not in result.stdout + result.stderr
