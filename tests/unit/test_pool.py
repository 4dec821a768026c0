"""Warm pooled slots and the background thread: fresh memory every call, bounded stores,
history written after. The fallback when the pool's address space cannot be reserved is
tests/integration/test_pool_processes.py."""

import threading

from engine.background import background
from engine.runtime.pool import PENDING_DROPS, SLOTS, Slots
from engine.runtime.wasm import process_engine


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


def test_a_caller_drops_its_own_stores_while_the_background_thread_is_behind(engine, wat_skill):
    """The background thread runs when the CPU is idle; a busy caller must not pile spent stores up
    (each holds its memory) until the pool is full."""
    wat_skill("echo")
    slots = process_engine().slots
    assert background().flush()
    release = threading.Event()
    background().submit(lambda: release.wait(10))  # the thread is busy: nothing it is given gets dropped
    try:
        assert all(engine.run("echo:echo", {"text": "x"}).ok for _ in range(3 * PENDING_DROPS))
        free = 0
        while slots._free.acquire(blocking=False):
            free += 1
        for _ in range(free):
            slots.release()
        assert free == SLOTS - PENDING_DROPS
    finally:
        release.set()
        assert background().flush()


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
