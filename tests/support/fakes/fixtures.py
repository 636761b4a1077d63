"""Pytest fixtures for the fake LLM vendor servers of tests/support/fakes/llm_servers.py.

Use them in a test module by importing the fixture (pytest finds it by name):

    from tests.support.fakes.fixtures import openai_server  # noqa: F401
    from tests.support.fakes.llm_servers import OpenAIServer, rate_limited, ok

    @pytest.fixture
    def settings_overrides(openai_server: OpenAIServer) -> dict[str, Any]:
        return openai_server.settings_overrides()          # the app now talks to the fake

    async def test_something(client, openai_server: OpenAIServer) -> None:
        openai_server.enqueue(rate_limited("0.2"), ok())   # script the next answers
        ...                                                # call the API
        assert len(openai_server.requests) == 2            # what the vendor received
        assert "[email]" in openai_server.requests[-1].prompt

Or with `client_with(**openai_server.settings_overrides(ai_max_retries=0))`.

`bedrock_server` also sets dummy AWS credentials and a region in the environment (and
hides the user's AWS config files), as boto3 needs them; `aws_env` alone does just that.
Each fixture starts a fresh server per test on an ephemeral port and stops it afterwards.

`s3rver` is a local S3 server that verifies Signature V4 (tests/support/fakes/s3rver.py), one per
test module; it needs Node.js and npm, and fails (it does not skip) without them.
`s3rver_env` sets the credentials it accepts the usual AWS way. Import them as
`s3rver_fixture` and `s3rver_env_fixture`, so the test's `s3rver` argument shadows nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fakes import s3rver as s3rver_server
from tests.support.fakes.llm_servers import BedrockServer, GeminiServer, OpenAIServer

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDFAKEFAKEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-for-tests",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Dummy AWS credentials and region, and no AWS profile of the user's."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    return dict(AWS_TEST_ENV)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fake OpenAI chat-completions server."""
    server = OpenAIServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gemini_server() -> Iterator[GeminiServer]:
    """A fake Gemini generateContent server."""
    server = GeminiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bedrock_server(aws_env: dict[str, str]) -> Iterator[BedrockServer]:
    """A fake Bedrock runtime Converse server, with dummy AWS credentials set."""
    server = BedrockServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", name="s3rver")
def s3rver_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[s3rver_server.S3rver]:
    """A local S3 server that verifies presigned Signature V4 URLs, for the test module."""
    server = s3rver_server.S3rver(tmp_path_factory.mktemp("s3rver") / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="s3rver_env")
def s3rver_env_fixture(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The credentials s3rver accepts, the usual AWS way, and no AWS profile of the user's."""
    values = AWS_TEST_ENV | {
        "AWS_ACCESS_KEY_ID": s3rver_server.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": s3rver_server.SECRET_KEY,
        "AWS_DEFAULT_REGION": s3rver_server.REGION,
        "AWS_REGION": s3rver_server.REGION,
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
