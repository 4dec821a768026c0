"""The skill world's exports over the loaded ``Skill``, and what a build imports up front.

A component built by componentize-py holds only the modules imported while it was built
(the build runs the module's top level and snapshots the interpreter): a module first
imported inside a handler would be missing at run time. So the build imports, up front,
every module the loaded code imports anywhere (until nothing new comes) and every module
of the skill's bundled packages.
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


def imported_names(path: str, package: str) -> set[str]:
    """Every module an ``import`` anywhere in the file at ``path`` names (inside functions too);
    ``from a import b`` names ``a`` and ``a.b`` (``b`` may be a submodule). ``package`` resolves
    relative imports."""
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                base = ".".join(p for p in [*parts, base] if p)
            if base:
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return names


def preload_reachable() -> None:
    """Import, until nothing new comes, every module that the source of a loaded module imports
    anywhere: a handler's ``import`` and the standard library's own lazy ones (``Counter.most_common``
    imports heapq when first called) then find their module in the component."""
    scanned: set[str] = set()
    while True:
        pending = [(n, m) for n, m in list(sys.modules.items()) if n not in scanned]
        if not pending:
            return
        wanted: set[str] = set()
        for name, module in pending:
            scanned.add(name)
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path.endswith(".py"):
                package = module.__package__ or ""
                wanted |= imported_names(path, package)
        preload(wanted - set(sys.modules))


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
    importlib.import_module(module)
    if deps and os.path.isdir(deps):
        preload(package_modules(deps))
    skill = skill_sdk.current()
    if skill is None:
        raise skill_sdk.SchemaError(
            f'{module}.py makes no Skill: add `skill = Skill("name", description=...)` and '
            "decorate each tool with @skill.tool"
        )
    if any(inspect.iscoroutinefunction(t.fn) for t in skill.tools.values()):
        preload({"skill_sdk._aio"})  # async handlers run on its loop
    preload_reachable()
    # codecs are found by name at run time (`"x".encode("cp1252")`, the idna of a host name)
    import encodings

    preload({info.name for info in pkgutil.iter_modules(encodings.__path__, "encodings.")})
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
