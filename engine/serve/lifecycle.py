"""Whether the server takes new work, and how it stops.

`/ready` answers from `Lifecycle`, the gate refuses runs from it. `until_signalled` is the stop: the
first SIGTERM (or SIGINT) drains (`/ready` turns 503, new runs are refused, runs in flight go on to
their end, for at most `drain_seconds`), then returns so the caller stops serving; a second signal
cuts the wait short. `StartedWhenReady` marks the server ready once the app's start-up (the MCP
session manager) has completed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("skill.serve")
POLL_S = 0.05  # how often a drain looks at the runs in flight


class Lifecycle:
    """starting -> ready -> draining. Thread-safe: runs finish in worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: set[str] = {"starting"}
        self.draining = False

    def not_ready(self, reason: str) -> None:
        with self._lock:
            self._reasons.add(reason)

    def ready(self, reason: str = "starting") -> None:
        with self._lock:
            self._reasons.discard(reason)

    def drain(self) -> None:
        """SIGTERM: stop taking new work; runs in flight go on to their end."""
        with self._lock:
            self.draining = True
            self._reasons.add("draining")

    @property
    def reasons(self) -> list[str]:
        with self._lock:
            return sorted(self._reasons)

    @property
    def is_ready(self) -> bool:
        with self._lock:
            return not self._reasons


async def until_signalled(
    lifecycle: Lifecycle, in_flight: Callable[[], int], drain_seconds: float, *, task_status: Any
) -> None:
    """Wait for SIGTERM or SIGINT (`task_status` is told once they are caught), drain, and return
    when no run is in flight, `drain_seconds` passed, or a second signal came."""
    import signal

    import anyio

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        task_status.started()
        async for signum in signals:
            log.info("%s: draining (%d runs in flight)", signal.Signals(signum).name, in_flight())
            break
        lifecycle.drain()
        async with anyio.create_task_group() as tg:

            async def second_signal() -> None:
                async for _ in signals:
                    log.warning("a second signal: stopping now")
                    tg.cancel_scope.cancel()

            tg.start_soon(second_signal)
            with anyio.move_on_after(drain_seconds):
                while in_flight():
                    await anyio.sleep(POLL_S)
            tg.cancel_scope.cancel()
    if left := in_flight():
        log.warning("stopping with %d runs still going after %g s", left, drain_seconds)


class StartedWhenReady:
    """Pure ASGI: marks `lifecycle` ready when the app says its start-up completed."""

    def __init__(self, app: ASGIApp, lifecycle: Lifecycle):
        self.app = app
        self.lifecycle = lifecycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def told(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.lifecycle.ready()
            await send(message)

        await self.app(scope, receive, told)
