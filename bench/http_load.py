"""Load benchmark of the counter endpoints: smarttask against a bare Starlette + asyncpg reference.

Both run on PostgreSQL under uvicorn with the same number of workers, side by side in the
same run, with the same load, in alternating runs. Prints req/s, p50, p99 per target and
the ratio smarttask/reference per operation, then the peak memory (VmHWM) of the workers.

    .venv/bin/python bench/http_load.py [--duration 10] [--rounds 3] [--connections 32]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import asyncpg

from loadgen import LoadResult, run_python, run_wrk, wrk_available
from procinfo import cpu_seconds, machine, mib, status_kib, uvicorn_workers

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
OPERATIONS = ("GET", "POST")


@dataclass(frozen=True, slots=True)
class Target:
    """One server under test."""

    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per target")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per target and op")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / Python processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=10_000,
        help="requests sent before reading the workers' peak memory",
    )
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without database",
    )
    parser.add_argument("--database", default="smarttask_bench", help="created if missing")
    parser.add_argument("--counter", default="bench", help="the counter name used")
    parser.add_argument("--smarttask-port", type=int, default=18101)
    parser.add_argument("--reference-port", type=int, default=18102)
    return parser.parse_args()


async def _ensure_database(server: str, name: str) -> str:
    """Create the bench database if missing; return the server's version."""
    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll the URL until the server answers anything HTTP."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


def _post(url: str) -> bytes:
    """One POST without a body."""
    request = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
        return body


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and its workers (its own process group): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def servers(args: argparse.Namespace, sqlalchemy_url: str, logs: Path) -> Iterator[list[Target]]:
    """Start smarttask, the reference and (`args.floor_port`) the floor; stop them after."""
    env = {
        **os.environ,
        "SMARTTASK_DATABASE_URL": sqlalchemy_url,
        "SMARTTASK_RATE_LIMIT_ENABLED": "false",
        "SMARTTASK_LOG_LEVEL": "WARNING",
        "SMARTTASK_HOST": "127.0.0.1",
        # The same proxy-header handling as the reference's uvicorn options below.
        "SMARTTASK_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "BENCH_REFERENCE_DSN": f"{args.postgres}/{args.database}",
    }
    commands = {
        "smarttask": (
            [
                str(BIN / "smarttask"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.smarttask_port),
                "--workers",
                str(args.workers),
            ],
            args.smarttask_port,
        ),
        # The uvicorn options `smarttask serve` uses, minus what only smarttask has.
        "reference": (
            [
                sys.executable,
                "-m",
                "uvicorn",
                getattr(args, "reference_app", "reference_app:app"),
                "--app-dir",
                str(BENCH),
                "--host",
                "127.0.0.1",
                "--port",
                str(args.reference_port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--no-server-header",
                "--proxy-headers",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--log-level",
                "warning",
            ],
            args.reference_port,
        ),
    }
    floor_port = getattr(args, "floor_port", None)
    if floor_port is not None:  # bench/floor_app.py, served as the reference is
        floor = [
            part.replace(getattr(args, "reference_app", "reference_app:app"), "floor_app:app")
            for part in commands["reference"][0]
        ]
        floor[floor.index("--port") + 1] = str(floor_port)
        commands["floor"] = (floor, floor_port)
    started: list[Target] = []
    try:
        for name, (command, port) in commands.items():
            with (logs / f"{name}.log").open("wb") as log:
                process = subprocess.Popen(
                    command,
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(Target(name, port, process))
        for target in started:
            _wait_ready(
                f"{target.base}/api/v1/counters/{args.counter}",
                target.process,
                getattr(args, "ready_timeout", 30.0),
            )
        yield started
    finally:
        for target in started:
            _stop(target.process)


def _paths(counter: str) -> dict[str, tuple[str, str]]:
    """The method and path of each operation."""
    return {
        "GET": ("GET", f"/api/v1/counters/{counter}"),
        "POST": ("POST", f"/api/v1/counters/{counter}/increment"),
    }


@dataclass(frozen=True, slots=True)
class Run:
    """One measured run and the server CPU time it cost."""

    load: LoadResult
    cpu_us_per_request: float


def measure(
    args: argparse.Namespace, target: Target, op: str, seconds: float, scripts: Path
) -> Run:
    """One load run of one operation against one target, with the workers' CPU time."""
    method, path = _paths(args.counter)[op]
    workers = uvicorn_workers(target.process.pid)
    cpu_before = cpu_seconds(workers)
    if args.generator == "wrk":
        load = run_wrk(
            f"{target.base}{path}",
            method,
            seconds=seconds,
            connections=args.connections,
            threads=args.threads,
            scripts=scripts,
        )
    else:
        load = run_python(
            target.base,
            [(method, path)],
            seconds=seconds,
            connections=args.connections,
            processes=args.threads,
        )
    cpu = cpu_seconds(workers) - cpu_before
    return Run(load, 1e6 * cpu / load.requests if load.requests else float("nan"))


def peak_memory(targets: list[Target]) -> dict[str, list[int]]:
    """VmHWM (KiB) of each uvicorn worker of each target."""
    return {
        t.name: [status_kib(pid, "VmHWM") for pid in uvicorn_workers(t.process.pid)]
        for t in targets
    }


def _print_memory(title: str, memory: dict[str, list[int]]) -> None:
    print(f"\n{title}")
    for name, values in memory.items():
        each = ", ".join(mib(v) for v in values)
        print(f"  {name:<10} max {mib(max(values)) if values else '-':>10}   (workers: {each})")


def _print_table(results: dict[tuple[str, str], list[Run]]) -> None:
    print("\nmedian over the rounds of each figure; CPU = the workers' CPU time per request")
    print(
        f"{'op':<5} {'target':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU us':>8} {'non-2xx':>8} {'errors':>7}   runs (req/s)"
    )
    for op in OPERATIONS:
        rows = {}
        for name in ("smarttask", "reference"):
            runs = results[(op, name)]
            loads = [r.load for r in runs]
            rows[name] = (
                statistics.median(r.rps for r in loads),
                statistics.median(r.p50_ms for r in loads),
                statistics.median(r.p99_ms for r in loads),
                statistics.median(r.cpu_us_per_request for r in runs),
            )
            rps, p50, p99, cpu = rows[name]
            per_run = " ".join(f"{r.rps:.0f}" for r in loads)
            print(
                f"{op:<5} {name:<10} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {cpu:>8.0f} "
                f"{sum(r.non_2xx for r in loads):>8} {sum(r.errors for r in loads):>7}   "
                f"{per_run}"
            )
        ratio = rows["smarttask"][0] / rows["reference"][0]
        print(
            f"{op:<5} {'ratio':<10} {ratio:>9.2f}   smarttask/reference req/s "
            f"(target >= 0.70: {'met' if ratio >= 0.7 else 'NOT met'}); "
            f"p50 x{rows['smarttask'][1] / rows['reference'][1]:.1f}, "
            f"p99 x{rows['smarttask'][2] / rows['reference'][2]:.1f}, "
            f"CPU/request x{rows['smarttask'][3] / rows['reference'][3]:.1f}"
        )


def main() -> int:
    """Run the whole benchmark and print its figures."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.generator == "auto":
        args.generator = "wrk" if wrk_available() else "python"
    sqlalchemy_url = (
        f"{args.postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{args.database}"
    )
    pg_version = asyncio.run(_ensure_database(args.postgres, args.database))
    subprocess.run(
        [str(BIN / "smarttask"), "migrate"],
        check=True,
        cwd=ROOT,
        env={
            **os.environ,
            "SMARTTASK_DATABASE_URL": sqlalchemy_url,
            "SMARTTASK_LOG_LEVEL": "WARNING",
        },
    )
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {pg_version}"
    )
    print(
        "versions: "
        + ", ".join(
            f"{p} {version(p)}"
            for p in (
                "fastapi",
                "starlette",
                "uvicorn",
                "sqlalchemy",
                "asyncpg",
                "uvloop",
                "httptools",
            )
        )
    )
    print(
        f"load: {args.generator}, {args.connections} connections, {args.threads} "
        f"{'threads' if args.generator == 'wrk' else 'processes'}, {args.duration:g} s x "
        f"{args.rounds} rounds per target and op, {args.warmup:g} s warm-up; "
        f"{args.workers} uvicorn workers per server; smarttask logs at WARNING"
    )
    print(
        "load average (1, 5, 15 min) at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )

    with (
        tempfile.TemporaryDirectory(prefix="smarttask-bench-") as tmp,
        servers(args, sqlalchemy_url, Path(tmp)) as targets,
    ):
        scripts = Path(tmp)
        by_name = {t.name: t for t in targets}
        _post(f"{by_name['smarttask'].base}{_paths(args.counter)['POST'][1]}")  # exists now

        calls = list(_paths(args.counter).values())
        for target in targets:
            sent = run_python(
                target.base, calls, connections=8, processes=1, count=args.memory_requests
            )
            print(
                f"{target.name}: {sent.requests} requests (GET and POST alternating, "
                f"{sent.non_2xx} non-2xx) before reading memory"
            )
        _print_memory(
            f"peak RSS (VmHWM) per worker after {args.memory_requests} requests",
            peak_memory(targets),
        )

        for target in targets:
            for op in OPERATIONS:
                measure(args, target, op, args.warmup, scripts)

        results: dict[tuple[str, str], list[Run]] = {}
        for round_index in range(args.rounds):
            order = targets if round_index % 2 == 0 else targets[::-1]
            for op in OPERATIONS:
                for target in order:
                    run = measure(args, target, op, args.duration, scripts)
                    results.setdefault((op, target.name), []).append(run)
                    print(
                        f"round {round_index + 1} {op:<4} {target.name:<10} "
                        f"{run.load.rps:8.0f} req/s  p50 {run.load.p50_ms:7.2f} ms  "
                        f"p99 {run.load.p99_ms:7.2f} ms  CPU {run.cpu_us_per_request:5.0f} us"
                    )
        _print_table(results)
        _print_memory("peak RSS (VmHWM) per worker at the end of the run", peak_memory(targets))
        print(
            "\nload average (1, 5, 15 min) at the end: "
            + " ".join(f"{v:.2f}" for v in os.getloadavg())
        )
        for target in targets:
            log = (Path(tmp) / f"{target.name}.log").read_text(errors="replace").strip()
            if log:
                print(f"\n{target.name} log (last lines):\n" + "\n".join(log.splitlines()[-5:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
