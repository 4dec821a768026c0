"""Benchmark LogView against Textual's RichLog under a busy stream, headless.

    .venv/bin/python bench/bench_log_view.py [--lines 100000] [--batch 1000] [--size 120x40]

Each widget gets the same lines, appended `--batch` at a time (one batch per tick, as a
busy run posting output would), and between batches a scroll key is pressed (pageup,
pagedown, up in turn). Measured:

- append: time spent in the append calls only (LogView.append / RichLog.write);
- batch→frame: from the start of a batch's appends to the end of the next refresh;
- key→render (pilot): from `pilot.press(key)` to the end of the following `pilot.pause()`
  (Pilot waits for idle with fixed sleeps, ~60-80 ms of this figure is Pilot itself);
- key→frame: from `pilot.press(key)` to the end of the first composited frame that shows
  the new scroll position (timestamps taken inside Screen._compositor_refresh); keys are
  pressed `--settle` seconds after the batch's frame, and this figure includes waiting for
  Textual's frame timer (up to 1/60 s);
- frame cost: CPU time of each screen update (layout + render_line calls + compositing);
- one more line: appending a single line to the full log, and the frame after it.

Animations are off for both widgets, so a key press is one scroll and one frame.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import RichLog

from skill_tui.widgets.log_view import LogView

KEYS = ("pageup", "pagedown", "up")
RICH_STYLES = {
    "stdout": "",
    "stderr": "yellow",
    "start": "bold blue",
    "ok": "green",
    "error": "bold red",
    "info": "italic dim",
}


def make_lines(count: int) -> list[tuple[str, str, str]]:
    """(kind, prefix, text): mostly stdout, some stderr, a run start/result now and then."""
    lines = []
    for i in range(count):
        tag = f"#{(i // 37) % 4096:04x}"
        prefix = f"12:{(i // 3600) % 60:02d}:{(i // 60) % 60:02d} {tag}"
        if i % 500 == 0:
            lines.append(("start", prefix, f'▶ textkit@default:slugify {{"text": "run {i}"}}'))
        elif i % 500 == 499:
            lines.append(("ok", prefix, f'{{"slug": "run-{i}", "length": {i % 97}}}'))
        elif i % 13 == 0:
            lines.append(("stderr", prefix, f"warning: chunk {i} took {i % 17} ms"))
        else:
            lines.append(("stdout", prefix, f"processing item {i}: " + "abcdefghij" * (i % 9)))
    return lines


class Host(App[None]):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        if self.kind == "LogView":
            yield LogView(max_lines=None)
        else:
            yield RichLog(max_lines=None)


def appender(app: Host):
    if app.kind == "LogView":
        log = app.query_one(LogView)

        def append(batch):
            for kind, prefix, text in batch:
                log.append(kind, text, prefix)
    else:
        log = app.query_one(RichLog)
        prefix_style = "dim"

        def append(batch):
            for kind, prefix, text in batch:
                line = Text(prefix, style=prefix_style)
                line.append(" ")
                line.append(text, style=RICH_STYLES[kind])
                log.write(line)

    return log, append


def hook_frames(app: Host, log) -> tuple[list[tuple[float, int]], list[float]]:
    """Record (end time, scroll y) of every composited frame, and the CPU cost of every screen
    update that painted (layout if any, render_line calls, compositing)."""
    screen = app.screen
    frames: list[tuple[float, int]] = []
    costs: list[float] = []
    depth = 0

    def timed(method):
        def hooked(*args, **kwargs):
            nonlocal depth
            depth += 1
            t = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth -= 1
                if method.__name__ == "_compositor_refresh":
                    frames.append((time.perf_counter(), log.scroll_offset.y))
                if depth == 0:
                    costs.append(time.perf_counter() - t)

        return hooked

    screen._compositor_refresh = timed(screen._compositor_refresh)
    screen._refresh_layout = timed(screen._refresh_layout)
    return frames, costs


def first_frame(frames: list[tuple[float, int]], after: float, not_y: int | None = None) -> float | None:
    for t, y in frames:
        if t > after and (not_y is None or y != not_y):
            return t
    return None


async def run(
    kind: str, lines, batch_size: int, size: tuple[int, int], settle: float = 0.02
) -> dict[str, float | list[float]]:
    app = Host(kind)
    append_s = 0.0
    batch_s: list[float] = []
    pilot_key_s: list[float] = []
    key_s: list[float] = []
    async with app.run_test(size=size) as pilot:
        log, append = appender(app)
        log.focus()
        await pilot.pause()
        frames, costs = hook_frames(app, log)
        started = time.perf_counter()
        for n, start in enumerate(range(0, len(lines), batch_size)):
            t0 = time.perf_counter()
            append(lines[start : start + batch_size])
            t_end = time.perf_counter()
            append_s += t_end - t0
            await pilot.pause()
            t_frame = first_frame(frames, t_end)
            if t_frame is not None:
                batch_s.append(t_frame - t0)
            y = log.scroll_offset.y
            # Let the frame clock run past the batch's last frame (Pilot forces one at the end
            # of pause()), so a key waits for Textual's 60 fps timer as it would at a random time.
            await asyncio.sleep(settle)
            t1 = time.perf_counter()
            await pilot.press(KEYS[n % len(KEYS)])
            await pilot.pause()
            pilot_key_s.append(time.perf_counter() - t1)
            t_frame = first_frame(frames, t1, not_y=y)
            if t_frame is not None:
                key_s.append(t_frame - t1)
        total_s = time.perf_counter() - started
        await pilot.press("end")
        await pilot.pause()
        t2 = time.perf_counter()
        append([("ok", "12:00:00 #ffff", "one more line")])
        one_s = time.perf_counter() - t2
        await pilot.pause()
        one_frame_s = (first_frame(frames, t2) or float("nan")) - t2
        count = log.line_count if isinstance(log, LogView) else len(log.lines)
    assert count == len(lines) + 1, (kind, count)
    return {
        "append": append_s,
        "batch": batch_s,
        "pilot_key": pilot_key_s,
        "key": key_s,
        "cost": costs,
        "total": total_s,
        "one": one_s,
        "one_frame": one_frame_s,
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--size", default="120x40", help="terminal WIDTHxHEIGHT")
    parser.add_argument(
        "--settle", type=float, default=0.02, help="seconds between a batch's frame and the key press (default 0.02)"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before the runs (what an app can do at start-up): the worst "
        "frames are otherwise mostly full garbage collections",
    )
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    lines = make_lines(args.lines)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    print(
        f"{args.lines:,} lines in batches of {args.batch:,}, keys {'/'.join(KEYS)} between batches, "
        f"terminal {size[0]}x{size[1]}, headless{', gc frozen' if args.gc_freeze else ''}"
    )
    results = {}
    for kind in ("LogView", "RichLog"):
        r = results[kind] = await run(kind, lines, args.batch, size, args.settle)
        print(f"{kind}: append total                {ms(r['append'])}  ({r['append'] / args.lines * 1e6:.1f} µs/line)")
        print(f"{kind}: run total (with frames)     {ms(r['total'])}")
        print(f"{kind}: batch→frame median          {ms(statistics.median(r['batch']))}")
        print(f"{kind}: batch→frame worst           {ms(max(r['batch']))}")
        print(
            f"{kind}: key→frame median            {ms(statistics.median(r['key']))}  ({len(r['key'])} keys that scrolled)"
        )
        print(f"{kind}: key→frame worst             {ms(max(r['key']))}")
        print(f"{kind}: key→render (pilot) median   {ms(statistics.median(r['pilot_key']))}")
        print(f"{kind}: key→render (pilot) worst    {ms(max(r['pilot_key']))}")
        print(f"{kind}: frame cost median           {ms(statistics.median(r['cost']))}  ({len(r['cost'])} frames)")
        print(f"{kind}: frame cost worst            {ms(max(r['cost']))}")
        print(f"{kind}: one more line, append       {ms(r['one'])}")
        print(f"{kind}: one more line, to frame     {ms(r['one_frame'])}")
    a, b = results["LogView"], results["RichLog"]

    def ratio(label: str, x: float, y: float) -> None:
        print(f"ratio RichLog/LogView: {label:<22} {y / x:8.1f}x")

    ratio("append total", a["append"], b["append"])
    ratio("batch→frame median", statistics.median(a["batch"]), statistics.median(b["batch"]))
    ratio("key→frame median", statistics.median(a["key"]), statistics.median(b["key"]))
    ratio("key→frame worst", max(a["key"]), max(b["key"]))
    ratio("frame cost median", statistics.median(a["cost"]), statistics.median(b["cost"]))
    ratio("frame cost worst", max(a["cost"]), max(b["cost"]))


if __name__ == "__main__":
    asyncio.run(main())
