"""One call's network: the host side of `http-request`, `http-start` and `http-wait`.

Epoch interruption only reaches a guest running wasm; a guest blocked in a host function is Python's to
stop. So every request runs on a worker thread, and the guest's thread (blocked in the host function)
polls every POLL_S: on a stop (timeout, ctrl+t, MCP cancellation, output limit) it cuts the call's
sockets, which ends the workers at once, and raises `Stopped`, which the runtime turns into a trap. The
same workers give `http-start`/`http-wait` their concurrency (`Promise.all` overlaps), bounded per call.

Every request is counted against the run's `max_requests`, and every hop, allowed or refused, becomes a
RequestRecord: kept in `records` and handed to `on_request` as it finishes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.events import RequestRecord
from engine.network.hosts import Resolver, system_resolver
from engine.network.policy import NetworkPolicy
from engine.network.wire import RequestFailed, WireRequest, audit_url, error_json, parse_request

if TYPE_CHECKING:
    from engine.network.client import HttpClient

OnRecord = Callable[[RequestRecord], None]

POLL_S = 0.02
MAX_IN_FLIGHT = 6  # per call; more started requests queue behind these
ABORT_GRACE_S = 0.5  # how long a stop waits for cut requests to finish (they end within ~1 ms)

StopReason = Callable[[], str | None]


class Stopped(Exception):
    """The run was stopped while its guest waited on the network: the host function must trap now."""

    def __init__(self, reason: str, during: str | None):
        super().__init__(f"skill stopped: {reason}" + (f" during {during}" if during else ""))
        self.reason = reason


@dataclass
class _Flight:
    id: int
    method: str
    url: str  # as the audit keeps it
    future: Future[str]

    @property
    def shown(self) -> str:
        return f"{self.method} {self.url}"


class NetworkSession:
    """The network state of one call: its policy and deadline, requests in flight, and their records.

    `policy` None means no network at all: every request is refused with the grant that would allow it.
    `deadline` is the run's (time.monotonic()); each request's own deadline is clamped to it.
    `stop_reason` says whether the run must stop now ("timeout", "cancelled", ...), from any thread.
    """

    def __init__(
        self,
        policy: NetworkPolicy | None,
        *,
        deadline: float,
        stop_reason: StopReason,
        on_request: OnRecord | None = None,
        resolver: Resolver = system_resolver,
    ):
        self.policy = policy if policy is not None else NetworkPolicy(skill="SKILL")
        self.records: list[RequestRecord] = []
        self.stopped_during: str | None = None
        self._deadline = deadline
        self._stop_reason = stop_reason
        self._on_request = on_request
        self._resolver = resolver
        self._client: HttpClient | None = None  # made at the first request: httpx costs ~0.2 s to import
        self._lock = threading.Lock()
        self._flights: dict[int, _Flight] = {}
        self._workers: ThreadPoolExecutor | None = None
        self._last_id = 0
        self._count = 0
        self._closed = False

    # ---- the host functions -----------------------------------------------------------------

    def request(self, text: str) -> str:
        """`http-request`: the response (or error) JSON, once it is in. Raises Stopped on a stop."""
        flight = self._launch(text)
        if isinstance(flight, str):
            return flight
        self._await([flight], until=float("inf"))
        del self._flights[flight.id]
        return flight.future.result()

    def start(self, text: str) -> str:
        """`http-start`: `{"id": N}` at once (or the error JSON, when refused before sending)."""
        flight = self._launch(text)
        return flight if isinstance(flight, str) else json.dumps({"id": flight.id})

    def wait(self, ids_text: str, timeout_ms: int) -> str:
        """`http-wait`: `[{"id", "result"}, ...]` for the given ids that finish within `timeout_ms`.

        Ids not in flight (never started, or already delivered) never finish; if no given id is in
        flight the answer is `[]` at once. Raises Stopped on a stop.
        """
        try:
            ids = json.loads(ids_text)
        except ValueError:
            ids = None
        if not isinstance(ids, list):
            return error_json("invalid", "http-wait takes a JSON list of request ids")
        flights = [self._flights[i] for i in dict.fromkeys(ids) if isinstance(i, int) and i in self._flights]
        if not flights:
            return "[]"
        done = self._await(flights, until=time.monotonic() + max(timeout_ms, 0) / 1000)
        finished = [f for f in flights if f.future in done]
        for flight in finished:
            del self._flights[flight.id]
        # Each result is JSON this host wrote: splice it in rather than parse and dump it again.
        return "[" + ",".join(f'{{"id": {f.id}, "result": {f.future.result()}}}' for f in finished) + "]"

    # ---- end of the call --------------------------------------------------------------------

    def close(self) -> None:
        """The call is over: cut what is still in flight (recorded as stopped) and free the connections."""
        left = [f for f in self._flights.values() if not f.future.done()]
        for flight in left:
            flight.future.cancel()
        kind, why = self._cut_short()
        if self._client is not None:
            self._client.abort(kind, why)
        wait([f.future for f in left], timeout=ABORT_GRACE_S)
        with self._lock:
            self._closed = True
            cut = [
                RequestRecord(method=f.method, url=f.url, allowed=True, error=kind, reason=why)
                for f in left
                if f.future.cancelled() or not f.future.done()
            ]
            self.records.extend(cut)
        for record in cut:
            self._emit(record)
        if self._workers is not None:
            self._workers.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    # ---- inside -----------------------------------------------------------------------------

    def _launch(self, text: str) -> _Flight | str:
        """Count and check one request and hand it to a worker; the error JSON if it is refused first."""
        reason = self._stop_reason()
        if reason is not None:
            raise Stopped(reason, None)
        self._count += 1
        try:
            request = parse_request(text, self.policy.max_request_bytes)
        except RequestFailed as e:
            self._add_record(
                RequestRecord(method="?", url=_url_of(text), allowed=False, error=e.kind, reason=e.message)
            )
            return e.to_json()
        if self._count > self.policy.max_requests:
            limit = self.policy.max_requests
            if self._count == limit + 1:  # the first refusal is recorded; a loop of them is not
                self._add_record(
                    RequestRecord(
                        method=request.method,
                        url=audit_url(request.url),
                        allowed=False,
                        error="too-many",
                        reason=f"more than {limit} requests in one run; later ones are refused too",
                    )
                )
            return error_json("too-many", f"{request.shown}: this run already made {limit} requests (the limit)")
        timeout = min(self.policy.request_timeout_s, request.timeout_s or float("inf"))
        deadline = min(time.monotonic() + timeout, self._deadline)
        if self._workers is None or self._client is None:
            from engine.network.client import HttpClient

            self._client = HttpClient(self.policy, self._resolver, self._add_record)
            self._workers = ThreadPoolExecutor(MAX_IN_FLIGHT, thread_name_prefix="skill-http")
        self._last_id += 1
        future = self._workers.submit(self._send, self._client, request, deadline)
        flight = _Flight(self._last_id, request.method, audit_url(request.url), future)
        self._flights[flight.id] = flight
        return flight

    @staticmethod
    def _send(client: HttpClient, request: WireRequest, deadline: float) -> str:
        try:
            return client.fetch(request, deadline)
        except RequestFailed as e:
            return e.to_json()

    def _await(self, flights: list[_Flight], until: float) -> set[Future[str]]:
        """Wait until one of `flights` finishes or `until`, polling for a stop; Stopped if there is one."""
        futures = {f.future for f in flights}
        while True:
            done, _ = wait(futures, timeout=min(POLL_S, max(until - time.monotonic(), 0)), return_when=FIRST_COMPLETED)
            reason = self._stop_reason()
            if reason is not None:
                self._stop(reason, flights)
            if done or time.monotonic() >= until:
                return done

    def _stop(self, reason: str, awaited: list[_Flight]) -> None:
        """Cut every request of the call and raise Stopped naming the ones the guest was waiting for."""
        more = f" and {len(awaited) - 1} more" if len(awaited) > 1 else ""
        self.stopped_during = f"{awaited[0].shown}{more}"
        left = [f for f in self._flights.values() if not f.future.done()]
        if self._client is not None:
            self._client.abort(*self._cut_short())
        wait([f.future for f in left], timeout=ABORT_GRACE_S)
        raise Stopped(reason, self.stopped_during)

    def _cut_short(self) -> tuple[str, str]:
        """The error kind and message of a request the end of its call cuts short."""
        stopped = self._stop_reason()
        if stopped is None:
            return "cancelled", "the tool returned without waiting for this request"
        return ("timeout" if stopped == "timeout" else "cancelled"), f"the run was stopped ({stopped})"

    def _add_record(self, record: RequestRecord) -> None:
        with self._lock:
            if self._closed:  # a request cut at the end of the call, finishing late: already recorded
                return
            self.records.append(record)
        self._emit(record)

    def _emit(self, record: RequestRecord) -> None:
        if self._on_request is not None:
            self._on_request(record)


def _url_of(text: str) -> str:
    """The url of a request refused as malformed, as far as it can be read, for its record."""
    try:
        url = json.loads(text).get("url")
    except (ValueError, AttributeError):
        return ""
    return audit_url(url) if isinstance(url, str) else ""
