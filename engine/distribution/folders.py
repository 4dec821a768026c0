"""A folder source's "resolved" reference: the digest of what installing it would pin (its component and
the lock-hashed files, as `LockedSkill.content`), so `skill update --check` sees a folder that changed.

Hashing a 12.8 MB component costs ~10 ms and parsing its skill.yaml a few more, per skill and per check, so
each folder's digest is remembered in the cache (folder-digests.json) beside the stat of every file it was
computed from (size, mtime and ctime in ns, inode) and of the folders a component is looked for in: while
none of them changed, the digest is reused, as git's index reuses a file's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from engine.distribution.lockfile import FILES, content_digest, package_files, sha256_file
from engine.errors import UsageError
from engine.fsutil import atomic_write_text

if TYPE_CHECKING:
    from engine.store import Store


def _stat(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _stamp(folder: Path, component: Path | None) -> list[list[int] | None]:
    """The stats a folder's digest depends on: the folder and its dist/ and build/ (where a component is
    looked for), each lock-hashed file, and the component."""
    paths = [folder, folder / "dist", folder / "build", *(folder / n for n in FILES)]
    return [_stat(p) for p in paths] + [_stat(component) if component is not None else None]


class FolderDigests:
    """Folder digests, remembered across processes in `memo` (a JSON file in the cache)."""

    def __init__(self, store: Store, memo: Path):
        self.store = store
        self.memo = memo
        self._known: dict[str, dict] | None = None

    def digest(self, path: Path) -> str:
        path = path.resolve()
        known = self._read().get(str(path))
        if known is not None and known["stamp"] == _stamp(path, Path(known["component"])):
            return str(known["digest"])
        from engine.build.componentize import needs_build  # ~40 ms of imports: only when something changed

        if path.is_dir() and needs_build(path):
            return tree_digest(path)
        component = self.store.component_of(path)  # a bare .wasm is its own (the store's error if missing)
        if component is None:
            raise UsageError(f"{path}: a knowledge skill (no component); TODO(kn-dist)")
        files = package_files(path) if path.is_dir() else {}
        digest = content_digest(sha256_file(component), files)
        self._remember(str(path), {"stamp": _stamp(path, component), "component": str(component), "digest": digest})
        return digest

    def _read(self) -> dict[str, dict]:
        if self._known is None:
            try:
                data = json.loads(self.memo.read_text(encoding="utf-8"))
                self._known = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._known = {}
        return self._known

    def _remember(self, key: str, value: dict) -> None:
        known = self._read()
        known[key] = value
        try:
            atomic_write_text(self.memo, json.dumps(known, sort_keys=True))
        except OSError:  # a read-only cache: the digest is still right, only not remembered
            pass


def tree_digest(folder: Path) -> str:
    """sha256 over every file of a folder still to be built (names and contents; not node_modules, dist,
    dot-files): it changes whenever a source does."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith(".") or p in ("node_modules", "dist") for p in rel.parts):
            h.update(f"{rel.as_posix()}\0{sha256_file(path)}\0".encode())
    return "sha256:" + h.hexdigest()
