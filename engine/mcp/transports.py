"""How a `SkillServer` is reached: stdio (one client, the usual case) or streamable HTTP on a
socket, with the registration the control panel reads and a clean exit on SIGTERM."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from engine.background import background
from engine.errors import UsageError
from engine.mcp.registry import Registration
from engine.mcp.server import ServeOptions, SkillServer

if TYPE_CHECKING:
    from engine.api import Engine

log = logging.getLogger("skill.serve")


def init_options(server: SkillServer) -> Any:
    """The handshake's options: this server announces changes of its tools, resources and prompts."""
    from mcp.server import NotificationOptions

    changes = NotificationOptions(tools_changed=True, resources_changed=True, prompts_changed=True)
    return server.server.create_initialization_options(changes)


async def run_stdio(server: SkillServer) -> None:
    """Serve one client on stdin/stdout until it closes stdin, watching the store meanwhile."""
    import anyio

    from engine.mcp.stdio import stdio_streams

    async with anyio.create_task_group() as tg:
        tg.start_soon(server.watch)
        async with stdio_streams() as (read, write):
            await server.server.run(read, write, init_options(server))
        tg.cancel_scope.cancel()  # the client closed stdin: stop watching


async def run_http(server: SkillServer, sock: Any, host: str, path: str = "/mcp") -> None:
    """Serve streamable HTTP on `sock` until the process is stopped, watching the store meanwhile."""
    import anyio
    import uvicorn

    app = server.server.streamable_http_app(streamable_http_path=path, host=host)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    http = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.watch)
        await http.serve(sockets=[sock])
        tg.cancel_scope.cancel()


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


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only: anything else gets a warning (there is no authentication)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    engine: Engine,
    options: ServeOptions,
    *,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = 8765,
    path: str = "/mcp",
) -> None:
    """Run the server until the client leaves (stdio) or the process is stopped (HTTP)."""
    import gc
    import signal

    import anyio

    server = SkillServer(engine, options)
    if http:
        sock = open_socket(host, port)
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        address = f"http://{shown}:{bound[1]}{path}"
        registration = Registration(engine.home, "http", address)
        if not is_loopback(host):
            print(
                f"skill serve: warning: listening on {host}, not loopback; anyone who can reach it can run "
                "your skills (there is no authentication)",
                file=sys.stderr,
            )
    else:
        registration = Registration(engine.home, "stdio", "stdio")
    server.registration = registration
    registration.write(len(server.catalog))

    def stop(signum: int, _frame: Any) -> None:
        registration.remove()
        background().flush(timeout=2)  # the last calls' history
        os._exit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    gc.freeze()  # the start-up objects (SDK, pydantic models) stay out of every later collection
    try:
        if http:
            print(f"skill serve: {len(server.catalog)} tools on {address}", file=sys.stderr, flush=True)
            anyio.run(run_http, server, sock, host, path)
        else:
            log.info("%d tools over stdio", len(server.catalog))
            anyio.run(run_stdio, server)
    finally:
        signal.signal(signal.SIGTERM, previous)
        registration.remove()
