"""Installed skills: install, list, info, remove. Atomic and crash-safe.

Each install writes a new immutable package folder (packages/<name>-<id>/ with
component.wasm + skill.json) and then swaps the symlink skills/<name> to it with
one `os.replace`. Until that swap nothing visible changes, so a failed or killed
install leaves the previous version serving; a skill is never half installed.

Installing what is already installed is a no-op ("unchanged"). Components built here
record their build inputs (:mod:`engine.provenance`); two builds of the same
source with the same toolchain are the same skill even though componentize-js never
gives the same bytes twice, so for them the inputs are compared instead of the bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ComponentError, InstallDeclined, ManifestError, NotFoundError, StoreDamagedError, UsageError
from engine.fsutil import atomic_write_text, file_lock
from engine.home import Home
from engine.knowledge.tree import PackageFile, collect, copy_into
from engine.protocol import Tool
from engine.review import Accepted, Asked, CapabilityReview
from engine.schema import Capabilities, ConfigField, check_name

if TYPE_CHECKING:
    from engine.manifest import Manifest
    from engine.runtime import WasmRuntime

Progress = Callable[[str], None]
Review = Callable[[CapabilityReview], bool]
"""Asked before an install or upgrade changes anything: True accepts, False refuses (InstallDeclined)."""


@dataclass(frozen=True)
class InstalledSkill:
    name: str
    version: str
    description: str
    tools: tuple[Tool, ...]
    component_sha256: str
    component_size: int
    package_dir: Path
    source: str
    installed_at: float
    author: str | None = None
    license: str | None = None
    repository: str | None = None
    config: tuple[ConfigField, ...] = ()
    capabilities: Capabilities = Capabilities()
    skill_md: str | None = None
    compatibility: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    allowed_tools: str | None = None
    warnings: tuple[str, ...] = ()
    build_inputs: str | None = None  # sha256 of what the component was built from, when built here
    review: Accepted | None = None  # the capability review accepted at install (None: installed before reviews)
    resolved: str | None = None  # the immutable reference it came from (an OCI digest, a git commit), if any
    signer: str | None = None  # the id of the trusted key whose signature verified, if any
    kind: str = "tools"  # "tools" (a component), "knowledge" (SKILL.md only) or "both" (engine.knowledge.KINDS)
    files: tuple[PackageFile, ...] = ()  # what the package keeps besides the component, each with its sha256
    frontmatter: str | None = None  # SKILL.md's frontmatter exactly as written, if it has one

    @property
    def component_path(self) -> Path:
        return self.package_dir / "component.wasm"

    @property
    def has_component(self) -> bool:
        return self.kind != "knowledge"

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "package_dir"}
        d["tools"] = [t.to_json() for t in self.tools]
        d["config"] = [f.to_json() for f in self.config]
        d["capabilities"] = self.capabilities.to_json()
        d["warnings"] = list(self.warnings)
        d["files"] = [f.to_json() for f in self.files]
        d["review"] = None if self.review is None else self.review.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], package_dir: Path) -> InstalledSkill:
        return cls(
            **{
                **d,
                "package_dir": package_dir,
                "tools": tuple(Tool.from_json(t) for t in d.get("tools", ())),
                "config": tuple(ConfigField.from_json(f) for f in d.get("config", ())),
                "capabilities": Capabilities.from_json(d.get("capabilities", {})),
                "warnings": tuple(d.get("warnings", ())),
                "files": tuple(PackageFile.from_json(f) for f in d.get("files", ())),
                "review": None if d.get("review") is None else Accepted.from_json(d["review"]),
            }
        )


@dataclass(frozen=True)
class Origin:
    """Where an install came from, when not a folder the user named: recorded in the package."""

    source: str  # as asked
    resolved: str  # immutable
    signer: str | None = None


@dataclass(frozen=True)
class InstallReport:
    skill: InstalledSkill
    status: str  # "installed" | "upgraded" | "replaced" | "unchanged"
    previous_version: str | None = None


@dataclass(frozen=True)
class StoreStamp:
    """What the front doors list, read cheaply: two equal stamps mean nothing they show changed.

    `skills` changes on every install, upgrade and removal (each swaps or removes a link);
    `instances` on every instance added, copied, renamed or removed and every config.toml write.
    """

    skills: tuple[tuple[str, str], ...]  # (name, the package folder its link points at)
    instances: tuple[tuple[str, str, str], ...] = ()  # (skill, instance, digest of its config.toml)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The entries of `folder` that are not hidden (temporary links, locks); none if it is missing."""
    try:
        with os.scandir(folder) as it:
            return [e for e in it if not e.name.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _link(entry: os.DirEntry[str]) -> str:
    try:
        return os.readlink(entry.path)
    except OSError:  # not a link (nothing the store made) or gone meanwhile
        return ""


def _config_digest(instance: os.DirEntry[str]) -> str:
    """The digest of an instance's config.toml ("" without one). Its content, not its mtime: two saves
    within one clock tick differ, and saving the same values again changes nothing anyone shows."""
    try:
        with open(os.path.join(instance.path, "config.toml"), "rb") as f:
            return hashlib.blake2b(f.read(), digest_size=16).hexdigest()
    except OSError:
        return ""


def _fingerprint(skill: InstalledSkill) -> dict[str, Any]:
    """What makes two installs the same skill: everything but when and from where, and
    for a component with recorded build inputs, those inputs rather than its bytes."""
    ignored = {"installed_at", "source", "review", "resolved", "signer"}
    if skill.build_inputs:
        ignored |= {"component_sha256", "component_size"}
    return {k: v for k, v in skill.to_json().items() if k not in ignored}


def _recorded_before_files(previous: InstalledSkill, new: InstalledSkill) -> bool:
    """`previous` was installed by an engine that did not record a package's files yet, and differs from
    `new` in nothing else: the same skill, to be replaced without asking for --force."""
    recorded = {"files", "kind", "frontmatter"}
    same = {k: v for k, v in _fingerprint(previous).items() if k not in recorded} == {
        k: v for k, v in _fingerprint(new).items() if k not in recorded
    }
    return same and not previous.files and bool(new.files)


def locate(path: Path) -> tuple[Manifest, Path | None]:
    """The manifest of the skill at `path` (a folder or a .wasm) and its component: the one skill.yaml's
    `component` names, else the only .wasm in the folder, dist/ or build/; None for a knowledge skill (a
    SKILL.md folder with no component and no source to build). What the store installs and what a
    signature covers (`engine.distribution.signing`)."""
    from engine.manifest import Manifest, load_folder  # install-time only: keeps `skill run` light

    if not path.exists():
        raise UsageError(f"{path} does not exist; give a skill folder or a .wasm component")
    if path.is_file():
        if path.suffix != ".wasm":
            raise UsageError(f"{path} is not a .wasm component or a skill folder")
        return Manifest(), path
    manifest = load_folder(path)
    if manifest.component:
        wasm = path / manifest.component
        if not wasm.is_file():
            raise ManifestError(
                f"{path / 'skill.yaml'}: field 'component': {manifest.component} does not "
                f"exist; build the skill first (`skill build {path}`)"
            )
        return manifest, wasm
    candidates = sorted([*path.glob("*.wasm"), *path.glob("dist/*.wasm"), *path.glob("build/*.wasm")])
    if len(candidates) == 1:
        return manifest, candidates[0]
    if not candidates and manifest.frontmatter is not None and manifest.source_in(path) is None:
        return manifest, None
    if not candidates:
        raise ComponentError(
            f"{path} holds no .wasm component; build it first (`skill build {path}`) "
            "or name it in skill.yaml's 'component' field"
        )
    names = ", ".join(str(c.relative_to(path)) for c in candidates)
    raise ManifestError(
        f"{path} holds several components ({names}); name the right one in skill.yaml's 'component' field"
    )


class Store:
    def __init__(self, home: Home, runtime_factory: Callable[[], WasmRuntime]):
        self.home = home
        self._runtime_factory = runtime_factory
        self._parsed: dict[str, tuple[tuple, InstalledSkill]] = {}

    # ---- reading ------------------------------------------------------------------------

    def get(self, name: str) -> InstalledSkill | None:
        """The installed skill, parsed once per installed version (a readlink and a stat per call)."""
        link = self.home.skills / name
        try:
            st = os.stat(link / "skill.json")
            version = (os.readlink(link), st.st_mtime_ns, st.st_size)
            cached = self._parsed.get(name)
            if cached is not None and cached[0] == version:
                return cached[1]
            text = (link / "skill.json").read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, OSError):
            return None
        try:
            skill = InstalledSkill.from_json(json.loads(text), link.resolve())
        except (json.JSONDecodeError, TypeError, KeyError):
            raise StoreDamagedError(
                f"the store entry of {name!r} ({link}) is damaged; reinstall it with `skill install PATH --force`"
            ) from None
        self._parsed[name] = (version, skill)
        return skill

    def stamp(self, instances: bool = True) -> StoreStamp:
        """A summary of the installed skills (and, unless `instances` is false, the instances and their
        config files) that changes whenever they do: a scandir per folder, a readlink per skill, a small read
        per instance."""
        skills = tuple(sorted((e.name, _link(e)) for e in _entries(self.home.skills)))
        if not instances:
            return StoreStamp(skills)
        found = [
            (skill.name, inst.name, _config_digest(inst))
            for skill in _entries(self.home.instances)
            if skill.is_dir()
            for inst in _entries(Path(skill.path))
            if inst.is_dir()
        ]
        return StoreStamp(skills, tuple(sorted(found)))

    def require(self, name: str) -> InstalledSkill:
        skill = self.get(name)
        if skill is None:
            installed = ", ".join(s.name for s in self.list()) or "none"
            raise NotFoundError(
                f"no skill named {name!r} is installed (installed: {installed}); install one with `skill install PATH`"
            )
        return skill

    def list(self) -> list[InstalledSkill]:
        if not self.home.skills.is_dir():
            return []
        out = []
        for entry in sorted(self.home.skills.iterdir()):
            skill = self.get(entry.name)
            if skill is not None:
                out.append(skill)
        return out

    # ---- installing ---------------------------------------------------------------------

    def install(
        self,
        path: Path,
        name: str | None = None,
        force: bool = False,
        progress: Progress | None = None,
        review: Review | None = None,
        origin: Origin | None = None,
        check: Callable[[InstalledSkill], None] | None = None,
        allow_scripts: bool = False,
    ) -> InstallReport:
        """Install or upgrade. `review` is asked once the skill is described and before anything is
        written (not for an unchanged reinstall); without it the install is accepted as asked.
        `origin`: the source and resolved reference of a fetched folder (default: the folder itself).
        `check` sees the described skill before the review and before anything is written, and raises to
        refuse it (`install --locked`, an update's downgrade rule). `allow_scripts`: a knowledge skill's
        scripts/*.py may run (asked in the review, recorded in it; an install without it takes it away)."""
        say = progress or (lambda _msg: None)
        path = Path(path)
        manifest, wasm_path = locate(path)
        if wasm_path is None:
            skill = self._describe_knowledge(manifest, name, path)
        else:
            skill = self._describe_component(manifest, wasm_path, name, path, say)
        files = collect(path, whole=wasm_path is None) if path.is_dir() else []
        skill = replace(skill, files=tuple(files), frontmatter=manifest.frontmatter)
        if origin is not None:
            skill = replace(skill, source=origin.source, resolved=origin.resolved, signer=origin.signer)
        if check is not None:
            check(skill)
        scripts = allow_scripts and has_python_scripts(skill.files)
        skill = replace(skill, review=self._review(skill, force, review, scripts))

        with file_lock(self.home.root / ".store.lock"):
            self._recover()
            previous = self.get(skill.name)
            status = self._status(previous, skill, force)
            if status == "unchanged" and previous is not None:  # unchanged: there is a previous one
                if scripts_allowed(previous) == scripts:
                    return InstallReport(previous, status, previous.version)
                status = "replaced"  # the same files, another answer about its scripts
            package = self._write_package(skill, wasm_path, path)
            self._swap(skill.name, package)
            if previous is not None and previous.package_dir != package:
                shutil.rmtree(previous.package_dir, ignore_errors=True)
        if skill.has_component:  # a knowledge skill has no config and nothing to run
            (self.home.instances / skill.name / "default" / "data").mkdir(parents=True, exist_ok=True)
        return InstallReport(replace(skill, package_dir=package), status, previous.version if previous else None)

    def _describe_component(
        self, manifest: Manifest, wasm_path: Path, name: str | None, path: Path, say: Progress
    ) -> InstalledSkill:
        from engine.provenance import build_inputs  # install-time only: keeps `skill run` light

        try:
            wasm = wasm_path.read_bytes()
        except OSError as e:
            raise ComponentError(f"cannot read {wasm_path}: {e.strerror}") from None
        runtime = self._runtime_factory()
        sha256, component = runtime.compile(
            wasm,
            str(wasm_path),
            on_compile=lambda: say(
                f"compiling {wasm_path.name} ({len(wasm) / 1e6:.1f} MB) to machine code; once, then cached"
            ),
        )
        say("reading the skill's metadata and tools")
        skill = self._describe(runtime, component, manifest, sha256, len(wasm), name, path)
        kind = "both" if manifest.frontmatter is not None else "tools"
        return replace(skill, build_inputs=build_inputs(wasm), kind=kind)

    @staticmethod
    def _describe_knowledge(manifest: Manifest, name: str | None, path: Path) -> InstalledSkill:
        """A SKILL.md folder: everything comes from its frontmatter (a version from skill.yaml or
        `metadata.version`, else 0.0.0)."""
        skill_name = check_name(name or manifest.name, "--name" if name else f"{path / 'SKILL.md'}: field 'name'")
        version = manifest.declared_version or "0.0.0"
        return InstalledSkill(
            name=skill_name,
            version=version,
            description=manifest.description,
            tools=(),
            component_sha256="",
            component_size=0,
            package_dir=Path(),
            source=str(path.resolve()),
            installed_at=time.time(),
            author=manifest.author or (str(manifest.metadata["author"]) if "author" in manifest.metadata else None),
            license=manifest.license,
            repository=manifest.repository,
            capabilities=manifest.capabilities,
            skill_md=manifest.skill_md,
            compatibility=manifest.compatibility,
            metadata=manifest.metadata,
            allowed_tools=manifest.allowed_tools,
            warnings=manifest.warnings,
            kind="knowledge",
        )

    def component_of(self, path: Path) -> Path | None:
        """The .wasm `install(path)` takes from a folder (or `path` itself), None for a knowledge skill:
        for checking it before."""
        return locate(Path(path))[1]

    def _recover(self) -> None:
        """Remove what an install killed midway left (called under the store lock, which every package
        write and link swap holds, so nothing found here is still being made): its staging folders in
        tmp/ and a package folder renamed in but never linked."""
        for stage in self.home.tmp.glob("install-*") if self.home.tmp.is_dir() else ():
            shutil.rmtree(stage, ignore_errors=True)
        if not self.home.packages.is_dir():
            return
        linked = {os.path.realpath(e.path) for e in _entries(self.home.skills)}
        for package in self.home.packages.iterdir():
            if str(package.resolve()) not in linked:
                shutil.rmtree(package, ignore_errors=True)

    def _describe(
        self,
        runtime: WasmRuntime,
        component: Any,
        manifest: Manifest,
        sha256: str,
        size: int,
        name: str | None,
        origin: Path,
    ) -> InstalledSkill:
        from engine.pipeline import policy as sandbox
        from engine.protocol import parse_metadata, parse_tools

        with tempfile.TemporaryDirectory(dir=self._tmp()) as scratch:
            # A scratch /data and the manifest's defaults: what a fresh instance would see.
            policy = sandbox(
                Path(scratch),
                manifest.config,
                {f.name: f.default for f in manifest.config},
                timeout_s=manifest.capabilities.timeout_s,
                memory_mb=manifest.capabilities.memory_mb,
            )
            raw: dict[str, str] = {}
            for export in ("get-metadata", "get-tools"):
                outcome = runtime.call(component, policy, export)
                if outcome.value is None:
                    raise ComponentError(f"{origin}: calling `{export}` failed: {outcome.failure}")
                raw[export] = outcome.value
        meta = parse_metadata(raw["get-metadata"])
        tools = parse_tools(raw["get-tools"])
        docs = {d.name: d.description for d in manifest.tools}
        tools = [replace(t, description=docs.get(t.name) or t.description) for t in tools]
        unknown_docs = sorted(set(docs) - {t.name for t in tools})
        warnings = list(manifest.warnings) + [
            f"skill.yaml documents tool {n!r}, which the component does not declare" for n in unknown_docs
        ]
        skill_name = name or manifest.name or meta.name
        if not skill_name:
            raise ManifestError(
                f"{origin}: the skill has no name (no skill.yaml/SKILL.md and get-metadata "
                "gives none); pass one with --name"
            )
        check_name(skill_name, "--name" if name else "skill name")
        version = manifest.version or meta.version or "0.0.0"
        return InstalledSkill(
            name=skill_name,
            version=version,
            description=manifest.description or meta.description,
            tools=tuple(tools),
            component_sha256=sha256,
            component_size=size,
            package_dir=Path(),
            source=str(origin.resolve()),
            installed_at=time.time(),
            author=manifest.author or meta.author,
            license=manifest.license,
            repository=manifest.repository,
            config=manifest.config,
            capabilities=manifest.capabilities,
            skill_md=manifest.skill_md,
            compatibility=manifest.compatibility,
            metadata=manifest.metadata,
            allowed_tools=manifest.allowed_tools,
            warnings=tuple(warnings),
        )

    def _review(self, skill: InstalledSkill, force: bool, review: Review | None, scripts: bool) -> Accepted | None:
        """Ask `review` about what `skill` asks for (beyond what was accepted for the installed version);
        the record to keep, or InstallDeclined. Nothing is asked for an unchanged reinstall."""
        previous = self.get(skill.name)
        if self._status(previous, skill, force) == "unchanged" and scripts_allowed(previous) == scripts:
            return previous.review if previous is not None else None
        asked = replace(Asked.of(skill.config, skill.capabilities), scripts=scripts)
        before = previous.review.asked if previous is not None and previous.review is not None else None
        held = (len(skill.files), sum(f.size for f in skill.files)) if not skill.has_component else None
        question = CapabilityReview(
            skill.name,
            skill.version,
            previous.version if previous else None,
            asked,
            asked.beyond(before),
            knowledge=held,
        )
        if review is not None and not review(question):
            kept = f"; {previous.name} {previous.version} stays installed" if previous else ""
            raise InstallDeclined(
                f"{skill.name} {skill.version} not installed: its capabilities were not accepted{kept}"
            )
        return Accepted(asked, time.time(), consented=review is not None and question.needs_consent)

    @staticmethod
    def _status(previous: InstalledSkill | None, new: InstalledSkill, force: bool) -> str:
        if previous is None:
            return "installed"
        if _fingerprint(previous) == _fingerprint(new) and not force:
            # The same skill, unless a trusted key now vouches for it and did not before: record the signer.
            return "unchanged" if new.signer in (None, previous.signer) else "replaced"
        if previous.version != new.version:
            return "upgraded"
        if not force and not _recorded_before_files(previous, new):
            raise UsageError(
                f"{new.name} {new.version} is already installed with different content; "
                "bump its version or pass --force to replace it"
            )
        return "replaced"

    def _tmp(self) -> Path:
        self.home.tmp.mkdir(parents=True, exist_ok=True)
        return self.home.tmp

    def _write_package(self, skill: InstalledSkill, wasm_path: Path | None, origin: Path) -> Path:
        stage = Path(tempfile.mkdtemp(prefix=f"install-{skill.name}-", dir=self._tmp()))
        try:
            if wasm_path is not None:
                shutil.copyfile(wasm_path, stage / "component.wasm")
            if origin.is_dir():
                copy_into(origin, skill.files, stage)
            atomic_write_text(stage / "skill.json", json.dumps(skill.to_json(), indent=2, ensure_ascii=False))
            self.home.packages.mkdir(parents=True, exist_ok=True)
            package = self.home.packages / f"{skill.name}-{int(skill.installed_at)}-{os.urandom(3).hex()}"
            os.rename(stage, package)
            return package
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise

    def _swap(self, name: str, package: Path) -> None:
        self.home.skills.mkdir(parents=True, exist_ok=True)
        tmp_link = self.home.skills / f".{name}.{os.urandom(4).hex()}"
        os.symlink(os.path.relpath(package, self.home.skills), tmp_link)
        os.replace(tmp_link, self.home.skills / name)

    # ---- removing -----------------------------------------------------------------------

    def remove(self, name: str, purge: bool = False) -> InstalledSkill:
        with file_lock(self.home.root / ".store.lock"):
            skill = self.require(name)
            os.unlink(self.home.skills / name)
            shutil.rmtree(skill.package_dir, ignore_errors=True)
        if purge:
            shutil.rmtree(self.home.instances / name, ignore_errors=True)
        return skill


def has_python_scripts(files: Iterable[PackageFile]) -> bool:
    """Whether a package holds an Agent Skill script the Python sandbox can run (scripts/*.py)."""
    return any(f.path.startswith("scripts/") and f.path.endswith(".py") for f in files)


def scripts_allowed(skill: InstalledSkill | None) -> bool:
    """Whether the installed skill's scripts may run: accepted in its review (`install --allow-scripts`)."""
    return bool(skill is not None and skill.review is not None and skill.review.asked.scripts)
