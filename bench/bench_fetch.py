"""A skill's `fetch`, measured against plain httpx on the same loopback server, in the same run.

- per-request overhead: p50 of one `fetch` + `text()` inside a skill (the JS clock, a keep-alive
  loop of 150 per run) vs p50 of `httpx.Client.get` from Python
- `Promise.all` of 5 requests to a server that answers in 200 ms vs the same 5 one after the other
- a whole run (`Engine.run`) with one request vs the same skill's run without any

Run: .venv/bin/python bench/bench_fetch.py
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from common import REPO, median, pct, row, setup_home

SKILL_DIR = REPO / "bench" / "skills" / "fetchbench"
LOOPS = 150  # fetches per run (a run may make at most 200 requests)
RUNS = 8
SLOW_MS = 200


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stalls

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        delay = int(parse_qs(urlsplit(self.path).query).get("ms", ["0"])[0])
        if delay:
            time.sleep(delay / 1000)
        body = b'{"hello": "world"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    import httpx

    from engine.api import Engine
    from engine.build import build_folder
    from engine.home import Home

    setup_home()
    build_folder(Home.from_env(), SKILL_DIR)
    engine = Engine()
    engine.install(SKILL_DIR)  # no review callback: a script accepts what it installs

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    print("per-request overhead (loopback, keep-alive)")
    plain = []
    with httpx.Client(trust_env=False) as client:
        for _ in range(RUNS * LOOPS):
            t0 = time.perf_counter()
            client.get(f"{base}/fast").read()
            plain.append((time.perf_counter() - t0) * 1000)
    in_skill: list[float] = []
    for _ in range(RUNS):
        result = engine.run("fetchbench:sequential", {"url": f"{base}/fast", "n": LOOPS})
        assert result.ok, result.error
        in_skill += result.data["ms"]
    row("plain httpx.Client.get (baseline)", f"{median(plain):.3f} ms", f"p90 {pct(plain, 90):.3f} ms")
    row(
        "fetch + text() in a skill",
        f"{median(in_skill):.3f} ms",
        f"p90 {pct(in_skill, 90):.3f} ms; +{median(in_skill) - median(plain):.3f} ms p50 (target <= +1 ms)",
    )

    print(f"5 requests to a server that answers in {SLOW_MS} ms")
    urls = [f"{base}/slow?ms={SLOW_MS}"] * 5
    one_by_one = engine.run("fetchbench:sequential", {"url": urls[0], "n": 5})
    together = [engine.run("fetchbench:parallel", {"urls": urls}).data["ms"] for _ in range(5)]
    row("one after the other (baseline)", f"{sum(one_by_one.data['ms']):.0f} ms")
    row("Promise.all", f"{median(together):.0f} ms", "median of 5 (target <= 300 ms)")

    print("a whole run (Engine.run), median of 50")
    for label, ref, args in (
        ("without a request (baseline)", "fetchbench:idle", {}),
        ("with one request", "fetchbench:sequential", {"url": f"{base}/fast", "n": 1}),
    ):
        times = []
        for _ in range(50):
            t0 = time.perf_counter()
            assert engine.run(ref, args).ok
            times.append((time.perf_counter() - t0) * 1000)
        row(label, f"{median(times):.2f} ms", f"p90 {pct(times, 90):.2f} ms")
    server.shutdown()


if __name__ == "__main__":
    main()
