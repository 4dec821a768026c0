"""A folder source's "resolved" reference: the digest of what installing it would pin (its component, if
any, and the files the package would record, as `LockedSkill.content`), so `skill update --check` sees a
folder that changed: a knowledge skill's edited reference as much as a rebuilt component.

Hashing a 12.8 MB component costs ~10 ms and parsing its skill.yaml a few more, per skill and per check, so
each folder's digest is remembered in the cache (folder-digests.json) beside the stat of every path it was
computed from (size, mtime and ctime in ns, inode): the folder, the folders a component is looked for in,
the documents and resource folders a package keeps, every recorded file and the folder holding it, and the
component. While none of them changed, the digest is reused, as git's index reuses a file's hash (a file
added to a folder changes that folder's mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from engine.distribution.lockfile import content_digest, recorded_files, sha256_file
from engine.fsutil import atomic_write_text
from engine.knowledge.tree import DOCUMENTS, RESOURCE_DIRS, collect

if TYPE_CHECKING:
    from engine.store import Store


def _stat(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _watched(folder: Path, component: Path | None, files: dict[str, str]) -> list[str]:
    """The paths a folder's digest depends on (see the module's docstring)."""
    tops = ["", "dist", "build", *DOCUMENTS, *RESOURCE_DIRS]
    inside = {part for rel in files for part in (rel, rel.rpartition("/")[0]) if part}
    paths = [str(folder / rel) if rel else str(folder) for rel in [*tops, *sorted(inside - set(tops))]]
    return paths + ([str(component)] if component is not None else [])


def _stamp(paths: list[str]) -> list[list[int] | None]:
    return [_stat(Path(p)) for p in paths]


class FolderDigests:
    """Folder digests, remembered across processes in `memo` (a JSON file in the cache)."""

    def __init__(self, store: Store, memo: Path):
        self.store = store
        self.memo = memo
        self._known: dict[str, dict] | None = None

    def digest(self, path: Path) -> str:
        path = path.resolve()
        known = self._read().get(str(path))
        if known is not None and "paths" in known and known["stamp"] == _stamp(known["paths"]):
            return str(known["digest"])
        from engine.build.componentize import needs_build  # ~40 ms of imports: only when something changed

        if path.is_dir() and needs_build(path):
            return tree_digest(path)
        component = self.store.component_of(path)  # a bare .wasm is its own; None: a knowledge skill
        files = recorded_files(collect(path, whole=component is None)) if path.is_dir() else {}
        digest = content_digest(sha256_file(component) if component is not None else "", files)
        paths = _watched(path, component, files)
        self._remember(str(path), {"stamp": _stamp(paths), "paths": paths, "digest": digest})
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
