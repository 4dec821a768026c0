"""`--log-json`: one JSON line per served run on stdout, for a log collector (replicas keep their
history per replica; this is the line that leaves the machine).

    {"ts": "2026-12-05T01:02:03.456Z", "run_id": ..., "skill": ..., "instance": ..., "tool": ...,
     "source": "rest", "ok": false, "stopped": "timeout", "duration_ms": 1000.4,
     "error": "the first line of the error"}

No arguments, no output, no data: those may hold what a caller sent or a secret; the error is the
engine's (already masked) message, its first line only. Only an HTTP server logs this way: over stdio,
stdout is the MCP wire."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from engine.errors import Refused
    from engine.events import RunResult


class RunLog:
    def __init__(self, out: IO[str] | None = None):
        self.out = out or sys.stdout
        self._lock = threading.Lock()

    def finished(self, result: RunResult) -> None:
        error = (result.error or "").strip().splitlines()
        line = {
            "ts": _iso(time.time()),
            "run_id": result.run_id,
            "skill": result.skill,
            "instance": result.instance,
            "tool": result.tool,
            "source": result.source,
            "ok": result.ok,
            "stopped": result.stopped,
            "duration_ms": round(result.duration_ms, 3),
            "error": error[0] if error else None,
        }
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self.out.write(text)
            self.out.flush()

    def refused(self, refusal: Refused, source: str) -> None:
        """A refused run never started: no line (the metrics count it)."""


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"
