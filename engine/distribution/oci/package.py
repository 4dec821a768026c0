"""What `skill publish` pushes, gathered from an installed skill's package or a skill folder (built first
when it has sources: the build cache makes that a no-op when nothing changed), and signed on a staged copy.
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

from engine.distribution.oci.layout import COMPONENT, FILES
from engine.distribution.oci.publish import SkillFiles
from engine.distribution.oci.pull import STAGE, stage_folder
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.build import BuildResult
    from engine.home import Home
    from engine.secrets import SecretStore
    from engine.store import InstalledSkill

DOCS = {"skill.yaml": ("skill.yaml", "skill.yml"), "SKILL.md": ("SKILL.md",), "skill.minisig": ("skill.minisig",)}


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
    files = {COMPONENT.name: skill.component_path, **_docs(skill.package_dir)}
    return SkillFiles(
        skill.name,
        skill.version,
        files,
        _annotations(skill.name, skill.version, skill.description, skill.license, skill.author),
    )


def _from_folder(folder: Path, build: Callable[[Path], BuildResult]) -> SkillFiles:
    from engine.manifest import load_folder
    from engine.store import locate

    manifest = load_folder(folder)
    if manifest.source or manifest.source_in(folder) is not None:
        wasm = build(folder).wasm_path
    else:
        manifest, located = locate(folder)
        if located is None:
            raise UsageError(f"{folder}: a knowledge skill (no component); TODO(kn-dist)")
        wasm = located
    if not manifest.name or not manifest.version:
        raise UsageError(f"{folder / 'skill.yaml'}: publishing needs the skill's 'name' and 'version' there")
    files = {COMPONENT.name: wasm, **_docs(folder)}
    notes = _annotations(manifest.name, manifest.version, manifest.description, manifest.license, manifest.author)
    return SkillFiles(manifest.name, manifest.version, files, notes)


def _docs(folder: Path) -> dict[str, Path]:
    found = {}
    for kind in FILES:
        path = next((folder / n for n in DOCS[kind.name] if (folder / n).is_file()), None)
        if path is not None:
            found[kind.name] = path
    return found


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
        yield replace(files, files={**restaged, COMPONENT.name: component, "skill.minisig": signature})
    finally:
        shutil.rmtree(staged, ignore_errors=True)
