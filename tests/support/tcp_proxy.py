"""A TCP proxy that can cut the database off: refuse connections, or swallow them silently."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support import free_port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target until told to refuse or black-hole."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "forward"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen and forward."""
        self.mode = "forward"
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def refuse(self) -> None:
        """Drop every connection and stop listening: connects are refused."""
        self.mode = "refuse"
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._abort_all()

    async def blackhole(self) -> None:
        """Drop every connection; new ones are accepted but never answered."""
        if self._server is None:
            await self.start()
        self.mode = "blackhole"
        self._abort_all()

    async def restore(self) -> None:
        """Forward again."""
        if self._server is None:
            await self.start()
        self.mode = "forward"

    async def stop(self) -> None:
        """Close everything."""
        await self.refuse()

    def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.mode == "blackhole":
            return  # keep the socket open, say nothing
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.mode != "forward":
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.transport.abort()
