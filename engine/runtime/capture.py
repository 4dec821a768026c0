"""Per-call stdout/stderr capture through files, with live lines and a size bound.

wasmtime writes the guest's stdout/stderr straight into two files of a private
run folder (its in-memory callbacks proved unsafe at interpreter exit). A side
thread follows the files: it reports complete lines as they appear and stops the
call once the skill has written more than the hard limit, so a flood of output
can neither fill the disk nor the history.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wasmtime import WasiConfig

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


class OutputCapture:
    def __init__(self, tmp_root: Path, keep_bytes: int, limit_bytes: int,
                 on_line: OnLine | None, on_limit: Callable[[], None]):
        tmp_root.mkdir(parents=True, exist_ok=True)
        self.dir = tmp_root / f"run-{os.urandom(8).hex()}"
        self.dir.mkdir(mode=0o700)
        self._streams = {name: _Stream(self.dir / name) for name in STREAMS}
        for s in self._streams.values():
            s.path.touch()
        self._keep = keep_bytes
        self._limit = limit_bytes
        self._on_line = on_line
        self._on_limit = on_limit
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._follow, name="skill-output", daemon=True)
        self.limit_hit = False

    def attach(self, wasi: WasiConfig) -> None:
        wasi.stdout_file = str(self._streams["stdout"].path)
        wasi.stderr_file = str(self._streams["stderr"].path)

    def __enter__(self) -> "OutputCapture":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self._drain(final=True)
        for s in self._streams.values():
            s.path.unlink(missing_ok=True)
        self.dir.rmdir()

    def text(self, stream: str) -> str:
        s = self._streams[stream]
        text = s.kept.decode("utf-8", errors="replace")
        dropped = s.size - len(s.kept)
        if dropped > 0:
            text += f"\n[… {dropped} more bytes of {stream} not kept]"
        return text

    def _follow(self) -> None:
        while not self._done.wait(POLL_S):
            self._drain(final=False)

    def _drain(self, final: bool) -> None:
        with self._lock:
            total = 0
            for name, s in self._streams.items():
                with open(s.path, "rb") as f:
                    s.size = os.fstat(f.fileno()).st_size
                    f.seek(s.offset)
                    chunk = f.read(max(0, self._limit + 1 - s.offset))
                s.offset += len(chunk)
                total += s.size
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
