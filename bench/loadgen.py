"""HTTP load generators for the benchmarks: wrk when it is installed, else raw asyncio sockets."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,"
    .. "\\"errors\\":%d,\\"non_2xx\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    """True when `wrk` is on PATH."""
    return shutil.which("wrk") is not None


def wrk_script(directory: Path, method: str) -> Path:
    """Write the Lua script that sets the method and prints a JSON summary."""
    path = directory / f"wrk_{method.lower()}.lua"
    prefix = f'wrk.method = "{method}"\n' if method != "GET" else ""
    path.write_text(prefix + _WRK_DONE)
    return path


def run_wrk(
    url: str, method: str, *, seconds: float, connections: int, threads: int, scripts: Path
) -> LoadResult:
    """Run wrk for a fixed duration and parse the summary its Lua `done` hook prints."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(wrk_script(scripts, method)),
        url,
    ]
    return _wrk_result(command)


def run_wrk_get(
    url: str, headers: dict[str, str], *, seconds: float, connections: int, threads: int, lua: Path
) -> LoadResult:
    """wrk GET with extra headers; `lua` is where the script with the `done` hook is written."""
    lua.write_text(_WRK_DONE)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["--timeout", "10s", "-s", str(lua), url]
    return _wrk_result(command)


def run_wrk_script(
    url: str, script: str, *, seconds: float, connections: int, threads: int, lua: Path
) -> LoadResult:
    """wrk with a Lua `script` of its own (requests, bodies, headers); `lua` is where the
    script with the `done` hook is written."""
    lua.write_text(script + _WRK_DONE)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(lua), url]
    return _wrk_result(command)


def _wrk_result(command: list[str]) -> LoadResult:
    """Run a wrk command and parse the JSON summary its Lua `done` hook prints."""
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        non_2xx=data["non_2xx"],
    )


@dataclass(frozen=True, slots=True)
class _Job:
    """The share of a Python load run that one generator process performs."""

    host: str
    port: int
    requests: tuple[bytes, ...]
    connections: int
    deadline: float | None
    count: int | None


def _request_bytes(
    method: str, path: str, host: str, headers: dict[str, str] | None = None
) -> bytes:
    """A keep-alive HTTP/1.1 request without a body, with the extra `headers`."""
    length = "Content-Length: 0\r\n" if method != "GET" else ""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}{length}\r\n".encode()


async def _connection(job: _Job, quota: int | None, out: list[int], failures: list[int]) -> None:
    """One keep-alive connection sending requests back to back (cycling through job.requests)."""
    reader, writer = await asyncio.open_connection(job.host, job.port)
    sent = 0
    try:
        while (quota is None or sent < quota) and (
            job.deadline is None or time.monotonic() < job.deadline
        ):
            started = time.perf_counter_ns()
            writer.write(job.requests[sent % len(job.requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            out.append(time.perf_counter_ns() - started)
            if not 200 <= status < 300:
                failures[0] += 1
            sent += 1
    except (OSError, asyncio.IncompleteReadError):
        failures[1] += 1
    finally:
        writer.close()


def _generate(job: _Job) -> tuple[list[int], int, int, float]:
    """Process entry point: run the job's connections; latencies (ns), non-2xx, errors, seconds."""
    latencies: list[int] = []
    failures = [0, 0]

    async def main() -> None:
        share = None if job.count is None else math.ceil(job.count / job.connections)
        await asyncio.gather(
            *(_connection(job, share, latencies, failures) for _ in range(job.connections))
        )

    started = time.perf_counter()
    asyncio.run(main())
    return latencies, failures[0], failures[1], time.perf_counter() - started


def _percentile(ordered: list[int], fraction: float) -> float:
    """The nearest-rank percentile of sorted nanosecond values, in milliseconds."""
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index] / 1e6


def run_python(
    base_url: str,
    calls: list[tuple[str, str]],
    *,
    connections: int,
    processes: int,
    seconds: float | None = None,
    count: int | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Keep-alive load from `processes` processes, for `seconds` or until `count` requests;
    every request carries the extra `headers`."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = tuple(
        _request_bytes(method, path, f"{host}:{port}", headers) for method, path in calls
    )
    per_process = max(1, connections // processes)
    deadline = None if seconds is None else time.monotonic() + seconds
    share = None if count is None else math.ceil(count / processes)
    job = _Job(host, port, requests, per_process, deadline, share)
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_generate, [job] * processes))
    latencies = sorted(value for result in results for value in result[0])
    return LoadResult(
        requests=len(latencies),
        seconds=max(result[3] for result in results),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        errors=sum(result[2] for result in results),
        non_2xx=sum(result[1] for result in results),
    )


def generator_name() -> str:
    """The generator `run_get` uses on this machine: "wrk" or "python"."""
    return "wrk" if wrk_available() else "python"


def run_get(
    url: str, headers: dict[str, str], *, seconds: float, connections: int, threads: int, lua: Path
) -> LoadResult:
    """GET `url` with extra headers for `seconds`: wrk when it is installed (`threads` threads,
    its Lua script written to `lua`), else the Python generator (`threads` processes)."""
    if wrk_available():
        return run_wrk_get(
            url, headers, seconds=seconds, connections=connections, threads=threads, lua=lua
        )
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return run_python(
        f"{parts.scheme}://{parts.netloc}",
        [("GET", path)],
        connections=connections,
        processes=threads,
        seconds=seconds,
        headers=headers,
    )


def _paths_script(paths: list[str]) -> str:
    """A wrk Lua script that sends the paths in turn, then prints the JSON summary."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    return (
        f"local paths = {{{quoted}}}\n"
        "local turn = 0\n"
        "request = function()\n"
        "  turn = turn % #paths + 1\n"
        "  return wrk.format(nil, paths[turn])\n"
        "end\n" + _WRK_DONE
    )


def run_paths(
    base_url: str,
    paths: list[str],
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int,
    lua: Path,
) -> LoadResult:
    """GET the paths in turn (each connection cycles through them) for `seconds`: wrk when it
    is installed (its Lua script written to `lua`), else the Python generator."""
    if wrk_available():
        lua.write_text(_paths_script(paths))
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += ["--timeout", "10s", "-s", str(lua), base_url + paths[0]]
        return _wrk_result(command)
    return run_python(
        base_url,
        [("GET", path) for path in paths],
        connections=connections,
        processes=threads,
        seconds=seconds,
        headers=headers,
    )
