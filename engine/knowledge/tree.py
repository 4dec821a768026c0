"""The files a skill's package keeps, each with its sha256, and reading one of them safely.

A knowledge skill keeps its whole folder; a component skill keeps its documents (SKILL.md, README.md,
skill.yaml, its signature) and the Agent Skills folders `references/`, `scripts/` and `assets/`, not its
sources or build output. Nothing is followed out of the folder, and nothing is read from outside the package.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ManifestError, NotFoundError, UsageError
from engine.fsutil import sha256_of

MAX_FILES = 1000
MAX_BYTES = 10 * 1024 * 1024
SKIPPED = frozenset({".git", "node_modules", "__pycache__"})
RESERVED = frozenset({"skill.json", "component.wasm"})  # the store's own files at the package's top
DOCUMENTS = ("SKILL.md", "README.md", "skill.yaml", "skill.yml", "skill.minisig")
RESOURCE_DIRS = ("references", "scripts", "assets")


@dataclass(frozen=True)
class PackageFile:
    path: str  # relative, with '/' separators
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PackageFile:
        return cls(d["path"], d["sha256"], d["size"])


def collect(folder: Path, whole: bool) -> list[PackageFile]:
    """The files to keep from `folder`, sorted: all of it when `whole` (a knowledge skill), else its
    documents and resource folders. Raises ManifestError (folder, what, the fix) for a link out of the
    folder, a device or fifo, a reserved name, or a tree over the limits."""
    root = folder.resolve()
    if whole:
        candidates = _walk(root, root)
    else:
        candidates = [root / d for d in DOCUMENTS if (root / d).is_file()]
        for sub in RESOURCE_DIRS:
            if (root / sub).is_dir():
                candidates += _walk(root / sub, root)
    files: list[PackageFile] = []
    total = 0
    for path in candidates:
        rel = path.relative_to(root).as_posix()
        if whole and rel in RESERVED:
            raise ManifestError(f"{path}: {rel} is a name the store keeps for itself; rename or remove the file")
        real = _inside(path, root, folder)
        info = os.stat(real)
        if not stat.S_ISREG(info.st_mode):
            raise ManifestError(f"{path}: not a regular file (a device, socket or fifo); remove it from the skill")
        total += info.st_size
        if len(files) + 1 > MAX_FILES:
            raise ManifestError(
                f"{folder}: more than {MAX_FILES} files; keep only what agents need (build output, "
                "data sets and dependencies belong elsewhere)"
            )
        if total > MAX_BYTES:
            raise ManifestError(
                f"{folder}: the skill's files pass {MAX_BYTES // (1024 * 1024)} MB (at {rel}); keep large "
                "assets out of the skill folder"
            )
        files.append(PackageFile(rel, sha256_of(real), info.st_size))
    return sorted(files, key=lambda f: f.path)


def copy_into(folder: Path, files: list[PackageFile] | tuple[PackageFile, ...], stage: Path) -> None:
    """Copy the collected `files` of `folder` into the package being staged, and check each copy
    against its digest (the folder may change under us; the package holds what was recorded)."""
    root = folder.resolve()
    for f in files:
        target = stage / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_inside(root / f.path, root, folder), target)
        if sha256_of(target) != f.sha256:
            raise ManifestError(f"{folder / f.path}: changed while it was being installed; install again")


def resolve_inside(package_dir: Path, path: str) -> Path:
    """The file `path` (relative, as an agent asks for it) inside the package; UsageError for an absolute
    path or one that leaves the package, before anything is opened."""
    cleaned = posixpath.normpath(path.replace("\\", "/").strip())
    if not path.strip() or cleaned.startswith("/") or cleaned == ".." or cleaned.startswith("../"):
        raise UsageError(
            f"{path!r} is not a path inside the skill; give one relative to its folder, like references/x.md"
        )
    if cleaned in RESERVED:
        raise NotFoundError(f"the skill has no file {cleaned!r}")
    root = package_dir.resolve()
    target = (root / cleaned).resolve()
    if not target.is_relative_to(root):
        raise UsageError(f"{path!r} leads out of the skill's folder")
    return target


def read_text(package_dir: Path, path: str, files: tuple[PackageFile, ...]) -> str:
    """One of the package's recorded `files` as text. NotFoundError names the files there are;
    UsageError for a binary file (agents get text only)."""
    target = resolve_inside(package_dir, path)
    rel = target.relative_to(package_dir.resolve()).as_posix()
    if rel not in {f.path for f in files}:
        listed = ", ".join(f.path for f in files[:20]) or "none"
        raise NotFoundError(f"the skill has no file {rel!r} (files: {listed})")
    data = target.read_bytes()
    if b"\0" in data[:8192]:
        raise UsageError(f"{rel} is a binary file ({len(data)} bytes); only text files can be read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{rel} is not UTF-8 text; only text files can be read") from None


def estimate_tokens(text: str) -> int:
    """About how many tokens a model spends on `text` (4 characters a token, the usual rule of thumb)."""
    return (len(text) + 3) // 4


def _walk(top: Path, root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        for d in list(dirnames):
            if d in SKIPPED:
                dirnames.remove(d)
            elif (here / d).is_symlink():
                dirnames.remove(d)
                _inside(here / d, root, root)  # a linked folder inside is fine to skip; one leading out is refused
        out += [here / f for f in filenames]
        if len(out) > MAX_FILES:
            raise ManifestError(
                f"{root}: more than {MAX_FILES} files; keep only what agents need (build output, "
                "data sets and dependencies belong elsewhere)"
            )
    return out


def _inside(path: Path, root: Path, shown: Path) -> Path:
    real = path.resolve()
    if not real.is_relative_to(root):
        raise ManifestError(f"{path}: a link that leads out of {shown}; copy the file in or remove the link")
    return real
