"""Dev mode for Python skills: the prebuilt Python host runs the saved source.

A save costs reading the skill's .py files and one fresh instance of the host
(``python/pyhost.py``, built once by componentize-py and compiled once), not a
componentize-py build (~10 s) and a compile (~6 s). The files travel in the call's
environment, as the JS dev host's bundle does; the host removes that variable before
the skill's code runs. The packages of the skill's requirements.txt travel with them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.build.componentize import _display
from engine.build.pybuild import build_python_host, install_dependencies, python_files
from engine.errors import BuildError

if TYPE_CHECKING:
    from wasmtime.component import Component

    from engine.home import Home
    from engine.runtime import CallOutcome, WasmRuntime

_host_lock = threading.Lock()


def python_host(home: Home, runtime: WasmRuntime, progress: Callable[[str], None] | None = None) -> Component:
    """The compiled Python host (componentized and compiled once per cache)."""
    with _host_lock:
        relabel = None
        if progress:

            def relabel(msg: str, _p: Callable[[str], None] = progress) -> None:
                _p("building the Python host (once, ~15-30 s)" if msg.startswith("componentizing") else msg)

        r = build_python_host(home, relabel)
        return runtime.compile(r.wasm_path.read_bytes(), "the Python host")[1]


def source_files(home: Home, entry: Path) -> str:
    """The skill's source as the host takes it: ``{"module", "files": {path: text}}``, its
    requirements' packages included (the skill's own files win a name clash)."""
    folder = entry.parent
    files: dict[str, str] = {}
    deps = install_dependencies(home, folder)
    roots = ([deps] if deps else []) + [folder]
    for root in roots:
        for path in python_files(root):
            try:
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise BuildError(f"{_display(path)}: cannot read it as UTF-8 text ({e})") from None
    return json.dumps({"module": entry.stem, "files": files})


def load_problem(outcome: CallOutcome, folder: Path) -> str | None:
    """Why the source did not load, in one line (the host answers ``{"err": ...}``), or None.
    The host names files relative to the skill's folder; the line names them as a build does."""
    if outcome.value is None:
        lines = [ln.strip() for ln in (outcome.stderr or "").splitlines() if ln.strip()]
        return (lines[-1] if lines else None) or outcome.failure or "the skill did not load"
    try:
        answer = json.loads(outcome.value)
    except ValueError:
        return None
    if isinstance(answer, dict) and isinstance(answer.get("err"), str):
        rel, sep, rest = answer["err"].partition(":")
        return f"{_display(folder / rel)}{sep}{rest}" if sep and (folder / rel).is_file() else answer["err"]
    return None
