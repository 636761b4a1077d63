"""A small Server-Sent Events client for tests (httpx streaming), and an in-process server.

The app is served by a real uvicorn on 127.0.0.1 (httpx's ASGI transport cannot stream), and
the frames are parsed as the WHATWG EventSource algorithm does: `id:`, `event:`, `data:`,
`retry:` fields, comments (`:`) kept apart, a blank line ending each event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from tests.support import free_port

WAIT = 20.0  # generous: other test processes share the machine


@dataclass
class Frame:
    """One dispatched SSE event."""

    id: str | None
    event: str
    data: str

    @property
    def json(self) -> Any:
        """The data as JSON."""
        return json.loads(self.data)


@dataclass
class Stream:
    """An open event stream: frames as they come, the comments (heartbeats) seen, the end."""

    response: httpx.Response
    frames: asyncio.Queue[Frame | None] = field(default_factory=asyncio.Queue)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    comment_seen: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self, timeout: float = WAIT) -> Frame:
        """The next event (fails after `timeout` seconds or when the stream ended)."""
        frame = await asyncio.wait_for(self.frames.get(), timeout)
        assert frame is not None, "the stream ended"
        return frame

    async def take(self, count: int, timeout: float = WAIT) -> list[Frame]:
        """The next `count` events."""
        return [await self.next(timeout) for _ in range(count)]

    async def quiet(self, seconds: float) -> list[Frame]:
        """Every event that arrives within `seconds` (to show that nothing more comes)."""
        got: list[Frame] = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    frame = await self.frames.get()
                    if frame is None:
                        break
                    got.append(frame)
        return got

    async def wait_end(self, timeout: float = WAIT) -> None:
        """Wait until the server ends the stream."""
        await asyncio.wait_for(self.ended.wait(), timeout)

    async def wait_comment(self, timeout: float = WAIT) -> None:
        """Wait for the next comment line (a heartbeat)."""
        self.comment_seen.clear()
        await asyncio.wait_for(self.comment_seen.wait(), timeout)


async def _pump(stream: Stream) -> None:
    event_id: str | None = None
    kind, data = "", []
    try:
        async for line in stream.response.aiter_lines():
            if line == "":
                if data:
                    stream.frames.put_nowait(Frame(event_id, kind or "message", "\n".join(data)))
                kind, data = "", []
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                stream.comments.append(value)
                stream.comment_seen.set()
            elif name == "id":
                event_id = value
            elif name == "event":
                kind = value
            elif name == "data":
                data.append(value)
            elif name == "retry" and value.isdigit():
                stream.retry = int(value)
    except (httpx.HTTPError, asyncio.CancelledError):
        pass
    finally:
        stream.ended.set()
        stream.frames.put_nowait(None)


@contextlib.asynccontextmanager
async def open_stream(
    http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None, **params: Any
) -> AsyncIterator[Stream]:
    """Open an event stream (asserting a 200 text/event-stream answer) until the block ends."""
    request = http.build_request("GET", url, headers=headers, params=params or None)
    response = await http.send(request, stream=True)
    try:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        pump = asyncio.create_task(_pump(stream))
        try:
            yield stream
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
    finally:
        await response.aclose()


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free local port (lifespan included); its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT):
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, WAIT)
