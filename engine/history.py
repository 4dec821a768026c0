"""The run history: one JSON line per run, appended by every front door.

Appends use O_APPEND with one write per record, so concurrent writers (the CLI,
the app, the MCP server) never interleave or truncate each other. The file is
rotated once it grows past MAX_BYTES (renamed to history.1.jsonl, replacing the
previous one); readers skip a torn last line. Records are written by the background
thread, after the run's result is returned: a process that ends with os._exit flushes
first (cli.entry does). `History.tail()` follows the file as others append to it.

A read-only home without SKILL_ENGINE_STATE (a replica baked into an image) keeps its history in
memory instead (`MemoryHistory`: the last MEMORY_ROWS runs of this process; `--log-json` ships them).
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path
from typing import Any, BinaryIO

from engine.background import background
from engine.events import RunResult
from engine.fsutil import file_lock

MAX_BYTES = 8 * 1024 * 1024
KEEP_TEXT = 4096
MEMORY_ROWS = 1000


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

    @property
    def rotated(self) -> Path:
        """Where the file goes when it grows past MAX_BYTES."""
        return self.path.with_suffix(".1.jsonl")

    def _rotate(self) -> None:
        with file_lock(self.path.with_suffix(".lock")):
            if self.path.exists() and self.path.stat().st_size > MAX_BYTES:
                os.replace(self.path, self.rotated)

    def read(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The most recent runs, oldest first (at most `limit`)."""
        self.flush()
        rows: list[dict[str, Any]] = []
        for path in (self.rotated, self.path):
            try:
                rows += _rows(path.read_bytes())
            except FileNotFoundError:
                continue
        return rows[-limit:] if limit else rows

    def tail(self) -> HistoryTail:
        """A reader of the runs appended from now on, by any process (`HistoryTail`)."""
        return HistoryTail(self)


class MemoryHistory(History):
    """The runs of this process only, newest MEMORY_ROWS kept: nothing is written anywhere."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull))
        self._rows: deque[dict[str, Any]] = deque(maxlen=MEMORY_ROWS)

    def append(self, result: RunResult) -> None:
        self._rows.append(record(result))

    def read(self, limit: int | None = None) -> list[dict[str, Any]]:
        rows = list(self._rows)
        return rows[-limit:] if limit else rows


def open_history(path: Path | None) -> History:
    """The history in the file at `path`, or in memory when there is none (a read-only home)."""
    return History(path) if path is not None else MemoryHistory()


def _rows(data: bytes) -> list[dict[str, Any]]:
    """The records in `data`, skipping torn lines (a crash mid-append) and anything not a record."""
    rows = []
    for line in data.splitlines():
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


class HistoryTail:
    """The rows appended to the history since the last read, whoever wrote them.

    It remembers how far it read in which file (inode). When the file was rotated meanwhile, it
    finishes the rotated file (history.1.jsonl, if it is still the one it was reading) before
    starting on the new one, so no run is missed across a rotation. A line still being written
    waits for the next read.
    """

    def __init__(self, history: History):
        self.history = history
        self.offset = 0
        self.inode: int | None = None

    def start(self, back: int = 0) -> list[dict[str, Any]]:
        """Skip to the end of the file; return the whole rows in its last `back` bytes."""
        path = self.history.path
        try:
            st = path.stat()
        except OSError:
            return []
        self.inode, self.offset = st.st_ino, max(0, st.st_size - back)
        if self.offset > 0:  # start at the first whole line
            try:
                with open(path, "rb") as f:
                    f.seek(self.offset - 1)
                    self.offset += f.read(back).find(b"\n")
            except OSError:
                return []
        return self.read()

    def read(self) -> list[dict[str, Any]]:
        """The whole rows appended since the last read (or `start`), oldest first."""
        try:
            with open(self.history.path, "rb") as f:
                st = os.fstat(f.fileno())
                rows = []
                if st.st_ino != self.inode or st.st_size < self.offset:  # rotated or replaced
                    rows = self._rest_of_rotated()
                    self.inode, self.offset = st.st_ino, 0
                return rows + self._read_from(f)
        except OSError:
            return []

    def _rest_of_rotated(self) -> list[dict[str, Any]]:
        """What was appended to the file this tail was reading before it was rotated away."""
        try:
            with open(self.history.rotated, "rb") as f:
                if self.inode is None or os.fstat(f.fileno()).st_ino != self.inode:
                    return []  # not the file we were reading (rotated twice, or replaced)
                return self._read_from(f)
        except OSError:
            return []

    def _read_from(self, f: BinaryIO) -> list[dict[str, Any]]:
        f.seek(self.offset)
        data = f.read()
        end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
        self.offset += end
        return _rows(data[:end])
