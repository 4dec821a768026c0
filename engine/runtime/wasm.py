"""Compiling, caching and calling skill components with wasmtime.

One wasmtime Engine per process. A component is compiled by Cranelift once, at
install, and its machine code is serialized to the cache; later processes map it
back in with `deserialize_file` (milliseconds instead of seconds). That maps the
file into memory, so cache files are only ever replaced (atomic rename), never
rewritten in place: truncating a mapped file crashes the process. Every call gets
a fresh Store, so a trap in one call can never poison another. Spent stores are
dropped off the caller's path, and in long-lived processes they live in warm pooled
slots (pool.py).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import wasmtime
from wasmtime import Config, Engine, Store, WasiConfig, WasmtimeError
from wasmtime.component import Component, FuncType, Linker, String

from engine.background import background
from engine.errors import CallStopped, ComponentError, StoreDamagedError
from engine.events import RequestRecord
from engine.fsutil import atomic_write_bytes
from engine.network.hosts import Resolver, system_resolver
from engine.network.session import NetworkSession
from engine.runtime.capture import OnLine, OutputCapture, remove_stale_captures
from engine.runtime.interrupt import EpochTicker, Interrupt
from engine.runtime.pool import Slots, enable_pool, pool_wanted
from engine.runtime.sandbox import CallOutcome, SandboxPolicy

# The skill world's exports and how many string parameters each takes.
WORLD_EXPORTS = {"get-metadata": 0, "get-tools": 0, "execute-tool": 2, "validate-config": 1}
HOST_IMPORTS = ("get-config", "get-all-config", "http-request", "http-start", "http-wait")
# Part of the compile-cache key: bump it whenever the engine Config below changes.
ENGINE_CONFIG_TAG = "epoch1"

_COMPONENT_LAYER = b"\x0d\x00\x01\x00"
_CORE_MODULE = b"\x01\x00\x00\x00"


@dataclass
class _Process:
    """What every runtime of this process shares: the wasmtime Engine, the ticker that
    drives its epochs and the bound on live stores."""

    engine: Engine
    ticker: EpochTicker
    slots: Slots = field(default_factory=Slots)


_process: _Process | None = None
_process_lock = threading.Lock()


class _CallContext(threading.local):
    """The call running on this thread (a host function runs on the thread that made the call): the
    config `get-config` and `get-all-config` answer, and the network state the `http-*` imports use."""

    def __init__(self) -> None:
        self.config: dict[str, str] = {}
        self.network: NetworkSession | None = None


_call_context = _CallContext()


def process_engine() -> _Process:
    """This process's shared runtime state, made on first use."""
    global _process
    with _process_lock:
        if _process is None:
            config = Config()
            config.epoch_interruption = True
            if pool_wanted():
                enable_pool(config)
            engine = Engine(config)
            _process = _Process(engine, EpochTicker(engine))
        return _process


def _dropper(process: _Process, store: Store, interrupt: Interrupt) -> Callable[[], None]:
    """A job that drops a spent store (wasmtime resets its slot's memory then) and frees its slot,
    deferred to the background thread (see Slots.defer_drop)."""

    spent: Store | None = store
    callback: Interrupt | None = interrupt

    def drop() -> None:
        nonlocal spent, callback
        spent = None  # the last reference: the store goes here, before the interrupt it calls back
        callback = None
        process.slots.dropped()

    return drop


def _wasmtime_version() -> str:
    """The installed wasmtime-py version, read from its dist-info (importlib.metadata costs ~30 ms)."""
    site = Path(wasmtime.__file__).resolve().parent.parent
    for entry in os.scandir(site):
        if entry.name.startswith("wasmtime-") and entry.name.endswith(".dist-info"):
            return entry.name[len("wasmtime-") : -len(".dist-info")]
    return "unknown"


def _host_get_config(_store: object, key: str) -> str | None:
    return _call_context.config.get(key)


def _host_get_all_config(_store: object) -> list[tuple[str, str]]:
    return list(_call_context.config.items())


def _network() -> NetworkSession:
    network = _call_context.network
    if network is None:  # the imports run only inside `call`, which always sets it
        raise WasmtimeError("http-* called outside a skill call")
    return network


def _host_http_request(_store: object, request: str) -> str:
    try:
        return _network().request(request)
    except CallStopped as e:  # a WasmtimeError from a host function traps the guest at once
        raise WasmtimeError(str(e)) from None


def _host_http_start(_store: object, request: str) -> str:
    try:
        return _network().start(request)
    except CallStopped as e:
        raise WasmtimeError(str(e)) from None


def _host_http_wait(_store: object, ids: str, timeout_ms: int) -> str:
    try:
        return _network().wait(ids, timeout_ms)
    except CallStopped as e:
        raise WasmtimeError(str(e)) from None


class WasmRuntime:
    """Loads components (through the compile cache) and runs sandboxed calls."""

    def __init__(self, compiled_dir: Path, tmp_dir: Path, *, persist: bool = True):
        self._process = process_engine()
        self._persist = persist  # False on a read-only home: what is not in its cache is compiled in memory
        self.engine = self._process.engine
        self._compiled_dir = compiled_dir
        self._tmp_dir = tmp_dir
        self._components: dict[str, Component] = {}
        self._linker: Linker | None = None
        self._lock = threading.Lock()
        self._cache_suffix = f"{_wasmtime_version()}-{ENGINE_CONFIG_TAG}.cwasm"
        # How skill requests find addresses (name -> IPs); tests map fake names to 127.0.0.1 here.
        self.resolver: Resolver = system_resolver
        remove_stale_captures(tmp_dir)

    # ---- loading ------------------------------------------------------------------------

    def cache_path(self, sha256: str) -> Path:
        return self._compiled_dir / f"{sha256}-{self._cache_suffix}"

    def compile(self, wasm: bytes, origin: str, on_compile: Callable[[], None] | None = None) -> tuple[str, Component]:
        """Check that `wasm` is a skill component, compile it and store it in the cache.

        Returns (sha256, component). Raises ComponentError with one clear line.
        `on_compile` is called only when Cranelift really compiles (not cached), after the
        header checks, so a progress line never claims work on a file that is refused at once.
        """
        if wasm[:4] != b"\0asm":
            raise ComponentError(f"{origin} is not a WebAssembly file (it does not start with \\0asm)")
        if wasm[4:8] == _CORE_MODULE:
            raise ComponentError(
                f"{origin} is a core WebAssembly module, not a component; build it with "
                "componentize-js or wrap it with `wasm-tools component new`"
            )
        if wasm[4:8] != _COMPONENT_LAYER:
            raise ComponentError(f"{origin} is a WebAssembly binary of an unknown version/layer {wasm[4:8].hex()}")
        sha256 = hashlib.sha256(wasm).hexdigest()
        component = self._cached(sha256)
        if component is None:
            if on_compile is not None:
                on_compile()
            try:
                component = Component(self.engine, wasm)
            except WasmtimeError as e:
                raise ComponentError(f"{origin} is not a valid component: {summarize_error(e)}") from None
            self.check_world(component, origin)
            if self._persist:
                atomic_write_bytes(self.cache_path(sha256), bytes(component.serialize()))
        else:
            self.check_world(component, origin)
        with self._lock:
            self._components[sha256] = component
        return sha256, component

    def _cached(self, sha256: str) -> Component | None:
        """The compiled component from memory or the disk cache; None if it must be compiled."""
        with self._lock:
            component = self._components.get(sha256)
        if component is not None:
            return component
        try:
            return Component.deserialize_file(self.engine, str(self.cache_path(sha256)))
        except (WasmtimeError, OSError):
            return None  # missing, or written by another wasmtime/CPU: compile again

    def load(self, sha256: str, wasm_path: Path) -> Component:
        """The compiled component for `sha256`: from memory, the disk cache, or compiled anew."""
        component = self._cached(sha256)
        if component is None:
            try:
                wasm = wasm_path.read_bytes()
            except OSError as e:
                raise StoreDamagedError(
                    f"cannot read the installed component {wasm_path}: {e.strerror}; reinstall the skill"
                ) from None
            if hashlib.sha256(wasm).hexdigest() != sha256:
                raise StoreDamagedError(
                    f"the installed component {wasm_path} was modified after install; reinstall the skill"
                )
            return self.compile(wasm, str(wasm_path))[1]
        with self._lock:
            self._components[sha256] = component
        return component

    def check_world(self, component: Component, origin: str) -> None:
        """Refuse a component that does not export the skill world or imports what we do not grant."""
        ctype = component.type
        exports = ctype.exports(self.engine)
        for name, n_params in WORLD_EXPORTS.items():
            item = exports.get(name)
            if item is None:
                have = ", ".join(sorted(exports)) or "nothing"
                raise ComponentError(
                    f"{origin} does not implement the skill world: it does not export "
                    f"`{name}` (it exports: {have}); see wit/skill.wit"
                )
            ty = item.ty
            ok = (
                isinstance(ty, FuncType)
                and len(ty.params) == n_params
                and all(isinstance(t, String) for _, t in ty.params)
                and isinstance(ty.result, String)
            )
            if not ok:
                raise ComponentError(
                    f"{origin}: export `{name}` has the wrong signature; the skill world "
                    f"wants {n_params} string parameter(s) and a string result"
                )
        for name in ctype.imports(self.engine):
            if name.startswith("wasi:http/"):
                raise ComponentError(
                    f"{origin} imports `{name}` (wasmtime's own HTTP client, which no grant can restrict); "
                    "build it with `--disable http fetch-event`: its fetch then goes through the engine's "
                    "`http-request` under the skill's network grants"
                )
            if not (name.startswith("wasi:") or name in HOST_IMPORTS):
                raise ComponentError(
                    f"{origin} imports `{name}`, which the skill world does not provide "
                    f"(it provides WASI 0.2 and {', '.join(HOST_IMPORTS)})"
                )

    def _get_linker(self) -> Linker:
        with self._lock:
            if self._linker is None:
                linker = Linker(self.engine)
                linker.add_wasip2()
                with linker.root() as root:
                    root.add_func("get-config", _host_get_config)
                    root.add_func("get-all-config", _host_get_all_config)
                    root.add_func("http-request", _host_http_request)
                    root.add_func("http-start", _host_http_start)
                    root.add_func("http-wait", _host_http_wait)
                self._linker = linker
            return self._linker

    # ---- calling ------------------------------------------------------------------------

    def call(
        self,
        component: Component,
        policy: SandboxPolicy,
        export: str,
        *args: str,
        on_line: OnLine | None = None,
        cancel: threading.Event | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> CallOutcome:
        """Instantiate `component` in a fresh sandbox and call one export. Never raises for guest faults.

        `on_line` gets each line the skill writes, `on_request` each outbound request as it finishes
        (both from other threads); `cancel` stops the call from any thread."""
        process = self._process
        linker = self._get_linker()
        interrupt = Interrupt(policy.timeout_s, cancel)
        started = time.perf_counter()
        if not process.slots.acquire(interrupt.stopped):
            return CallOutcome(
                value=None,
                failure=f"{interrupt.reason} while waiting for a free sandbox (too many runs at once)",
                stopped=interrupt.reason,
            )
        capture = OutputCapture(
            self._tmp_dir,
            policy.keep_output_bytes,
            policy.output_limit_bytes,
            on_line,
            lambda: interrupt.stop("output-limit"),
        )
        value, failure, stopped = None, None, None
        network = NetworkSession(
            policy.network,
            deadline=interrupt.deadline,
            stop_reason=lambda: interrupt.reason if interrupt.stopped() else None,
            on_request=on_request,
            resolver=self.resolver,
        )
        with capture, process.ticker:
            store = Store(self.engine)
            try:
                wasi = WasiConfig()
                wasi.env = list(policy.env.items())
                capture.attach(wasi)
                if policy.data_dir is not None:
                    wasi.preopen_dir(str(policy.data_dir), "/data", fs_mutable=policy.data_writable)
                for mount in policy.mounts:
                    wasi.preopen_dir(str(mount.host), mount.guest, fs_mutable=mount.writable)
                store.set_wasi(wasi)
                store.set_limits(memory_size=policy.memory_mb << 20)
                interrupt.install(store)
                _call_context.config = policy.config
                _call_context.network = network
                value = self._instantiate_and_call(linker, store, component, export, args)
            except WasmtimeError as e:
                stopped, failure = self._explain(e, interrupt, policy)
                if network.stopped_during and stopped in ("timeout", "cancelled"):
                    failure += f" during {network.stopped_during}"
            except ComponentError as e:
                stopped, failure = "link", str(e)
            finally:
                _call_context.config = {}
                _call_context.network = None
                network.close()
                if process.slots.defer_drop():
                    background().submit(_dropper(process, store, interrupt))
                    del store
                else:
                    del store  # the last reference: wasmtime resets the slot now, on this thread
                    process.slots.release()
        return CallOutcome(
            value=value,
            stdout=capture.text("stdout"),
            stderr=capture.text("stderr"),
            failure=failure,
            stopped=stopped,
            duration_ms=(time.perf_counter() - started) * 1000,
            requests=tuple(network.records),
        )

    @staticmethod
    def _instantiate_and_call(
        linker: Linker, store: Store, component: Component, export: str, args: tuple[str, ...]
    ) -> str:
        """One call in `store`; the instance and function handles die with this frame."""
        instance = linker.instantiate(store, component)
        func = instance.get_func(store, export)
        if func is None:
            raise ComponentError(f"the component has no export `{export}`")
        # compile() admits a component only if this export's result is a `string`.
        return cast(str, func(store, *args))

    @staticmethod
    def _explain(e: WasmtimeError, interrupt: Interrupt, policy: SandboxPolicy) -> tuple[str, str]:
        reason = interrupt.reason
        if reason == "timeout":
            return reason, f"timed out after {policy.timeout_s:g} s (the run's time limit)"
        if reason == "cancelled":
            return reason, "cancelled"
        if reason == "output-limit":
            return reason, (
                f"stopped: the skill wrote more than {policy.output_limit_bytes >> 20} MiB to stdout/stderr"
            )
        summary = summarize_error(e)
        if "matching implementation was not found" in summary or "unknown import" in summary:
            return "link", f"cannot link the skill: {summary}"
        if "unreachable" in summary or "out of bounds" in summary or "memory" in summary:
            return "memory" if "memory" in summary else "trap", (
                f"the skill crashed ({summary}); if it allocates a lot, it may have hit its "
                f"{policy.memory_mb} MiB memory limit"
            )
        return "trap", f"the skill crashed ({summary})"


def summarize_error(e: BaseException) -> str:
    """The one line of a wasmtime error that says what happened (not the backtrace)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("wasm trap:"):
            return ln
    if "Caused by:" in lines:
        rest = lines[lines.index("Caused by:") + 1 :]
        if rest:
            return rest[-1].lstrip("0123456789: ")
    return lines[0] if lines else type(e).__name__
