"""`skill sync [--prune]`: make the store equal to skills.lock.

For each entry: an installed package whose component and hashed files match the lock is left alone;
anything else (missing, another version, a package file altered on disk) is fetched from the entry's
`resolved` reference (never the floating `source`), and the fetched folder, built if it holds only sources,
is checked against the lock's component and file hashes and its pinned signer BEFORE the store compiles or
runs any of it. A mismatch refuses that skill (LockMismatch) and leaves whatever was installed. The lock
itself is never written: it is what the store is made equal to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.errors import SkillError

if TYPE_CHECKING:
    from engine.distribution.fetching import FetchContext
    from engine.distribution.installer import Installer
    from engine.distribution.lockfile import LockedSkill
    from engine.store import Review


@dataclass(frozen=True)
class Synced:
    """What sync did to one skill."""

    name: str
    version: str
    status: str  # "ok" | "installed" | "changed" | "repaired" | "removed" | "failed"
    detail: str = ""  # why (what differed), or the failure's one line
    exit_code: int = 0  # of the failure
    code: str = ""  # of the failure, as --json names errors (lock_mismatch, source...)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "status": self.status, "detail": self.detail}


def sync(installer: Installer, ctx: FetchContext, *, prune: bool = False, review: Review | None = None) -> list[Synced]:
    entries = installer.lock.read()
    out = [_one(installer, ctx, entries[name], review) for name in sorted(entries)]
    if prune:
        for skill in installer.store.list():
            if skill.name not in entries:
                installer.store.remove(skill.name)
                out.append(Synced(skill.name, skill.version, "removed", "not in the lock"))
    return out


def _one(installer: Installer, ctx: FetchContext, entry: LockedSkill, review: Review | None) -> Synced:
    from engine.distribution.installer import InstallOptions

    installed = installer.store.get(entry.name)
    if installed is None:
        status, detail = "installed", ""
    else:
        problems = entry.check_package(installed.package_dir)
        if not problems:
            return Synced(entry.name, entry.version, "ok")
        component = "sha256:" + installed.component_sha256 if installed.has_component else ""
        altered = component == entry.component and installed.version == entry.version
        status = "repaired" if altered else "changed"
        detail = "; ".join(problems) if altered else f"{installed.version} was installed"
    try:
        fetched = replace(installer.fetch(installer.locked_source(entry), ctx), source=entry.source)
        try:
            installer.install_fetched(fetched, ctx, InstallOptions(name=entry.name, force=True), review, expect=entry)
        finally:
            fetched.cleanup()
    except SkillError as e:
        return Synced(entry.name, entry.version, "failed", str(e), e.exit_code, e.code)
    return Synced(entry.name, entry.version, status, detail)


def exit_code(results: Iterable[Synced]) -> int:
    """0 when every skill is as the lock says; else the highest exit code among the failures."""
    return max((r.exit_code for r in results if r.status == "failed"), default=0)
