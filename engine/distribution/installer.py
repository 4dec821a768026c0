"""The install flow every source shares: parse, fetch (verified), check the signature, build if needed,
install into the store (with the capability review), pin in the lock.

The store's own atomic swap does the rest: until the new package is verified, compiled, described and
accepted, the previous version keeps serving, and a failure anywhere leaves store and lock as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.distribution.cache import BlobCache
from engine.distribution.fetching import FetchContext, Fetched, OnStep, Step, quiet
from engine.distribution.lockfile import Lock, LockedSkill, package_files
from engine.distribution.sources import ArchiveSource, GitSource, OciSource, PathSource, Source, parse_source
from engine.settings import Settings
from engine.store import InstalledSkill, InstallReport, Origin, Review, Store

if TYPE_CHECKING:
    from engine.home import Home
    from engine.secrets import SecretStore


@dataclass(frozen=True)
class InstallOptions:
    name: str | None = None
    force: bool = False
    sha256: str | None = None  # an archive's expected sha256
    locked: bool = False  # refuse if the lock would change
    insecure: Iterable[str] = ()  # more registries allowed over plain HTTP for this call


class Installer:
    def __init__(self, home: Home, store: Store, secrets: Callable[[], SecretStore]):
        self.home = home
        self.store = store
        self.secrets = secrets
        self.settings = Settings(home)
        self.lock = Lock(home.lock_file)
        self.cache = BlobCache(home.blobs)

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
        return parse_source(spec, default_registry=self.settings.default_registry(), sha256=sha256)

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
        self, fetched: Fetched, ctx: FetchContext, options: InstallOptions, review: Review | None
    ) -> InstallReport:
        from engine.distribution.trust import check_signature

        signer = check_signature(self.home, fetched)
        folder = self.built(fetched, ctx)
        report = self.store.install(
            folder,
            name=options.name,
            force=options.force,
            progress=lambda message: ctx.on_step(Step("install", message)),
            review=review,
            origin=None if fetched.staged is None and not signer else Origin(fetched.source, fetched.resolved, signer),
        )
        ctx.on_step(Step("lock", f"pinning {report.skill.name} in {self.home.lock_file.name}"))
        self.lock.put(lock_entry(report.skill, fetched))
        return report

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


def lock_entry(skill: InstalledSkill, fetched: Fetched) -> LockedSkill:
    """What the lock records for `skill` as installed from `fetched`."""
    asked = skill.review.asked if skill.review is not None else None
    granted = (
        {}
        if asked is None
        else {
            "network": list(asked.network),
            "secrets": sorted(s.field for s in asked.secrets),
            "timeout_s": asked.timeout_s,
            "memory_mb": asked.memory_mb,
        }
    )
    return LockedSkill(
        name=skill.name,
        version=skill.version,
        source=fetched.source,
        resolved=fetched.resolved,
        component="sha256:" + skill.component_sha256,
        size=skill.component_size,
        files=package_files(skill.package_dir),
        signer=skill.signer,
        capabilities=granted,
    )
