"""The run history: one JSON line per run, appended by every front door.

Appends use O_APPEND with one write per record, so concurrent writers (the CLI,
the app, the MCP server) never interleave or truncate each other. The file is
rotated once it grows past MAX_BYTES; readers skip a torn last line. Records are
written by the background thread, after the run's result is returned: a process
that ends with os._exit flushes first (cli.entry does).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from engine.background import background
from engine.events import RunResult
from engine.fsutil import file_lock

MAX_BYTES = 8 * 1024 * 1024
KEEP_TEXT = 4096


def _clip(text: str) -> str:
    return text if len(text) <= KEEP_TEXT else text[:KEEP_TEXT] + f"[… {len(text) - KEEP_TEXT} more chars]"


def record(result: RunResult) -> dict[str, Any]:
    rec = result.to_json()
    for key in ("output", "stdout", "stderr"):
        rec[key] = _clip(rec[key])
    return rec


class History:
    def __init__(self, path: Path):
        self.path = path

    def append(self, result: RunResult) -> None:
        """Record a run; the write happens on the background thread (`flush` waits for it)."""
        line = (json.dumps(record(result), ensure_ascii=False, default=str) + "\n").encode("utf-8")
        background().submit(lambda: self._write(line))

    @staticmethod
    def flush() -> None:
        """Wait until every run recorded so far is in the file."""
        background().flush()

    def _write(self, line: bytes) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except FileNotFoundError:  # the first run of a new home
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size > MAX_BYTES:
            self._rotate()

    def _rotate(self) -> None:
        with file_lock(self.path.with_suffix(".lock")):
            if self.path.exists() and self.path.stat().st_size > MAX_BYTES:
                os.replace(self.path, self.path.with_suffix(".1.jsonl"))

    def read(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The most recent runs, oldest first (at most `limit`)."""
        self.flush()
        rows: list[dict[str, Any]] = []
        for path in (self.path.with_suffix(".1.jsonl"), self.path):
            try:
                lines = path.read_bytes().splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                try:
                    rows.append(json.loads(line))
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue  # a torn line from a crash mid-append
        return rows[-limit:] if limit else rows
