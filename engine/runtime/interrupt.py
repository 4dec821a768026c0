"""Stopping a running call: timeouts and cancellation through epoch interruption.

A ticker thread bumps the engine's epoch every TICK_S while calls are running.
Each Store asks to be told at every tick (deadline 1 + a callback); the callback
either lets the call continue or turns it into a trap. That one mechanism gives
per-call timeouts and cancellation from any thread, with no cost to other calls.
"""

from __future__ import annotations

import ctypes
import threading
import time

from wasmtime import Engine, Store
from wasmtime import _ffi as ffi

TICK_S = 0.01
_CONTINUE = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_size_t,
    ctypes.POINTER(ffi.wasmtime_context_t),
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ffi.wasmtime_update_deadline_kind_t),
)
_Finalizer = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_NO_FINALIZER = _Finalizer(lambda _data: None)


class EpochTicker:
    """Advances the engine epoch while at least one call holds it; sleeps otherwise."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._active = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> EpochTicker:
        with self._cond:
            self._active += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="skill-epoch-ticker", daemon=True)
                self._thread.start()
            self._cond.notify()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._active -= 1

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._active == 0:
                    self._cond.wait()
            self._engine.increment_epoch()
            time.sleep(TICK_S)


class Interrupt:
    """Decides, at each epoch tick, whether one call may go on.

    `reason` says why it was stopped: "timeout", "cancelled" or "output-limit".
    """

    def __init__(self, timeout_s: float, cancel: threading.Event | None = None):
        self.deadline = time.monotonic() + timeout_s
        self.cancel = cancel or threading.Event()
        self.reason: str | None = None
        self._callback = _Callback(self._on_tick)

    def stop(self, reason: str) -> None:
        """Ask the call to stop at the next tick (thread-safe)."""
        if self.reason is None:
            self.reason = reason
        self.cancel.set()

    def install(self, store: Store) -> None:
        """Must run before instantiation: the deadline also bounds the skill's start-up code."""
        ffi.wasmtime_store_epoch_deadline_callback(store.ptr(), self._callback, None, _NO_FINALIZER)
        store.set_epoch_deadline(1)

    def stopped(self) -> bool:
        """Whether the call must stop now (cancelled, out of time, or stopped); sets `reason`."""
        if self.cancel.is_set() and self.reason is None:
            self.reason = "cancelled"
        elif time.monotonic() >= self.deadline and self.reason is None:
            self.reason = "timeout"
        return self.reason is not None

    def _on_tick(
        self,
        _ctx: object,
        _data: object,
        delta: ctypes._Pointer[ctypes.c_uint64],
        kind: ctypes._Pointer[ctypes.c_uint8],
    ) -> int:
        if self.stopped():
            error = ffi.wasmtime_error_new(f"skill stopped: {self.reason}".encode())
            return ctypes.cast(error, ctypes.c_void_p).value or 0
        delta[0] = 1
        kind[0] = _CONTINUE
        return 0
