"""In-process runtime figures for a real JS skill (textkit, built by componentize-js).

- cache: Cranelift compile of the component vs loading the cached artefact
- warm call: instantiate + execute-tool + teardown, p50/p99 over 1000 calls,
  for the bare runtime call and for the full Engine.run (argument checks, history)
- throughput with N = 1, 2, 8 concurrent runs in one process

Run: .venv/bin/python bench/bench_runtime.py
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from common import ARGS, SKILL, TOOL, median, pct, row, setup_home

CALLS = 1000


def main() -> None:
    setup_home()
    from engine.api import Engine
    from engine.instances import Instances
    from engine.runtime import SandboxPolicy
    from engine.runtime.wasm import WasmRuntime

    engine = Engine()
    skill = engine.skill(SKILL)
    wasm = skill.component_path.read_bytes()
    print(f"{SKILL} component: {len(wasm) / 1e6:.1f} MB")

    print("compile cache")
    scratch = engine.home.root / "bench-compiled"
    t0 = time.perf_counter()
    WasmRuntime(scratch, engine.home.tmp).compile(wasm, "textkit.wasm")
    compile_s = time.perf_counter() - t0
    loads = []
    for _ in range(10):
        fresh = WasmRuntime(scratch, engine.home.tmp)
        t0 = time.perf_counter()
        fresh.load(skill.component_sha256, skill.component_path)
        loads.append(time.perf_counter() - t0)
    row("first compile (Cranelift) + serialize", f"{compile_s * 1000:.0f} ms")
    row(
        "cached load (deserialize_file, median of 10)",
        f"{median(loads) * 1000:.2f} ms",
        f"{compile_s / median(loads):.0f}x faster",
    )

    print(f"warm call, {CALLS} calls")
    runtime = engine.runtime
    component = runtime.load(skill.component_sha256, skill.component_path)
    policy = SandboxPolicy(data_dir=Instances(engine.home).data_dir(SKILL, "default"))
    args = json.dumps(ARGS)
    for _ in range(20):
        runtime.call(component, policy, "execute-tool", TOOL, args)
    bare = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        runtime.call(component, policy, "execute-tool", TOOL, args)
        bare.append((time.perf_counter() - t0) * 1000)
    full = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        assert engine.run(f"{SKILL}:{TOOL}", ARGS).ok
        full.append((time.perf_counter() - t0) * 1000)
    row("runtime.call: instantiate+execute+teardown p50", f"{pct(bare, 50):.2f} ms", "target <= 2 ms")
    row("runtime.call p99", f"{pct(bare, 99):.2f} ms")
    row("Engine.run (checks + history append) p50", f"{pct(full, 50):.2f} ms")
    row("Engine.run p99", f"{pct(full, 99):.2f} ms")

    print("throughput, concurrent Engine.run in one process")
    base = None
    for n in (1, 2, 8):
        total = 400
        with ThreadPoolExecutor(n) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: engine.run(f"{SKILL}:{TOOL}", ARGS), range(total)))
            elapsed = time.perf_counter() - t0
        assert all(r.ok for r in results)
        rate = total / elapsed
        base = base or rate
        row(f"N={n}", f"{rate:.0f} runs/s", f"{rate / base:.2f}x N=1")


if __name__ == "__main__":
    main()
