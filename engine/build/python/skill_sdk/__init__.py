"""skill_sdk: write a skill-engine skill in Python.

Bundled into every Python skill build (nothing to install)::

    from skill_sdk import Skill, config, http

    skill = Skill("weather", version="0.1.0", description="Forecasts for a city")

    @skill.tool
    def forecast(city: str, days: int = 3) -> str:
        \"\"\"Forecast for a city.

        Args:
            city: The city's name.
            days: How many days ahead.
        \"\"\"
        return http.get(f"https://api.example.com/{city}", params={"days": days}).text

A tool's parameters and their JSON schema come from its type hints and defaults, its
description from the docstring's first paragraph and the ``Args:`` section. Handlers may
be ``async``. What a handler returns is the tool's output: a string as is, anything else
as JSON (and as the result's ``data``); ``ok(text, data)`` sets both. Raising ends the run
with an error result: ``ToolError("why")`` gives just the message, any other exception its
type, message and the line it came from.
"""

from __future__ import annotations

import inspect
import json
import os
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from skill_sdk._http import HttpError, Response, afetch, fetch, http
from skill_sdk._schema import SchemaError, check_value, doc_parts, tool_schema

__all__ = [
    "Skill",
    "ToolError",
    "SchemaError",
    "Result",
    "ok",
    "err",
    "config",
    "all_config",
    "fetch",
    "afetch",
    "http",
    "Response",
    "HttpError",
    "current",
]

F = TypeVar("F", bound=Callable[..., Any])
# where the standard library's frames point: /python/ in a component (where the build found it)
STDLIB = ("/python/", os.path.dirname(os.__file__) + "/")


class ToolError(Exception):
    """Raise it from a handler to fail the run with exactly this message."""


class Result:
    """A tool result with text for people (``output``) and structured ``data`` for programs."""

    def __init__(self, output: str = "", data: Any = None, error: str | None = None):
        self.output, self.data, self.error = output, data, error

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"success": False, "output": self.output, "errorMessage": self.error}
        out: dict[str, Any] = {"success": True, "output": self.output}
        if self.data is not None:
            out["data"] = self.data
        return out


def ok(output: Any = "", data: Any = None) -> Result:
    """A successful result; ``output`` that is not a string is shown as indented JSON."""
    return Result(output if isinstance(output, str) else json.dumps(output, indent=2, default=str), data)


def err(message: str | BaseException) -> Result:
    """A failed result with this message."""
    return Result(error=str(message))


def config(key: str, default: str | None = None) -> str | None:
    """One config value of the instance (secrets included), or ``default`` when it is unset."""
    import wit_world

    value = wit_world.get_config(key)
    if value is None:
        value = os.environ.get("SKILL_" + "".join(c if c.isalnum() else "_" for c in key.upper()))
    return default if value is None else value


def all_config() -> dict[str, str]:
    """Every config value of the instance."""
    import wit_world

    return dict(wit_world.get_all_config())


class _Tool:
    def __init__(self, name: str, fn: Callable[..., Any], description: str | None):
        self.name, self.fn = name, fn
        self.schema, self.defaults = tool_schema(fn)
        self.description = description if description is not None else doc_parts(fn)[0]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "parameters": self.schema}


_current: Skill | None = None


def current() -> Skill | None:
    """The skill the loaded module defined (the last ``Skill(...)`` made)."""
    return _current


class Skill:
    """One skill: its metadata and its tools. Make exactly one, at the top of skill.py."""

    def __init__(
        self,
        name: str,
        version: str = "0.1.0",
        description: str = "",
        author: str | None = None,
    ):
        global _current
        self.name, self.version, self.description, self.author = name, version, description, author
        self.tools: dict[str, _Tool] = {}
        self._validate: Callable[[dict[str, str]], Any] | None = None
        _current = self

    def tool(self, fn: F | None = None, *, name: str | None = None, description: str | None = None) -> Any:
        """Register a handler as a tool: ``@skill.tool`` or ``@skill.tool(name="x", description="...")``.

        The tool's name is the function's with ``_`` as ``-`` (``word_count`` is ``word-count``)."""

        def register(f: F) -> F:
            tool_name = name or f.__name__.replace("_", "-")
            if tool_name in self.tools:
                raise SchemaError(f"{self.name}: two tools are named {tool_name!r}")
            self.tools[tool_name] = _Tool(tool_name, f, description)
            return f

        return register(fn) if fn is not None else register

    def validate_config(self, fn: Callable[[dict[str, str]], Any]) -> Callable[[dict[str, str]], Any]:
        """Register the check run on an instance's config before it is saved: raise (or return a
        message) to refuse it."""
        self._validate = fn
        return fn

    # ---- the world's exports, as JSON strings ------------------------------------------

    def metadata_json(self) -> str:
        meta = {"name": self.name, "version": self.version, "description": self.description}
        if self.author:
            meta["author"] = self.author
        return json.dumps(meta)

    def tools_json(self) -> str:
        return json.dumps([t.to_json() for t in self.tools.values()])

    def execute_json(self, tool_name: str, args_json: str) -> str:
        return json.dumps(self.execute(tool_name, args_json).to_json(), default=str)

    def execute(self, tool_name: str, args_json: str) -> Result:
        t = self.tools.get(tool_name)
        if t is None:
            return err(f"{self.name} has no tool {tool_name!r}; its tools are: {', '.join(self.tools) or '(none)'}")
        try:
            args = json.loads(args_json or "{}")
            if not isinstance(args, dict):
                return err("the arguments must be a JSON object")
            props = t.schema["properties"]
            unknown = sorted(set(args) - set(props))
            if unknown:
                return err(f"{tool_name} has no parameter {unknown[0]!r}; its parameters are: {', '.join(props)}")
            missing = [p for p in t.schema["required"] if p not in args]
            if missing:
                return err(f"{tool_name}: missing required parameter {missing[0]!r}")
            typed = {k: check_value(k, v, props[k]) for k, v in args.items()}
        except ValueError as e:
            return err(f"{tool_name}: {e}")
        try:
            value = _settle(t.fn(**typed))
        except ToolError as e:
            return err(e)
        except HttpError as e:
            return err(f"{e} ({e.kind})" if e.kind != "status" else e)
        except Exception as e:
            return err(_describe(e))
        if isinstance(value, Result):
            return value
        if value is None:
            return Result("")
        if isinstance(value, str):
            return Result(value)
        return ok(value, value)

    def validate_json(self, config_json: str) -> str:
        if self._validate is None:
            return json.dumps({"ok": None})
        try:
            problem = _settle(self._validate(json.loads(config_json or "{}")))
        except Exception as e:
            problem = str(e) if isinstance(e, (ToolError, ValueError)) else _describe(e)
        if problem:
            return json.dumps({"err": str(problem)})
        return json.dumps({"ok": None})


def _settle(value: Any) -> Any:
    """A coroutine's result (async handlers), or ``value`` itself."""
    if inspect.iscoroutine(value):
        from skill_sdk import _aio

        return _aio.run(value)
    return value


def _describe(e: BaseException) -> str:
    """``Type: message (file.py:LINE)`` at the innermost frame of the skill's own code."""
    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if "/skill_sdk/" not in f.filename and not f.filename.startswith("<")]
    # the skill's own line if the error passed through it, else where it was raised
    mine = [f for f in own if not f.filename.startswith(STDLIB)] or own
    if mine:
        where = f" ({mine[-1].filename.rsplit('/', 1)[-1]}:{mine[-1].lineno})"
    message = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    if isinstance(e, MemoryError):
        message = "MemoryError: the run reached its memory limit"
    if isinstance(e, OSError) and any(f.filename.endswith("/socket.py") for f in frames):
        message += " (a skill gets no sockets: skill_sdk.http reaches the hosts the instance was granted)"
    if isinstance(e, ModuleNotFoundError):
        message += " (a Python skill can use only what its build bundled: import it at the top of the module)"
    return message + where
