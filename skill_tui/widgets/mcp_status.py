"""McpStatus: one line saying whether `skill serve` (the MCP server) is running, and its calls.

Every few seconds (in a worker thread) it reads the servers' registry (`<home>/mcp/<pid>.json`,
written by `skill serve`; stale pids ignored) and the new tail of the run history. MCP calls
(history rows with source "mcp") that appear while the app runs are appended to the screen's
live log, and the latest one is shown on the line:

    MCP: serving 6 tools over stdio (pid 1234) · last call 12:03:04 textkit@default:slugify ✔ 3 ms

The widget stays hidden until there is something to say (a server running, or an MCP call seen),
so the layout does not change for people who do not use MCP.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.widgets import Static

from skill_tui.host import skill_app
from skill_tui.workers import ShowsWorkerFailures

if TYPE_CHECKING:
    from engine import HistoryTail

TAIL_BYTES = 64 * 1024  # how much history is read at start to find the last MCP call
MAX_ROWS = 50  # new MCP calls logged per refresh (a flood is summarised)


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def describe(servers: list[dict[str, Any]], last: dict[str, Any] | None) -> str:
    """The status line for these running servers and the latest MCP call."""
    if servers:
        parts = []
        for s in servers:
            where = "stdio" if s.get("transport") == "stdio" else s.get("address", "http")
            parts.append(f"{s.get('tools', '?')} tools over {where} (pid {s.get('pid')})")
        text = "MCP: serving " + "; ".join(parts)
    else:
        text = "MCP: not running"
    if last is not None:
        mark = "✔" if last.get("ok") else "✘"
        text += (
            f" · last call {_clock(last.get('started_at', 0))} {_ref(last)} {mark} {last.get('duration_ms', 0):.0f} ms"
        )
    return text


def _ref(row: dict[str, Any]) -> str:
    return f"{row.get('skill')}@{row.get('instance')}:{row.get('tool')}"


class McpStatus(ShowsWorkerFailures, Static):
    DEFAULT_CSS = """
    McpStatus { height: 1; padding: 0 1; background: $boost; color: $text-muted; display: none; }
    McpStatus.-shown { display: block; }
    McpStatus.-serving { color: $success; }
    """

    def __init__(self, *, interval: float = 2.0, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.interval = interval
        self.servers: list[dict[str, Any]] = []
        self.last: dict[str, Any] | None = None
        self.seen = 0  # MCP calls logged since the app started
        self._tail: HistoryTail | None = None

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(self.interval, self.poll)

    @work(thread=True, exclusive=True, group="mcp-status", exit_on_error=False)
    def poll(self) -> None:
        from engine import running_servers

        engine = skill_app(self).engine
        home = engine.home
        first = self._tail is None
        if self._tail is None:
            self._tail = engine.history_tail()
            rows = self._tail.start(TAIL_BYTES)
        else:
            rows = self._tail.read()
        calls = [r for r in rows if r.get("source") == "mcp"]
        servers = running_servers(home)
        self.app.call_from_thread(self._show, servers, calls, not first)

    def _show(self, servers: list[dict[str, Any]], calls: list[dict[str, Any]], log_them: bool) -> None:
        self.servers = servers
        if calls:
            self.last = calls[-1]
        if log_them and calls:
            self._log(calls)
        self.update(describe(servers, self.last))
        self.set_class(bool(servers) or self.last is not None, "-shown")
        self.set_class(bool(servers), "-serving")

    def _log(self, calls: list[dict[str, Any]]) -> None:
        from skill_tui.widgets.log_view import LogView

        try:
            log = self.screen.query_one(LogView)
        except Exception:  # not on a screen with a log
            return
        skipped = len(calls) - MAX_ROWS
        if skipped > 0:
            log.append("info", f"MCP: {skipped} more calls not shown", f"{_clock(time.time())} mcp")
            calls = calls[-MAX_ROWS:]
        for r in calls:
            self.seen += 1
            prefix = f"{_clock(r.get('started_at', 0))} mcp"
            args = json.dumps(r.get("args") or {}, ensure_ascii=False)
            log.append("info", f"▶ {_ref(r)} {args}", prefix)
            took = f"({r.get('duration_ms', 0):.0f} ms)"
            if r.get("ok"):
                output = " ".join(str(r.get("output", "")).split())
                log.append("ok", f"✔ {_ref(r)}  {took}  {output[:200]}".rstrip(), prefix)
            else:
                log.append("error", f"✘ {_ref(r)}  {r.get('error')}  {took}", prefix)
