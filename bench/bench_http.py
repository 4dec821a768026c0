"""The REST API over a real socket: `skill serve --http` running textkit slugify (a real JS skill), beside
a baseline measured in the same run with the same client: a minimal Starlette app whose one POST route
does nothing, on uvicorn run as `skill serve` runs it (its socket, anyio's asyncio loop, the same Config).

- round trip p50/p99 over CALLS sequential keep-alive POSTs (after WARMUP): `/api/v1/execute`, and
  `/api/v1/stream` read to its `close` event; target: execute p50 <= 3x the baseline and <= 5 ms
- SSE time to the first `output` event (the probe printing one line), beside the same line's arrival
  through `Engine.run(on_event=...)` in-process (the engine's own output watcher polls every 20 ms)
- throughput with 8 concurrent clients (a thread and a keep-alive connection each), beside the baseline

Run: .venv/bin/python bench/bench_http.py   (loopback only: 127.0.0.1)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from common import ARGS, REPO, SKILL, TOOL, engine_run_ms, pct, row, setup_home

sys.path.insert(0, str(REPO / "tests"))

CALLS = 500
WARMUP = 50
CLIENTS = 8
PER_CLIENT = 100
FIRST_OUTPUT = 50  # streams timed to their first output line

BASELINE = """
import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.serve.process import open_socket


async def noop(request):
    await request.body()
    return JSONResponse({})


app = Starlette(routes=[Route("/noop", noop, methods=["POST"])])
sock = open_socket("127.0.0.1", 0)  # the server's: a plain socket.socket() has proto 0, and asyncio then
# leaves Nagle on, which costs every reply of two writes a 40 ms delayed ACK
print(sock.getsockname()[1], flush=True)
server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
anyio.run(lambda: server.serve(sockets=[sock]))  # as `skill serve` runs it
"""


def timed(client, url: str, body: dict, check: Callable[[object], bool], n: int) -> list[float]:
    """Milliseconds of `n` POSTs (after WARMUP), each checked."""
    samples = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        r = client.post(url, json=body)
        took = (time.perf_counter() - t0) * 1000
        assert check(r), r.text[:300]
        if i >= WARMUP:
            samples.append(took)
    return samples


def first_output(client, url: str, body: dict) -> float:
    """Milliseconds from sending a stream request to its first `output` event."""
    t0 = time.perf_counter()
    with client.stream("POST", url, json=body) as r:
        lines = r.iter_lines()
        for line in lines:
            if line == "event: output":
                took = (time.perf_counter() - t0) * 1000
                break
        else:
            raise AssertionError("the stream had no output event")
        for _ in lines:  # read it to its end: the next request gets the connection
            pass
    return took


def throughput(url: str, body: dict, check: Callable[[object], bool]) -> float:
    """Requests per second with CLIENTS threads, each with its own keep-alive connection."""
    import httpx

    clients = [httpx.Client(timeout=60) for _ in range(CLIENTS)]
    for c in clients:
        assert check(c.post(url, json=body))
    failures: list[str] = []

    def work(c) -> None:
        for _ in range(PER_CLIENT):
            r = c.post(url, json=body)
            if not check(r):
                failures.append(r.text[:200])

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    for c in clients:
        c.close()
    assert not failures, failures[:3]
    return CLIENTS * PER_CLIENT / took


def engine_first_output(body: dict) -> list[float]:
    """Milliseconds from `Engine.run` to its first output line, in-process."""
    from engine.api import Engine
    from engine.events import RunOutput

    engine = Engine()
    samples = []
    for _ in range(FIRST_OUTPUT):
        seen = threading.Event()
        marks: list[float] = []

        def on_event(e, marks=marks, seen=seen) -> None:
            if isinstance(e, RunOutput) and not seen.is_set():
                marks.append(time.perf_counter())
                seen.set()

        t0 = time.perf_counter()
        assert engine.run(f"{body['skill']}:{body['tool']}", body["args"], on_event=on_event).ok
        samples.append((marks[0] - t0) * 1000)
    return samples


def main() -> None:
    import httpx

    from engine.api import Engine
    from engine.home import Home
    from fixtures.serve import served

    setup_home()
    probe = Engine().install(REPO / "tests" / "fixtures" / "probe").skill.name
    baseline = subprocess.Popen(
        [sys.executable, "-c", BASELINE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        noop = f"http://127.0.0.1:{baseline.stdout.readline().strip()}/noop"  # type: ignore[union-attr]
        with served(Home.from_env(), "--http", "--poll", "1") as s, httpx.Client(timeout=60) as client:
            run = {"skill": SKILL, "tool": TOOL, "args": ARGS}
            printing = {"skill": probe, "tool": "print", "args": {"lines": 1}}
            execute, stream = f"{s.base}/api/v1/execute", f"{s.base}/api/v1/stream"
            has_execute = client.post(execute, json=run).status_code != 404

            def ok(r) -> bool:
                return r.status_code == 200

            def ran(r) -> bool:
                return r.status_code == 200 and r.json()["ok"]

            def streamed(r) -> bool:
                return r.status_code == 200 and '"ok": true' in r.text and "event: close" in r.text

            print(f"REST round trip, {CALLS} sequential keep-alive POSTs each after {WARMUP} warm-up")
            base = timed(client, noop, run, ok, CALLS)
            row("baseline: Starlette no-op POST route, p50", f"{pct(base, 50):.2f} ms")
            row("baseline p99", f"{pct(base, 99):.2f} ms")
            if has_execute:
                rest = timed(client, execute, run, ran, CALLS)
                ratio = pct(rest, 50) / pct(base, 50)
                row(f"POST /api/v1/execute {SKILL} {TOOL}, p50", f"{pct(rest, 50):.2f} ms", "target <= 5 ms")
                row("execute p99", f"{pct(rest, 99):.2f} ms")
                row("ratio of p50s (execute / baseline)", f"{ratio:.2f}x", "target <= 3x")
            else:
                row("POST /api/v1/execute", "not served", "(404: this tree has no execute route)")
            direct = engine_run_ms(CALLS, WARMUP)
            row("for reference: Engine.run in-process (no HTTP), p50", f"{pct(direct, 50):.2f} ms")
            sse = timed(client, stream, run, streamed, CALLS)
            row(f"POST /api/v1/stream {SKILL} {TOOL} to close, p50", f"{pct(sse, 50):.2f} ms")
            row("stream p99", f"{pct(sse, 99):.2f} ms", f"{pct(sse, 50) / pct(base, 50):.2f}x the baseline p50")

            print(f"\nSSE: time to the first `output` event, {FIRST_OUTPUT} streams of {probe} print (1 line)")
            firsts = [first_output(client, stream, printing) for _ in range(FIRST_OUTPUT)]
            inproc = engine_first_output(printing)
            row("in-process Engine.run: first output line, p50", f"{pct(inproc, 50):.2f} ms")
            row("POST /api/v1/stream: first output event, p50", f"{pct(firsts, 50):.2f} ms")
            row("first output event p99", f"{pct(firsts, 99):.2f} ms", f"in-process p99 {pct(inproc, 99):.2f} ms")

            print(f"\nthroughput, {CLIENTS} concurrent clients x {PER_CLIENT} POSTs")
            row("baseline: Starlette no-op POST route", f"{throughput(noop, run, ok):.0f} req/s")
            if has_execute:
                row(f"POST /api/v1/execute {SKILL} {TOOL}", f"{throughput(execute, run, ran):.0f} runs/s")
            row(f"POST /api/v1/stream {SKILL} {TOOL} to close", f"{throughput(stream, run, streamed):.0f} runs/s")
            if has_execute:
                print("PASS" if pct(rest, 50) <= 5 and ratio <= 3 else "FAIL")
    finally:
        baseline.kill()
        baseline.wait()


if __name__ == "__main__":
    main()
