"""Shared set-up for the benchmarks: a throwaway engine home with the JS example installed."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SKILL = "textkit"
TOOL = "slugify"
ARGS = {"text": "Hello, Wörld! Benchmarks are fun", "max_length": 40}


def setup_home(component: Path | None = None) -> Path:
    """Point the engine at a fresh home (shared build/compile cache) and install the example
    (or the given component of it)."""
    os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache"))
    home = Path(tempfile.mkdtemp(prefix="skill-bench-"))
    os.environ["SKILL_ENGINE_HOME"] = str(home)
    from engine.api import Engine
    from engine.build import build_folder
    from engine.home import Home
    from engine.runtime.pool import use_warm_slots

    use_warm_slots()  # benchmarks of many calls measure a long-lived process, as the app and server are

    if component is None:
        build_folder(Home.from_env(), REPO / "examples" / SKILL)
    Engine().install(component or REPO / "examples" / SKILL)
    return home


def engine_run_ms(calls: int, warmup: int) -> list[float]:
    """Milliseconds of `calls` in-process `Engine.run`s of the benchmark tool (after `warmup`): the
    reference a front door's overhead is read against."""
    import time

    from engine.api import Engine

    engine = Engine()
    samples = []
    for i in range(warmup + calls):
        t0 = time.perf_counter()
        assert engine.run(f"{SKILL}:{TOOL}", ARGS).ok
        if i >= warmup:
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<48} {value:>14}  {note}")
