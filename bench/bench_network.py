"""The host side of a skill's outbound HTTP against a loopback server, beside its baseline.

- per-request overhead: the `http-request` entry (JSON in, grant check, guarded connect, worker thread
  and stop polling, JSON out) vs plain httpx.Client.get on the same server, p50 over many keep-alive requests
- concurrency: 5 requests to a server that answers in 200 ms, started with `http-start` and collected
  with `http-wait` by a component (tests/fixtures/wat_http.py), vs the same 5 one after the other

Run: .venv/bin/python bench/bench_network.py   (loopback only: 127.0.0.1)
"""

from __future__ import annotations

import json
import sys
import time

from common import REPO, pct, row

sys.path.insert(0, str(REPO / "tests"))

N = 500


def main() -> None:
    import httpx
    from wasmtime import wat2wasm

    from engine.network import patterns
    from engine.network.policy import NetworkPolicy
    from engine.network.session import NetworkSession
    from engine.runtime import SandboxPolicy
    from engine.runtime.wasm import WasmRuntime
    from fixtures import wat_http
    from fixtures.http_server import serve

    with serve() as server:
        url = server.url("/json")
        policy = NetworkPolicy(allow=(patterns.parse(f"http://127.0.0.1:{server.port}"),), max_requests=10 * N)

        print(f"per-request overhead, {N} keep-alive GETs of {url}")
        plain = []
        with httpx.Client(trust_env=False) as client:
            for i in range(N + 50):
                t0 = time.perf_counter()
                client.get(url).read()
                if i >= 50:
                    plain.append((time.perf_counter() - t0) * 1000)
        session = NetworkSession(policy, deadline=time.monotonic() + 600, stop_reason=lambda: None)
        request = json.dumps({"url": url})
        host = []
        for i in range(N + 50):
            t0 = time.perf_counter()
            assert '"status": 200' in session.request(request)
            if i >= 50:
                host.append((time.perf_counter() - t0) * 1000)
        session.close()
        row("plain httpx.Client.get p50", f"{pct(plain, 50):.3f} ms")
        row("host http-request entry p50", f"{pct(host, 50):.3f} ms", f"{pct(host, 50) - pct(plain, 50):+.3f} ms")
        row("host http-request entry p99", f"{pct(host, 99):.3f} ms")

        print("5 requests to a server answering in 200 ms")
        slow = json.dumps({"url": server.url("/slow?s=0.2")})
        session = NetworkSession(policy, deadline=time.monotonic() + 600, stop_reason=lambda: None)
        t0 = time.perf_counter()
        for _ in range(5):
            session.request(slow)
        sequential = time.perf_counter() - t0
        session.close()
        from pathlib import Path
        from tempfile import mkdtemp

        scratch = Path(mkdtemp(prefix="skill-bench-net-"))
        runtime = WasmRuntime(scratch, scratch)
        component = runtime.compile(bytes(wat2wasm(wat_http.component("parallel"))), "parallel.wat")[1]
        sandbox = SandboxPolicy(network=policy, timeout_s=30)
        runtime.call(component, sandbox, "execute-tool", "fetch", json.dumps({"url": url}))  # warm
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            outcome = runtime.call(component, sandbox, "execute-tool", "fetch", slow)
            times.append(time.perf_counter() - t0)
            assert [r.status for r in outcome.requests] == [200] * 5
        row("one after the other (http-request x5)", f"{sequential * 1000:.0f} ms")
        row(
            "http-start x5 + http-wait, whole call, median of 5",
            f"{pct(times, 50) * 1000:.0f} ms",
            "target <= 300 ms",
        )


if __name__ == "__main__":
    main()
