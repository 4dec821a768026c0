"""Operating `skill serve --http`: `/metrics` read with the Prometheus text parser after runs made over
MCP (the SDK's client) and REST, `/ready`, SIGTERM with a run in flight and with nothing to do, and
`--log-json`, all over real sockets against the server as a subprocess (`fixtures.serve`)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from engine.mcp.registry import registry_dir
from fixtures.serve import REPO, serve_env, served
from fixtures.wat import install_folder as install

LIMIT = 60
STREAM = "/api/v1/stream"


@pytest.fixture
def skills(engine, tmp_path):
    """echo (instant) and spin (stopped at its 2 s limit)."""
    install(engine, tmp_path, "echo")
    install(engine, tmp_path, "spin", timeout_s=2)
    return engine


def samples(base: str, headers: dict[str, str] | None = None) -> list:
    r = httpx.get(f"{base}/metrics", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return [s for family in text_string_to_metric_families(r.text) for s in family.samples]


def value(found: list, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    return sum(s.value for s in found if s.name == name and labels.items() <= s.labels.items())


async def mcp_calls(url: str, *calls: tuple[str, dict]) -> list:
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=30) as session:
            await session.initialize()
            return [await session.call_tool(name, args) for name, args in calls]


def call(url: str, *calls: tuple[str, dict]) -> list:
    async def go() -> list:
        with anyio.fail_after(LIMIT):
            return await mcp_calls(url, *calls)

    return anyio.run(go)


def stream_run(base: str, body: dict) -> list[str]:
    with httpx.stream("POST", base + STREAM, json=body, timeout=30) as r:
        assert r.status_code == 200
        return [line for line in r.iter_lines() if line.startswith("event: ")]


def test_metrics_count_the_runs_made_over_mcp_and_rest_and_the_requests_by_route(home, skills):
    with served(home, "--http") as s:
        echo = ("echo__default__echo", {"text": "a secret-looking argument"})
        results = call(s.mcp, echo, echo, echo, ("spin__default__echo", {"text": "x"}), ("no__such__tool", {}))
        assert [r.is_error for r in results] == [False, False, False, True, True]
        assert stream_run(s.base, {"ref": "echo:echo", "args": {"text": "rest"}})[-1] == "event: close"
        assert httpx.get(f"{s.base}/api/v1/skills").status_code == 200
        assert httpx.get(f"{s.base}/no/such/path").status_code == 404
        assert httpx.get(f"{s.base}/health").status_code == 200
        found = samples(s.base)
        text = httpx.get(f"{s.base}/metrics").text

    runs = "skill_runs_total"
    assert value(found, runs, skill="echo", tool="echo", instance="default", source="mcp", outcome="ok") == 3
    assert value(found, runs, skill="echo", source="rest", outcome="ok") == 1
    assert value(found, runs, skill="spin", source="mcp", outcome="timeout") == 1
    assert value(found, runs) == 5  # the unknown tool never ran
    assert value(found, "skill_run_duration_seconds_count", skill="echo", tool="echo", source="mcp") == 3
    assert value(found, "skill_run_duration_seconds_count", skill="spin", source="mcp") == 1
    assert value(found, "skill_run_duration_seconds_bucket", skill="spin", source="mcp", le="1.0") == 0
    assert value(found, "skill_run_duration_seconds_sum", skill="spin") >= 2
    assert value(found, "skill_runs_in_flight") == 0

    http = "skill_http_requests_total"
    assert value(found, http, route="listSkills", method="GET", status="200") == 1
    assert value(found, http, route="streamRun", method="POST", status="200") == 1
    assert value(found, http, route="health", method="GET", status="200") == 1
    assert value(found, http, route="other", method="GET", status="404") == 1
    assert value(found, http, route="mcp", method="POST", status="200") >= 6  # initialize and the 5 calls
    assert value(found, "skill_http_request_duration_seconds_count", route="listSkills") == 1
    routes = {s.labels["route"] for s in found if s.name == http}
    assert routes == {"listSkills", "streamRun", "health", "other", "mcp"}
    assert "/no/such/path" not in text and "secret-looking" not in text and "run_id" not in text


def test_refusals_are_counted_by_reason_and_the_rate_limited_ones_apart(home, skills):
    with served(home, "--http", "--rate-limit", "2/min") as s:
        echo = ("echo__default__echo", {"text": "x"})
        results = call(s.mcp, echo, echo, echo)
        assert [r.is_error for r in results] == [False, False, True]
        found = samples(s.base)
    assert value(found, "skill_runs_total") == 2
    assert value(found, "skill_rate_limited_total", source="mcp") == 1
    assert value(found, "skill_runs_refused_total", source="mcp", reason="rate_limited") == 1


def test_outbound_requests_are_counted_by_host_and_outcome(home, engine, tmp_path):
    """A skill's request the host refused (no grant: nothing leaves the machine) is counted `denied`."""
    from wasmtime import wat2wasm

    from fixtures import wat_http

    path = tmp_path / "fetcher.wasm"
    path.write_bytes(bytes(wat2wasm(wat_http.component("tool", name="fetcher"))))
    engine.install(path)
    with served(home, "--http") as s:
        call(s.mcp, ("fetcher__default__fetch", {"url": "https://api.github.com/user?token=abc"}))
        found = samples(s.base)
    assert value(found, "skill_outbound_requests_total", host="api.github.com", outcome="denied") == 1


def test_metrics_need_the_token_and_the_probes_do_not(home, skills):
    with served(home, "--http", env={"SKILL_SERVE_TOKEN": "tok-123"}) as s:
        assert httpx.get(f"{s.base}/metrics").status_code == 401
        assert httpx.get(f"{s.base}/ready").json() == {"ready": True, "reasons": []}
        found = samples(s.base, {"Authorization": "Bearer tok-123"})
    assert value(found, "skill_http_requests_total", route="metrics", status="401") == 1
    assert value(found, "skill_http_requests_total", route="ready", status="200") == 1


def no_registration(home) -> bool:
    return not list(registry_dir(home).glob("*.json"))


def test_sigterm_drains_a_run_in_flight_then_exits_0(home, skills):
    """SIGTERM while a run goes: /ready turns 503, a new run is refused (503 over REST, a tool error over
    MCP), the run in flight ends with its result delivered, then the process exits 0, its
    registration removed and the run in its history."""

    async def scenario(s) -> None:
        with anyio.fail_after(LIMIT):
            await draining(s)

    async def draining(s) -> None:
        async with anyio.create_task_group() as tg:
            result: list = []

            async def slow() -> None:
                result.extend(await mcp_calls(s.mcp, ("spin__default__echo", {"text": "x"})))

            tg.start_soon(slow)
            async with httpx.AsyncClient(base_url=s.base) as client:
                while value(samples(s.base), "skill_runs_in_flight") < 1:
                    await anyio.sleep(0.05)
                s.proc.send_signal(signal.SIGTERM)
                while (ready := await client.get("/ready")).status_code != 503:
                    await anyio.sleep(0.02)
                assert ready.json() == {"ready": False, "reasons": ["draining"]}
                refused = await client.post(STREAM, json={"ref": "echo:echo", "args": {}})
                assert refused.status_code == 503 and refused.json()["error"]["code"] == "unavailable"
                (tool,) = await mcp_calls(s.mcp, ("echo__default__echo", {"text": "late"}))
                assert tool.is_error and "shutting down" in tool.content[0].text
                assert s.proc.poll() is None  # the run still goes
        (spun,) = result
        assert spun.is_error and "timed out after 2 s" in spun.content[0].text

    with served(home, "--http") as s:
        anyio.run(scenario, s)
        assert s.proc.wait(timeout=10) == 0
        assert "Traceback" not in s.stderr
    assert no_registration(home)
    last = skills.history()[-1]
    assert (last["skill"], last["source"], last["stopped"]) == ("spin", "mcp", "timeout")


def test_an_idle_server_with_a_client_connected_stops_at_once_on_sigterm(home, skills):
    """An MCP client holds its notification stream open: the server still exits 0 promptly (the stop
    time itself is measured beside a bare uvicorn app's in bench/bench_serve_stop.py)."""

    async def connected(s) -> float:
        with anyio.fail_after(LIMIT):
            return await stop(s)

    async def stop(s) -> float:
        async with streamable_http_client(s.mcp) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30) as session:
                await session.initialize()
                await session.call_tool("echo__default__echo", {"text": "x"})
                started = time.monotonic()
                s.proc.send_signal(signal.SIGTERM)
                await anyio.to_thread.run_sync(s.proc.wait, 10)
                return time.monotonic() - started

    with served(home, "--http") as s:
        took = anyio.run(connected, s)
        assert s.proc.returncode == 0 and took < 5, took
        assert "Traceback" not in s.stderr and "ERROR" not in s.stderr
    assert no_registration(home)
    assert skills.history()[-1]["source"] == "mcp"


def test_stdio_stops_on_sigterm_with_exit_0(home, skills):
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve"],
        env=serve_env(home),
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while no_registration(home):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()  # type: ignore[union-attr]
    finally:
        proc.kill()
    assert no_registration(home)


def test_log_json_writes_one_line_per_run_and_nothing_else_on_stdout(home, skills):
    with served(home, "--http", "--log-json") as s:
        call(s.mcp, ("echo__default__echo", {"text": "a-secret-argument"}), ("spin__default__echo", {"text": "x"}))
        stream_run(s.base, {"ref": "echo:echo", "args": {"text": "another-argument"}})
        s.proc.send_signal(signal.SIGTERM)
        out = s.proc.stdout.read()
        assert s.proc.wait(timeout=10) == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["skill"], x["source"], x["ok"], x["stopped"]) for x in lines] == [
        ("echo", "mcp", True, None),
        ("spin", "mcp", False, "timeout"),
        ("echo", "rest", True, None),
    ]
    keys = {"ts", "run_id", "skill", "instance", "tool", "source", "ok", "stopped", "duration_ms", "error"}
    assert all(set(x) == keys for x in lines)
    assert lines[1]["error"].startswith("timed out after 2 s") and "\n" not in lines[1]["error"]
    assert "argument" not in out
    assert lines[0]["ts"].endswith("Z") and len({x["run_id"] for x in lines}) == 3


def test_log_json_is_refused_without_http(home):
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--log-json"],
        env=serve_env(home),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--log-json is for the HTTP server: add --http" in proc.stderr
