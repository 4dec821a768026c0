"""skills.lock: every installed skill pinned to immutable coordinates, with integrity.

TOML written by the engine, sorted by name, no timestamps (the same installs give the same bytes, as with
Cargo and uv), written atomically. Per skill: the source as asked (it may float: a tag, a branch), the
resolved immutable reference (an OCI digest, a full commit), the component's sha256 and size, each file's
sha256, the signer, and the capabilities granted at install. `sync` and `install --locked` use only
`resolved` and check every hash.

`files` are the files the package records (`InstalledSkill.files`: a knowledge skill's whole folder, a
component skill's documents and references/ scripts/ assets/). A knowledge skill has no component: its
entry has no `component` and `size` keys (read back as "" and 0), so locks written before knowledge
skills existed, where both are always present, load unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError
from engine.fsutil import atomic_write_text, sha256_of
from engine.knowledge.tree import RESERVED

if TYPE_CHECKING:
    from engine.knowledge.tree import PackageFile

VERSION = 1


def sha256_file(path: Path) -> str:
    """A file's digest as the lock and OCI write it: sha256:<hex>."""
    return "sha256:" + sha256_of(path)


@dataclass(frozen=True)
class LockedSkill:
    name: str
    version: str
    source: str
    resolved: str
    component: str  # sha256:<hex> of component.wasm, the bytes that run; "" for a knowledge skill
    size: int
    files: dict[str, str] = field(default_factory=dict)  # path in the package -> sha256:<hex>
    signer: str | None = None  # the key id that signed it (pinned: another signer needs the review again)
    capabilities: dict[str, Any] = field(default_factory=dict)  # granted at install: network, secrets, limits

    def to_toml(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "resolved": self.resolved,
        }
        if self.component:
            d["component"] = self.component
            d["size"] = self.size
        if self.files:
            d["files"] = dict(sorted(self.files.items()))
        if self.signer:
            d["signer"] = self.signer
        if self.capabilities:
            d["capabilities"] = _sorted(self.capabilities)
        return d

    @classmethod
    def from_toml(cls, d: dict[str, Any], where: str) -> LockedSkill:
        try:
            return cls(
                name=d["name"],
                version=d["version"],
                source=d["source"],
                resolved=d["resolved"],
                component=d.get("component", ""),
                size=int(d.get("size", 0)),
                files=dict(d.get("files", {})),
                signer=d.get("signer"),
                capabilities=dict(d.get("capabilities", {})),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise UsageError(
                f"{where}: a [[skill]] entry is missing or has a bad {e}; restore it from version control or delete it and reinstall"
            ) from None

    def check_package(self, package_dir: Path) -> list[str]:
        """What an installed package differs in from this entry (empty: it matches)."""
        wasm = package_dir / "component.wasm"
        return self.check_files(wasm if wasm.is_file() else None, package_files(package_dir))

    def check_files(self, component: Path | None, found: dict[str, str]) -> list[str]:
        """What differs from this entry (empty: it matches): the component (None: there is none, as in a
        knowledge skill), each recorded file (`found`: path -> sha256), and a file the lock does not list."""
        problems = []
        if component is None:
            if self.component:
                problems.append("component.wasm is missing")
        elif not self.component:
            problems.append(f"{component.name} is there, the lock pins a skill without a component")
        elif (got := sha256_file(component)) != self.component:
            problems.append(f"{component.name} is {short(got)}, the lock says {short(self.component)}")
        for name in sorted(set(self.files) | set(found)):
            if name not in found:
                problems.append(f"{name} is missing")
            elif name not in self.files:
                problems.append(f"{name} is not in the lock")
            elif found[name] != self.files[name]:
                problems.append(f"{name} is {short(found[name])}, the lock says {short(self.files[name])}")
        return problems

    @property
    def content(self) -> str:
        """One digest of what this entry pins (component and files): equal for a folder that holds the same."""
        return content_digest(self.component, self.files)

    def differences(self, other: LockedSkill) -> list[str]:
        """What `other` would change in this entry, one short phrase per field (empty: the same)."""
        out = []
        for key in ("version", "source", "resolved", "component", "size", "signer"):
            old, new = getattr(self, key), getattr(other, key)
            if old != new:
                out.append(f"{key} {short(old)} -> {short(new)}")
        for name in sorted(set(self.files) | set(other.files)):
            if self.files.get(name) != other.files.get(name):
                verb = "added" if name not in self.files else "removed" if name not in other.files else "changed"
                out.append(f"{name} {verb}")
        if _sorted(self.capabilities) != _sorted(other.capabilities):
            out.append(f"capabilities {_compact(self.capabilities)} -> {_compact(other.capabilities)}")
        return out


def short(value: Any) -> str:
    """A value for a one-line message: digests cut to 12 hex digits, None as "none"."""
    if value is None:
        return "none"
    return re.sub(r"(sha256:[0-9a-f]{12})[0-9a-f]{52}", r"\1…", str(value))


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(_sorted(value), separators=(",", ":"))


def content_digest(component: str, files: dict[str, str]) -> str:
    """sha256 over a component digest and the file digests: what a path source "resolves" to."""
    text = json.dumps({"component": component, "files": dict(sorted(files.items()))}, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def package_files(package_dir: Path) -> dict[str, str]:
    """The sha256 of every file an installed package holds besides the store's own (skill.json and the
    component): its recorded files, and anything that was added to it since (which then shows as a file
    the lock does not list). Links are not followed: the store never writes one."""
    out: dict[str, str] = {}
    for dirpath, _dirnames, filenames in os.walk(package_dir):
        here = Path(dirpath)
        for name in filenames:
            rel = (here / name).relative_to(package_dir).as_posix()
            if rel not in RESERVED:
                out[rel] = "a symbolic link" if (here / name).is_symlink() else sha256_file(here / name)
    return out


def recorded_files(files: Iterable[PackageFile]) -> dict[str, str]:
    """The lock's `files` for a package's recorded files (path -> sha256:<hex>)."""
    return {f.path: "sha256:" + f.sha256 for f in files}


def folder_files(folder: Path) -> dict[str, str]:
    """The lock's `files` for what installing `folder` would record (a bare .wasm brings none): raises the
    store's ManifestError for a tree it would refuse."""
    if not folder.is_dir():
        return {}
    from engine.knowledge.tree import collect
    from engine.store import locate

    return recorded_files(collect(folder, whole=locate(folder)[1] is None))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return value


class Lock:
    """The lock file of one home: read, change, write whole."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, LockedSkill]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(
                f"{self.path}: not valid TOML ({e}); restore it from version control or delete it"
            ) from None
        if data.get("version") != VERSION:
            raise UsageError(
                f"{self.path}: lock version {data.get('version')!r} is not supported (this skill writes {VERSION})"
            )
        entries = [LockedSkill.from_toml(d, str(self.path)) for d in data.get("skill", [])]
        return {e.name: e for e in entries}

    def write(self, skills: dict[str, LockedSkill]) -> None:
        atomic_write_text(self.path, dumps(skills))

    def put(self, entry: LockedSkill) -> None:
        skills = self.read()
        skills[entry.name] = entry
        self.write(skills)

    def drop(self, name: str) -> None:
        skills = self.read()
        if skills.pop(name, None) is not None:
            self.write(skills)


def dumps(skills: dict[str, LockedSkill]) -> str:
    import tomlkit

    doc = tomlkit.document()
    doc.add(
        tomlkit.comment("Written by `skill`; do not edit by hand. Commit it to reproduce the store with `skill sync`.")
    )
    doc["version"] = VERSION
    tables = tomlkit.aot()
    for name in sorted(skills):
        table = tomlkit.table()
        for key, value in skills[name].to_toml().items():
            if isinstance(value, dict):
                inline = tomlkit.inline_table()
                inline.update(value)
                table[key] = inline
            else:
                table[key] = value
        tables.append(table)
    doc["skill"] = tables
    return tomlkit.dumps(doc)
