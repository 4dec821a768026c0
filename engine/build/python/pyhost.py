"""The Python host: one prebuilt component that runs Python source it is handed at each call.

Dev mode hands it a skill's source files (``SKILL_DEV_SOURCE``, JSON ``{"module", "files"}``),
so a save costs no componentize-py build; the sandbox is the instance's, unchanged. An Agent
Skill's script runs through it too (``SKILL_SCRIPT``, JSON ``{"path", "args"}``, export
``execute-tool("run-script", "{}")``). Both variables are removed from ``os.environ`` before
any of that code runs.

A componentize-py component holds only what was imported while it was built, so this one
imports the whole standard library (what loads on WASI) at build time: the source it runs
later may import any of it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import json
import os
import pkgutil
import runpy
import sys
import traceback
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import skill_sdk
from skill_sdk import _bundle, _world

SOURCE_VAR = "SKILL_DEV_SOURCE"
SCRIPT_VAR = "SKILL_SCRIPT"
# parts of the standard library that are tools, tests or demos, or open windows and browsers
SKIPPED = {
    "test", "idlelib", "tkinter", "turtle", "turtledemo", "this", "antigravity", "ensurepip", "venv",
    "lib2to3", "pydoc", "pydoc_data", "__phello__", "__hello__", "_pyrepl", "webbrowser", "xxlimited",
}  # fmt: skip


def _stdlib_modules() -> set[str]:
    # where os.py really is: at build time the library sits in /python, not where os.__file__ says
    stdlib = next((p for p in sys.path if os.path.isfile(os.path.join(p, "os.py"))), os.path.dirname(os.__file__))
    names: set[str] = set(sys.builtin_module_names)

    def walk(folder: str, prefix: str) -> None:
        for info in pkgutil.iter_modules([folder]):
            if info.name in SKIPPED or info.name.startswith("_test") or info.name in ("__main__", "tests"):
                continue
            names.add(prefix + info.name)
            if info.ispkg:
                walk(os.path.join(folder, info.name), f"{prefix}{info.name}.")

    walk(stdlib, "")
    return names


_bundle.preload(_stdlib_modules() | {"skill_sdk._aio"})


class _SourceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports modules from the source files handed in (``skill.py``, ``pkg/__init__.py``, ...)."""

    def __init__(self, files: dict[str, str]):
        self.files = files

    def _path(self, name: str) -> tuple[str, bool] | None:
        base = name.replace(".", "/")
        if f"{base}.py" in self.files:
            return f"{base}.py", False
        if f"{base}/__init__.py" in self.files:
            return f"{base}/__init__.py", True
        return None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        found = self._path(fullname)
        if found is None:
            return None
        rel, package = found
        spec = importlib.util.spec_from_loader(fullname, self, origin=rel, is_package=package)
        if spec is not None:
            spec.has_location = True
        return spec

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        rel = module.__spec__.origin if module.__spec__ else None
        if rel is None:
            raise ImportError(f"{module.__name__} has no source")
        module.__file__ = rel
        exec(compile(self.files[rel], rel, "exec"), module.__dict__)


def load_error(e: BaseException, files: dict[str, str]) -> str:
    """``file.py:LINE: Type: message`` at the innermost frame in the handed-in source."""
    if isinstance(e, SyntaxError) and e.filename in files:
        return f"{e.filename}:{e.lineno}: SyntaxError: {e.msg}"
    where = ""
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        if frame.filename in files:
            where = f"{frame.filename}:{frame.lineno}: "
            break
    if isinstance(e, skill_sdk.SchemaError):
        return str(e)
    return f"{where}{type(e).__name__}: {e}"


_loaded: str | None = None  # the load error, or "" once the skill loaded


def _load() -> str:
    """Import the handed-in skill once per instance; "" or its one-line load error."""
    global _loaded
    if _loaded is None:
        raw = os.environ.pop(SOURCE_VAR, None)
        if raw is None:
            _loaded = "the Python host was given no skill source"
            return _loaded
        source = json.loads(raw)
        files = source["files"]
        sys.meta_path.insert(0, _SourceFinder(files))
        try:
            importlib.import_module(source["module"])
            _loaded = "" if skill_sdk.current() else f"{source['module']}.py makes no Skill: add `skill = Skill(...)`"
        except BaseException as e:  # noqa: BLE001 - every failure of the user's code is a load error
            _loaded = load_error(e, files)
    return _loaded


def run_script(spec: str) -> str:
    """Run an Agent Skill's script as ``__main__`` with its arguments; its exit code is the result."""
    job = json.loads(spec)
    sys.argv = [job["path"], *job.get("args", [])]
    code = 0
    try:
        runpy.run_path(job["path"], run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException as e:  # noqa: BLE001 - the script's own failure: its traceback is its stderr
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != job["path"]:
            tb = tb.tb_next  # from the script's own frame: the host's and runpy's say nothing to its author
        traceback.print_exception(type(e), e, tb or e.__traceback__)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    failed = f"{os.path.basename(job['path'])} exited with code {code}"
    result = {"success": code == 0, "output": "", "data": {"exit_code": code}}
    return json.dumps(result if code == 0 else {**result, "errorMessage": failed})


class WitWorld(_world.World):
    def get_metadata(self) -> str:
        problem = _load()
        return json.dumps({"err": problem}) if problem else super().get_metadata()

    def get_tools(self) -> str:
        problem = _load()
        return json.dumps({"err": problem}) if problem else super().get_tools()

    def execute_tool(self, tool_name: str, args: str) -> str:
        script = os.environ.pop(SCRIPT_VAR, None)
        if script is not None and tool_name == "run-script":
            return run_script(script)
        problem = _load()
        if problem:
            return json.dumps({"success": False, "output": "", "errorMessage": problem})
        return super().execute_tool(tool_name, args)

    def validate_config(self, config: str) -> str:
        problem = _load()
        return json.dumps({"err": problem}) if problem else super().validate_config(config)
