"""McpStatus: one line saying whether `skill serve` is running (MCP, the REST API), and its calls.

Every few seconds (in a worker thread) it reads the servers' registry (`<home>/mcp/<pid>.json`,
written by `skill serve`; stale pids ignored) and the new tail of the run history. Served calls
(history rows with source "mcp" or "rest") that appear while the app runs are appended to the
screen's live log with their source, and the latest one is shown on the line:

    Serving http://127.0.0.1:8765 (MCP, REST) · 6 tools · 12 req/min · last 12:03:04 rest textkit@default:slugify ✔ 3 ms

(requests per minute: the server's runs of the last minute, which it writes into its registration
every few seconds). The widget stays hidden until there is something to say (a server running, or a
served call seen), so the layout does not change for people who do not serve.
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

TAIL_BYTES = 64 * 1024  # how much history is read at start to find the last served call
MAX_ROWS = 50  # new served calls logged per refresh (a flood is summarised)
SERVED = ("mcp", "rest")  # the history sources of runs a server made


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def describe(servers: list[dict[str, Any]], last: dict[str, Any] | None, width: int | None = None) -> str:
    """The status line for these running servers and the latest served call; the call is left out when
    the line would not fit in `width` columns (the log above shows it)."""
    text = "Serving " + "; ".join(_server(s) for s in servers) if servers else "Server: not running"
    if last is not None:
        mark = "✔" if last.get("ok") else "✘"
        took = f"{last.get('duration_ms', 0):.0f} ms"
        call = f" · last {_clock(last.get('started_at', 0))} {last.get('source')} {_ref(last)} {mark} {took}"
        if width is None or len(text) + len(call) <= width:
            text += call
    return text


def _server(s: dict[str, Any]) -> str:
    """`http://127.0.0.1:8765 (MCP, REST) · 6 tools · 12 req/min`, or `MCP over stdio · 6 tools`."""
    if s.get("transport") == "stdio":  # one client, which sees its own calls: no rate
        return f"MCP over stdio · {s.get('tools', '?')} tools"
    doors = [name for name, on in (("MCP", s.get("mcp", True)), ("REST", s.get("rest", False))) if on]
    text = f"{s.get('url') or s.get('address', 'http')} ({', '.join(doors)}) · {s.get('tools', '?')} tools"
    per_minute = s.get("per_minute")
    if isinstance(per_minute, dict):  # a server older than the rate does not write it
        text += f" · {sum(v for v in per_minute.values() if isinstance(v, int))} req/min"
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
        self.seen = 0  # served calls logged since the app started
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
        calls = [r for r in rows if r.get("source") in SERVED]
        servers = running_servers(home)
        self.app.call_from_thread(self._show, servers, calls, not first)

    def _show(self, servers: list[dict[str, Any]], calls: list[dict[str, Any]], log_them: bool) -> None:
        self.servers = servers
        if calls:
            self.last = calls[-1]
        if log_them and calls:
            self._log(calls)
        self._render_line()
        self.set_class(bool(servers) or self.last is not None, "-shown")
        self.set_class(bool(servers), "-serving")

    def on_resize(self) -> None:
        self._render_line()

    def _render_line(self) -> None:
        self.update(describe(self.servers, self.last, self.content_size.width or None))

    def _log(self, calls: list[dict[str, Any]]) -> None:
        from skill_tui.widgets.log_view import LogView

        try:
            log = self.screen.query_one(LogView)
        except Exception:  # not on a screen with a log
            return
        skipped = len(calls) - MAX_ROWS
        if skipped > 0:
            log.append("info", f"{skipped} more served calls not shown", f"{_clock(time.time())} serve")
            calls = calls[-MAX_ROWS:]
        for r in calls:
            self.seen += 1
            prefix = f"{_clock(r.get('started_at', 0))} {r.get('source')}"
            args = json.dumps(r.get("args") or {}, ensure_ascii=False)
            log.append("info", f"▶ {_ref(r)} {args}", prefix)
            took = f"({r.get('duration_ms', 0):.0f} ms)"
            if r.get("ok"):
                output = " ".join(str(r.get("output", "")).split())
                log.append("ok", f"✔ {_ref(r)}  {took}  {output[:200]}".rstrip(), prefix)
            else:
                log.append("error", f"✘ {_ref(r)}  {r.get('error')}  {took}", prefix)
