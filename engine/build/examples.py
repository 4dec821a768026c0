"""Build every example skill: ``python -m engine.build.examples [EXTRA_DIR ...]``.

Each skill folder (``examples/*/`` plus any folders given as arguments) holds a
``skill.yaml``; its ``source:`` (default ``skill.js``) is built into its
``component:`` path (default ``dist/<name>.wasm``). Builds run one after the
other: componentize-js peaks near 800 MB and the machine has 2 cores. A
``.py`` source (examples/tables) is built by componentize-py (:mod:`engine.build.pybuild`). Prints the
cache it builds in, then one line per skill; exits 1 with a one-line error on the
first failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.build import CHECKOUT
from engine.build.componentize import build_folder
from engine.errors import SkillError
from engine.home import Home


def examples_dir() -> Path:
    """The checkout's ``examples/`` (a wheel does not ship them)."""
    return CHECKOUT / "examples"


def skill_dirs(extra: list[str]) -> list[Path]:
    dirs = sorted(p for p in examples_dir().iterdir() if (p / "skill.yaml").is_file())
    return dirs + [Path(a) for a in extra]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    home = Home.from_env()
    print(f"build cache: {home.cache} (the `skill` command's; SKILL_ENGINE_CACHE moves it)", flush=True)
    try:
        for d in skill_dirs(argv):
            name, r = build_folder(home, d, progress=lambda msg: print(f"  {msg}", file=sys.stderr, flush=True))
            how = "cached" if r.cached else "built"
            print(f"{name:<12} {r.size / 1e6:6.1f} MB {r.seconds:6.1f}s {how:<6} -> {r.wasm_path}", flush=True)
    except SkillError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
