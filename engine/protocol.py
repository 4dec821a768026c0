"""The JSON contract of the skill world (wit/skill.wit, docs/skill-world.md).

Every export of a skill returns a JSON document in a string. This module turns
those strings into typed values, accepting both the upstream Skill Engine's
shapes and JSON-schema parameter lists, and checks tool arguments against the
declared parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArgumentError, ComponentError

PARAM_TYPES = ("string", "number", "integer", "boolean", "array", "object", "json", "file")
_TYPE_ALIASES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
    "map": "object",
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    default: Any = None
    enum: tuple[Any, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "required": self.required,
        }
        if self.default is not None:
            out["default"] = self.default
        if self.enum:
            out["enum"] = list(self.enum)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Param:
        return cls(
            name=d["name"],
            type=d.get("type", "string"),
            description=d.get("description", ""),
            required=bool(d.get("required", False)),
            default=d.get("default"),
            enum=tuple(d.get("enum") or ()),
        )


@dataclass(frozen=True)
class Tool:
    name: str
    description: str = ""
    params: tuple[Param, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "parameters": [p.to_json() for p in self.params]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Tool:
        return cls(
            name=d["name"],
            description=d.get("description", ""),
            params=tuple(Param.from_json(p) for p in d.get("parameters", ())),
        )

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool said about its own run: success or failure, in its own words."""

    ok: bool
    output: str = ""
    error: str | None = None
    data: Any = None


@dataclass(frozen=True)
class Metadata:
    name: str | None = None
    version: str | None = None
    description: str = ""
    author: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _load_json(raw: str, what: str) -> Any:
    if not isinstance(raw, (str, bytes)):  # a component that returned something else than a string
        raise ComponentError(f"the skill's {what} must be a JSON string, got {type(raw).__name__}")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise ComponentError(f"the skill's {what} is not valid JSON ({e.msg} at char {e.pos}): {_clip(raw)}") from None


def _clip(text: str, limit: int = 80) -> str:
    """A component's raw output on one line, cut: shown as it came (JSON reads best bare)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_metadata(raw: str) -> Metadata:
    d = _load_json(raw, "get-metadata result")
    if not isinstance(d, dict):
        raise ComponentError(f"the skill's get-metadata must return a JSON object, got {_clip(raw)}")
    known = {"name", "version", "description", "author"}
    return Metadata(
        name=_opt_str(d.get("name")),
        version=_opt_str(d.get("version")),
        description=str(d.get("description") or ""),
        author=_opt_str(d.get("author")),
        extra={k: v for k, v in d.items() if k not in known},
    )


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def parse_tools(raw: str) -> list[Tool]:
    d = _load_json(raw, "get-tools result")
    if isinstance(d, dict) and isinstance(d.get("tools"), list):
        d = d["tools"]
    if not isinstance(d, list):
        raise ComponentError(f"the skill's get-tools must return a JSON list of tools, got {_clip(raw)}")
    tools, seen = [], set()
    for i, t in enumerate(d):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"]:
            raise ComponentError(f'the skill\'s get-tools entry {i} has no "name": {_clip(json.dumps(t))}')
        if t["name"] in seen:
            raise ComponentError(f"the skill's get-tools lists tool {t['name']!r} twice")
        seen.add(t["name"])
        params = t.get("parameters", t.get("inputSchema", t.get("input_schema")))
        tools.append(
            Tool(
                name=t["name"],
                description=str(t.get("description") or ""),
                params=tuple(_parse_params(t["name"], params)),
            )
        )
    return tools


def _parse_params(tool: str, params: Any) -> list[Param]:
    """Accept the upstream list form and the JSON-schema object form."""
    if params is None:
        return []
    if isinstance(params, dict):
        props = params.get("properties") or {}
        required = set(params.get("required") or ())
        items = [{"name": k, **(v if isinstance(v, dict) else {}), "required": k in required} for k, v in props.items()]
    elif isinstance(params, list):
        items = params
    else:
        raise ComponentError(f'tool {tool!r}: "parameters" must be a list or a JSON schema object')
    out = []
    for p in items:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise ComponentError(f'tool {tool!r}: every parameter needs a "name": {_clip(json.dumps(p))}')
        kind = str(p.get("paramType") or p.get("type") or "string").lower()
        kind = _TYPE_ALIASES.get(kind, kind)
        if kind not in PARAM_TYPES:
            kind = "string"
        default = p.get("default", p.get("defaultValue"))
        out.append(
            Param(
                name=p["name"],
                type=kind,
                description=str(p.get("description") or ""),
                required=bool(p.get("required", False)),
                default=default,
                enum=tuple(p.get("enum") or ()),
            )
        )
    return out


def parse_tool_result(raw: str, tool: str) -> ToolOutcome:
    """Read an execute-tool result: `{success, output, errorMessage}`, `{ok: ...}` or `{err: ...}`."""
    try:
        d = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return ToolOutcome(
            ok=False,
            output=str(raw),
            error=f"tool {tool!r} returned non-JSON output {_clip(raw)}; a skill must return "
            'a JSON result such as {"success": true, "output": "..."}',
        )
    if isinstance(d, dict) and "err" in d and "ok" not in d:
        return ToolOutcome(ok=False, error=_as_text(d["err"]) or "the tool reported an error")
    if isinstance(d, dict) and "ok" in d and "err" not in d:
        d = d["ok"]
        if not isinstance(d, dict) or "success" not in d:
            return ToolOutcome(ok=True, output=_as_text(d))
    if not isinstance(d, dict) or "success" not in d:
        return ToolOutcome(
            ok=False,
            output=str(raw),
            error=f'tool {tool!r} returned JSON without "success" or "ok"/"err": {_clip(raw)}',
        )
    ok = bool(d.get("success"))
    error = d.get("errorMessage", d.get("error"))
    if not ok and not error:
        error = "the tool reported failure without a message"
    return ToolOutcome(
        ok=ok, output=_as_text(d.get("output", "")), error=None if ok else _as_text(error), data=d.get("data")
    )


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def parse_validation(raw: str) -> str | None:
    """Read a validate-config result; return the skill's complaint, or None when valid."""
    try:
        d = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return f"validate-config returned non-JSON output {_clip(raw)}"
    if not isinstance(d, dict):
        return None if d in (True, None) else f"validate-config returned {_clip(raw)}"
    if "err" in d:
        return _as_text(d["err"]) or "invalid configuration"
    if d.get("error"):  # upstream's cookbook: {"ok": null, "error": "Missing 'api_key'"}
        return _as_text(d["error"])
    if d.get("valid") is False or d.get("success") is False:
        errors = d.get("errors") or d.get("errorMessage") or d.get("message") or "invalid configuration"
        return "; ".join(map(str, errors)) if isinstance(errors, list) else _as_text(errors)
    return None


# ---- arguments -------------------------------------------------------------------------------


# The JSON types of values each declared parameter type accepts (engine.values checks them).
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "file": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def check_args(tool: Tool, args: dict[str, Any], ref: str) -> None:
    """Refuse missing required, unknown and wrongly typed arguments with one clear line."""
    from engine.values import check_value  # engine.values reads this module's types: import it late

    known = {p.name for p in tool.params}
    if tool.params:
        unknown = sorted(set(args) - known)
        if unknown:
            raise ArgumentError(
                f"{ref} has no parameter {unknown[0]!r}; its parameters are: {', '.join(sorted(known))}",
                param=unknown[0],
                reason="not a parameter of this tool",
            )
    for p in tool.params:
        if p.name not in args:
            if p.required:
                raise ArgumentError(
                    f"{ref}: missing required parameter {p.name!r} ({p.type}); pass it with --arg {p.name}=...",
                    param=p.name,
                    reason="required",
                )
            continue
        check_value(p, args[p.name], ref)
