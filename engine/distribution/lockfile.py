"""skills.lock: every installed skill pinned to immutable coordinates, with integrity.

TOML written by the engine, sorted by name, no timestamps (the same installs give the same bytes, as with
Cargo and uv), written atomically. Per skill: the source as asked (it may float: a tag, a branch), the
resolved immutable reference (an OCI digest, a full commit), the component's sha256 and size, each file's
sha256, the signer, and the capabilities granted at install. `sync` and `install --locked` use only
`resolved` and check every hash.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import UsageError
from engine.fsutil import atomic_write_text

VERSION = 1
FILES = ("skill.yaml", "skill.yml", "SKILL.md", "README.md", "skill.minisig")
"""The files of a package the lock hashes besides the component (those it has)."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class LockedSkill:
    name: str
    version: str
    source: str
    resolved: str
    component: str  # sha256:<hex> of component.wasm, the bytes that run
    size: int
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256:<hex>
    signer: str | None = None  # the key id that signed it (pinned: another signer needs the review again)
    capabilities: dict[str, Any] = field(default_factory=dict)  # granted at install: network, secrets, limits

    def to_toml(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "resolved": self.resolved,
            "component": self.component,
            "size": self.size,
        }
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
                component=d["component"],
                size=int(d["size"]),
                files=dict(d.get("files", {})),
                signer=d.get("signer"),
                capabilities=dict(d.get("capabilities", {})),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise UsageError(
                f"{where}: a [[skill]] entry is missing or has a bad {e}; restore it from version control or delete it and reinstall"
            ) from None

    def check_package(self, package_dir: Path) -> list[str]:
        """What in `package_dir` differs from this entry (empty: it matches)."""
        problems = []
        wasm = package_dir / "component.wasm"
        if not wasm.is_file() or sha256_file(wasm) != self.component:
            problems.append(f"component.wasm is not {self.component}")
        for name, digest in self.files.items():
            path = package_dir / name
            if not path.is_file() or sha256_file(path) != digest:
                problems.append(f"{name} is not {digest}")
        return problems


def package_files(package_dir: Path) -> dict[str, str]:
    """The sha256 of each lock-hashed file a package has."""
    return {name: sha256_file(package_dir / name) for name in FILES if (package_dir / name).is_file()}


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
