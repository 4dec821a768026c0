"""How long an idle `skill serve --http` takes to exit after SIGTERM, beside a baseline measured in the
same run: a bare Starlette app (one route) on the same uvicorn, stopped the same way.

- the time from SIGTERM to the process's exit, median and max over ROUNDS rounds each, the server
  started afresh each round and answering once before the signal
- `skill serve` twice: with no client, and with an MCP client connected (its session holds a
  notification stream open, which uvicorn waits for)
- target: skill serve <= 0.5 s (the issue's figure)

Run: .venv/bin/python bench/bench_serve_stop.py
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time

from common import REPO, median, row, setup_home

ROUNDS = 7

BASELINE = """
import socket, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def health(request):
    return PlainTextResponse("ok")

sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(128)
print(f"baseline on http://127.0.0.1:{sock.getsockname()[1]}/mcp", file=sys.stderr, flush=True)
uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/health", health)]), log_level="warning")).run(sockets=[sock])
"""


def start(command: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while True:
        line = proc.stderr.readline()  # type: ignore[union-attr]
        if found := re.search(r"https?://\S+", line):
            return proc, found[0]
        if not line:
            raise SystemExit(f"{command} did not start")


def stop(proc: subprocess.Popen) -> float:
    started = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    return time.perf_counter() - started


def plain(command: list[str], code: int | None = 0) -> float:
    """`code`: the exit status it must end with (uvicorn alone re-raises the signal: -15)."""
    import httpx

    proc, url = start(command)
    httpx.get(url.removesuffix("/mcp") + "/health").raise_for_status()
    took = stop(proc)
    assert code is None or proc.returncode == code, proc.returncode
    return took


def with_client(command: list[str]) -> float:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def go() -> float:
        proc, url = start(command)
        async with streamable_http_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.list_tools()
                took = await asyncio.to_thread(stop, proc)
        assert proc.returncode == 0, proc.returncode
        return took

    return asyncio.run(go())


def main() -> None:
    import logging

    logging.getLogger("mcp").setLevel(logging.CRITICAL)  # the client's "session termination failed"
    setup_home()
    os.environ["PYTHONPATH"] = str(REPO)
    serve = [sys.executable, "-m", "engine.cli", "serve", "--http", "--port", "0"]
    baseline = [sys.executable, "-c", BASELINE]
    base, idle, connected = [], [], []
    for _ in range(ROUNDS):  # interleaved, so a busy moment of the machine touches all three alike
        base.append(plain(baseline, code=None))
        idle.append(plain(serve))
        connected.append(with_client(serve))
    print(f"SIGTERM to exit of an idle HTTP server, {ROUNDS} rounds each (median / max)")
    for label, times, note in (
        ("baseline: bare Starlette app on uvicorn", base, ""),
        ("skill serve --http, no client", idle, "target <= 0.5 s"),
        ("skill serve --http, an MCP client connected", connected, "target <= 0.5 s"),
    ):
        row(label, f"{median(times):.3f} / {max(times):.3f} s", note)


if __name__ == "__main__":
    main()
