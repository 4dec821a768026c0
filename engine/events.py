"""A run is a stream of events: the CLI prints them, the TUI appends them to its
live log, the MCP server collects them. They are plain frozen dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from engine.refs import ToolRef


def byte_size(n: int) -> str:
    """A byte count as people read it: 512 B, 3.4 KB, 8.0 MB (binary units)."""
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MB"


@dataclass(frozen=True)
class RequestRecord:
    """One outbound HTTP request of a run, as the audit keeps it: no query string, no header values,
    secret values masked. `allowed` False means the host refused it before any byte left (`reason`
    says why and `hint` names the `skill grant` line that would allow it)."""

    method: str
    url: str  # scheme://host[:port]/path, without the query string
    allowed: bool
    status: int | None = None  # None when no response came (denied, timeout, network error)
    sent_bytes: int = 0
    received_bytes: int = 0
    duration_ms: float = 0.0
    error: str | None = None  # the error kind (denied, timeout, too-large, ...) when no response came
    reason: str | None = None  # one line: why it was denied or failed
    hint: str | None = None  # for a denial: the command that would allow it

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> RequestRecord:
        """A record as `to_json` (and so the history) keeps it; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in item.items() if k in known})

    def describe(self) -> str:
        """One line for a log: `GET https://api.github.com/user 200 · 1.2 KB · 84 ms`, or for a request
        that got no response, why, and for a denial the command that would allow it."""
        if self.status is not None:
            shown = byte_size(self.received_bytes)
            return f"{self.method} {self.url} {self.status} · {shown} · {self.duration_ms:.0f} ms"
        if not self.allowed:
            line = f"denied {self.method} {self.url}: {self.reason or 'not granted'}"
            return f"{line} (allow it with: {self.hint})" if self.hint else line
        return f"{self.method} {self.url} failed ({self.error or 'error'}): {self.reason or 'no response'}"


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
    requests: tuple[RequestRecord, ...] = ()

    @property
    def ref(self) -> str:
        return str(ToolRef(self.skill, self.tool, self.instance))

    def to_json(self) -> dict[str, Any]:
        """A shallow dict (args and data are JSON values already; asdict's deep copy cost 0.1 ms a run)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["requests"] = [r.to_json() for r in self.requests]
        return out

    def reply(self) -> dict[str, Any]:
        """What a front door answers for this run (`skill run --json` prints it, the REST API sends it):
        `to_json`, with a failed run's `error` as the object of every --json failure (`stopped` names it)."""
        out = self.to_json()
        if not self.ok:
            out["error"] = {"code": (self.stopped or "tool_error").replace("-", "_"), "message": self.error}
        return out


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
class RunRequest:
    """An outbound request of a running tool finished (or was refused): the live log shows it now."""

    run_id: str
    record: RequestRecord


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    result: RunResult
    duration_ms: float


RunEvent = RunStarted | RunOutput | RunRequest | RunFinished
OnEvent = Callable[[RunEvent], None]
