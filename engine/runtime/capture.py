"""Per-call stdout/stderr capture through files, with live lines and a size bound.

wasmtime writes the guest's stdout/stderr straight into two files (its in-memory
callbacks proved unsafe at interpreter exit). Each thread reuses its own pair of
files: wasmtime truncates them when a call opens them, and they are emptied again
after the call, so no output outlives its run; creating and removing a folder per
call cost up to 1.3 ms on some filesystems. One watcher
thread per process follows the files of every running call: it reports complete
lines as they appear and stops a call once the skill has written more than the hard
limit, so a flood of output can neither fill the disk nor the history. (A thread per
call cost ~0.3 ms of a ~1.5 ms call.)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wasmtime import WasiConfig

from engine.fsutil import remove_orphans

POLL_S = 0.02
STREAMS = ("stdout", "stderr")

OnLine = Callable[[str, str], None]


@dataclass
class _Stream:
    path: Path
    offset: int = 0
    partial: bytes = b""
    size: int = 0
    kept: bytearray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.kept = bytearray()


_thread_files = threading.local()


def _files_of_this_thread(tmp_root: Path) -> dict[str, Path]:
    """This thread's capture files under `tmp_root` (created on first use)."""
    by_root: dict[Path, dict[str, Path]] = _thread_files.__dict__.setdefault("by_root", {})
    files = by_root.get(tmp_root)
    if files is None:
        folder = tmp_root / f"capture-{os.getpid()}-{threading.get_ident()}"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        files = by_root[tmp_root] = {name: folder / name for name in STREAMS}
    return files


def remove_stale_captures(tmp_root: Path) -> None:
    """Capture folders of processes that are gone (they are empty; a crash may leave them)."""
    remove_orphans(tmp_root, "capture-")


class OutputCapture:
    def __init__(
        self, tmp_root: Path, keep_bytes: int, limit_bytes: int, on_line: OnLine | None, on_limit: Callable[[], None]
    ):
        self._streams = {name: _Stream(path) for name, path in _files_of_this_thread(tmp_root).items()}
        self._keep = keep_bytes
        self._limit = limit_bytes
        self._on_line = on_line
        self._on_limit = on_limit
        self._lock = threading.Lock()
        self.limit_hit = False

    def attach(self, wasi: WasiConfig) -> None:
        """Point the guest's stdout/stderr at our files (setting them creates/truncates them)."""
        wasi.stdout_file = str(self._streams["stdout"].path)
        wasi.stderr_file = str(self._streams["stderr"].path)

    def __enter__(self) -> OutputCapture:
        _WATCHER.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _WATCHER.remove(self)
        self._drain(final=True)
        for s in self._streams.values():
            if s.size:
                os.truncate(s.path, 0)  # the skill's raw output (secrets included) does not outlive the call

    def text(self, stream: str) -> str:
        s = self._streams[stream]
        text = s.kept.decode("utf-8", errors="replace")
        dropped = s.size - len(s.kept)
        if dropped > 0:
            text += f"\n[… {dropped} more bytes of {stream} not kept]"
        return text

    def _drain(self, final: bool) -> None:
        with self._lock:
            total = 0
            for name, s in self._streams.items():
                try:
                    s.size = os.stat(s.path).st_size
                except FileNotFoundError:  # the call failed before wasmtime created it
                    continue
                total += s.size
                chunk = b""
                if s.offset < min(s.size, self._limit + 1):  # most tools print nothing: no open, no read
                    with open(s.path, "rb") as f:
                        f.seek(s.offset)
                        chunk = f.read(self._limit + 1 - s.offset)
                s.offset += len(chunk)
                self._keep_bytes(s, chunk)
                self._emit(name, s, chunk, final)
            if total > self._limit and not self.limit_hit:
                self.limit_hit = True
                self._on_limit()

    def _keep_bytes(self, s: _Stream, chunk: bytes) -> None:
        room = self._keep - len(s.kept)
        if room > 0:
            s.kept += chunk[:room]

    def _emit(self, name: str, s: _Stream, chunk: bytes, final: bool) -> None:
        if self._on_line is None:
            return
        data = s.partial + chunk
        lines = data.split(b"\n")
        s.partial = b"" if final else lines.pop()
        if final and lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            self._on_line(name, line.decode("utf-8", errors="replace"))


class _Watcher:
    """The one thread that follows all running captures; it sleeps while there are none."""

    def __init__(self) -> None:
        self._captures: set[OutputCapture] = set()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, capture: OutputCapture) -> None:
        with self._cond:
            self._captures.add(capture)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="skill-output", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, capture: OutputCapture) -> None:
        """After this returns the watcher no longer touches `capture` (its drain holds the capture's lock)."""
        with self._cond:
            self._captures.discard(capture)
        with capture._lock:
            pass

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._captures:
                    self._cond.wait()
            time.sleep(POLL_S)  # calls shorter than one poll are never touched: they drain on exit
            with self._cond:
                captures = list(self._captures)
            for capture in captures:
                capture._drain(final=False)


_WATCHER = _Watcher()
