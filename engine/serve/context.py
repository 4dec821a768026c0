"""`ServeContext`: what every route and middleware of one server shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.mcp.server import SkillServer
    from engine.serve.gate import RunGate
    from engine.serve.lifecycle import Lifecycle
    from engine.serve.options import HttpOptions


@dataclass
class ServeContext:
    engine: Engine
    server: SkillServer  # the MCP server: its catalog is what REST serves too (same --skill/--instance selection)
    options: HttpOptions
    gate: RunGate
    lifecycle: Lifecycle
    metrics: Any = None  # engine.serve.metrics.Metrics once built (prometheus-client loads with it)
    extras: dict[str, Any] = field(default_factory=dict)
