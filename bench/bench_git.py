"""A git install of one skill folder from a repository holding five, beside a full `git clone` of the same
repository, both over the real `git http-backend` on 127.0.0.1, in the same run.

The repository holds five skill folders, each with its ~12.8 MB componentize-js component (the four
examples and the test probe). Printed, median of RUNS:
- the engine's fetch alone (ls-remote, sparse shallow blob-less fetch of one folder, checkout): what a
  git install costs before the store, and what it leaves on disk
- the whole `skill install git+http://...@v1#subdirectory=skills/textkit` (fetch, describe, install, lock;
  the component's machine code comes from the shared compile cache, as on a second install)
- `git clone` of the same repository, and `git clone --depth=1`, with their size on disk

Run: .venv/bin/python bench/bench_git.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median, row, setup_home

sys.path.insert(0, str(REPO / "tests"))

RUNS = 5
SKILLS = {
    "textkit": REPO / "examples" / "textkit",
    "greeter": REPO / "examples" / "greeter",
    "notes": REPO / "examples" / "notes",
    "github": REPO / "examples" / "github",
    "probe": REPO / "tests" / "fixtures" / "probe",
}


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    from engine.api import Engine
    from engine.build import build_folder
    from engine.distribution.git import fetch_git
    from engine.distribution.sources import GitSource, parse_source
    from engine.home import Home
    from fixtures.git_server import serve_git

    setup_home()
    home = Home.from_env()
    for folder in SKILLS.values():
        build_folder(home, folder)
    work = Path(tempfile.mkdtemp(prefix="bench-git-"))
    try:
        with serve_git(work / "server") as server:
            repo = server.repo("skills.git")
            repo.commit({f"skills/{name}": folder for name, folder in SKILLS.items()})
            repo.tag("v1")
            pack = size(repo.path)
            spec = f"git+{server.url('skills.git')}@v1#subdirectory=skills/textkit"
            components = sum((f / "dist" / f"{n}.wasm").stat().st_size for n, f in SKILLS.items())
            print(f"repository: 5 skill folders, components {components / 1e6:.1f} MB, bare repo {pack / 1e6:.1f} MB")

            engine = Engine(home)
            ctx = engine._installer.context()  # the engine's own install flow
            fetch_s, fetched_bytes = [], 0
            for _ in range(RUNS):
                t0 = time.perf_counter()
                source = parse_source(spec)
                assert isinstance(source, GitSource)
                fetched = fetch_git(source, ctx)
                fetch_s.append(time.perf_counter() - t0)
                fetched_bytes = size(fetched.staged) if fetched.staged else 0
                fetched.cleanup()
            install_s = []
            for i in range(RUNS):
                if i:
                    engine.remove("textkit")  # else the next install is an unchanged no-op
                t0 = time.perf_counter()
                engine.install(spec)
                install_s.append(time.perf_counter() - t0)
            clones: dict[str, tuple[list[float], int]] = {}
            for label, flags in (("full", ()), ("depth=1", ("--depth=1",))):
                took, dest = [], work / "clone"
                for _ in range(RUNS):
                    shutil.rmtree(dest, ignore_errors=True)
                    cmd = ["git", "clone", "-q", *flags, server.url("skills.git"), str(dest)]
                    t0 = time.perf_counter()
                    subprocess.run(cmd, check=True)
                    took.append(time.perf_counter() - t0)
                clones[label] = (took, size(dest))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row(
        "engine fetch of one skill folder (sparse)",
        f"{median(fetch_s) * 1000:8.0f} ms",
        f"{fetched_bytes / 1e6:.1f} MB",
    )
    row("skill install git+http://... (whole)", f"{median(install_s) * 1000:8.0f} ms", "compile from the shared cache")
    for label, (took, on_disk) in clones.items():
        row(f"git clone ({label}) of the same repository", f"{median(took) * 1000:8.0f} ms", f"{on_disk / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
