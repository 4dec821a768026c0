"""`POST /api/v1/stream`: one run as server-sent events, as it happens.

The body is `execute`'s. Everything that can refuse the run (the body, an unknown skill, tool or
instance, bad arguments, a not-ready instance, the gate's 429/503) answers before the first byte, as a
plain JSON error: the run is started first, and the reply begins only once the engine says it started.
Then the events, each with an `id:` counter:

    start   {run_id, skill, instance, tool}
    output  {stream, text}            one per line the skill writes, masked by the engine
    request {method, url, status, ...} one per outbound request (`RequestRecord.to_json`)
    done    the run's result, as `execute` replies it, plus `dropped_output`
    close   {}

with a `: ping` comment every 15 s of silence (proxies close idle connections). A run that fails after
it started (its component cannot load) ends with `error` (the error body) and `close`.

The run's events come from its worker thread and from the one thread that follows every run's output:
neither may wait for a slow client, so the queue between them and the reply is bounded, and output lines
beyond it are dropped and counted. A client that goes away stops its run (history: `stopped:
"cancelled"`); the run still ends through the gate, so it is counted like any other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from engine.errors import ApiError, SkillError
from engine.events import RunEvent, RunOutput, RunRequest, RunStarted
from engine.serve import models as m
from engine.serve.runs import API
from engine.serve.table import ApiRoute, parse_body

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import Receive, Scope, Send

    from engine.events import RunResult
    from engine.serve.context import ServeContext

log = logging.getLogger("skill.serve")

QUEUE_EVENTS = 1024  # events waiting for a slow client; output lines beyond are dropped
PING_S = 15.0


class EventQueue:
    """The run's events, from any thread to the reply on the event loop. `put` never blocks: past
    `limit` waiting events an output line is dropped and counted (start, requests and the end are kept)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = QUEUE_EVENTS):
        self._loop = loop
        self._limit = limit
        self._lock = threading.Lock()
        self._items: deque[RunEvent] = deque()
        self._wake = asyncio.Event()
        self._woken = False  # a wake-up is on its way: later puts need not send another
        self.dropped = 0

    def put(self, event: RunEvent) -> None:
        with self._lock:
            if isinstance(event, RunOutput) and len(self._items) >= self._limit:
                self.dropped += 1
                return
            self._items.append(event)
            if self._woken:
                return
            self._woken = True
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the loop is closed: the server is stopping, nobody reads this run
            pass

    def wake(self) -> None:
        """From the event loop: look again (the run ended)."""
        self._wake.set()

    def take(self) -> list[RunEvent]:
        """Everything waiting (on the event loop)."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._woken = False
            self._wake.clear()
        return items

    async def wait(self, timeout: float) -> bool:
        """Until something was put or `wake` was called; False after `timeout` s of nothing."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        return True


class LiveRun:
    """One run started through the gate, its events queued for the reply."""

    def __init__(self, ctx: ServeContext, ref: str, args: dict[str, Any], timeout: float | None, principal: str | None):
        self.cancel = threading.Event()
        self.queue = EventQueue(asyncio.get_running_loop())
        self.task = asyncio.create_task(
            ctx.gate.run(
                ref,
                args,
                source="rest",
                principal=principal,
                timeout=timeout,
                on_event=self.queue.put,
                cancel=self.cancel,
            )
        )
        self.task.add_done_callback(self._ended)
        self.pending: list[RunEvent] = []

    def _ended(self, task: asyncio.Task[RunResult]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved here: a run whose client left has nobody else to ask
        self.queue.wake()

    async def started(self) -> None:
        """Until the engine started the run; raises what refused it (nothing was sent yet)."""
        while True:
            ended = self.task.done()  # asked before `take`: a run that ended has put all its events
            self.pending = self.queue.take()
            if self.pending:
                return
            if ended:
                self.task.result()  # raises the refusal
                return
            await self.queue.wait(PING_S)

    def leave(self) -> None:
        """The reply is over (finished, or the client went away): stop the run if it still goes."""
        if not self.task.done():
            self.cancel.set()

    async def events(self) -> AsyncIterator[bytes]:
        """The reply: the events that arrived together go out in one write (a run's start, or its last
        lines, done and close, are one packet), a ping after PING_S of silence."""
        counter = 0

        def sse(message: tuple[str, Any]) -> bytes:
            nonlocal counter
            counter += 1
            event, data = message
            return f"id: {counter}\nevent: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()

        while True:
            ended = self.task.done()  # before `take`, as in `started`
            items, self.pending = self.pending or self.queue.take(), []
            if items:
                chunk = b"".join(sse(m) for m in map(_message, items) if m is not None)
                if chunk:  # not RunFinished alone
                    yield chunk
            elif ended:
                break
            elif not await self.queue.wait(PING_S):
                yield b": ping\n\n"
        yield sse(self._end()) + sse(("close", {}))

    def _end(self) -> tuple[str, Any]:
        """`done` with the result, or `error` (after the first byte an error can only be an event)."""
        try:
            result = self.task.result()
        except SkillError as e:
            return "error", ApiError.of(e).body()
        except Exception as e:
            log.error("a streamed run failed in the server: %r", e)
            return "error", ApiError(500, "the run failed in the server; its log says why").body()
        return "done", {**result.to_report(), "dropped_output": self.queue.dropped}


def _message(e: RunEvent) -> tuple[str, Any] | None:
    """An engine event as (SSE event, data); None for RunFinished (the result comes with `done`)."""
    if isinstance(e, RunStarted):
        return "start", {"run_id": e.run_id, "skill": e.skill, "instance": e.instance, "tool": e.tool}
    if isinstance(e, RunOutput):
        return "output", {"stream": e.stream, "text": e.text}
    if isinstance(e, RunRequest):
        return "request", e.record.to_json()
    return None


def _stream_response(run: LiveRun) -> Response:
    from starlette.responses import StreamingResponse

    class RunStream(StreamingResponse):
        """Stops the run when the reply ends, however it ends (the client leaving cancels the reply)."""

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await super().__call__(scope, receive, send)
            finally:
                run.leave()

    return RunStream(
        run.events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def stream(request: Request, ctx: ServeContext) -> Response:
    import anyio

    from engine.mcp.server import PRINCIPAL
    from engine.serve.runs import served_ref

    body = await parse_body(request, m.ExecuteRequest)
    ref = await anyio.to_thread.run_sync(served_ref, ctx, body)
    run = LiveRun(ctx, ref, body.args, body.timeout_s, request.scope.get(PRINCIPAL))  # the caller, for rate limits
    try:
        await run.started()
    except BaseException:
        run.leave()
        raise
    return _stream_response(run)


ROUTES = [
    ApiRoute(
        "POST",
        f"{API}/stream",
        "streamRun",
        "Run a tool and follow it as server-sent events: start, output lines, requests, done, close",
        stream,
        body=m.ExecuteRequest,
        responses={
            200: None,
            400: m.ErrorBody,
            404: m.ErrorBody,
            409: m.ErrorBody,
            415: m.ErrorBody,
            429: m.ErrorBody,
            503: m.ErrorBody,
        },
        media="text/event-stream",
    ),
]
