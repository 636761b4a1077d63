"""A pytest plugin that reads every log line of the session and fails it if a secret leaked.

Every record any logger emits during the run is formatted with the application's own
JsonFormatter (exactly what production writes) and kept. At the end of the session the
lines are searched for argon2 hashes, the name of the hash column, and every secret the
tests registered through `register_secret` (passwords, refresh tokens, access tokens, API
tokens, TOTP secrets). One hit makes the whole run fail, naming the test that logged it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest

from smarttask.kit.logging import JsonFormatter

FORBIDDEN_MARKERS = ("$argon2", "password_hash", "token_hash", "totp_secret")
MIN_SECRET_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Leak:
    """One log line that contains something it must not."""

    test: str
    found: str
    line: str

    def describe(self) -> str:
        """A short, safe description (the secret itself is not repeated in full)."""
        shown = self.found if self.found in FORBIDDEN_MARKERS else self.found[:4] + "…"
        line = self.line.replace(self.found, shown)[:1000]
        return f"{self.test}: log line contains {shown!r}: {line}"


@dataclass
class LogScanner:
    """Collects formatted log lines and the secrets that must never appear in them."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    current_test: str = "(outside any test)"

    def register_secret(self, value: str | None) -> None:
        """Remember a secret; short values are ignored (they would match by chance)."""
        if value is None or len(value) < MIN_SECRET_LENGTH:
            return
        self.secrets.add(value)
        escaped = json.dumps(value)[1:-1]  # how it would look inside a JSON log line
        if escaped != value:
            self.secrets.add(escaped)

    def record(self, line: str) -> None:
        """Keep one formatted log line, with the test that produced it."""
        self.lines.append((self.current_test, line))

    def leaks(self) -> list[Leak]:
        """Every kept line that contains a forbidden marker or a registered secret."""
        needles = [*FORBIDDEN_MARKERS, *sorted(self.secrets, key=len, reverse=True)]
        pattern = re.compile("|".join(re.escape(n) for n in needles))
        return [
            Leak(test, match.group(0), line)
            for test, line in self.lines
            if (match := pattern.search(line)) is not None
        ]

    def scan(self, lines: Iterable[str], source: str) -> list[Leak]:
        """The leaks among lines that did not go through logging (e.g. a subprocess's output)."""
        other = LogScanner(secrets=self.secrets, current_test=source)
        for line in lines:
            other.record(line)
        return other.leaks()


class ScanningHandler(logging.Handler):
    """A logging handler that hands every formatted record to a scanner."""

    def __init__(self, scanner: LogScanner) -> None:
        super().__init__(level=logging.NOTSET)
        self.scanner = scanner
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        """Format the record as production would and keep it."""
        try:
            self.scanner.record(self.format(record))
        except Exception:  # a broken record must not break the test run
            self.handleError(record)


@dataclass
class RunScan:
    """What this process knows of the run's scan: its own lines, and its workers' findings."""

    root_level: int | None = None
    lines: int = 0
    leaks: list[str] = field(default_factory=list)


SCANNER = LogScanner()
_HANDLER = ScanningHandler(SCANNER)
_run = RunScan()


def register_secret(value: str | None) -> None:
    """Declare a value that must never reach a log line during this session."""
    SCANNER.register_secret(value)


def _install() -> None:
    """Attach the handler to the root logger (again, if something replaced the handlers)."""
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start capturing before the first test (and its fixtures) runs."""
    _run.root_level = logging.getLogger().level
    _install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Attribute lines to the running test; re-attach if the test reconfigured logging."""
    SCANNER.current_test = item.nodeid
    _install()
    try:
        return (yield)
    finally:
        _install()
        SCANNER.current_test = "(between tests)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any log line leaked a secret.

    Under pytest-xdist each worker scans its own lines and hands its findings to the
    controller (`workeroutput`), which fails the run: a worker's exit status is not the run's.
    """
    logging.getLogger().removeHandler(_HANDLER)
    if _run.root_level is not None:
        logging.getLogger().setLevel(_run.root_level)
    found = [leak.describe() for leak in SCANNER.leaks()]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["log_scan"] = {"lines": len(SCANNER.lines), "leaks": found}
        return
    _run.lines += len(SCANNER.lines)
    _run.leaks.extend(found)
    if _run.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_testnodedown(node: object, error: object) -> None:
    """Under pytest-xdist, in the controller: gather a finished worker's scan."""
    report = getattr(node, "workeroutput", {}).get("log_scan")
    if report is not None:
        _run.lines += int(report["lines"])
        _run.leaks.extend(str(leak) for leak in report["leaks"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say what leaked, and where."""
    if not _run.leaks:
        terminalreporter.write_line(f"log scan: {_run.lines} log lines, no secret in any of them")
        return
    terminalreporter.section("log scan: secrets in log lines", sep="=", red=True, bold=True)
    for leak in _run.leaks[:50]:
        terminalreporter.write_line(leak, red=True)
    failed = f"log scan FAILED: {len(_run.leaks)} of {_run.lines} log lines leak"
    terminalreporter.write_line(failed)
