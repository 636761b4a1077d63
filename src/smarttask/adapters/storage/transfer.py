"""One worker thread for one streamed transfer (a file read or written chunk by chunk).

Every blocking step of the transfer runs on the same thread, so the buffers it allocates
come from one memory arena of the C allocator. Handed to the shared pool of
`asyncio.to_thread` instead, consecutive chunks would land on its threads in turn, each
keeping freed chunks in an arena of its own: the process would grow by about a chunk per
pool thread, more the longer the transfer. The thread ends when the transfer does.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class TransferThread:
    """Runs blocking calls, one at a time, on the transfer's own thread."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor

    def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
        """`function(*args, **kwargs)` on the thread, awaited from the event loop."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))


@asynccontextmanager
async def transfer_thread() -> AsyncIterator[TransferThread]:
    """A thread of its own for the duration of one transfer."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smarttask-transfer")
    try:
        yield TransferThread(executor)
    finally:
        executor.shutdown(wait=False)
