"""A real `smarttask worker` process with test handlers registered (for the crash tests).

Usage: python -m tests.support.job_worker_process MARKER_DIR [smarttask worker args]
Settings come from SMARTTASK_* environment variables, exactly as for `smarttask worker`.

Handler `test.process.block_first`: adds 1 to the counter named in the payload in the job's
own transaction; on the first attempt it then writes MARKER_DIR/<job id>.started and blocks
forever (the test kills the process there), so that effect is never committed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from smarttask import runtime, wiring
from smarttask.counters import service as counters
from smarttask.entrypoints.cli import main
from smarttask.jobs.registry import JobContext, JobSet

MARKERS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
registry = JobSet()


@registry.handler("test.process.block_first")
async def block_first(context: JobContext, payload: dict[str, Any]) -> None:
    """Record the effect; block on the first attempt until killed."""
    await counters.increment(context.session, payload["counter"], max_counters=1000)
    if context.attempt == 1:
        (MARKERS / f"{context.job_id}.started").write_text(str(context.attempt))
        await asyncio.Event().wait()


@registry.handler("test.process.count")
async def count(context: JobContext, payload: dict[str, Any]) -> None:
    """Add 1 to the job's own counter and to a shared one."""
    await counters.increment(context.session, payload["counter"], max_counters=1000)
    await counters.increment(context.session, "all", max_counters=1000)


if __name__ == "__main__":
    # The worker runs these handlers too, as if the wiring point listed this module.
    runtime.job_modules = lambda: (*wiring.job_modules(), "tests.support.job_worker_process")
    sys.exit(main(["worker", *sys.argv[2:]]))
