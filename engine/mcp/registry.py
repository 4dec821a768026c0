"""The running `skill serve` processes of a home, as the control panel reads them.

While serving, `<home>/mcp/<pid>.json` says so (transport, address, tool count); a
stale file (its process is gone) is removed by the next reader. This module is what the
TUI imports from the MCP package: it must stay light (no SDK, no engine facade).
"""

from __future__ import annotations

import json
import logging
import os
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
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return registry_dir(self.home) / f"{os.getpid()}.json"

    def write(self, tools: int) -> None:
        from engine.fsutil import atomic_write_text

        self.info = {
            "pid": os.getpid(),
            "transport": self.transport,
            "address": self.address,
            "started_at": self.info.get("started_at", time.time()),
            "tools": tools,
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
