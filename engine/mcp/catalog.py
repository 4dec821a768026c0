"""What a server exposes: every selected `skill@instance:tool` under its MCP name."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.mcp.schema import input_schema
from engine.refs import MCP_NAME_LIMIT, InstanceRef, ToolRef, mcp_tool_name

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.protocol import Tool


@dataclass(frozen=True)
class Exposed:
    """One skill tool as served: its MCP name and what it runs."""

    name: str
    skill: str
    instance: str
    tool: Tool
    skill_description: str = ""
    version: str = ""

    @property
    def ref(self) -> str:
        return str(ToolRef(self.skill, self.tool.name, self.instance))

    @property
    def description(self) -> str:
        return f"{InstanceRef(self.skill, self.instance)}: {self.tool.description or self.skill_description or self.tool.name}"

    def listing(self) -> dict[str, Any]:
        """What the SDK's `Tool` is built from (also compared to detect list changes)."""
        return {
            "name": self.name,
            "title": self.ref,
            "description": self.description,
            "input_schema": input_schema(self.tool),
        }


@dataclass(frozen=True)
class Selection:
    """Which skills and instances to serve (empty: all)."""

    skills: frozenset[str] = frozenset()
    instances: frozenset[str] = frozenset()  # "instance" or "skill@instance"

    @classmethod
    def of(cls, skills: Iterable[str] = (), instances: Iterable[str] = ()) -> Selection:
        return cls(frozenset(skills or ()), frozenset(instances or ()))

    def wants(self, skill: str, instance: str) -> bool:
        if self.skills and skill not in self.skills:
            return False
        return not self.instances or instance in self.instances or str(InstanceRef(skill, instance)) in self.instances


def build_catalog(engine: Engine, selection: Selection = Selection()) -> dict[str, Exposed]:
    """MCP name → exposed tool, for every selected skill instance, in a stable order."""
    out: dict[str, Exposed] = {}
    for skill in engine.skills():
        for instance in engine.instance_names(skill.name):
            if not selection.wants(skill.name, instance):
                continue
            for tool in skill.tools:
                name = mcp_tool_name(skill.name, instance, tool.name)
                if name in out:  # practically impossible (a hash collision); never serve two under one name
                    name = f"{name[: MCP_NAME_LIMIT - 9]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
                out[name] = Exposed(name, skill.name, instance, tool, skill.description, skill.version)
    return out
