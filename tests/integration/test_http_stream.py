"""`POST /api/v1/stream`: a run as server-sent events, over a real socket with httpx against `skill serve
--http` (a subprocess on the test's home), with the jco-built probe skill printing and spinning."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from fixtures.config.skills import install_typed
from fixtures.serve import served

STREAM = "/api/v1/stream"


@pytest.fixture
def probe_skill(probe):
    return probe


def events(lines: Iterator[str]) -> Iterator[tuple[int | None, str, object]]:
    """(id, event, data) of each SSE message; a `: ping` comment is (None, "ping", None)."""
    id_, event, data = None, None, None
    for line in lines:
        if line.startswith(":"):
            yield None, "ping", None
        elif line.startswith("id: "):
            id_ = int(line[4:])
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and event is not None:
            yield id_, event, data
            id_, event, data = None, None, None


def stopped_history(s, engine) -> dict[str, dict]:
    """Stop the server (SIGTERM flushes its history, which it writes in an idle-priority thread) and
    return its rows by run id."""
    s.proc.terminate()
    s.proc.wait(timeout=20)
    return {r["run_id"]: r for r in engine.history()}


def wait_until_free(s, skill: str, within: float = 60) -> None:
    """Until a server started with `--max-in-flight 1` takes a run again: its run in flight ended."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        r = httpx.post(s.base + STREAM, json={"skill": skill, "tool": "echo"}, timeout=30)
        if r.status_code == 200:
            assert "event: done" in r.text
            return
        assert r.status_code == 503, r.text
        time.sleep(0.1)
    raise AssertionError(f"the run in flight did not end within {within} s")


def test_a_run_streams_start_its_lines_done_and_close(home, engine, probe_skill):
    with served(home, "--http") as s:
        body = {"skill": probe_skill, "tool": "print", "args": {"lines": 3, "bytes_per_line": 20}}
        with httpx.stream("POST", s.base + STREAM, json=body, timeout=30) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            got = list(events(r.iter_lines()))
        assert [e for _, e, _ in got] == ["start", "output", "output", "output", "output", "done", "close"]
        assert [i for i, _, _ in got] == list(range(1, 8))
        start, done = got[0][2], got[5][2]
        assert start == {"run_id": done["run_id"], "skill": probe_skill, "instance": "default", "tool": "print"}
        outputs = [d for _, e, d in got if e == "output"]
        assert outputs[:3] == [{"stream": "stdout", "text": f"{i:07d} {'x' * 12}"} for i in range(3)]
        assert outputs[3] == {"stream": "stderr", "text": "probe stderr: printed 3 lines"}
        assert done["ok"] and done["source"] == "rest" and done["dropped_output"] == 0
        assert done["output"] == "printed 3 lines of 20 bytes"
        assert stopped_history(s, engine)[done["run_id"]]["source"] == "rest"


def test_bad_input_is_a_json_error_before_any_event(home, engine, probe_skill, tmp_path):
    typed = install_typed(engine, tmp_path)  # `host` is required and not set: not ready
    cases = [
        ({"skill": "nope", "tool": "print"}, 404, "no skill named 'nope'"),
        ({"skill": probe_skill, "tool": "nope"}, 404, "has no tool 'nope'"),
        ({"skill": probe_skill, "instance": "other", "tool": "print"}, 404, "has no instance 'other'"),
        ({"skill": probe_skill, "tool": "print", "args": {"lines": "many"}}, 400, "'lines' must be an integer"),
        ({"ref": f"{probe_skill}:print", "skill": probe_skill}, 400, "either `ref` or `skill`, `instance` and `tool`"),
        ({"ref": f"{probe_skill}:print", "instance": "other"}, 400, "either `ref` or `skill`, `instance` and `tool`"),
        ({"skill": probe_skill, "tool": "print", "verbose": True}, 400, "verbose: Extra inputs are not permitted"),
        ({"skill": probe_skill}, 400, "give `skill` and `tool`"),
        ({"skill": probe_skill, "tool": "print", "timeout_s": -1}, 400, "timeout_s: "),
        ({"ref": f"{typed}:echo", "args": {"text": "x"}}, 409, f"{typed}@default is not ready: missing host"),
    ]
    with served(home, "--http") as s:
        for body, status, message in cases:
            r = httpx.post(s.base + STREAM, json=body)
            assert r.status_code == status, (body, r.text)
            assert r.headers["content-type"] == "application/json", body
            assert message in r.json()["error"]["message"], (body, r.text)
        malformed = httpx.post(s.base + STREAM, content=b"{", headers={"content-type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_request"
        assert httpx.post(s.base + STREAM, content=b"{}").status_code == 415
        assert not stopped_history(s, engine)  # nothing ran
        assert "Traceback" not in s.stderr


def test_a_client_that_leaves_cancels_its_run(home, engine, probe_skill):
    with served(home, "--http", "--max-in-flight", "1") as s:
        body = {"skill": probe_skill, "tool": "spin", "timeout_s": 120}
        with httpx.stream("POST", s.base + STREAM, json=body, timeout=30) as r:
            it = events(r.iter_lines())
            _, event, start = next(it)
            assert event == "start"
            it.close()  # the client stops reading and closes the connection
        # the connection is closed: the run stops now, not at its 120 s limit, and the server takes another
        wait_until_free(s, probe_skill, within=20)
        assert "Traceback" not in s.stderr
        row = stopped_history(s, engine)[start["run_id"]]
    assert row["stopped"] == "cancelled" and row["source"] == "rest" and not row["ok"]


def test_a_full_server_refuses_a_stream_with_503_before_any_event(home, engine, probe_skill):
    with served(home, "--http", "--max-in-flight", "1") as s:
        spin = {"skill": probe_skill, "tool": "spin", "timeout_s": 120}
        with httpx.stream("POST", s.base + STREAM, json=spin, timeout=30) as r:
            it = events(r.iter_lines())  # kept: closing the iterator would close the response
            assert next(it)[1] == "start"
            second = httpx.post(s.base + STREAM, json=spin)
            assert second.status_code == 503 and second.headers["retry-after"] == "1"
            assert "runs" in second.json()["error"]["message"]


def test_a_slow_reader_gets_every_event_but_dropped_lines_counted(home, engine, probe_skill):
    """A client that does not read while the skill floods output: the run is not held up (it ends while the
    client sleeps) and `done` says how many lines were dropped; start, done and close all arrive."""
    lines = 100_000
    body = {"skill": probe_skill, "tool": "print", "args": {"lines": lines, "bytes_per_line": 100}}
    with served(home, "--http", "--max-in-flight", "1") as s:
        with httpx.stream("POST", s.base + STREAM, json=body, timeout=60) as r:
            it = events(r.iter_lines())
            _, event, start = next(it)
            assert event == "start"
            wait_until_free(s, probe_skill)  # the run ended while nobody read its events
            rest = list(it)
    names = [e for _, e, _ in rest]
    assert names[-2:] == ["done", "close"]
    done = rest[-2][2]
    assert done["ok"] and done["run_id"] == start["run_id"]
    shown = names.count("output")
    assert done["dropped_output"] > 0
    assert shown + done["dropped_output"] == lines + 1  # every stdout line and the stderr one
    assert [i for i, _, _ in rest] == list(range(2, len(rest) + 2))


def test_the_registration_tells_the_panel_the_url_doors_and_requests_per_minute(home, engine, probe_skill):
    """What the control panel's status line reads: the server writes it, and its runs of the last minute
    by door, within a few seconds of them (it rewrites the file only when the counts change)."""
    from engine.mcp.registry import running_servers

    with served(home, "--http") as s:
        (server,) = running_servers(home)
        assert (server["url"], server["mcp"], server["rest"]) == (s.base, True, True)
        assert server["per_minute"] == {}
        for _ in range(3):
            r = httpx.post(s.base + STREAM, json={"skill": probe_skill, "tool": "echo"}, timeout=30)
            assert "event: done" in r.text
        deadline = time.monotonic() + 15
        while running_servers(home)[0]["per_minute"] != {"rest": 3}:
            assert time.monotonic() < deadline, running_servers(home)
            time.sleep(0.2)
    with served(home, "--http-only") as s:
        (server,) = running_servers(home)
        assert (server["url"], server["mcp"], server["rest"]) == (s.base, False, True)


def test_an_outbound_request_is_an_event_as_it_happens(home, engine, tmp_path):
    """A skill's request (here refused by the host: no grant, nothing leaves the machine) is a `request`
    event between `start` and `done`, as the audit keeps it (no query string)."""
    from wasmtime import wat2wasm

    from fixtures import wat_http

    path = tmp_path / "fetcher.wasm"
    path.write_bytes(bytes(wat2wasm(wat_http.component("tool", name="fetcher"))))
    engine.install(path)
    with served(home, "--http") as s:
        body = {"ref": "fetcher:fetch", "args": {"url": "https://api.github.com/user?token=abc"}}
        with httpx.stream("POST", s.base + STREAM, json=body, timeout=30) as r:
            got = list(events(r.iter_lines()))
    assert [e for _, e, _ in got] == ["start", "request", "done", "close"]
    request = got[1][2]
    assert request["url"] == "https://api.github.com/user" and request["allowed"] is False
    assert request["hint"] == "skill grant fetcher --net api.github.com"
    assert got[2][2]["requests"] == [request]


def test_a_quiet_run_gets_a_ping_comment_every_15_s(home, engine, probe_skill):
    """A run that prints nothing for longer than 15 s (it spins to its 16 s limit): a `: ping` comment keeps
    proxies from closing the connection, then the run ends as usual."""
    with served(home, "--http") as s:
        body = {"skill": probe_skill, "tool": "spin", "timeout_s": 16}
        with httpx.stream("POST", s.base + STREAM, json=body, timeout=60) as r:
            got = list(events(r.iter_lines()))
    assert [e for _, e, _ in got] == ["start", "ping", "done", "close"]
    assert got[2][2]["stopped"] == "timeout" and got[2][2]["error"]["code"] == "timeout"
    assert [i for i, _, _ in got] == [1, None, 2, 3]  # a comment has no id


def test_a_skill_the_server_does_not_serve_is_a_404(home, engine, probe_skill, tmp_path):
    """`skill serve --skill NAME` serves that skill over REST as over MCP: another installed one is not there."""
    typed = install_typed(engine, tmp_path)
    with served(home, "--http", "--skill", typed) as s:
        r = httpx.post(s.base + STREAM, json={"skill": probe_skill, "tool": "print"})
        assert r.status_code == 404
        assert r.json()["error"]["message"] == f"no skill named {probe_skill!r} is served here; served: {typed}"
