"""Background tasks (listeners, the live hub's loop), stopped for sure."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def stop_task(task: asyncio.Task[Any], *, every: float = 0.5) -> None:
    """Cancel a background task and wait until it has ended, whatever it was awaiting.

    Python 3.11's `asyncio.wait_for` drops a cancellation that arrives as the awaited
    statement answers (fixed in 3.12): a single `cancel()` can leave a loop running and the
    `await task` after it waiting forever. So the task is cancelled again until it ends.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=every)
    with contextlib.suppress(asyncio.CancelledError):
        await task
