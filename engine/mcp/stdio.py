"""stdio for `skill serve`, read and written on the event loop itself.

The SDK's `stdio_server` reads stdin and writes stdout through anyio's
thread-wrapped files: each request line and each response (write, then flush) is a
round trip to a worker thread, ~0.1 ms apiece on a busy 2-core machine. MCP clients
start servers with pipes, and asyncio can read and write pipes without threads, so
when fd 0 and fd 1 are pipes or sockets these adapters stand in for the SDK's files;
the SDK's `stdio_server` still does the parsing and framing. A terminal or a file
keeps the SDK's own streams (asyncio would make a shared terminal non-blocking).

As the SDK does, the wire is moved to private descriptors while serving and fd 0/1
point at /dev/null and stderr, so stray prints cannot corrupt the protocol (for the
rest of the process: the transports close the wire when serving ends).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

MAX_LINE = 256 << 20  # one JSON-RPC message; the SDK's own reader has no bound at all


def _is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _Lines:
    """stdin as the SDK iterates it: decoded lines, ending at EOF."""

    def __init__(self, reader: asyncio.StreamReader):
        self._reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class _Output:
    """stdout as the SDK writes it: write, then flush (which waits while the pipe is full)."""

    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _claim(fd: int, diversion: int) -> int:
    """A private duplicate of `fd` (the wire); `fd` itself now points at `diversion`."""
    private = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    os.dup2(diversion, fd)
    return private


@asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's (read, write) session streams over this process's stdin/stdout."""
    from mcp.server.stdio import stdio_server

    if not (_is_pipe(0) and _is_pipe(1)):
        async with stdio_server() as streams:
            yield streams
        return
    loop = asyncio.get_running_loop()
    devnull = os.open(os.devnull, os.O_RDONLY)
    wire_in, wire_out = _claim(0, devnull), _claim(1, 2)
    os.close(devnull)
    reader = asyncio.StreamReader(limit=MAX_LINE)
    read_transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0)
    )
    write_transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0)
    )
    writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
    try:
        async with stdio_server(_Lines(reader), _Output(writer)) as streams:  # type: ignore[arg-type]
            yield streams
    finally:
        read_transport.close()
        write_transport.close()
