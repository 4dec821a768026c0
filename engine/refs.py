"""How people name things on a command line: `SKILL[@INSTANCE]:TOOL` and `SKILL[@INSTANCE]`.

One parser and one spelling for every front door (CLI, MCP, TUI, search results), so a reference
printed by one is accepted by all the others.
"""

from __future__ import annotations

import hashlib
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


MCP_NAME_LIMIT = 64  # what the Claude and OpenAI APIs accept; the MCP spec (SEP-986) allows 128
_VALID_MCP_TOOL = re.compile(r"^[A-Za-z0-9_-]+$")


def mcp_tool_name(skill: str, instance: str, tool: str) -> str:
    """The MCP tool name of `skill@instance:tool`: `skill__instance__tool`.

    Skill and instance names are `[a-z0-9-]` (never `_`), so the first two `__` split the name
    unambiguously whatever the tool name holds. A tool name with characters MCP clients refuse
    (anything but `A-Za-z0-9_-`), or a result longer than MCP_NAME_LIMIT, gets its offending characters
    replaced by `_`, is cut, and ends in `_h` plus 8 hex digits of a hash of the reference, so the
    name stays a pure function of the reference.
    """
    name = f"{skill}__{instance}__{tool}"
    if _VALID_MCP_TOOL.match(tool) and len(name) <= MCP_NAME_LIMIT:
        return name
    digest = hashlib.sha256(f"{skill}@{instance}:{tool}".encode()).hexdigest()[:8]
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return f"{safe[: MCP_NAME_LIMIT - 11]}_h{digest}"
