"""Running `skill serve`: stdio (one client), or the HTTP app on a socket with uvicorn, with the
registration the control panel reads and a clean stop on SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.background import background
from engine.distribution.safety import is_loopback
from engine.errors import UsageError
from engine.mcp.registry import Registration
from engine.mcp.server import ServeOptions, SkillServer
from engine.serve.activity import RunRate
from engine.serve.gate import RunGate
from engine.serve.lifecycle import Lifecycle, until_signalled
from engine.serve.options import DRAIN_S, HttpOptions

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.serve.context import ServeContext

log = logging.getLogger("skill.serve")


GRACE_S = 2  # once runs drained: how long other replies still open may take before they are cut


async def run_http(ctx: ServeContext, sock: Any) -> None:
    """Serve the app on `sock` until SIGTERM or SIGINT has drained it, watching the store meanwhile."""
    import anyio
    import uvicorn

    from engine.serve.app import build_app
    from engine.serve.metrics import Metrics

    ctx.metrics = Metrics(ctx.gate)
    ctx.gate.observers.append(ctx.metrics)
    if ctx.options.log_json:
        from engine.serve.runlog import RunLog

        ctx.gate.observers.append(RunLog())
    app = build_app(ctx)
    options = ctx.options
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        ssl_certfile=options.tls_cert,  # loaded once already by check_start: a bad file never gets here
        ssl_keyfile=options.tls_key,
        timeout_graceful_shutdown=GRACE_S,
    )
    http = _uvicorn_server()(config, ctx)

    async def stop_when_signalled(*, task_status: Any) -> None:
        await until_signalled(ctx.lifecycle, lambda: ctx.gate.in_flight, options.drain_seconds, task_status=task_status)
        http.should_exit = True

    async with anyio.create_task_group() as tg:
        await tg.start(stop_when_signalled)
        tg.start_soon(ctx.server.watch)
        if ctx.server.registration is not None:  # the control panel's requests per minute
            rate = RunRate()
            ctx.gate.observers.append(rate)
            tg.start_soon(rate.publish, ctx.server.registration)
        await http.serve(sockets=[sock])
        tg.cancel_scope.cancel()


def _uvicorn_server() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, stopped by `until_signalled` rather than by its own signal handler (which stops at
        once, and which sse-starlette patches to cut every SSE reply, MCP results of runs still going
        among them). Its shutdown first ends the MCP sessions' notification streams: they never end
        on their own, and uvicorn waits for every open reply (sse-starlette would notice the stop
        only at its next half-second look)."""

        def __init__(self, config: uvicorn.Config, ctx: ServeContext):
            super().__init__(config)
            self.ctx = ctx

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        async def shutdown(self, sockets: list[Any] | None = None) -> None:
            for server in self.servers:
                server.close()  # no new connection: a client cannot open another stream meanwhile
            for connection in list(self.server_state.connections):
                connection.shutdown()  # idle keep-alive connections close; busy ones after their reply
            end_notification_streams(self.ctx)
            await super().shutdown(sockets)

    return Server


def end_notification_streams(ctx: ServeContext) -> None:
    """Close the standalone GET stream of every MCP session (its client sees the stream end).
    The SDK (2.3) has no public list of its sessions: this reads the session manager's private
    `_server_instances`, and without it the streams end at GRACE_S."""
    if not ctx.options.mcp or ctx.options.stateless:
        return
    manager = ctx.server.server.session_manager
    for transport in list(getattr(manager, "_server_instances", {}).values()):
        transport.close_standalone_sse_stream()


def open_socket(host: str, port: int) -> Any:
    """A listening TCP socket on host:port (port 0: a free one)."""
    import socket

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    if not infos:
        raise UsageError(f"--host {host}: cannot resolve it")
    family, kind, proto, _name, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}; pick another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def check_start(http: HttpOptions) -> None:
    """Refuse, before binding anything, a server that must not start: off loopback without a token
    (anyone who reaches it could run the skills), or TLS files that do not load."""
    if not is_loopback(http.host) and not http.token:
        raise UsageError(
            f"--host {http.host} is not loopback, so anyone who reaches it could run your skills: make a token "
            "with (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > serve.token) "
            "and add --token-file serve.token (or set SKILL_SERVE_TOKEN)"
        )
    if http.tls_cert is not None:
        check_tls(http.tls_cert, http.tls_key)


def check_tls(cert: Path, key: Path | None) -> None:
    """Load the PEM files as the server will, or say in one line what is wrong with them."""
    import ssl

    def encrypted() -> bytes:  # OpenSSL would otherwise ask for the passphrase on the terminal
        raise UsageError(f"--tls-key {key}: the key is encrypted; give it unencrypted, readable by this user only")

    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if path is not None and not path.is_file():
            raise UsageError(f"{flag} {path}: no such file (give the path of a PEM file)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=encrypted)
    except ssl.SSLError as e:
        raise UsageError(
            f"--tls-cert {cert} / --tls-key {key}: not a PEM certificate chain and its private key "
            f"({(e.reason or 'unreadable PEM').lower().replace('_', ' ')})"
        ) from None
    except OSError as e:
        raise UsageError(f"--tls-cert {cert} / --tls-key {key}: cannot read them ({e.strerror or e})") from None


def serve(engine: Engine, options: ServeOptions, http: HttpOptions | None = None) -> None:
    """Run the server until the client leaves (stdio, `http` None) or SIGTERM/SIGINT stopped it (both:
    runs in flight finish first). Then the registration goes and the last runs' history is written."""
    import gc
    import signal

    import anyio

    from engine.serve.context import ServeContext

    if http is not None:
        check_start(http)
    lifecycle = Lifecycle()
    gate = RunGate(
        engine,
        lifecycle,
        max_in_flight=http.max_in_flight if http else 32,
        rate_limit=http.rate_limit if http else None,
    )
    if http is not None and http.stateless:  # no session outlives a request: nobody to announce changes to
        options = replace(options, announce=False)
    server = SkillServer(engine, gate, options)
    if http is not None:
        sock = open_socket(http.host, http.port)
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        url = f"{http.scheme}://{shown}:{bound[1]}"
        address = f"{url}{http.mcp_path}"
        registration = Registration(engine.home, "http", address, url=url, mcp=http.mcp, rest=http.rest)
    else:
        registration = Registration(engine.home, "stdio", "stdio")
    server.registration = registration
    registration.write(len(server.catalog))
    gc.freeze()  # the start-up objects (SDK, pydantic models) stay out of every later collection
    previous = {sig: signal.signal(sig, _stop_before_serving) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if http is not None:
            ctx = ServeContext(engine, server, http, gate, lifecycle)
            print(f"skill serve: {len(server.catalog)} tools on {address}", file=sys.stderr, flush=True)
            anyio.run(run_http, ctx, sock)
        else:
            log.info("%d tools over stdio", len(server.catalog))
            anyio.run(serve_stdio, server, lifecycle, gate)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        registration.remove()
        background().flush(timeout=5)  # the last runs' history


def _stop_before_serving(signum: int, _frame: Any) -> None:
    """A signal before the event loop catches them (or after): nothing is running, stop cleanly."""
    raise SystemExit(0)


async def serve_stdio(server: SkillServer, lifecycle: Lifecycle, gate: RunGate) -> None:
    """MCP over stdio until the client closes stdin, or a signal drained it."""
    import anyio

    from engine.mcp.transports import run_stdio

    async with anyio.create_task_group() as tg:

        async def stop_when_signalled(*, task_status: Any) -> None:
            await until_signalled(lifecycle, lambda: gate.in_flight, DRAIN_S, task_status=task_status)
            tg.cancel_scope.cancel()

        await tg.start(stop_when_signalled)
        lifecycle.ready()
        await run_stdio(server)
        tg.cancel_scope.cancel()
