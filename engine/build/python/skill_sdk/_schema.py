"""A tool's JSON schema from its Python signature: type hints, defaults and the docstring.

Runs both inside the component (CPython 3.14 on WASI) and on the host (the engine's
tests), so it uses nothing but the standard library of both.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any, Literal, Union

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
EXPRESSIBLE = "str, int, float, bool, Literal[...], list[...], dict[str, ...], X | None or Any"


class SchemaError(Exception):
    """A signature the SDK cannot turn into a JSON schema; the message names the parameter."""


def _where(fn: Any) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return getattr(fn, "__qualname__", repr(fn))
    return f"{code.co_filename}:{code.co_firstlineno}"


def _optional(hint: Any) -> tuple[Any, bool]:
    """(the hint without None, whether None was allowed)."""
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(args) < len(typing.get_args(hint)):
            return args[0], True
    return hint, False


def type_schema(hint: Any) -> dict[str, Any]:
    """The JSON schema of one hint; SchemaError (without the parameter's name) when there is none."""
    if hint is Any:
        return {}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        kinds = {type(a) for a in args}
        if len(kinds) != 1 or not kinds <= {str, int}:
            raise SchemaError(f"Literal{list(args)} mixes types; use only strings or only integers")
        return {"type": _SCALARS[kinds.pop()], "enum": list(args)}
    if hint is list or origin is list:
        return {"type": "array", **({"items": type_schema(args[0])} if args else {})}
    if hint is dict or origin is dict:
        if args and args[0] is not str:
            raise SchemaError(f"{_name(hint)} has non-string keys; JSON objects have string keys")
        return {"type": "object", **({"additionalProperties": type_schema(args[1])} if args else {})}
    inner, nullable = _optional(hint)
    if nullable:
        return type_schema(inner)
    raise SchemaError(f"{_name(hint)} has no JSON form")


def _name(hint: Any) -> str:
    if typing.get_args(hint):
        return str(hint).replace("typing.", "")
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def doc_parts(fn: Any) -> tuple[str, dict[str, str]]:
    """(the tool's description, {parameter: description}) from a docstring.

    The description is the docstring's first paragraph; parameters are read from a
    Google-style ``Args:`` section (``name: text`` or ``name (type): text``)."""
    doc = inspect.getdoc(fn) or ""
    head, _, rest = doc.partition("\n\n")
    params: dict[str, str] = {}
    section = re.search(r"^(?:Args|Arguments|Parameters):\s*\n((?:[ \t]+.*\n?|\s*\n)*)", doc, re.M)
    if section:
        current = None
        for line in section.group(1).splitlines():
            m = re.match(r"^\s+(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", line)
            if m and (current is None or len(line) - len(line.lstrip()) <= 4 + _indent(section.group(1))):
                current = m.group(1)
                params[current] = m.group(2).strip()
            elif current and line.strip():
                params[current] = f"{params[current]} {line.strip()}".strip()
    description = " ".join(head.split()) if not head.startswith(("Args:", "Parameters:")) else ""
    return description, params


def _indent(block: str) -> int:
    first = next((ln for ln in block.splitlines() if ln.strip()), "")
    return len(first) - len(first.lstrip())


def tool_schema(fn: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the parameters' JSON schema, {parameter: default}) of a handler; SchemaError names the parameter."""
    where = f"{_where(fn)}: {getattr(fn, '__name__', 'tool')}()"
    try:
        hints = typing.get_type_hints(fn)
    except Exception as e:  # a hint naming something undefined
        raise SchemaError(f"{where}: cannot read its type hints ({e})") from None
    _, described = doc_parts(fn)
    props: dict[str, Any] = {}
    required: list[str] = []
    defaults: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise SchemaError(f"{where}: parameter {p}: a tool takes named parameters only, not *args/**kwargs")
        if name not in hints:
            raise SchemaError(f"{where}: parameter {name!r} has no type hint; give it one of: {EXPRESSIBLE}")
        try:
            schema = type_schema(hints[name])
        except SchemaError as e:
            raise SchemaError(f"{where}: parameter {name!r}: {e}; use one of: {EXPRESSIBLE}") from None
        _, nullable = _optional(hints[name])
        if described.get(name):
            schema["description"] = described[name]
        if p.default is not p.empty:
            defaults[name] = p.default
            if p.default is not None:
                schema["default"] = p.default
        elif nullable:
            defaults[name] = None
        else:
            required.append(name)
        props[name] = schema
    return {"type": "object", "properties": props, "required": required}, defaults


def check_value(name: str, value: Any, schema: dict[str, Any]) -> Any:
    """``value`` as the handler expects it (an int given for a float becomes a float); ValueError says why not."""
    kind = schema.get("type")
    if value is None or not kind:
        return value
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(kind, True)
    if not ok:
        raise ValueError(f"parameter {name!r} must be {_article(kind)}, not {_json_type(value)}")
    if "enum" in schema and value not in schema["enum"]:
        raise ValueError(f"parameter {name!r} must be one of {', '.join(map(str, schema['enum']))}; got {value!r}")
    if kind == "number":
        return float(value)
    if kind == "array" and "items" in schema:
        return [check_value(f"{name}[{i}]", v, schema["items"]) for i, v in enumerate(value)]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return {k: check_value(f"{name}.{k}", v, schema["additionalProperties"]) for k, v in value.items()}
    return value


def _article(kind: str) -> str:
    return {"integer": "an integer", "array": "a list", "object": "an object"}.get(kind, f"a {kind}")


def _json_type(value: Any) -> str:
    for kind, py in (("a boolean", bool), ("a string", str), ("an integer", int), ("a number", float)):
        if isinstance(value, py):
            return kind
    return "a list" if isinstance(value, list) else "an object"
