"""Run the suite against each database in its own pytest process, at the same time.

`make test` calls this. Most tests wait on something real (a server, a timeout, a browser)
more than they compute, so parallel processes finish in a fraction of the time of one.
Each backend (SMARTTASK_TEST_BACKENDS) gets its own pytest; the tests that do not depend on
the database (unit tests, tests that bring their own server) run once, shared between the
backends (SMARTTASK_TEST_SHARED, see tests/conftest.py). With SMARTTASK_TEST_WORKERS=N
(N > 1) each backend's pytest spreads its test files over N pytest-xdist workers, each with
its own database: on a machine with cores to spare. The default is 1: on 2 cores the two
processes already keep both busy, and 2 workers each made the run no shorter and slowed
timing-sensitive fault tests. Every output line is prefixed with its
backend; the exit status is the worst of the processes'.

    python tests/run_suite.py [pytest arguments...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

BACKENDS = [b.strip() for b in os.environ.get("SMARTTASK_TEST_BACKENDS", "").split(",") if b]
WORKERS = int(os.environ.get("SMARTTASK_TEST_WORKERS", "1"))


def _parallel(arguments: list[str]) -> list[str]:
    """pytest-xdist's options for the workers, unless the arguments already choose them.

    Whole files go to one worker (`loadfile`): a file's module fixtures start once.
    """
    if WORKERS <= 1 or any(a.startswith(("-n", "--numprocesses")) for a in arguments):
        return []
    return ["-n", str(WORKERS), "--dist", "loadfile"]


def _pump(process: subprocess.Popen[bytes], prefix: str, lock: threading.Lock) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        with lock:
            sys.stdout.buffer.write(prefix.encode() + line)
            sys.stdout.buffer.flush()


def main(arguments: list[str]) -> int:
    """Start one pytest per backend; their worst exit status."""
    backends = BACKENDS or ["sqlite", "postgresql"]
    command = [sys.executable, "-m", "pytest", *_parallel(arguments), *arguments]
    if len(backends) == 1:
        return subprocess.call(command)
    lock = threading.Lock()
    running = []
    for backend in backends:
        environment = os.environ | {
            "SMARTTASK_TEST_BACKENDS": backend,
            # The tests without a database: a share each, by a stable hash of their function
            # (PostgreSQL's process takes a third, and those that bring their own PostgreSQL).
            "SMARTTASK_TEST_SHARED": backend,
        }
        process = subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        pump = threading.Thread(target=_pump, args=(process, f"[{backend}] ", lock))
        pump.start()
        running.append((process, pump))
    try:
        statuses = []
        for process, pump in running:
            statuses.append(process.wait())
            pump.join()
    except KeyboardInterrupt:
        for process, _ in running:
            process.terminate()
        raise
    return max(statuses, key=lambda status: status != 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
