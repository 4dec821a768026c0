"""`/metrics`: what one server did, in the Prometheus text format, from a private registry (nothing
else in the process can add to it, and two servers in one test process do not share counts).

Counted in two places, so every door is counted alike:
- `Metrics` is a `RunObserver` on the gate: a run is counted when it ends, whether REST or MCP started
  it (`skill_runs_total`, `skill_run_duration_seconds`, the outbound requests of the network issue),
  and each refusal (`skill_rate_limited_total` for 429s, `skill_runs_refused_total` for every reason).
- `Measured` is a pure-ASGI middleware, outermost, so the guards' refusals are counted too:
  `skill_http_requests_total` and `skill_http_request_duration_seconds` (for a stream, until its reply
  ended). It only watches `send` for the status: the app's `receive` is untouched, so SSE and
  disconnect detection work as without it.

Labels are names from closed sets, never what a client sent: the route is the table's route name
(`mcp` for the MCP endpoint, `other` for any other path), methods outside HTTP's own are `other`, and
outbound hosts stop at MAX_HOSTS distinct names (a skill trying many hosts cannot grow the registry).
No arguments or run ids. prometheus-client is imported here only, and this module only by `serve`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from engine.errors import Refused
    from engine.events import RequestRecord, RunResult
    from engine.serve.gate import RunGate
    from engine.serve.table import ApiRoute

MAX_HOSTS = 200  # distinct outbound host labels; later ones count as "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
RUN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self, gate: RunGate):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter(
            "skill_runs", "Runs ended, by outcome", ["skill", "instance", "tool", "source", "outcome"], registry=r
        )
        self.run_seconds = Histogram(
            "skill_run_duration_seconds", "Run durations", ["skill", "tool", "source"], buckets=RUN_BUCKETS, registry=r
        )
        in_flight = Gauge("skill_runs_in_flight", "Runs going now", registry=r)
        in_flight.set_function(lambda: gate.in_flight)
        self.rate_limited = Counter(
            "skill_rate_limited", "Runs refused over the rate limit (429)", ["source"], registry=r
        )
        self.refused_runs = Counter(
            "skill_runs_refused", "Runs refused before starting (429 rate limit, 503 full or draining)",
            ["source", "reason"], registry=r,
        )  # fmt: skip
        self.outbound = Counter(
            "skill_outbound_requests", "Outbound HTTP requests of runs, by host and outcome", ["host", "outcome"],
            registry=r,
        )  # fmt: skip
        self.http_requests = Counter(
            "skill_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "skill_http_request_duration_seconds", "HTTP request durations (a stream: until its reply ended)",
            ["route"], buckets=HTTP_BUCKETS, registry=r,
        )  # fmt: skip
        self._hosts: set[str] = set()
        self._lock = threading.Lock()

    # ---- RunObserver ----

    def finished(self, result: RunResult) -> None:
        outcome = "ok" if result.ok else (result.stopped or "error").replace("-", "_")
        self.runs.labels(result.skill, result.instance, result.tool, result.source, outcome).inc()
        self.run_seconds.labels(result.skill, result.tool, result.source).observe(result.duration_ms / 1000)
        for record in result.requests:
            self.outbound.labels(self._host(record), _outcome(record)).inc()

    def refused(self, refusal: Refused, source: str) -> None:
        if refusal.status == 429:
            self.rate_limited.labels(source).inc()
        self.refused_runs.labels(source, refusal.reason).inc()

    def _host(self, record: RequestRecord) -> str:
        host = urlsplit(record.url).hostname or "unknown"
        with self._lock:
            if host in self._hosts:
                return host
            if len(self._hosts) >= MAX_HOSTS:
                return "other"
            self._hosts.add(host)
        return host

    # ---- the reply ----

    def render(self) -> tuple[bytes, str]:
        """The text format and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _outcome(record: RequestRecord) -> str:
    """`2xx`..`5xx` for a response, else why none came (`denied`, `timeout`, ...)."""
    if record.status is not None:
        return f"{record.status // 100}xx"
    if not record.allowed:
        return "denied"
    return (record.error or "error").replace("-", "_")


class RouteNames:
    """A request path as its route's name: the table's names, `mcp`, or `other`."""

    def __init__(self, table: list[ApiRoute], mcp_path: str | None):
        from starlette.routing import compile_path

        self.exact = {r.path: r.name for r in table if "{" not in r.path}
        if mcp_path is not None:
            self.exact[mcp_path] = "mcp"
        self.patterns = [(compile_path(r.path)[0], r.name) for r in table if "{" in r.path]

    def __call__(self, path: str) -> str:
        name = self.exact.get(path)
        if name is not None:
            return name
        for pattern, name in self.patterns:
            if pattern.match(path):
                return name
        return "other"


class Measured:
    """Counts and times every HTTP request (pure ASGI: it wraps `send` only, to learn the status)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, names: RouteNames):
        self.app = app
        self.metrics = metrics
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500  # the app failed before it answered (uvicorn replies 500)

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            route = self.names(scope["path"])
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.http_requests.labels(route, method, str(status)).inc()
            self.metrics.http_seconds.labels(route).observe(time.perf_counter() - start)


def measured(app: Any, metrics: Metrics, table: list[ApiRoute], mcp_path: str | None) -> Any:
    return Measured(app, metrics, RouteNames(table, mcp_path))
