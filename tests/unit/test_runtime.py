"""Runs, limits and isolation on WAT components (fast); JS skills are in test_examples/test_sandbox."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.errors import NotFoundError, UsageError
from engine.events import RunFinished, RunStarted


def test_run_returns_result_events_and_history(engine, wat_skill):
    wat_skill("echo")
    events = []
    result = engine.run("echo:echo", {"text": "hello", "times": 2}, on_event=events.append)
    assert result.ok and result.output == "echo" and result.data == {"text": "hello", "times": 2}
    assert [type(e) for e in events] == [RunStarted, RunFinished]
    assert events[-1].result == result
    (row,) = engine.history()
    assert (row["ok"], row["tool"], row["run_id"]) == (True, "echo", result.run_id)


def test_timeout_is_enforced_within_the_limit(engine, wat_skill):
    wat_skill("spin")
    t0 = time.monotonic()
    result = engine.run("spin:echo", {"text": "x"}, timeout=0.3)
    elapsed = time.monotonic() - t0
    assert not result.ok and result.stopped == "timeout" and "timed out after 0.3 s" in result.error
    assert elapsed < 0.3 + 1.0


def test_cancel_stops_a_running_call(engine, wat_skill):
    wat_skill("spin")
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    result = engine.run("spin:echo", {"text": "x"}, timeout=30, cancel=cancel)
    assert result.stopped == "cancelled" and result.duration_ms < 5000


@pytest.mark.parametrize("mode, stopped", [("trap", "trap"), ("grow", "trap")])
def test_traps_are_error_results_and_leave_later_runs_unaffected(engine, wat_skill, mode, stopped):
    wat_skill(mode)
    wat_skill("echo")
    bad = engine.run(f"{mode}:echo", {"text": "x"})
    assert not bad.ok and bad.stopped == stopped and "crashed" in bad.error
    assert engine.run(f"{mode}:other").stopped == stopped  # the same skill still runs (fresh store)
    assert engine.run("echo:echo", {"text": "after"}).ok


def test_spinning_run_does_not_block_concurrent_runs(engine, wat_skill):
    wat_skill("spin")
    wat_skill("echo")
    with ThreadPoolExecutor(4) as pool:
        spinning = pool.submit(engine.run, "spin:echo", {"text": "x"}, timeout=2)
        t0 = time.monotonic()
        quick = [pool.submit(engine.run, "echo:echo", {"text": str(i)}) for i in range(20)]
        assert all(f.result().ok for f in quick)
        assert time.monotonic() - t0 < 1.5
        assert spinning.result().stopped == "timeout"


def test_memory_limit_is_per_run(engine, tmp_path):
    from engine.runtime import SandboxPolicy
    from fixtures import wat

    runtime = engine.runtime
    _sha, component = runtime.compile(wat.component_bytes("grow"), "grow.wasm")
    t0 = time.monotonic()
    outcome = runtime.call(component, SandboxPolicy(memory_mb=32), "execute-tool", "echo", "{}")
    assert outcome.value is None and outcome.stopped == "trap" and "32 MiB memory limit" in outcome.failure
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize(
    "ref, args, error",
    [
        ("echo", {}, UsageError),
        ("echo:nope", {}, NotFoundError),
        ("ghost:echo", {}, NotFoundError),
        ("echo@nobody:echo", {"text": "x"}, NotFoundError),
        ("echo:echo", {"text": 1}, UsageError),
    ],
)
def test_bad_references_and_arguments_fail_before_running(engine, wat_skill, ref, args, error):
    wat_skill("echo")
    with pytest.raises(error):
        engine.run(ref, args)
    assert engine.history() == []


def test_run_async_runs_in_parallel(engine, wat_skill):
    import asyncio

    wat_skill("spin")

    async def both():
        t0 = time.monotonic()
        results = await asyncio.gather(*(engine.run_async("spin:echo", {"text": "x"}, timeout=0.5) for _ in range(2)))
        return results, time.monotonic() - t0

    results, elapsed = asyncio.run(both())
    assert all(r.stopped == "timeout" for r in results)
    assert elapsed < 0.95  # two 0.5 s spins overlapped
