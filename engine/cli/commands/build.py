"""`skill build [DIR]`: esbuild + componentize-js (a Python skill: componentize-py) into a component, then a check of its exports."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.commands import open_engine
from engine.cli.output import megabytes, progress
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.api import Engine


def check_component(engine: Engine, wasm: Path) -> list[str]:
    """Compile the component (cached for install), call get-metadata and get-tools and check both
    answers parse: the names of its tools."""
    from engine.protocol import parse_metadata, parse_tools
    from engine.runtime import SandboxPolicy

    rt = engine.runtime
    _sha, component = rt.compile(wasm.read_bytes(), str(wasm))
    answers: list[str] = []
    for export in ("get-metadata", "get-tools"):
        o = rt.call(component, SandboxPolicy(timeout_s=10), export)
        if o.value is None:
            first = next((ln for ln in o.stderr.splitlines() if ln.strip()), "")
            raise UsageError(f"{wasm}: {export} failed: {first or o.failure}")
        answers.append(o.value)
    parse_metadata(answers[0])
    return [t.name for t in parse_tools(answers[1])]


def run(a: argparse.Namespace) -> int:
    from engine.build.componentize import build_component, folder_plan

    engine = open_engine()
    path = Path(a.dir)
    if path.is_file():
        entry, out = path, Path(a.out) if a.out else path.with_suffix(".wasm")
    else:
        _name, entry, out = folder_plan(path)
        out = Path(a.out) if a.out else out
    t0 = time.perf_counter()
    r = build_component(engine.home, entry, out, progress=None if a.json else progress)
    tools: list[str] = []
    if not a.no_check:
        tools = check_component(engine, r.wasm_path)
    total = time.perf_counter() - t0
    if a.json:  # one line, as it always was (not print_json's indented document)
        print(
            json.dumps(
                {
                    "component": str(r.wasm_path),
                    "size": r.size,
                    "seconds": round(total, 3),
                    "cached": r.cached,
                    "tools": tools,
                }
            )
        )
    else:
        how = "unchanged (cache)" if r.cached else "built"
        checked = f"; exports ok, tools: {', '.join(tools)}" if not a.no_check else ""
        print(f"{how} {r.wasm_path} ({megabytes(r.size)}) in {total:.1f} s{checked}")
    return 0
