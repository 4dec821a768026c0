"""Where everything lives on disk.

`SKILL_ENGINE_HOME` moves the whole tree (tests and benchmarks always set it).
`SKILL_ENGINE_CACHE` moves only the caches (compiled components, builds, the npm
toolchain): they are keyed by content hash, so several homes can share one.

`SKILL_ENGINE_READONLY=1` serves a home baked into an image (packages, config, compile cache) without
writing to it: commands that would change it refuse in one line (`Home.check_writable`), and what a
served engine writes per process goes to `SKILL_ENGINE_STATE` when set (history, run scratch files),
else to memory and a private temporary folder. See docs/deploy.md.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "skill-tui"


def _user_dirs() -> tuple[Path, Path]:
    """(data, cache) folders per XDG on Linux and per Apple's layout on macOS.

    Hand-written rather than platformdirs: importing that costs ~15 ms, and every
    `skill run` resolves these.
    """
    user = Path.home()
    if sys.platform == "darwin":
        return user / "Library/Application Support" / APP_NAME, user / "Library/Caches" / APP_NAME
    data = os.environ.get("XDG_DATA_HOME") or user / ".local/share"
    cache = os.environ.get("XDG_CACHE_HOME") or user / ".cache"
    return Path(data) / APP_NAME, Path(cache) / APP_NAME


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Home:
    root: Path
    cache: Path
    readonly: bool = False  # SKILL_ENGINE_READONLY=1: nothing under root or cache is written
    state: Path | None = None  # SKILL_ENGINE_STATE: where a read-only home's process writes instead

    @classmethod
    def from_env(cls) -> Home:
        env_root = os.environ.get("SKILL_ENGINE_HOME")
        if env_root:
            root = Path(env_root).expanduser()
            default_cache = root / "cache"
        else:
            root, default_cache = _user_dirs()
        env_cache = os.environ.get("SKILL_ENGINE_CACHE")
        cache = Path(env_cache).expanduser() if env_cache else default_cache
        env_state = os.environ.get("SKILL_ENGINE_STATE")
        return cls(
            root=root.absolute(),
            cache=cache.absolute(),
            readonly=_flag("SKILL_ENGINE_READONLY"),
            state=Path(env_state).expanduser().absolute() if env_state else None,
        )

    def check_writable(self, action: str) -> None:
        """Refuse `action` (such as "install a skill") on a read-only home, in one line that says why."""
        if self.readonly:
            from engine.errors import ReadOnlyHomeError

            raise ReadOnlyHomeError(
                f"cannot {action}: the home {self.root} is read-only (SKILL_ENGINE_READONLY=1); "
                "change the image it was built from, or unset SKILL_ENGINE_READONLY on a writable home"
            )

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
    def history_file(self) -> Path | None:
        """The run history; None for a read-only home without SKILL_ENGINE_STATE (kept in memory)."""
        if not self.readonly:
            return self.root / "history.jsonl"
        return self.state / "history.jsonl" if self.state else None

    @property
    def tmp(self) -> Path:
        """Scratch space on the same filesystem as the store, so renames are atomic. A read-only home's
        runs capture their output under SKILL_ENGINE_STATE, else under the system's temporary folder."""
        if not self.readonly:
            return self.root / "tmp"
        if self.state:
            return self.state / "tmp"
        import tempfile

        return Path(tempfile.gettempdir()) / f"skill-tui-{os.getuid()}"

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

    @property
    def lock_file(self) -> Path:
        """skills.lock: every installed skill pinned by digest or commit (engine.distribution.lockfile)."""
        return self.root / "skills.lock"

    @property
    def settings_file(self) -> Path:
        """settings.toml: the default registry, registries allowed over plain HTTP, the signature policy."""
        return self.root / "settings.toml"

    @property
    def trust_file(self) -> Path:
        """trust.toml: the public keys trusted to sign skills, each with its scopes."""
        return self.root / "trust.toml"

    @property
    def blobs(self) -> Path:
        """Content-addressed blobs (OCI layers, archives), shared by installs, pull-run and sync."""
        return self.cache / "blobs"
