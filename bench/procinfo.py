"""What the benchmarks read from /proc: peak memory of processes and the machine they ran on."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def status_kib(pid: int | str, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmHWM is the peak resident set size)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time consumed so far by the processes (threads included)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The direct child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The fields after the parenthesised command: state, then the parent's pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def uvicorn_workers(master: int) -> list[int]:
    """The worker processes a `uvicorn --workers N` master spawned (not its resource tracker)."""
    workers = []
    for pid in children(master):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            workers.append(pid)
    return workers


def machine() -> dict[str, str]:
    """The CPU model, the number of usable cores and the software versions."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": model,
        "nproc": str(len(os.sched_getaffinity(0))),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def machine_line() -> str:
    """One line naming the machine and Python a benchmark ran on."""
    info = machine()
    return (
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}"
    )


def mib(kib: int) -> str:
    """KiB as MiB with one decimal."""
    return f"{kib / 1024:.1f} MiB"
