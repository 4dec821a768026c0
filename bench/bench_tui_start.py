"""skill-tui start-up in a real terminal (tmux): time to first paint and idle memory.

For each of RUNS starts: launch the real `skill-tui` entry point in a fresh tmux pane,
poll the screen until the installed skills are drawn (first useful paint), then read
the process's RSS once it is idle. Baseline in the same run: a minimal Textual app
(one Static) started the same way.

Run: .venv/bin/python bench/bench_tui_start.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import row, setup_home

RUNS = 12
MINIMAL = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class A(App):\n    def compose(self):\n        yield Static('minimal app ready')\nA().run()\n"
)


def start(command: list[str], ready: str) -> tuple[float, float]:
    """(seconds until `ready` is on screen, idle RSS in MB) for one start."""
    socket = f"bench-{os.getpid()}-{time.monotonic_ns()}"  # a fresh tmux server per start
    tmux = ["tmux", "-L", socket]
    env = [
        "env",
        "-u",
        "COLUMNS",
        "-u",
        "LINES",
        "TERM=xterm-256color",
        f"SKILL_ENGINE_HOME={os.environ['SKILL_ENGINE_HOME']}",
        f"SKILL_ENGINE_CACHE={os.environ['SKILL_ENGINE_CACHE']}",
    ]
    t0 = time.perf_counter()
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "b", "-x", "150", "-y", "42", " ".join(env + command)], check=True
    )
    try:
        while (
            ready not in subprocess.run([*tmux, "capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
        ):
            if time.perf_counter() - t0 > 20:
                raise SystemExit(f"{command[-1]} never showed {ready!r}")
            time.sleep(0.002)
        paint = time.perf_counter() - t0
        time.sleep(1.0)  # idle
        pid = subprocess.run(
            [*tmux, "display", "-p", "-t", "b", "#{pane_pid}"], capture_output=True, text=True
        ).stdout.strip()
        rss_kb = next(
            int(line.split()[1])
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
        return paint, rss_kb / 1024
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def measure(label: str, command: list[str], ready: str) -> tuple[float, float]:
    start(command, ready)  # warm the page cache
    samples = [start(command, ready) for _ in range(RUNS)]
    paint = statistics.median(s[0] for s in samples) * 1000
    rss = statistics.median(s[1] for s in samples)
    row(f"{label}: first paint (median of {RUNS})", f"{paint:.0f} ms")
    row(f"{label}: idle RSS", f"{rss:.0f} MB")
    return paint, rss


def main() -> None:
    setup_home()
    entry = Path(sys.executable).with_name("skill-tui")
    minimal = Path(tempfile.mkdtemp()) / "minimal.py"
    minimal.write_text(MINIMAL)
    print("skill-tui start-up in a 150x42 tmux pane, textkit installed")
    base_paint, base_rss = measure("minimal Textual app", [sys.executable, str(minimal)], "minimal app ready")
    paint, rss = measure("skill-tui", [str(entry)], "textkit")
    row("skill-tui vs minimal app: first paint", f"{paint / base_paint:.2f}x", "target: first paint <= 400 ms")
    row("skill-tui vs minimal app: idle RSS", f"{rss / base_rss:.2f}x", "target: idle RSS <= 150 MB")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import skill_tui.app, sys; print(sorted({'fastembed', 'onnxruntime', 'wasmtime'} & sys.modules.keys()))",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    row("heavy modules imported by the app on start", loaded)


if __name__ == "__main__":
    main()
