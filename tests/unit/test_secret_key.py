"""The generated signing key (smarttask/keyfile.py): kept, shared, private, and refused where
it would be unsafe."""

from __future__ import annotations

import logging
import multiprocessing
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from smarttask import keyfile
from smarttask.accounts.tokens import AccessTokens
from smarttask.entrypoints import cli
from smarttask.settings import Settings, get_settings

RETIRED_DEVELOPMENT_KEY = "development-only-secret-key-change-me"


def build(data_dir: Path, **values: Any) -> Settings:
    """Development settings without a configured key, keeping it in `data_dir`."""
    return Settings(_env_file=None, data_dir=str(data_dir), **values)  # type: ignore[call-arg]


def test_a_fresh_start_generates_a_private_key_and_keeps_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = build(data)
    key = settings.secret_key.get_secret_value()
    assert settings.secret_key_generated
    assert len(key) >= 60
    assert key != RETIRED_DEVELOPMENT_KEY
    path = data / "secret_key"
    assert settings.secret_key_file == str(path)
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in data.iterdir()) == ["secret_key"]  # no temporary left
    assert key not in repr(settings)
    assert build(tmp_path / "elsewhere").secret_key.get_secret_value() != key


def test_a_restart_reuses_the_key_and_earlier_tokens_stay_valid(tmp_path: Path) -> None:
    first = build(tmp_path)
    token = AccessTokens(first.auth).issue("user-1", "session-1", datetime.now(UTC))
    restarted = build(tmp_path)
    assert restarted.secret_key == first.secret_key
    assert AccessTokens(restarted.auth).verify(token).user_id == "user-1"
    assert restarted.files.signing_key == first.files.signing_key  # upload URLs too


def test_a_configured_key_writes_no_file(tmp_path: Path) -> None:
    settings = build(tmp_path, secret_key="configured-key-0123456789-abcdefghijkl")
    assert not settings.secret_key_generated
    assert list(tmp_path.iterdir()) == []


def _start(data_dir: str, barrier: Any, keys: Any) -> None:
    barrier.wait()
    keys.put(build(Path(data_dir)).secret_key.get_secret_value())


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    count = 6
    barrier, keys = context.Barrier(count), context.Queue()
    workers = [
        context.Process(target=_start, args=(str(tmp_path), barrier, keys)) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    found = {keys.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert found == {(tmp_path / "secret_key").read_text().strip()}


def test_threads_racing_on_fresh_folders_agree(tmp_path: Path) -> None:
    """Many rounds of many creators at once: every creator reads back the key that won."""
    for round_number in range(20):
        folder = tmp_path / str(round_number)
        barrier = threading.Barrier(8)
        found: list[str] = []

        def create(
            folder: Path = folder, barrier: threading.Barrier = barrier, found: list[str] = found
        ) -> None:
            barrier.wait()
            found.append(keyfile.load_or_create(folder))

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(found) == 8
        assert set(found) == {(folder / "secret_key").read_text().strip()}
        assert [p.name for p in folder.iterdir()] == ["secret_key"]


def test_lambda_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SMARTTASK_SECRET_KEY must be set on AWS Lambda"):
        build(tmp_path, AWS_LAMBDA_FUNCTION_NAME="smarttask-api")
    assert list(tmp_path.iterdir()) == []
    configured = build(
        tmp_path, AWS_LAMBDA_FUNCTION_NAME="smarttask-api", secret_key="k" * 40, env="production"
    )
    assert configured.aws_lambda_function_name == "smarttask-api"


def test_production_never_generates(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SMARTTASK_SECRET_KEY"):
        build(tmp_path, env="production")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_data_folder_says_what_to_set(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ValidationError, match="SMARTTASK_SECRET_KEY"):
        build(blocker / "data")


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ValidationError, match="holds no usable key"):
        build(tmp_path)


# --- smarttask serve ----------------------------------------------------------------------


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """`smarttask serve` with a generated key in tmp_path; uvicorn.run only records calls."""
    import uvicorn

    import smarttask.kit.logging

    for name in ("SMARTTASK_SECRET_KEY", "SMARTTASK_ALLOW_GENERATED_KEY", "SMARTTASK_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMARTTASK_ENV", "development")
    monkeypatch.setenv("SMARTTASK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMARTTASK_AUTO_MIGRATE", "false")
    monkeypatch.setenv("SMARTTASK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    monkeypatch.setattr(smarttask.kit.logging, "configure_logging", lambda *a, **k: None)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def _warned(caplog: pytest.LogCaptureFixture) -> bool:
    return any("generated signing key" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "smarttask.example.com"])
def test_serve_refuses_a_public_address_with_a_generated_key(
    serve_env: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert cli.main(["serve", "--host", host]) == 2
    assert serve_env == []
    error = capsys.readouterr().err
    assert f"refusing to listen on {host}" in error
    assert "SMARTTASK_SECRET_KEY" in error
    assert "--allow-generated-key" in error


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_serve_on_loopback_starts_with_a_warning(
    serve_env: list[dict[str, Any]], caplog: pytest.LogCaptureFixture, host: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="smarttask.security"):
        assert cli.main(["serve", "--host", host]) == 0
    assert [call["host"] for call in serve_env] == [host]
    assert _warned(caplog)


def test_serve_beyond_loopback_when_told(
    serve_env: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with caplog.at_level(logging.WARNING, logger="smarttask.security"):
        assert cli.main(["serve", "--host", "0.0.0.0", "--allow-generated-key"]) == 0
        monkeypatch.setenv("SMARTTASK_ALLOW_GENERATED_KEY", "true")
        get_settings.cache_clear()
        assert cli.main(["serve", "--host", "0.0.0.0"]) == 0
    assert [call["host"] for call in serve_env] == ["0.0.0.0", "0.0.0.0"]
    assert _warned(caplog)


def test_serve_with_a_configured_key_neither_refuses_nor_warns(
    serve_env: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SMARTTASK_SECRET_KEY", "configured-key-0123456789-abcdefghijkl")
    with caplog.at_level(logging.WARNING, logger="smarttask.security"):
        assert cli.main(["serve", "--host", "0.0.0.0"]) == 0
    assert len(serve_env) == 1
    assert not _warned(caplog)
    assert not (tmp_path / "secret_key").exists()
