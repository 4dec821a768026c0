"""`skill doctor`: is this machine ready to install, build and run skills?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table

if TYPE_CHECKING:
    from engine.api import Engine

Check = tuple[str, bool, str]


def run(a: argparse.Namespace) -> int:
    results = checks(open_engine())
    failed = [name for name, ok, _ in results if not ok]
    if a.json:
        out: dict[str, Any] = {
            "ok": not failed,
            "checks": [{"check": name, "ok": ok, "detail": detail} for name, ok, detail in results],
        }
        if failed:
            out["error"] = {"code": "doctor", "message": f"failed: {', '.join(failed)}"}
        print_json(out)
    else:
        print_table(
            ("CHECK", "STATUS", "DETAIL"), [(name, "ok" if ok else "FAIL", detail) for name, ok, detail in results]
        )
    return 1 if failed else 0


def checks(engine: Engine) -> list[Check]:
    out: list[Check] = [("python", sys.version_info >= (3, 11), sys.version.split()[0])]
    out.append(_runtime(engine))
    out.append(_writable("home", engine.home.root))
    out.append(_writable("cache", engine.home.cache))
    skills = engine.skills()
    components = [s for s in skills if s.has_component]  # a knowledge skill has no code to compile
    cached = sum(engine.runtime.cache_path(s.component_sha256).is_file() for s in components)
    knowledge = f" ({len(skills) - len(components)} knowledge)" if len(components) < len(skills) else ""
    detail = f"{len(skills)} installed{knowledge}, {cached} of {len(components)} components with compiled code cached"
    out.append(("skills", True, detail))
    out.append(_toolchain(engine))
    return out


def _runtime(engine: Engine) -> Check:
    try:
        from engine.runtime.wasm import _wasmtime_version

        _ = engine.runtime  # starting it creates the process's wasmtime Engine
        return ("wasmtime", True, f"wasmtime-py {_wasmtime_version()}, component model + WASI 0.2")
    except Exception as e:  # doctor reports, it never crashes
        return ("wasmtime", False, f"cannot start wasmtime: {e}")


def _writable(label: str, path: Path) -> Check:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        return (label, True, str(path))
    except OSError as e:
        return (label, False, f"{path} is not writable: {e.strerror}")


def _toolchain(engine: Engine) -> Check:
    from engine.build.toolchain import toolchain_status

    st = toolchain_status(engine.home)
    if not st["ok"]:
        return ("build toolchain", False, st["error"])
    pinned = ", ".join(f"{k.split('/')[-1]} {v}" for k, v in st["pinned"].items())
    state = "installed" if st["installed"] else "not installed yet (installed on first build)"
    return ("build toolchain", True, f"node {st['node']}, npm {st['npm']}; {pinned}: {state} in {st['path']}")
