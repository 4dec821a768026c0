"""skills.lock: every installed skill pinned to immutable coordinates, with integrity.

TOML written by the engine, sorted by name, no timestamps (the same installs give the same bytes, as with
Cargo and uv), written atomically. Per skill: the source as asked (it may float: a tag, a branch), the
resolved immutable reference (an OCI digest, a full commit), the component's sha256 and size, each file's
sha256, the signer, and the capabilities granted at install. `sync` and `install --locked` use only
`resolved` and check every hash.
"""

from __future__ import annotations

import hashlib
import json
import re
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

    def check_package(self, package_dir: Path | None, component: Path | None = None) -> list[str]:
        """What differs from this entry (empty: it matches): the component (an installed package's
        component.wasm, or `component`: the .wasm a fetched folder holds), each hashed file of
        `package_dir`, and a hashed file there the lock does not list. `package_dir` None: a bare .wasm,
        which brings no files."""
        problems = []
        if component is None:
            assert package_dir is not None, "a package folder or a component to check"
            component = package_dir / "component.wasm"
        wasm = component
        if not wasm.is_file():
            problems.append(f"{wasm.name} is missing")
        elif (got := sha256_file(wasm)) != self.component:
            problems.append(f"{wasm.name} is {short(got)}, the lock says {short(self.component)}")
        found = package_files(package_dir) if package_dir is not None else {}
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
