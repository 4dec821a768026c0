"""`skill update [--check]` and the app's "update available" mark: resolve each installed skill's source
again (cheaply: one HEAD request, `git ls-remote`, a folder's hashes) and say what would change; then,
for an update, fetch, verify and install it through the installer.

An update of a skill that asks for more (network, secrets, limits) or that another key signed goes through
the capability review again; a lower version is refused without `allow_downgrade`. The store's atomic swap
keeps the installed version serving until the new one is verified, compiled and accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.distribution.fetching import OnStep, Step, quiet
from engine.distribution.lockfile import short
from engine.distribution.sources import ArchiveSource, PathSource
from engine.errors import SkillError, UsageError

if TYPE_CHECKING:
    from engine.distribution.fetching import FetchContext
    from engine.distribution.installer import Installer
    from engine.distribution.lockfile import LockedSkill
    from engine.store import InstalledSkill, InstallReport, Review


@dataclass(frozen=True)
class UpdateInfo:
    name: str
    installed_version: str
    installed: str  # the resolved reference installed (lock); for a folder, the content digest installed
    resolved: str  # what the source resolves to now (a folder: the digest of what it holds now)
    version: str | None = None  # the version it would install, when known without a full fetch
    changes: tuple[str, ...] = ()  # one line each: version, digest, capabilities, signer
    error: str | None = None  # the source could not be asked (registry down...): one line
    source: str = ""  # the source checked (as installed; it may float: a tag, a branch)
    widened: tuple[str, ...] = ()  # what it would ask beyond what was accepted (known before a fetch: folders)
    error_code: str | None = None  # the error's code, as --json names errors (source, not_found...)

    @property
    def available(self) -> bool:
        return self.error is None and self.resolved != self.installed

    @property
    def downgrade(self) -> bool:
        """The version it would install is known and lower than the installed one."""
        return self.version is not None and version_key(self.version) < version_key(self.installed_version)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "available": self.available,
            "installed_version": self.installed_version,
            "version": self.version,
            "installed": self.installed,
            "resolved": self.resolved,
            "changes": list(self.changes),
            "widened": list(self.widened),
            "downgrade": self.downgrade,
            "error": self.error,
        }


def version_key(version: str) -> tuple[Any, ...]:
    """An order for versions: numeric parts compared as numbers, a pre-release (1.0.0-rc1) before its release.
    Build metadata (+...) is ignored; a part that is not a number counts as 0."""
    release, _, pre = version.strip().lstrip("vV").split("+", 1)[0].partition("-")
    numbers = [int(p) if p.isdigit() else 0 for p in re.split(r"[.]", release)]
    numbers += [0] * (4 - len(numbers))
    return (*numbers, 0 if pre else 1, pre)


def check_updates(installer: Installer, names: Iterable[str] | None, ctx: FetchContext) -> list[UpdateInfo]:
    """One UpdateInfo per installed skill (or per name in `names`): resolved again, nothing fetched."""
    skills = installer.store.list() if names is None else [installer.store.require(n) for n in names]
    entries = installer.lock.read()
    out = []
    for skill in skills:
        entry = entries.get(skill.name)
        if entry is None:
            from engine.distribution.installer import installed_entry

            entry = installed_entry(skill)
        out.append(check_one(installer, skill, entry, ctx))
    return out


def check_one(installer: Installer, skill: InstalledSkill, entry: LockedSkill, ctx: FetchContext) -> UpdateInfo:
    base = UpdateInfo(skill.name, skill.version, entry.resolved, entry.resolved, source=entry.source)
    try:
        source = installer.source(entry.source)
        installed = installer.installed_reference(source, entry)
        if isinstance(source, ArchiveSource):  # pinned by its sha256: the URL names nothing newer
            return UpdateInfo(skill.name, skill.version, installed, installed, source=entry.source)
        resolved = installer.reference(source, installer.resolve(source, ctx))
    except SkillError as e:
        return UpdateInfo(**{**base.__dict__, "error": str(e), "error_code": e.code})
    if resolved == installed:
        return UpdateInfo(skill.name, skill.version, installed, resolved, source=entry.source)
    what = "content" if isinstance(source, PathSource) else "digest" if "@sha256:" in resolved else "commit"
    changes = [f"{what}: {short(installed)} -> {short(resolved)}"]
    version: str | None = None
    widened: tuple[str, ...] = ()
    if isinstance(source, PathSource) and source.path.is_dir():
        version, widened = _peek(source.path, skill)
    if version is not None and version != skill.version:
        lower = version_key(version) < version_key(skill.version)
        changes.insert(
            0, f"version: {skill.version} -> {version}" + (" (lower: needs --allow-downgrade)" if lower else "")
        )
    changes += [f"asks for {line}" for line in widened]
    return UpdateInfo(
        skill.name, skill.version, installed, resolved, version, tuple(changes), None, entry.source, widened
    )


def _peek(folder: Any, skill: InstalledSkill) -> tuple[str | None, tuple[str, ...]]:
    """A folder's version and what it asks beyond what `skill` was accepted with, from its manifest alone."""
    from engine.manifest import load_folder
    from engine.review import Asked

    try:
        manifest = load_folder(folder)
    except UsageError:
        return None, ()
    asked = Asked.of(manifest.config, manifest.capabilities)
    accepted = skill.review.asked if skill.review is not None else None
    return manifest.version or None, asked.beyond(accepted) if accepted is not None else ()


def update(
    installer: Installer,
    name: str,
    *,
    review: Review | None = None,
    allow_downgrade: bool = False,
    on_step: OnStep = quiet,
    insecure: Iterable[str] = (),
) -> InstallReport:
    """Update one installed skill from its source: nothing is fetched when it resolves to what is installed."""
    from engine.distribution.installer import InstallOptions
    from engine.store import InstallReport

    skill = installer.store.require(name)
    entry = installer.pinned(name)
    source = installer.source(entry.source)
    ctx = installer.context(on_step, insecure)
    if isinstance(source, ArchiveSource):
        return InstallReport(skill, "unchanged", skill.version)
    if not isinstance(source, PathSource):  # a folder is as cheap to read as to resolve
        ctx.on_step(Step("resolve", f"resolving {entry.source}"))
        if installer.reference(source, installer.resolve(source, ctx)) == entry.resolved:
            return InstallReport(skill, "unchanged", skill.version)

    def no_downgrade(new: InstalledSkill) -> None:
        if not allow_downgrade and version_key(new.version) < version_key(skill.version):
            raise UsageError(
                f"{name}: {entry.source} now has {new.version}, lower than the installed {skill.version}; "
                "pass --allow-downgrade to install it (nothing changed)"
            )

    fetched = installer.fetch(source, ctx)
    try:
        return installer.install_fetched(fetched, ctx, InstallOptions(name=name), review, check=no_downgrade)
    finally:
        fetched.cleanup()
