"""How people name things on a command line: `SKILL[@INSTANCE]:TOOL` and `SKILL[@INSTANCE]`.

One parser and one spelling for every front door (CLI, MCP, TUI, search results), so a reference
printed by one is accepted by all the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import UsageError

DEFAULT = "default"
"""The instance a reference means when it names none."""

_TOOL_REF = re.compile(r"^(?P<skill>[^@:\s]+)(?:@(?P<instance>[^:\s]+))?:(?P<tool>\S+)$")


@dataclass(frozen=True)
class InstanceRef:
    """`SKILL@INSTANCE`: one configured copy of a skill."""

    skill: str
    instance: str = DEFAULT

    @classmethod
    def parse(cls, text: str, need_instance: bool = False) -> InstanceRef:
        """`SKILL` or `SKILL@INSTANCE`; with `need_instance`, only the second."""
        skill, sep, instance = text.partition("@")
        example = f"{skill or 'SKILL'}@work"  # the skill they named, not one that may not exist
        if need_instance and not sep:
            raise UsageError(f"{text!r}: write SKILL@INSTANCE, e.g. {example}")
        if not skill or (sep and not instance) or ":" in text:
            raise UsageError(f"{text!r}: write SKILL or SKILL@INSTANCE, e.g. {example}")
        return cls(skill, instance or DEFAULT)

    def __str__(self) -> str:
        return f"{self.skill}@{self.instance}"


@dataclass(frozen=True)
class ToolRef:
    """`SKILL@INSTANCE:TOOL`: one tool of one instance; printed always with its instance."""

    skill: str
    tool: str
    instance: str = DEFAULT

    @classmethod
    def parse(cls, text: str, examples: Callable[[], list[str]] | None = None) -> ToolRef:
        """`SKILL[@INSTANCE]:TOOL`. A malformed `text` is refused; `examples` (called only then)
        gives real references to show."""
        m = _TOOL_REF.match(text)
        if not m:
            shown = (examples or list)()
            hint = f", e.g. {' or '.join(shown)}" if shown else " (`skill list` shows the installed skills)"
            raise UsageError(f"{text!r} is not a tool reference; write SKILL[@INSTANCE]:TOOL{hint}")
        return cls(m["skill"], m["tool"], m["instance"] or DEFAULT)

    @property
    def of(self) -> InstanceRef:
        """The instance this tool runs in."""
        return InstanceRef(self.skill, self.instance)

    def __str__(self) -> str:
        return f"{self.skill}@{self.instance}:{self.tool}"
