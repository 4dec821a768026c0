"""The install flow every source shares: parse, fetch (verified), check the signature, build if needed,
install into the store (with the capability review), pin in the lock.

The store's own atomic swap does the rest: until the new package is verified, compiled, described and
accepted, the previous version keeps serving, and a failure anywhere leaves store and lock as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.distribution.cache import BlobCache
from engine.distribution.fetching import FetchContext, Fetched, OnStep, Step, quiet
from engine.distribution.lockfile import Lock, LockedSkill, folder_files, package_files
from engine.distribution.sources import ArchiveSource, GitSource, OciSource, PathSource, Source, parse_source
from engine.errors import LockMismatch, SourceError
from engine.review import Asked
from engine.settings import Settings
from engine.store import InstalledSkill, InstallReport, Origin, Review, Store

if TYPE_CHECKING:
    from engine.distribution.folders import FolderDigests
    from engine.home import Home
    from engine.review import CapabilityReview
    from engine.secrets import SecretStore

Check = Callable[[InstalledSkill], None]
"""Sees a described skill before the store writes anything; raises to refuse it."""
LOCK_NAME = "skills.lock"


@dataclass(frozen=True)
class InstallOptions:
    name: str | None = None
    force: bool = False
    sha256: str | None = None  # an archive's expected sha256
    locked: bool = False  # refuse if the lock would change
    insecure: Iterable[str] = ()  # more registries allowed over plain HTTP for this call
    allow_scripts: bool = False  # a knowledge skill's scripts/*.py may run in the Python sandbox


class Installer:
    def __init__(self, home: Home, store: Store, secrets: Callable[[], SecretStore]):
        self.home = home
        self.store = store
        self.secrets = secrets
        self.settings = Settings(home)
        self.lock = Lock(home.lock_file)
        self.cache = BlobCache(home.blobs)
        self._folders: FolderDigests | None = None

    def context(self, on_step: OnStep = quiet, insecure: Iterable[str] = (), offline: bool = False) -> FetchContext:
        return FetchContext(
            self.home,
            self.cache,
            self.secrets,
            on_step,
            self.settings.insecure_registries() | frozenset(insecure),
            offline,
        )

    def source(self, spec: str | Path, sha256: str | None = None) -> Source:
        if isinstance(spec, Path):
            return PathSource(spec)
        return parse_source(spec, default_registry=self.settings.default_registry()[0], sha256=sha256)

    def fetch(self, source: Source, ctx: FetchContext) -> Fetched:
        """The verified folder `source` names (staged in tmp/ unless it is the user's own folder)."""
        if isinstance(source, PathSource):
            return Fetched(source.path, source.spec, source.spec)
        if isinstance(source, OciSource):
            from engine.distribution.oci.pull import fetch_oci

            return fetch_oci(source, ctx)
        if isinstance(source, GitSource):
            from engine.distribution.git import fetch_git

            return fetch_git(source, ctx)
        if isinstance(source, ArchiveSource):
            from engine.distribution.archive import fetch_archive

            return fetch_archive(source, ctx)
        raise AssertionError(source)

    def resolve(self, source: Source, ctx: FetchContext) -> str:
        """What `source` points at now, without downloading it: an OCI manifest digest (one HEAD request),
        a full git commit (`git ls-remote`), an archive's --sha256, a folder's content digest."""
        if isinstance(source, PathSource):
            return self.folder_digest(source.path)
        if isinstance(source, OciSource):
            from engine.distribution.oci.pull import resolve_oci

            return resolve_oci(source, ctx)
        if isinstance(source, GitSource):
            from engine.distribution.git import resolve_git

            return resolve_git(source, ctx)
        if isinstance(source, ArchiveSource):
            if source.sha256 is None:
                raise SourceError(f"{source.spec}: an archive is pinned by its sha256; give it with --sha256")
            return source.sha256
        raise AssertionError(source)

    def folder_digest(self, path: Path) -> str:
        """The content digest of what installing `path` would pin (engine.distribution.folders)."""
        if self._folders is None:
            from engine.distribution.folders import FolderDigests

            self._folders = FolderDigests(self.store, self.home.cache / "folder-digests.json")
        return self._folders.digest(path)

    def reference(self, source: Source, resolved: str) -> str:
        """The immutable reference `resolve`'s answer names: what a lock entry's `resolved` holds (for a
        folder, its content digest: its path names no content)."""
        if isinstance(source, OciSource):
            return source.pinned(resolved).spec
        if isinstance(source, GitSource):
            return source.pinned(resolved)
        if isinstance(source, ArchiveSource):
            return f"{source.url}#{resolved.replace(':', '=')}"
        return resolved

    def installed_reference(self, source: Source, entry: LockedSkill) -> str:
        """What `entry` was installed from, comparable with `reference(source, resolve(source))`."""
        return entry.content if isinstance(source, PathSource) else entry.resolved

    def locked_source(self, entry: LockedSkill) -> Source:
        """The immutable source of a lock entry: its `resolved` (an archive: URL#sha256=HEX)."""
        m = re.fullmatch(r"(https?://[^#]+)#sha256[=:]([0-9a-f]{64})", entry.resolved)
        if m:
            return ArchiveSource(m[1], "sha256:" + m[2])
        return self.source(entry.resolved)

    def pinned(self, name: str) -> LockedSkill:
        """The lock entry of an installed skill; for one installed before the lock existed, the entry its
        store record gives."""
        skill = self.store.require(name)
        return self.lock.read().get(name) or installed_entry(skill)

    def install(
        self,
        spec: str | Path,
        options: InstallOptions = InstallOptions(),
        review: Review | None = None,
        on_step: OnStep = quiet,
    ) -> InstallReport:
        source = self.source(spec, options.sha256)
        ctx = self.context(on_step, options.insecure)
        fetched = self.fetch(source, ctx)
        try:
            return self.install_fetched(fetched, ctx, options, review)
        finally:
            fetched.cleanup()

    def install_fetched(
        self,
        fetched: Fetched,
        ctx: FetchContext,
        options: InstallOptions,
        review: Review | None,
        check: Check | None = None,
        expect: LockedSkill | None = None,
    ) -> InstallReport:
        """Install a fetched folder and pin it. `check` sees the described skill before anything is written
        (and raises to refuse it). `expect` (sync): the lock entry the folder must match, checked before the
        store compiles anything; the lock is then left as it is."""
        from engine.distribution.trust import check_signature

        signer = check_signature(self.home, fetched, ctx.on_step)
        folder = self.built(fetched, ctx)
        if expect is not None:
            verify(expect, fetched, folder, signer, self.store.component_of(folder))
        checks = [c for c in (check, self._lock_check(fetched, folder, signer) if options.locked else None) if c]
        report = self.store.install(
            folder,
            name=options.name,
            force=options.force,
            progress=lambda message: ctx.on_step(Step("install", message)),
            review=self._signer_review(review, signer),
            origin=None if fetched.staged is None and not signer else Origin(fetched.source, fetched.resolved, signer),
            check=all_of(checks),
            allow_scripts=options.allow_scripts,
        )
        from engine.distribution.prune import register_home

        register_home(self.home)
        if expect is None and not options.locked:
            ctx.on_step(Step("lock", f"pinning {report.skill.name} in {self.home.lock_file.name}"))
            skill = report.skill
            self.lock.put(
                lock_entry(skill, fetched.source, fetched.resolved, package_files(skill.package_dir), skill.signer)
            )
        return report

    def _lock_check(self, fetched: Fetched, folder: Path, signer: str | None) -> Check:
        """`install --locked`: refuse (before anything is written) a skill whose lock entry would change."""

        def check(skill: InstalledSkill) -> None:
            want = self.lock.read().get(skill.name)
            if want is None:
                raise LockMismatch(
                    f"--locked: {skill.name} is not in {self.lock.path}; nothing was installed "
                    "(install it without --locked to pin it)"
                )
            got = lock_entry(skill, fetched.source, fetched.resolved, folder_files(folder), signer)
            differences = want.differences(got)
            if differences:
                raise LockMismatch(
                    f"--locked: {skill.name} would change in {self.lock.path}: {'; '.join(differences)}; "
                    "nothing was installed (install it without --locked to update the lock)"
                )

        return check

    def _signer_review(self, review: Review | None, signer: str | None) -> Review | None:
        """`review`, told when the skill is signed by another key than its installed version (then a person
        must say yes again, whatever it asks for)."""
        if review is None:
            return None

        def ask(question: CapabilityReview) -> bool:
            previous = self.store.get(question.skill)
            if previous is not None and previous.signer and previous.signer != signer:
                by = f"signed by {signer}" if signer else "not signed"
                question = replace(question, trust=(f"{by}; the installed version was signed by {previous.signer}",))
            return review(question)

        return ask

    def built(self, fetched: Fetched, ctx: FetchContext) -> Path:
        """`fetched.folder`, built first with the pinned toolchain if it holds sources but no component."""
        from engine.build.componentize import needs_build

        if not needs_build(fetched.folder):
            return fetched.folder
        from engine.build.componentize import build_folder

        ctx.on_step(Step("build", f"building {fetched.source} with the pinned toolchain"))
        build_folder(
            self.home,
            fetched.folder,
            progress=lambda message: ctx.on_step(Step("build", message)),
            dependencies=True,
        )
        return fetched.folder


def all_of(checks: list[Check]) -> Check | None:
    """One check that runs each of `checks` in turn (None when there are none)."""
    if not checks:
        return None

    def check(skill: InstalledSkill) -> None:
        for each in checks:
            each(skill)

    return check


def verify(entry: LockedSkill, fetched: Fetched, folder: Path, signer: str | None, component: Path | None) -> None:
    """Refuse (LockMismatch) a fetched folder whose component (None: a knowledge skill), recorded files or
    signer are not what `entry` pins: before the store compiles or runs any of it."""
    problems = entry.check_files(component, folder_files(folder))
    if entry.signer and signer != entry.signer:
        problems.append(f"signed by {signer or 'nobody'}, the lock pins {entry.signer}")
    if problems:
        raise LockMismatch(
            f"{entry.name}: {fetched.resolved} does not match {LOCK_NAME} ({'; '.join(problems)}); nothing was installed"
        )


def lock_entry(
    skill: InstalledSkill, source: str, resolved: str, files: dict[str, str], signer: str | None
) -> LockedSkill:
    """What the lock records for `skill` installed from `source` pinned as `resolved`: the capabilities
    are what its manifest asks for, which is what an install grants (all of it, or it is refused). A
    knowledge skill runs nothing: no component, no capabilities."""
    asked = Asked.of(skill.config, skill.capabilities)
    capabilities = {
        "network": list(asked.network),
        "secrets": sorted(s.field for s in asked.secrets),
        "timeout_s": asked.timeout_s,
        "memory_mb": asked.memory_mb,
    }
    return LockedSkill(
        name=skill.name,
        version=skill.version,
        source=source,
        resolved=resolved,
        component="sha256:" + skill.component_sha256 if skill.has_component else "",
        size=skill.component_size,
        files=files,
        signer=signer,
        capabilities=capabilities if skill.has_component else {},
    )


def installed_entry(skill: InstalledSkill) -> LockedSkill:
    """The lock entry an installed skill's store record gives (one installed before the lock existed)."""
    return lock_entry(
        skill, skill.source, skill.resolved or skill.source, package_files(skill.package_dir), skill.signer
    )
