"""The sandbox holds against a hostile skill (tests/fixtures/probe, a real jco-built component).

Each escape attempt fails cleanly as an error result, the engine keeps working, and
a well-behaved run going on at the same time succeeds.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixtures.env import instances_of, set_config

SECRET = "s3cr3t-token-value"


@pytest.fixture
def probe(engine, example):
    example("probe")
    example("textkit")
    return lambda tool, timeout=None, **args: engine.run(f"probe:{tool}", args, timeout=timeout)


def test_files_outside_data_are_unreachable(probe, engine, tmp_path):
    assert not (r := probe("read-file", path="/etc/passwd")).ok and "no preopen grants /etc/passwd" in r.error
    data = instances_of(engine).data_dir("probe", "default")
    (data.parent / "outside.txt").write_text("host file")
    assert not (r := probe("read-file", path="/data/../outside.txt")).ok and "not-permitted" in r.error
    assert not probe("write-file", path="/data/../escape.txt", text="x").ok
    assert not (data.parent / "escape.txt").exists()
    assert probe("write-file", path="/data/x.txt", text="hello").ok
    assert (data / "x.txt").read_text() == "hello"
    assert probe("preopens").data == ["/data"]


def test_only_granted_env_vars_are_visible(probe, engine, monkeypatch):
    monkeypatch.setenv("HOST_ONLY_SECRET", "leak-me")
    set_config(engine, "probe", "default", {"token": SECRET})
    assert probe("list-env").data == ["SKILL_TOKEN"]
    assert probe("env", name="HOST_ONLY_SECRET").data == {"value": None}
    assert probe("env", name="PATH").data == {"value": None}
    assert probe("config", key="token").ok


def test_secret_values_are_masked_in_output_and_history(probe, engine):
    set_config(engine, "probe", "default", {"token": SECRET})
    r = probe("env", name="SKILL_TOKEN")
    assert r.ok and r.data == {"value": "••••••"}
    assert SECRET not in json.dumps(r.to_json())
    engine.flush()
    assert SECRET not in engine.home.history_file.read_text()


def test_there_is_no_network(probe):
    """wasi:http is not linked, so StarlingMonkey's own fetch traps; the build's fetch (js/fetch.js) asks
    the host instead, which without a grant refuses before anything leaves, and records the refusal."""
    assert probe("fetch", url="http://127.0.0.1:9/", dry_run=True).ok  # fetch is defined ...
    r = probe("fetch", url="http://127.0.0.1:9/")  # ... and refused: a failed run, not a trap
    assert not r.ok and r.stopped is None, r
    assert [(q.allowed, q.error, q.hint) for q in r.requests] == [
        (False, "denied", "skill grant probe --net http://127.0.0.1:9")
    ], r.requests


def test_infinite_loop_times_out_within_the_limit(probe):
    t0 = time.monotonic()
    r = probe("spin", timeout=0.5)
    assert not r.ok and r.stopped == "timeout" and "timed out after 0.5 s" in r.error
    assert time.monotonic() - t0 < 0.5 + 1


def test_memory_bomb_is_contained(probe, engine):
    r = probe("alloc", mb=1024)  # far beyond the 256 MiB default limit
    assert not r.ok and ("out of memory" in r.error or r.stopped in ("trap", "memory"))
    assert probe("alloc", mb=8).ok


def test_output_flood_is_bounded(probe, engine):
    r = probe("print", lines=40_000, bytes_per_line=1000, timeout=60)  # ~40 MB against a 16 MiB limit
    assert not r.ok and r.stopped == "output-limit" and "more than 16 MiB" in r.error
    assert len(r.stdout) < 300 * 1024 and "more bytes of stdout not kept" in r.stdout
    engine.flush()
    assert engine.home.history_file.stat().st_size < 64 * 1024


def test_output_is_captured_per_stream_and_streamed_live(probe, engine):
    from engine.events import RunOutput

    lines = []
    r = engine.run(
        "probe:print",
        {"lines": 3, "bytes_per_line": 20},
        on_event=lambda e: lines.append(e) if isinstance(e, RunOutput) else None,
    )
    assert r.ok and r.stdout.splitlines() == [f"{n:07d} " + "x" * 12 for n in range(3)]
    assert "probe stderr: printed 3 lines" in r.stderr
    assert [(e.stream, e.text) for e in lines if e.stream == "stdout"] == [
        ("stdout", f"{n:07d} " + "x" * 12) for n in range(3)
    ]
    leftovers = [p for p in engine.home.tmp.rglob("*") if p.is_file() and p.stat().st_size]
    assert leftovers == [], "a skill's raw output outlived its run"


def test_garbage_and_exceptions_are_errors(probe):
    r = probe("non-json")
    assert not r.ok and "returned non-JSON output" in r.error
    r = probe("throw")
    assert not r.ok and r.stopped == "trap" and "probe: deliberate failure" in r.stderr


def test_hostile_runs_do_not_disturb_a_concurrent_good_run(probe, engine):
    hostile = {
        "spin": dict(timeout=1.0),
        "alloc": dict(mb=1024),
        "read-file": dict(path="/etc/shadow"),
        "fetch": dict(url="http://127.0.0.1:9/"),
        "throw": {},
        "non-json": {},
    }
    with ThreadPoolExecutor(len(hostile) + 1) as pool:
        bad = {tool: pool.submit(probe, tool, **args) for tool, args in hostile.items()}
        good = [engine.run("textkit:slugify", {"text": f"run {i}"}) for i in range(15)]
        assert [g.output for g in good] == [f"run-{i}" for i in range(15)]
        results = {tool: f.result() for tool, f in bad.items()}
    assert not any(r.ok for r in results.values()), {t: r.ok for t, r in results.items()}
    assert results["spin"].stopped == "timeout"
    assert engine.run("probe:echo", {"after": True}).data == {"after": True}


def test_runs_proceed_in_parallel(probe):
    out = {}

    def call(name):
        out[name] = probe("sleep-ms", ms=400)

    t0 = time.monotonic()
    threads = [threading.Thread(target=call, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out["a"].ok and out["b"].ok
    assert time.monotonic() - t0 < 0.75
