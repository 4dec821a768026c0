"""A run is a stream of events: the CLI prints them, the TUI appends them to its
live log, the MCP server collects them. They are plain frozen dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from engine.refs import ToolRef


@dataclass(frozen=True)
class RunResult:
    """The outcome of one tool run, as every front door reports it."""

    run_id: str
    skill: str
    instance: str
    tool: str
    ok: bool
    output: str = ""
    error: str | None = None
    data: Any = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    stopped: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    source: str = "cli"  # which front door ran it: "cli", "tui", "mcp"

    @property
    def ref(self) -> str:
        return str(ToolRef(self.skill, self.tool, self.instance))

    def to_json(self) -> dict[str, Any]:
        """A shallow dict (args and data are JSON values already; asdict's deep copy cost 0.1 ms a run)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    skill: str
    instance: str
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class RunOutput:
    run_id: str
    stream: str  # "stdout" | "stderr"
    text: str


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    result: RunResult
    duration_ms: float


RunEvent = RunStarted | RunOutput | RunFinished
OnEvent = Callable[[RunEvent], None]
