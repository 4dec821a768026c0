"""The wasmtime runtime: one Engine per process, compiled components cached on disk,
a fresh Store per call, with time, memory and output bounded per call."""

from engine.runtime.sandbox import CallOutcome, Mount, SandboxPolicy
from engine.runtime.wasm import WasmRuntime

__all__ = ["CallOutcome", "Mount", "SandboxPolicy", "WasmRuntime"]
