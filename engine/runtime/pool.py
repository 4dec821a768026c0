"""Warm sandbox slots: what makes the second call of a process cheap.

A fresh instance of a JS skill touches ~200 pages of its ~11 MiB linear memory on
its first call; with wasmtime's default allocator each touch is a page fault on a
fresh copy-on-write mapping, ~0.5 ms of a ~1 ms call. wasmtime's pooling allocator
keeps a fixed set of instance slots instead, and `linear_memory_keep_resident` resets
the first KEEP_RESIDENT bytes of a slot's memory with memset when its store is
dropped, so the next instance finds those pages mapped and zeroed (then its own
image): no page faults, and nothing of the previous call survives.

That reset is paid when a store is dropped, so spent stores are dropped on the
background thread (engine/background.py) and the caller returns its result at once. At most
PENDING_DROPS of them wait there: that thread runs when the CPU is idle, and a caller that keeps
the CPU busy would otherwise pile up spent stores (a Python skill's is ~17 MiB) until every slot
is taken; past that the caller drops its own.

The pool reserves address space up front (4 GiB + guard per memory slot, the full
32-bit space, so per-instance memory limits up to 4 GiB keep working). wasmtime
aborts the process if the reservation fails, so the pool is only used when the
address-space limit (RLIMIT_AS) leaves room for it; otherwise the engine allocates
on demand as before. Only processes that make many calls use it (`use_warm_slots`);
SKILL_ENGINE_POOL=0 turns it off there too.
"""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Callable

from wasmtime import Config
from wasmtime import _ffi as ffi

SLOTS = 64  # stores alive at once: running calls and spent stores awaiting their drop
CORE_INSTANCES_PER_SLOT = 32  # a componentize-js component holds 4 core instances
TABLES_PER_SLOT = 4  # ... and 2 tables
KEEP_RESIDENT = 16 << 20  # covers the whole linear memory of a typical JS skill
WARM_SLOTS = 8  # idle slots kept resident for reuse; others give their memory back
PENDING_DROPS = 8  # spent stores left to the background thread; a caller drops any more itself
_RESERVED_PER_SLOT = (4 << 30) + (64 << 20)  # one memory slot: 4 GiB + guard pages


_long_lived = False


def use_warm_slots() -> None:
    """Say that this process will make many calls (the app, `skill serve`, dev mode).

    Must come before the first run. A one-shot command leaves the pool off: setting it
    up costs ~7 ms of process start and pays off only from the second call on.
    """
    global _long_lived
    _long_lived = True


def pool_wanted() -> bool:
    """Whether this process uses the pool: long-lived, and may reserve its address space."""
    if not _long_lived or os.environ.get("SKILL_ENGINE_POOL", "1") == "0":
        return False
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return soft == resource.RLIM_INFINITY or soft > 2 * SLOTS * _RESERVED_PER_SLOT


def enable_pool(config: Config) -> None:
    """Switch `config` to the pooling allocator with warm, memset-reset slots."""
    pool = ffi.wasmtime_pooling_allocation_config_new()
    try:
        ffi.wasmtime_pooling_allocation_config_total_component_instances_set(pool, SLOTS)
        ffi.wasmtime_pooling_allocation_config_total_memories_set(pool, SLOTS)
        ffi.wasmtime_pooling_allocation_config_total_core_instances_set(pool, SLOTS * CORE_INSTANCES_PER_SLOT)
        ffi.wasmtime_pooling_allocation_config_total_tables_set(pool, SLOTS * TABLES_PER_SLOT)
        ffi.wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(pool, KEEP_RESIDENT)
        ffi.wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pool, WARM_SLOTS)
        ffi.wasmtime_pooling_allocation_strategy_set(config.ptr(), pool)
    finally:
        ffi.wasmtime_pooling_allocation_config_delete(pool)


class Slots:
    """How many stores may be alive at once (never more than the pool holds), and how many spent
    ones may wait for the background thread to drop them."""

    def __init__(self, slots: int = SLOTS, pending_drops: int = PENDING_DROPS):
        self._free = threading.BoundedSemaphore(slots)
        self._pending = threading.BoundedSemaphore(pending_drops)

    def acquire(self, give_up: Callable[[], bool]) -> bool:
        """Take a slot, waiting while all are taken; False if `give_up()` turns true first."""
        while not self._free.acquire(timeout=0.05):
            if give_up():
                return False
        return True

    def release(self) -> None:
        self._free.release()

    def defer_drop(self) -> bool:
        """Whether a spent store may wait for the background thread (then call `dropped()` after)."""
        return self._pending.acquire(blocking=False)

    def dropped(self) -> None:
        """A deferred drop is done: the slot is free, and so is the place in the queue."""
        self._pending.release()
        self._free.release()
