"""The log scan itself: it must catch a leak, or the whole-session guarantee means nothing."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.log_scan import SCANNER, LogScanner, ScanningHandler


def _scanner_with_logger() -> tuple[LogScanner, logging.Logger]:
    """A private scanner fed by a private logger (so the session's scan stays clean)."""
    scanner = LogScanner()
    logger = logging.getLogger(f"tests.support.log_scan.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(ScanningHandler(scanner))
    return scanner, logger


def test_a_registered_secret_in_a_message_is_a_leak() -> None:
    scanner, logger = _scanner_with_logger()
    secret = "stk_" + uuid.uuid4().hex
    scanner.register_secret(secret)
    logger.info("all good")
    logger.info("user presented %s", secret)
    leaks = scanner.leaks()
    assert len(leaks) == 1
    assert leaks[0].found == secret
    assert secret not in leaks[0].describe()  # the report does not repeat the secret


def test_secrets_in_extra_fields_and_tracebacks_are_leaks() -> None:
    scanner, logger = _scanner_with_logger()
    password = 'pa"ss\\word-' + uuid.uuid4().hex  # JSON-escaped in the line
    scanner.register_secret(password)
    logger.warning("login", extra={"body": {"password": password}})
    try:
        raise ValueError(f"bad input {password}")
    except ValueError:
        logger.exception("failed")
    assert len(scanner.leaks()) == 2


def test_hashes_and_column_names_are_leaks_without_registration() -> None:
    scanner, logger = _scanner_with_logger()
    logger.error("row: $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    logger.error("UPDATE user_account SET password_hash=...")
    logger.error("api token token_hash=abc")
    logger.info("nothing to see")
    assert [leak.found for leak in scanner.leaks()] == ["$argon2", "password_hash", "token_hash"]


def test_short_values_are_not_registered() -> None:
    scanner, logger = _scanner_with_logger()
    scanner.register_secret("abc")
    scanner.register_secret(None)
    logger.info("abc appears in plenty of innocent lines")
    assert scanner.leaks() == []


def test_lines_from_elsewhere_can_be_scanned() -> None:
    scanner = LogScanner()
    scanner.register_secret("super-secret-value")
    leaks = scanner.scan(['{"msg": "ok"}', '{"msg": "super-secret-value"}'], source="cli")
    assert [leak.test for leak in leaks] == ["cli"]


async def test_the_session_scanner_sees_the_apps_log_lines() -> None:
    from smarttask.app import create_app
    from tests.support import make_settings

    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    request_id = "log-scan-" + uuid.uuid4().hex
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/health/live", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert any(request_id in line for _, line in SCANNER.lines)


def test_a_leak_in_a_parallel_worker_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    # Under pytest-xdist (tests/run_suite.py) a worker's exit status is not the run's: the
    # controller must fail it from the workers' reports.
    monkeypatch.setenv("PYTHONPATH", str(repo_root))
    pytester.makepyfile(
        test_leaky="""
        import logging

        def test_clean():
            logging.getLogger("app").warning("nothing to see")

        def test_leaky():
            logging.getLogger("app").warning("UPDATE user_account SET password_hash=...")
        """
    )
    leaky = pytester.runpytest_subprocess("-n", "2", "-p", "tests.support.log_scan")
    assert leaky.ret == pytest.ExitCode.TESTS_FAILED
    leaky.assert_outcomes(passed=2)
    leaky.stdout.fnmatch_lines(["*test_leaky.py::test_leaky: log line contains 'password_hash'*"])
    leaky.stdout.fnmatch_lines(["log scan FAILED: 1 of * log lines leak"])

    pytester.makepyfile(test_leaky="def test_clean():\n    pass\n")
    clean = pytester.runpytest_subprocess("-n", "2", "-p", "tests.support.log_scan")
    assert clean.ret == pytest.ExitCode.OK
    clean.stdout.fnmatch_lines(["log scan: * log lines, no secret in any of them"])
