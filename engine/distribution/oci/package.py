"""What `skill publish` pushes, gathered from an installed skill's package or a skill folder (built first
when it has sources: the build cache makes that a no-op when nothing changed), and signed on a staged copy:
the component, if any, and every file the package records (or would: engine.knowledge.tree.collect).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.distribution.lockfile import package_files
from engine.distribution.oci.layout import COMPONENT
from engine.distribution.oci.publish import SkillFiles
from engine.distribution.oci.pull import STAGE, stage_folder
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.build import BuildResult
    from engine.home import Home
    from engine.secrets import SecretStore
    from engine.store import InstalledSkill


def publishable(
    skill_or_folder: str | Path,
    installed: Callable[[str], InstalledSkill | None],
    build: Callable[[Path], BuildResult],
) -> SkillFiles:
    path = Path(skill_or_folder).expanduser()
    if path.is_dir():
        return _from_folder(path, build)
    skill = installed(str(skill_or_folder))
    if skill is None:
        raise UsageError(
            f"{skill_or_folder}: not a skill folder, nor an installed skill; give a folder or a name from `skill list`"
        )
    files = {path: skill.package_dir / path for path in package_files(skill.package_dir)}
    if skill.has_component:
        files[COMPONENT.name] = skill.component_path
    return SkillFiles(
        skill.name,
        skill.version,
        files,
        _annotations(skill.name, skill.version, skill.description, skill.license, skill.author),
    )


def _from_folder(folder: Path, build: Callable[[Path], BuildResult]) -> SkillFiles:
    from engine.knowledge.tree import collect
    from engine.manifest import load_folder
    from engine.store import locate

    manifest = load_folder(folder)
    wasm: Path | None
    if manifest.source or manifest.source_in(folder) is not None:
        wasm = build(folder).wasm_path
    else:
        manifest, wasm = locate(folder)  # None: a knowledge skill
    version = manifest.declared_version
    if not manifest.name or not version:
        where = folder / "skill.yaml" if wasm is not None else folder / "SKILL.md"
        field = "'name' and 'version'" if wasm is not None else "'name' and 'metadata.version'"
        raise UsageError(f"{where}: publishing needs the skill's {field} there")
    files = {f.path: folder / f.path for f in collect(folder, whole=wasm is None)}
    if wasm is not None:
        files[COMPONENT.name] = wasm
    notes = _annotations(manifest.name, version, manifest.description, manifest.license, manifest.author)
    return SkillFiles(manifest.name, version, files, notes)


def _annotations(
    name: str, version: str, description: str | None, license: str | None, author: str | None
) -> dict[str, str]:
    """The manifest's annotations: what `skill search` shows. No `created`: see engine.distribution.oci.layout."""
    prefix = "org.opencontainers.image."
    values = {"title": name, "version": version, "description": description, "licenses": license, "authors": author}
    return {prefix + k: str(v) for k, v in values.items() if v}


@contextmanager
def signed(files: SkillFiles, home: Home, secrets: Callable[[], SecretStore], sign: bool) -> Iterator[SkillFiles]:
    """`files`, or with `sign` the same skill staged as a pull would stage it and signed there
    (skill.minisig added, replacing any), until the block ends."""
    if not sign:
        yield files
        return
    from engine.distribution.signing import sign_folder

    home.tmp.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f"{STAGE}{os.getpid()}-", dir=home.tmp))
    try:
        folder = staged / files.name
        unsigned = {k: v for k, v in files.files.items() if k != "skill.minisig"}
        component = stage_folder(folder, unsigned)
        signature = sign_folder(home, secrets(), folder)
        restaged = {k: folder / k for k in unsigned if k != COMPONENT.name}
        if component is not None:
            restaged[COMPONENT.name] = component
        yield replace(files, files={**restaged, "skill.minisig": signature})
    finally:
        shutil.rmtree(staged, ignore_errors=True)
