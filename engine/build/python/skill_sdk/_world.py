"""The skill world's exports over the loaded ``Skill``, and what a build imports up front.

A component built by componentize-py holds only the modules imported while it was built
(the build runs the module's top level and snapshots the interpreter): a module first
imported inside a handler would be missing at run time. So the build imports, up front,
every module the skill's files import anywhere and every module of its bundled packages.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import pkgutil
import sys

import wit_world

import skill_sdk

SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", "node_modules", "dist", "build", "tests", "test"}


def imported_names(folder: str) -> set[str]:
    """Every absolute module name an ``import`` in the .py files under ``folder`` names."""
    names: set[str] = set()
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        for f in files:
            if not f.endswith(".py"):
                continue
            try:
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    tree = ast.parse(fh.read())
            except (OSError, SyntaxError, UnicodeDecodeError):
                continue  # the import of the module itself reports it
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module)
    return names


def preload(names: set[str] | list[str]) -> None:
    """Import each module now, so the component has it; one that fails stays out (its import
    at run time then raises, as it would anywhere)."""
    for name in sorted(names):
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - SystemExit and friends from a module's top level too
            pass


def package_modules(path: str) -> set[str]:
    """Every module and subpackage of the packages installed in ``path`` (a bundle's dependencies)."""
    names: set[str] = set()
    for info in pkgutil.walk_packages([path], onerror=lambda _name: None):
        if not info.name.endswith(("__main__", ".tests", ".test")) and ".tests." not in info.name:
            names.add(info.name)
    return names


def load(module: str, deps: str | None = None) -> skill_sdk.Skill:
    """Import the skill's module (and everything it will need) and return the Skill it made."""
    mod = importlib.import_module(module)
    if deps and os.path.isdir(deps):
        preload(package_modules(deps))
    folder = os.path.dirname(os.path.abspath(mod.__file__ or "."))
    preload(imported_names(folder))
    skill = skill_sdk.current()
    if skill is None:
        raise skill_sdk.SchemaError(
            f'{module}.py makes no Skill: add `skill = Skill("name", description=...)` and '
            "decorate each tool with @skill.tool"
        )
    if any(inspect.iscoroutinefunction(t.fn) for t in skill.tools.values()):
        preload({"skill_sdk._aio"})  # async handlers run on its loop
    return skill


def _guarded(export: str, fn, *args: str) -> str:
    """Run one export; an exception becomes the world's error form instead of a trap."""
    try:
        return fn(*args)
    except BaseException as e:  # noqa: BLE001 - a trap would lose the message
        message = skill_sdk._describe(e)
        if export == "execute-tool":
            return json.dumps({"success": False, "output": "", "errorMessage": message})
        print(f"{export}: {message}", file=sys.stderr)
        return json.dumps({"err": message})


def _skill() -> skill_sdk.Skill:
    s = skill_sdk.current()
    if s is None:
        raise RuntimeError("no skill is loaded")
    return s


class World(wit_world.WitWorld):
    def get_metadata(self) -> str:
        return _guarded("get-metadata", lambda: _skill().metadata_json())

    def get_tools(self) -> str:
        return _guarded("get-tools", lambda: _skill().tools_json())

    def execute_tool(self, tool_name: str, args: str) -> str:
        return _guarded("execute-tool", lambda: _skill().execute_json(tool_name, args))

    def validate_config(self, config: str) -> str:
        return _guarded("validate-config", lambda: _skill().validate_json(config))
