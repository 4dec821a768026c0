"""Values typed on a `skill` command line, read one way: tool arguments (`--args JSON`,
`--arg NAME=VALUE`), `--set NAME=VALUE` pairs, `SKILL[@INSTANCE]` and `--timeout`.

`skill run` and `skill dev --run` both read tool arguments here, so `--arg n=123` means
the same in both: the value takes the type the tool declares for `n` (an integer
parameter gets 123, a string parameter "123"). The declaration is only known once the
tool is: in dev mode that is after each reload, so reading (`read_tool_args`) and typing
(`ToolArgs.for_tool`) are two steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.errors import UsageError
from engine.protocol import Tool
from engine.values import coerce_cli_value


@dataclass(frozen=True)
class ToolArgs:
    """Arguments as given: the `--args` object and the `--arg` pairs, not yet typed."""

    given: dict[str, Any]
    pairs: tuple[tuple[str, str], ...] = ()

    def for_tool(self, tool: Tool | None) -> dict[str, Any]:
        """The arguments, each `--arg` value coerced to `tool`'s declared type (text when unknown)."""
        args = dict(self.given)
        for key, value in self.pairs:
            args[key] = coerce_cli_value(tool.param(key) if tool else None, value)
        return args


def read_tool_args(args_json: str | None, pairs: list[str] | None) -> ToolArgs:
    """Check the syntax of `--args` and each `--arg`; bad input is one UsageError line."""
    given: dict[str, Any] = {}
    if args_json:
        try:
            given = json.loads(args_json)
        except json.JSONDecodeError as e:
            raise UsageError(
                f'--args is not valid JSON ({e.msg} at char {e.pos}); give an object such as \'{{"text": "hi"}}\''
            ) from None
        if not isinstance(given, dict):
            raise UsageError('--args must be a JSON object such as \'{"text": "hi"}\'')
    return ToolArgs(given, tuple(_pair(pair, "--arg", pair) for pair in pairs or []))


def read_pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    """`flag NAME=VALUE` options (`--set`) as a dict of text values."""
    return dict(_pair(item, flag, repr(item)) for item in items or [])


def _pair(text: str, flag: str, shown: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"{flag} {shown}: write {flag} NAME=VALUE")
    return key, value


def check_timeout(value: float | None) -> None:
    """`--timeout` of `skill serve` and `skill mcp-config`: seconds, at most an hour."""
    if value is not None and not 0 < value <= 3600:
        raise UsageError(f"--timeout {value:g}: give a number of seconds between 0 and 3600")
