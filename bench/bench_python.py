"""Python skills against the same skill in JS: build, size, compile, warm call, dev save -> live.

Both skills are the `skill init` templates (`--template python` and the JS one): the same two
tools, `greet` and `word-count`. Every figure of the Python skill is printed beside the JS
skill's from the same run (the machine is shared and noisy):

- build, cold: a private build cache (the npm toolchain is shared: it is installed once, not
  per build) and cached (the same source again);
- component size, and the first Cranelift compile of each (an empty compile cache);
- warm call: `Engine.run` of word-count in one process, p50/p99 over CALLS calls;
- dev mode: save -> `--run` output shows the edit, p50/p90 over EDITS edits, with the real file
  watcher (its debounce is part of what a person waits for). Target: p50 <= 500 ms.

Run: .venv/bin/python bench/bench_python.py [--calls N] [--edits N]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

from bench_dev import edit_line, measure_saves
from common import REPO, median, pct, row

TARGET_MS = 500.0


def edit_python(src: Path, marker: str) -> None:
    """Make the Python template's greet answer start with `marker` (an editor's atomic save)."""
    text, n = re.subn(r'return ok\(f"[^"]*"', f'return ok(f"{marker} {{name}}"', src.read_text(), count=1)
    if not n:
        raise SystemExit(f"cannot find the line to edit in {src}")
    tmp = src.with_name(src.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(src)


def build_twice(folder: Path, cache: Path) -> tuple[float, float, Path]:
    """(cold seconds, cached seconds, the component) of building `folder` with a private build cache."""
    from engine.build import build_folder
    from engine.home import Home

    home = Home(root=cache / "home", cache=cache)
    t = time.perf_counter()
    _name, cold = build_folder(home, folder)
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    _name, again = build_folder(home, folder)
    assert again.cached
    return cold_s, time.perf_counter() - t, cold.wasm_path


def compile_s(wasm: Path, scratch: Path) -> float:
    from engine.runtime import WasmRuntime

    (scratch / "compiled").mkdir(parents=True)
    (scratch / "tmp").mkdir()
    runtime = WasmRuntime(scratch / "compiled", scratch / "tmp")
    t = time.perf_counter()
    runtime.compile(wasm.read_bytes(), str(wasm))
    return time.perf_counter() - t


def warm_calls(engine, name: str, calls: int) -> list[float]:
    args = {"text": "the quick brown fox jumps over the lazy dog"}
    samples = []
    for i in range(20 + calls):
        t0 = time.perf_counter()
        result = engine.run(f"{name}:word-count", args)
        if not result.ok:
            raise SystemExit(f"{name}:word-count failed at call {i}: {result}")
        if i >= 20:
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--edits", type=int, default=12)
    a = ap.parse_args()
    shared = Path(os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache")))
    root = Path(tempfile.mkdtemp(prefix="skill-bench-python-"))
    os.environ["SKILL_ENGINE_HOME"] = str(root / "home")
    from engine.api import Engine
    from engine.build.scaffold import init_project
    from engine.build.toolchain import ensure_toolchain, lock_hash
    from engine.home import Home
    from engine.runtime.pool import use_warm_slots

    use_warm_slots()
    ensure_toolchain(Home.from_env())
    folders = {}
    for lang, template in (("python", "python"), ("js", "js")):
        folders[lang] = root / f"bench-{lang}"
        init_project(folders[lang], template, name=f"bench-{lang}", description="bench")

    figures: dict[str, dict[str, object]] = {}
    for lang, folder in folders.items():
        cache = root / f"cache-{lang}"
        (cache / "toolchain").mkdir(parents=True)
        (cache / "toolchain" / lock_hash()).symlink_to(shared / "toolchain" / lock_hash())
        cold, cached, wasm = build_twice(folder, cache)
        figures[lang] = {
            "cold": cold,
            "cached": cached,
            "size": wasm.stat().st_size,
            "compile": compile_s(wasm, root / f"compile-{lang}"),
        }
    engine = Engine()
    for lang, folder in folders.items():
        engine.install(folder)
        figures[lang]["calls"] = warm_calls(engine, f"bench-{lang}", a.calls)
    for lang, edit in (("python", edit_python), ("js", edit_line)):
        src = folders[lang] / ("skill.py" if lang == "python" else "skill.js")
        saves = measure_saves(engine, folders[lang], src, edit, a.edits, release=False)
        figures[lang]["dev"] = (saves.visible, saves.reload_ms)

    py, js = figures["python"], figures["js"]
    print(
        f"\nPython skill (componentize-py) beside the same skill in JS (componentize-js), {a.calls} calls, {a.edits} edits"
    )
    row("build, cold (private build cache)", f"{py['cold']:.1f} s", f"JS {js['cold']:.1f} s")
    row("build, cached", f"{py['cached'] * 1000:.0f} ms", f"JS {js['cached'] * 1000:.0f} ms")
    row("component size", f"{py['size'] / 1e6:.1f} MB", f"JS {js['size'] / 1e6:.1f} MB")
    row("first Cranelift compile", f"{py['compile']:.1f} s", f"JS {js['compile']:.1f} s")
    pc, jc = py["calls"], js["calls"]
    assert isinstance(pc, list) and isinstance(jc, list)
    row(
        "warm call (Engine.run word-count), p50 / p99",
        f"{median(pc):.2f} / {pct(pc, 99):.2f} ms",
        f"JS {median(jc):.2f} / {pct(jc, 99):.2f} ms: {median(pc) / median(jc):.2f}x",
    )
    (pv, pr), (jv, jr) = py["dev"], js["dev"]  # type: ignore[misc]
    verdict = "OK" if median(pv) <= TARGET_MS else "MISSED"
    row(
        "dev: save -> new output, p50 / p90",
        f"{median(pv):.0f} / {pct(pv, 90):.0f} ms",
        f"JS {median(jv):.0f} / {pct(jv, 90):.0f} ms; target p50 <= {TARGET_MS:.0f} ms: {verdict}",
    )
    row("  of which the reload, p50", f"{median(pr):.0f} ms", f"JS {median(jr):.0f} ms")


if __name__ == "__main__":
    main()
