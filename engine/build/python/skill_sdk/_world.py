"""The skill world's exports over the loaded ``Skill`` (see ``_bundle`` for what a build imports)."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import sys

import wit_world

import skill_sdk
from skill_sdk._bundle import package_modules, preload, preload_reachable


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
