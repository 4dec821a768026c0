"""`skill update --check` for 20 installed skills (target <= 200 ms), beside `skill list` on the same home.

Whole-process wall time, median of RUNS runs (the first of each warms the page cache). The skills come from
folder sources: 20 folders, each holding a copy of examples/textkit's component (12.8 MB) under its own
skill.yaml, so the check hashes what a real skill holds. A folder's "resolve" is its content digest (the
component's and each lock-hashed file's sha256), the cheap check an OCI HEAD or a `git ls-remote` is for
those sources (not measured here: that costs a round trip per skill). The baseline `skill list` reads the
same store.

Run: .venv/bin/python bench/bench_update.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median, pct, row

SKILLS = 20
RUNS = 15


def wall(args: list[str], env: dict[str, str]) -> list[float]:
    samples = []
    for i in range(RUNS + 1):
        t0 = time.perf_counter()
        proc = subprocess.run([str(REPO / ".venv/bin/skill"), *args], capture_output=True, text=True, env=env)
        elapsed = (time.perf_counter() - t0) * 1000
        if proc.returncode != 0:
            raise SystemExit(f"skill {' '.join(args)} failed: {(proc.stdout + proc.stderr).strip()[-300:]}")
        if i:
            samples.append(elapsed)
    return samples


def main() -> None:
    os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache"))
    sys.path.insert(0, str(REPO))
    from engine.api import Engine
    from engine.build import build_folder
    from engine.home import Home

    root = Path(tempfile.mkdtemp(prefix="skill-bench-update-"))
    os.environ["SKILL_ENGINE_HOME"] = str(root / "home")
    try:
        build_folder(Home.from_env(), REPO / "examples" / "textkit")
        component = REPO / "examples" / "textkit" / "dist" / "textkit.wasm"
        engine = Engine()
        for i in range(SKILLS):
            folder = root / "src" / f"skill{i:02d}"
            folder.mkdir(parents=True)
            shutil.copyfile(component, folder / "skill.wasm")
            (folder / "skill.yaml").write_text(f"name: skill{i:02d}\nversion: 1.0.0\ncomponent: skill.wasm\n")
            engine.install(folder)
        env = {**os.environ}
        checked = json.loads(
            subprocess.run(
                [str(REPO / ".venv/bin/skill"), "update", "--check", "--json"], capture_output=True, text=True, env=env
            ).stdout
        )["skills"]
        assert len(checked) == SKILLS and not any(c["available"] or c["error"] for c in checked), "not all up to date"
        size = component.stat().st_size
        print(f"{SKILLS} skills from folder sources ({size / 1e6:.1f} MB component each), median of {RUNS} runs")
        listing = wall(["list"], env)
        check = wall(["update", "--check"], env)
        row("skill list (baseline)", f"{median(listing):.0f} ms", f"p90 {pct(listing, 90):.0f} ms")
        row(
            "skill update --check",
            f"{median(check):.0f} ms",
            f"p90 {pct(check, 90):.0f} ms; +{median(check) - median(listing):.0f} ms over list (target <= 200 ms)",
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
