"""The running `skill serve` processes of a home, as the control panel reads them.

While serving, `<home>/mcp/<pid>.json` says so: transport, address (the MCP endpoint), tool count,
and for HTTP the base `url`, what it serves (`mcp`, `rest`) and its runs in the last minute by door
(`per_minute`: {"mcp": n, "rest": m}). A stale file (its process is gone) is removed by the next reader. This module is what the
TUI imports from the MCP package: it must stay light (no SDK, no engine facade).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.home import Home

log = logging.getLogger("skill.serve")


def registry_dir(home: Home) -> Path:
    return home.root / "mcp"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_servers(home: Home) -> list[dict[str, Any]]:
    """The `skill serve` processes running on this home (stale entries are ignored and removed)."""
    out = []
    try:
        entries = sorted(registry_dir(home).glob("*.json"))
    except OSError:
        return []
    for path in entries:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(pid):
            out.append(info)
        else:
            try:
                path.unlink()
            except OSError:
                pass
    return out


@dataclass
class Registration:
    home: Home
    transport: str
    address: str
    url: str | None = None  # HTTP: scheme://host:port, where /mcp and /api/v1 are
    mcp: bool = True
    rest: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the watcher's and the rate's writes

    @property
    def path(self) -> Path:
        return registry_dir(self.home) / f"{os.getpid()}.json"

    def write(self, tools: int | None = None, per_minute: dict[str, int] | None = None) -> None:
        """Write the file anew (atomically), with the tool count and the runs per minute as given, else
        as last written. From any thread: the store watcher writes the tools, the gate's rate the runs."""
        from engine.fsutil import atomic_write_text

        if self.home.readonly:  # a replica on an image: no control panel reads it, and nothing may be written
            return
        with self._lock:
            self.info = {
                "pid": os.getpid(),
                "transport": self.transport,
                "address": self.address,
                "url": self.url,
                "mcp": self.mcp,
                "rest": self.rest,
                "started_at": self.info.get("started_at", time.time()),
                "tools": self.info.get("tools", 0) if tools is None else tools,
                "per_minute": self.info.get("per_minute", {}) if per_minute is None else per_minute,
            }
            try:
                atomic_write_text(self.path, json.dumps(self.info))
            except OSError as e:
                log.warning("cannot write %s: %s", self.path, e)

    def remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass
