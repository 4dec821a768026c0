"""Where everything lives on disk.

`SKILL_ENGINE_HOME` moves the whole tree (tests and benchmarks always set it).
`SKILL_ENGINE_CACHE` moves only the caches (compiled components, builds, the npm
toolchain): they are keyed by content hash, so several homes can share one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "skill-tui"


@dataclass(frozen=True)
class Home:
    root: Path
    cache: Path

    @classmethod
    def from_env(cls) -> "Home":
        env_root = os.environ.get("SKILL_ENGINE_HOME")
        if env_root:
            root = Path(env_root).expanduser()
            default_cache = root / "cache"
        else:
            import platformdirs

            root = platformdirs.user_data_path(APP_NAME)
            default_cache = platformdirs.user_cache_path(APP_NAME)
        env_cache = os.environ.get("SKILL_ENGINE_CACHE")
        cache = Path(env_cache).expanduser() if env_cache else default_cache
        return cls(root=root.absolute(), cache=cache.absolute())

    @property
    def skills(self) -> Path:
        """One entry per installed skill: a symlink to its package folder."""
        return self.root / "skills"

    @property
    def packages(self) -> Path:
        """Immutable, content-addressed installed packages."""
        return self.root / "packages"

    @property
    def instances(self) -> Path:
        return self.root / "instances"

    @property
    def history_file(self) -> Path:
        return self.root / "history.jsonl"

    @property
    def tmp(self) -> Path:
        """Scratch space on the same filesystem as the store, so renames are atomic."""
        return self.root / "tmp"

    @property
    def compiled(self) -> Path:
        """Serialized (Cranelift-compiled) components."""
        return self.cache / "compiled"

    @property
    def builds(self) -> Path:
        """Components built from JS sources, keyed by the hash of their inputs."""
        return self.cache / "builds"

    @property
    def toolchains(self) -> Path:
        """The pinned npm toolchain (componentize-js, jco, esbuild), one folder per lockfile."""
        return self.cache / "toolchain"
