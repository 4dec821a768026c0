"""Warm pooled slots and the background thread: fresh memory every call, bounded stores,
a safe fallback when the pool's address space cannot be reserved, history written after."""

import json
import os
import resource
import subprocess
import sys
import threading

from engine.background import background
from engine.runtime.pool import SLOTS, Slots, pool_wanted
from engine.runtime.wasm import process_engine
from fixtures.env import REPO


def test_every_call_starts_from_clean_memory_in_a_reused_slot(engine, wat_skill):
    wat_skill("stain", raw='{"success":true,"output":"clean"}')
    results = []
    for _ in range(3 * SLOTS):  # more calls than slots: every slot is reused, warm
        results.append(engine.run("stain:echo", {"text": "x"}))
        if len(results) % 40 == 0:
            background().flush()  # let the dropped stores give their slots back in between
    assert [r.error for r in results if not r.ok] == []
    assert {r.output for r in results} == {"clean"}


def test_spent_stores_are_dropped_on_the_background_thread_and_free_their_slots(engine, wat_skill):
    wat_skill("echo")
    slots = process_engine().slots
    for _ in range(20):
        assert engine.run("echo:echo", {"text": "x"}).ok
    assert background().flush()
    taken = 0
    while slots._free.acquire(blocking=False):  # every slot is free again
        taken += 1
    for _ in range(taken):
        slots.release()
    assert taken == SLOTS


def test_a_run_waits_for_a_free_slot_and_times_out_cleanly(engine, wat_skill):
    wat_skill("echo")
    slots = process_engine().slots
    assert background().flush()
    for _ in range(SLOTS):
        assert slots.acquire(lambda: True)
    try:
        result = engine.run("echo:echo", {"text": "x"}, timeout=0.3)
        assert not result.ok and result.stopped == "timeout" and "too many runs at once" in result.error
        threading.Timer(0.2, slots.release).start()  # one slot frees up while the next run waits
        assert engine.run("echo:echo", {"text": "x"}, timeout=5).ok
    finally:
        assert background().flush()
        for _ in range(SLOTS - 1):
            slots.release()


def test_slots_give_up_when_asked():
    slots = Slots(1)
    assert slots.acquire(lambda: False)
    calls = []
    assert not slots.acquire(lambda: calls.append(1) or len(calls) >= 3)
    slots.release()
    assert slots.acquire(lambda: True)


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (16 << 30, resource.RLIM_INFINITY))


def test_without_room_for_the_pool_runs_still_work(skill, example):
    """wasmtime aborts the process if the pool's reservation fails, so it must not be tried."""
    example("textkit")
    code = "from engine.runtime.pool import pool_wanted; print(pool_wanted())"
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, preexec_fn=_limit_address_space
    )
    assert probe.stdout.strip() == "False", probe.stderr
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", "textkit:slugify", "--arg", "text=Hello World", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=_limit_address_space,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["output"] == "hello-world"
    assert pool_wanted()  # this process (no limit) uses the pool


def test_the_pool_can_be_turned_off(skill, example):
    example("textkit")
    result = skill("run", "textkit:slugify", "--arg", "text=Pool Off", "--json", env={"SKILL_ENGINE_POOL": "0"})
    assert json.loads(result.stdout)["output"] == "pool-off"
