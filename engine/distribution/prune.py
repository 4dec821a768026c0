"""`skill prune`: delete cached blobs, builds and compiled components nothing uses any more.

The cache is keyed by content hash and may be shared by several homes (`SKILL_ENGINE_CACHE`; the tests and
the scripts share one), so "used" means used by any home that shares it: every install registers its home
under <cache>/homes/, and prune collects the references of each registered home that still exists. A file is
kept when any of them names its digest:

- the installed skills (component sha256, build inputs, hashed files) and skills.lock (component, files,
  every digest in `resolved`), plus the layers of any OCI manifest so referenced that the blob cache holds;
- the pull-runs of the last 24 hours (`pullruns`).

Nothing younger than GRACE_S is touched, referenced or not: a process may be between writing a blob or a
compiled component and pinning it (mid-install), and a temp file that young may still be being written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.distribution.lockfile import Lock, LockedSkill, package_files, sha256_file
from engine.home import Home

GRACE_S = 10 * 60
TMP_GRACE_S = 2 * 3600  # the home's tmp/: a pull-run's throw-away home lives as long as its run (up to an hour)
HEX = re.compile(r"[0-9a-f]{64}")
_DIGESTS = re.compile(r"sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Freed:
    kind: str  # "blob" | "build" | "compiled" | "partial" (a temp file a killed process left)
    path: Path
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "bytes": self.size}


@dataclass(frozen=True)
class PruneReport:
    freed: tuple[Freed, ...]
    dry_run: bool
    homes: int  # the homes whose references were kept

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.freed)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "count": len(self.freed),
            "bytes": self.bytes,
            "homes": self.homes,
            "freed": [f.to_json() for f in self.freed],
        }


def _registry(cache: Path) -> Path:
    return cache / "homes"


def register_home(home: Home) -> None:
    """Note that `home` uses its cache, so a prune from another home sharing it keeps what this one uses."""
    key = hashlib.blake2b(str(home.root).encode(), digest_size=12).hexdigest()
    entry = _registry(home.cache) / key
    if not entry.is_file():
        from engine.fsutil import atomic_write_text

        try:
            atomic_write_text(entry, str(home.root))
        except OSError:  # a read-only cache: nothing can be pruned from it either
            pass


def homes_sharing(home: Home, forget: bool) -> list[Home]:
    """`home` and every other registered home of its cache that still exists (with `forget`, the
    registrations of homes that are gone are removed)."""
    found = {home.root: home}
    registry = _registry(home.cache)
    for entry in sorted(registry.iterdir()) if registry.is_dir() else ():
        try:
            root = Path(entry.read_text(encoding="utf-8").strip())
        except (OSError, UnicodeDecodeError):
            continue
        if (root / "skills").is_dir() or (root / "skills.lock").is_file():
            found.setdefault(root, Home(root, home.cache))
        elif forget:
            entry.unlink(missing_ok=True)
    return list(found.values())


def references(home: Home, now: float) -> set[str]:
    """The hex digests `home` uses: components, build inputs, hashed files, resolved references."""
    from engine.distribution.pullruns import recent
    from engine.store import Store

    out: set[str] = set()
    entries: list[LockedSkill] = list(Lock(home.lock_file).read().values()) + recent(home, now)
    for skill in Store(home, _no_runtime).list():
        out.add(skill.component_sha256)
        if skill.build_inputs:
            out.add(skill.build_inputs)
        out.update(d.removeprefix("sha256:") for d in package_files(skill.package_dir).values())
    for entry in entries:
        out.update(_DIGESTS.findall(" ".join([entry.component, entry.resolved, *entry.files.values()])))
    return out


def _no_runtime() -> Any:
    raise AssertionError("prune reads the store; it never compiles")


def _manifest_layers(blobs: Path, digests: set[str]) -> set[str]:
    """The digests an OCI manifest among `digests` names (config and layers), when the cache holds it."""
    out: set[str] = set()
    for hexpart in digests:
        path = blobs / "sha256" / hexpart
        try:
            if path.stat().st_size > 1 << 20:  # a manifest is small; a component is not one
                continue
            out.update(_DIGESTS.findall(json.dumps(json.loads(path.read_bytes()))))
        except (OSError, ValueError):
            continue
    return out


def prune(home: Home, dry_run: bool = False, now: float | None = None) -> PruneReport:
    """Delete (or with `dry_run` only list) the cache files no home sharing the cache uses."""
    now = time.time() if now is None else now
    homes = homes_sharing(home, forget=not dry_run)
    used: set[str] = set()
    for each in homes:
        used |= references(each, now)
    used |= _manifest_layers(home.blobs, used)
    freed = [f for f in _candidates(home, used, now)]
    if not dry_run:
        for f in freed:
            try:
                f.path.unlink()
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                shutil.rmtree(f.path, ignore_errors=True)
    return PruneReport(tuple(freed), dry_run, len(homes))


def _old_files(folder: Path, now: float) -> list[tuple[Path, os.stat_result]]:
    out = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        st = path.lstat()
        if path.is_file() and now - st.st_mtime > GRACE_S:
            out.append((path, st))
    return out


def _candidates(home: Home, used: set[str], now: float) -> list[Freed]:
    out = []
    for path, st in _old_files(home.blobs / "sha256", now):
        if path.name.startswith(".part-"):
            out.append(Freed("partial", path, st.st_size))
        elif HEX.fullmatch(path.name) and path.name not in used:
            out.append(Freed("blob", path, st.st_size))
    for path, st in _old_files(home.compiled, now):
        sha = path.name.split("-", 1)[0]
        if path.name.endswith(".tmp"):
            out.append(Freed("partial", path, st.st_size))
        elif path.name.endswith(".cwasm") and HEX.fullmatch(sha) and sha not in used:
            out.append(Freed("compiled", path, st.st_size))
    for path in sorted(home.tmp.iterdir()) if home.tmp.is_dir() else ():
        if now - path.lstat().st_mtime > TMP_GRACE_S:  # the scratch of a fetch or pull-run killed midway
            out.append(Freed("partial", path, _size(path)))
    for path, st in _old_files(home.builds, now):
        stem = path.name.removesuffix(".wasm")
        if ".tmp" in path.name and path.name.startswith("."):
            out.append(Freed("partial", path, st.st_size))
        elif path.name.endswith(".wasm") and HEX.fullmatch(stem) and stem not in used:
            if sha256_file(path).removeprefix("sha256:") not in used:  # the same bytes, installed elsewhere
                out.append(Freed("build", path, st.st_size))
    return out


def _size(path: Path) -> int:
    if not path.is_dir() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir() or p.is_symlink())
