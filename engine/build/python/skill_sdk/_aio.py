"""An asyncio event loop for the sandbox, where the default loop cannot start.

asyncio's selector loop opens a socket pair to wake itself; the sandbox grants no
sockets. This loop has nothing to wake: it runs in the one thread there is, its
"selector" waits on the host's in-flight HTTP requests (``http-wait``) or sleeps until
the next timer, so ``asyncio.sleep``, ``gather`` and overlapping ``afetch`` calls work.
"""

from __future__ import annotations

import asyncio
import time
from asyncio import base_events
from json import dumps, loads
from typing import Any


class _HostSelector:
    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[Any]] = {}

    def select(self, timeout: float | None) -> list[Any]:
        if self.pending:
            import wit_world

            wait_ms = 3_600_000 if timeout is None else max(0, int(timeout * 1000))
            for item in loads(wit_world.http_wait(dumps(list(self.pending)), wait_ms)):
                future = self.pending.pop(item["id"], None)
                if future is not None and not future.done():
                    future.set_result(item["result"])
        elif timeout is None:
            raise RuntimeError("the handler awaits something that can never finish in the sandbox")
        elif timeout > 0:
            time.sleep(timeout)
        return []

    def close(self) -> None:
        self.pending.clear()


class HostLoop(base_events.BaseEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self._selector = _HostSelector()

    def _process_events(self, event_list: list[Any]) -> None:
        pass

    def _write_to_self(self) -> None:
        pass


def run(coro: Any) -> Any:
    """Run an async handler to its end on a fresh HostLoop."""
    loop = HostLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def http(request: dict[str, Any]) -> dict[str, Any]:
    """Start a request on the host and wait for it without blocking the loop's other tasks."""
    import wit_world

    started = loads(wit_world.http_start(dumps(request)))
    if "error" in started:
        return started
    loop = asyncio.get_running_loop()
    if not isinstance(loop, HostLoop):
        raise RuntimeError("afetch runs only inside a skill's async handler")
    future: asyncio.Future[Any] = loop.create_future()
    loop._selector.pending[started["id"]] = future
    return await future
