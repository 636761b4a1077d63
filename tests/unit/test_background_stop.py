"""Stopping a background task ends it even when a cancellation is lost on the way."""

from __future__ import annotations

import asyncio

from smarttask.db.background import stop_task


async def test_a_task_that_drops_a_cancellation_is_still_stopped() -> None:
    dropped = 0

    async def loop_that_drops_one_cancel() -> None:
        # What Python 3.11's wait_for does when a statement's answer and a cancel cross.
        nonlocal dropped
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if dropped == 0:
                    dropped += 1
                    continue
                raise

    task = asyncio.create_task(loop_that_drops_one_cancel())
    await asyncio.sleep(0)
    await asyncio.wait_for(stop_task(task, every=0.05), 5)
    assert task.cancelled()
    assert dropped == 1


async def test_a_finished_task_is_left_as_it_is() -> None:
    task = asyncio.create_task(asyncio.sleep(0, result="done"))
    await task
    await stop_task(task)
    assert task.result() == "done"
