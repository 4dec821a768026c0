"""Tool arguments typed on a command line (`--args JSON` and `--arg NAME=VALUE`), read one way.

`skill run` and `skill dev --run` both read them here, so `--arg n=123` means the same
in both: the value takes the type the tool declares for `n` (an integer parameter gets
123, a string parameter "123"). The declaration is only known once the tool is: in dev
mode that is after each reload, so reading (`read_tool_args`) and typing
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
    split = []
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--arg {pair}: write --arg NAME=VALUE")
        split.append((key, value))
    return ToolArgs(given, tuple(split))
