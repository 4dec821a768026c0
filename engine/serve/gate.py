"""`RunGate`: the one way a served run starts, whichever door it came through (REST `execute` and
`stream`, MCP `tools/call`, an Agent Skill script through `run_skill_script`). It refuses new work while draining, applies the per-token rate limit and
the bound on runs in flight, runs `Engine.run` in a worker thread (cancelled when the client leaves),
and tells its observers (metrics, the JSON log line, the control panel's request counter)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine.errors import Refused

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.events import OnEvent, RunResult
    from engine.serve.lifecycle import Lifecycle
    from engine.serve.options import RateLimit

T = TypeVar("T")
ANONYMOUS = "anonymous"  # the rate-limit key of a run with no caller known (a server without HTTP)


class RunObserver(Protocol):
    """Told of every served run: metrics, the JSON log line, the request counter. (Runs in flight
    are `RunGate.in_flight`; input the engine rejects before running is not a run.)"""

    def finished(self, result: RunResult) -> None: ...

    def refused(self, refusal: Refused, source: str) -> None: ...


class RunGate:
    def __init__(
        self, engine: Engine, lifecycle: Lifecycle, *, max_in_flight: int = 32, rate_limit: RateLimit | None = None
    ):
        from engine.serve.ratelimit import RateLimiter

        self.engine = engine
        self.lifecycle = lifecycle
        self.max_in_flight = max_in_flight
        self.observers: list[RunObserver] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self._limiter: Any = None  # anyio.CapacityLimiter, made inside the event loop
        self.rate = RateLimiter(rate_limit) if rate_limit else None

    def check(self, principal: str | None, source: str) -> None:
        """Raise `Refused` if a run may not start now (before any byte of a reply is sent). The rate
        limit is asked last, so a run refused for another reason does not use up the caller's allowance."""
        refusal = None
        if self.lifecycle.draining:
            refusal = Refused(
                "the server is shutting down; send the run to another replica", status=503, reason="draining"
            )
        elif self.in_flight >= self.max_in_flight:
            refusal = Refused(
                f"the server is running {self.in_flight} runs, its limit; try again shortly",
                status=503,
                reason="full",
                retry_after=1,
            )
        elif self.rate is not None and (wait := self.rate.take(principal or ANONYMOUS)) is not None:
            refusal = Refused(
                f"over the rate limit of {self.rate.describe()} for this caller; try again in {wait:g} s",
                status=429,
                reason="rate_limited",
                retry_after=wait,
            )
        if refusal is not None:
            for o in self.observers:
                o.refused(refusal, source)
            raise refusal

    async def run(
        self,
        ref: str,
        args: dict[str, Any],
        *,
        source: str,
        principal: str | None = None,
        timeout: float | None = None,
        on_event: OnEvent | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """`Engine.run` in a worker thread, counted. Bad input raises the engine's SkillError before
        anything runs; a client that goes away (the task is cancelled) stops the run in its thread."""

        def run(stop: threading.Event) -> RunResult:
            return self.engine.run(ref, args, timeout=timeout, on_event=on_event, cancel=stop, source=source)

        result = await self.gated(run, source=source, principal=principal, cancel=cancel)
        for o in self.observers:
            o.finished(result)
        return result

    async def gated(
        self,
        work: Callable[[threading.Event], T],
        *,
        source: str,
        principal: str | None = None,
        cancel: threading.Event | None = None,
    ) -> T:
        """`work(cancel)` in a worker thread under the gate's rules (draining, in flight, rate limit);
        `cancel` is set when the client goes away."""
        import anyio

        self.check(principal, source)
        cancel = cancel or threading.Event()
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.max_in_flight)
        with self._lock:
            self.in_flight += 1
        try:
            return await anyio.to_thread.run_sync(work, cancel, limiter=self._limiter, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            cancel.set()  # the client left: stop the work in its thread too
            raise
        finally:
            with self._lock:
                self.in_flight -= 1
