"""Dev mode: save → new behaviour visible, against the full release build as the baseline.

For each skill, `skill dev --run` is driven through its Python API with the real file
watcher: the source is rewritten with a new marker and the clock stops when the re-run
output shows that marker (watcher latency + esbuild + dev host instance + the run).
Median/p90 over EDITS edits, for

- small: the `skill init` JS template (one SDK skill, ~10 KB bundle)
- npm:   a skill bundling an npm dependency: lodash 4 installed from the npm registry
         (whole CommonJS library, ~540 KB bundle); with no registry, the vendored
         tests/fixtures/authoring/npm-skill package instead

The background release build runs as in real use (after 1.5 s of quiet, at low
priority). Baseline: the full release build of the same skill (componentize-js +
Cranelift compile, cold caches for that source).

Run: .venv/bin/python bench/bench_dev.py [--edits N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from common import REPO, median, pct, row

NPM_SKILL = """import { defineSkill, ok } from "@skill-engine/sdk";
import _ from "lodash";

export default defineSkill({
  metadata: { name: "bench-npm", version: "0.1.0", description: "bundles lodash" },
  tools: [{
    name: "greet", description: "d",
    parameters: [{ name: "name", paramType: "string", required: true }],
    handler: ({ name }) => {
      return ok(_.startCase(`MARK ${name}`));
    },
  }],
});
"""


def make_small(root: Path) -> tuple[Path, str]:
    from engine.build.scaffold import init_project

    folder = root / "bench-small"
    init_project(folder, "js", description="bench")
    return folder, "small (init template)"


def make_npm(root: Path) -> tuple[Path, str]:
    folder = root / "bench-npm"
    folder.mkdir()
    (folder / "skill.yaml").write_text("name: bench-npm\nversion: 0.1.0\ndescription: bundles lodash\n")
    (folder / "package.json").write_text('{"name": "bench-npm", "private": true}\n')
    npm = shutil.which("npm")
    try:
        if not npm:
            raise OSError("npm not found")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "lodash@4.17.21"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=120,
        )
        (folder / "skill.js").write_text(NPM_SKILL)
        return folder, "npm dependency (lodash 4, from the registry)"
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(folder)
        shutil.copytree(REPO / "tests" / "fixtures" / "authoring" / "npm-skill", folder)
        return folder, "npm dependency (vendored tiny-case; registry unreachable)"


def edit_line(src: Path, marker: str) -> None:
    """Make the greet tool's output start with `marker` (the small template or the lodash skill)."""
    lines = src.read_text().split("\n")
    for i, ln in enumerate(lines):
        if 'getConfig("greeting")' in ln:
            lines[i + 1] = f"        return ok(`{marker} ${{name}}`);"
            break
        if "_.startCase(" in ln:
            lines[i] = f"      return ok(`{marker} ` + _.startCase(name));"
            break
    else:
        raise SystemExit(f"cannot find the line to edit in {src}")
    tmp = src.with_name(src.name + ".tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(src)  # like an editor's atomic save


@dataclass
class Saves:
    """What `measure_saves` saw: per edit, save -> new output, the reload and the re-run (ms)."""

    visible: list[float]
    reload_ms: list[float]
    run_ms: list[float]
    start_s: float  # the dev session's start (dev host cached)
    bundle_kb: float  # the last reload's bundle


def measure_saves(engine, folder: Path, src: Path, edit, edits: int, *, release: bool) -> Saves:
    """Drive `skill dev --run greet` through its Python API with the real file watcher: `edit(src, marker)`
    saves, and the clock stops when the re-run output shows the marker."""
    from engine.build.dev import DevRunResult, DevSession, Reloaded, ReloadFailed

    seen: list[tuple[float, object]] = []
    cond = threading.Condition()

    def on_event(e) -> None:
        with cond:
            seen.append((time.perf_counter(), e))
            cond.notify_all()

    session = DevSession(engine, folder, on_event=on_event, release=release, run_tool="greet", run_args={"name": "Ada"})
    t = time.perf_counter()
    first = session.start(progress=lambda m: print(f"  {m}"))
    if isinstance(first, ReloadFailed):
        raise SystemExit(f"{folder.name}: {first.error}")
    start_s = time.perf_counter() - t
    stop, watching = threading.Event(), threading.Event()
    th = threading.Thread(target=session.watch, args=(stop,), kwargs={"on_watching": watching.set}, daemon=True)
    th.start()
    watching.wait(10)
    time.sleep(0.5)
    visible, reload_ms, run_ms = [], [], []
    try:
        for i in range(edits):
            marker = f"E{i}x{uuid.uuid4().hex[:6]}"
            with cond:
                n = len(seen)
            t0 = time.perf_counter()
            edit(src, marker)
            with cond:
                if not cond.wait_for(
                    lambda m=marker, n=n: any(isinstance(e, DevRunResult) and m in e.output for _, e in seen[n:]),
                    timeout=30,
                ):
                    raise SystemExit(f"{folder.name}: edit {i} never became visible: {[e for _, e in seen[n:]]}")
                shown = [(ts, e) for ts, e in seen[n:] if isinstance(e, DevRunResult) and marker in e.output]
                reload_ms += [e.ms for _, e in seen[n:] if isinstance(e, Reloaded)][-1:]
                run_ms += [e.ms for _, e in shown]
            visible.append((shown[0][0] - t0) * 1000)
            time.sleep(0.3)
    finally:
        stop.set()
        th.join(5)
        session.close()
    bundle_kb = next(e.bundle_bytes for _, e in reversed(seen) if isinstance(e, Reloaded)) / 1024
    return Saves(visible, reload_ms, run_ms, start_s, bundle_kb)


def bench_one(engine, folder: Path, label: str, edits: int) -> None:
    from engine.build.componentize import build_folder

    src = folder / ("skill.js" if (folder / "skill.js").is_file() else "skill.ts")
    saves = measure_saves(engine, folder, src, edit_line, edits, release=True)
    visible, reload_ms, run_ms = saves.visible, saves.reload_ms, saves.run_ms

    # baseline: the full release build of this source, cold (a fresh marker → new bundle)
    edit_line(src, f"B{uuid.uuid4().hex[:8]}")
    t = time.perf_counter()
    _name, r = build_folder(engine.home, folder)
    componentize_s = time.perf_counter() - t
    t = time.perf_counter()
    engine.runtime.compile(r.wasm_path.read_bytes(), "bench")
    compile_s = time.perf_counter() - t

    print(f"{label}  (bundle {saves.bundle_kb:.0f} KB, {edits} edits)")
    row(
        "save -> --run output shows the edit, p50",
        f"{median(visible):.0f} ms",
        f"p90 {pct(visible, 90):.0f} ms, min {min(visible):.0f}, max {max(visible):.0f}",
    )
    row("  of which reload (esbuild + dev host load), p50", f"{median(reload_ms):.0f} ms")
    row("  of which the re-run (fresh instance), p50", f"{median(run_ms):.0f} ms")
    row("dev session start (dev host cached)", f"{saves.start_s * 1000:.0f} ms")
    row(
        "baseline: full release build",
        f"{componentize_s + compile_s:.1f} s",
        f"componentize {componentize_s:.1f} s + Cranelift compile {compile_s:.1f} s",
    )
    print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=12)
    a = ap.parse_args()
    os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache"))
    home = Path(tempfile.mkdtemp(prefix="skill-bench-dev-"))
    os.environ["SKILL_ENGINE_HOME"] = str(home)
    from engine.api import Engine
    from engine.build.dev import dev_host

    engine = Engine()
    t = time.perf_counter()
    dev_host(engine, progress=lambda m: print(f"  {m}"))
    print(f"dev host ready in {time.perf_counter() - t:.1f} s (built and compiled once per cache)\n")
    for make in (make_small, make_npm):
        folder, label = make(home)
        bench_one(engine, folder, label, a.edits)


if __name__ == "__main__":
    main()
