"""Values as people type and read them: one vocabulary for the CLI, the config, the app and MCP.

Tool arguments and config values arrive as text (`--arg n=5`, `--set debug=yes`, a form
field) and leave as text (an env var, a `get-config` answer, a suggested command line, a
form field filled from history). Both directions live here, so `yes` is a boolean and
`true` is how a boolean is written everywhere, once.

Argument errors are `ArgumentError`s: the CLI prints the whole line, the run form shows
its `reason` under the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import ArgumentError, UsageError, json_type, listing, shown
from engine.protocol import _PY_TYPES, Param
from engine.schema import ConfigField, check_config_value

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off"})


def parse_bool(text: str) -> bool | None:
    """`yes`, `on`, `1`, `true` (any case) → True; their opposites → False; anything else → None."""
    low = text.strip().lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return None


def as_text(value: Any) -> str:
    """A value as text: a string as it is, anything else as JSON (`true`, `5`, `["a", "b"]`).

    How a config value reaches a skill (env var, get-config), how a value is typed back
    into a form field or a `--arg`, and how enum choices are listed.
    """
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---- tool arguments ------------------------------------------------------------------------


def coerce_cli_value(param: Param | None, text: str) -> Any:
    """A `--arg k=v` text (or a form field) as the parameter's declared type; unknown → text."""
    kind = param.type if param else "string"
    if param is None or kind in ("string", "file"):
        return text

    def refuse(reason: str) -> ArgumentError:
        return ArgumentError(f"--arg {param.name}={text}: {reason}", param=param.name, reason=reason)

    if kind == "boolean":
        flag = parse_bool(text)
        if flag is None:
            raise refuse("expected a boolean (true/false)")
        return flag
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise refuse("expected an integer") from None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise refuse("expected a number") from None
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+", text.strip()) else number
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        reason = f"expected JSON ({e.msg} at char {e.pos})"
        raise ArgumentError(f"--arg {param.name}: {reason}", param=param.name, reason=reason) from None


def check_value(param: Param, value: Any, ref: str) -> None:
    """Refuse a value of the wrong type or outside the parameter's enum (`ref` names the tool)."""

    def refuse(reason: str) -> ArgumentError:
        return ArgumentError(f"{ref}: parameter {param.name!r} {reason}", param=param.name, reason=reason)

    expected = _PY_TYPES.get(param.type)
    wrong_bool = isinstance(value, bool) and param.type in ("integer", "number")
    if expected and (not isinstance(value, expected) or wrong_bool):
        raise refuse(f"must be {_article(param.type)}, got {json_type(value)} {shown(value, 40)}")
    if param.enum and value not in param.enum:
        raise refuse(f"must be one of {listing(param.enum)}; got {shown(value)}")


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


# ---- config values ---------------------------------------------------------------------------


def parse_config_text(field: ConfigField, text: str) -> Any:
    """A value typed by a person (CLI `--set`, the wizard) as the field's type, checked."""
    kind = field.type
    if kind == "boolean":
        flag = parse_bool(text)
        if flag is None:
            raise UsageError(f"{field.name}: expected true or false, got {shown(text)}")
        return check_config_value(field, flag)
    if kind in ("integer", "number"):
        try:
            number = int(text) if kind == "integer" else float(text)
        except ValueError:
            raise UsageError(
                f"{field.name}: expected {'an integer' if kind == 'integer' else 'a number'}, got {shown(text)}"
            ) from None
        return check_config_value(field, number)
    return check_config_value(field, text)
