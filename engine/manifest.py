"""Skill manifests: `skill.yaml` (the original Skill Engine shape) and `SKILL.md`
(Agent Skills frontmatter).

Either file, both, or neither may be present; with neither, metadata comes from
the component's own `get-metadata`. Every error names the file, the field and the fix.
Unknown fields are warnings, not errors, so newer manifests still install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.errors import ManifestError, PatternError
from engine.network.patterns import check_written
from engine.schema import Capabilities, ConfigField, Inject, check_name

SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
CONFIG_TYPES = ("string", "number", "integer", "boolean", "enum", "url", "path")

_YAML_FIELDS = {
    "name",
    "version",
    "description",
    "author",
    "repository",
    "license",
    "component",
    "source",
    "config",
    "tools",
    "capabilities",
    "homepage",
    "keywords",
    "tags",
}
_MD_FIELDS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
_FIELD_KEYS = {
    "type",
    "required",
    "secret",
    "default",
    "description",
    "env",
    "enum",
    "pattern",
    "min",
    "max",
    "minimum",
    "maximum",
    "inject",
    "expose",
}
_HEADER_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_FRAMING_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


DEFAULT_SOURCES = ("skill.js", "skill.ts", "src/skill.ts", "src/skill.js", "index.js", "index.ts", "skill.py", "app.py")


@dataclass(frozen=True)
class ToolDoc:
    """Docs the manifest adds to (or overrides on) a tool the component declares."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Manifest:
    name: str | None = None
    version: str | None = None
    description: str = ""
    author: str | None = None
    repository: str | None = None
    license: str | None = None
    component: str | None = None
    source: str | None = None
    config: tuple[ConfigField, ...] = ()
    tools: tuple[ToolDoc, ...] = ()
    capabilities: Capabilities = Capabilities()
    compatibility: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    allowed_tools: str | None = None
    skill_md: str | None = None
    frontmatter: str | None = None  # SKILL.md's frontmatter exactly as written
    warnings: tuple[str, ...] = ()

    @property
    def declared_version(self) -> str | None:
        """The version the author gave: skill.yaml's, else SKILL.md's `metadata.version` (a knowledge
        skill's only place for one); None when neither says."""
        return self.version or (str(self.metadata["version"]) if self.metadata.get("version") else None)

    def source_in(self, folder: Path) -> Path | None:
        """The source file `folder` builds from (skill.yaml's `source:`, else the first of
        DEFAULT_SOURCES there is), or None: a folder with nothing to build."""
        names = [self.source] if self.source else DEFAULT_SOURCES
        return next((folder / n for n in names if (folder / n).is_file()), None)


def load_folder(folder: Path) -> Manifest:
    """Read `skill.yaml` and/or `SKILL.md` from a skill folder (an empty Manifest if neither)."""
    yaml_path = next((folder / n for n in ("skill.yaml", "skill.yml") if (folder / n).is_file()), None)
    md_path = folder / "SKILL.md"
    manifest = parse_skill_yaml(yaml_path) if yaml_path else Manifest()
    if md_path.is_file():
        manifest = _merge_skill_md(manifest, parse_skill_md(md_path), yaml_path)
    return manifest


def _read_yaml(path: Path, text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError(f"{where}: invalid YAML ({problem}); fix the syntax and try again") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except FileNotFoundError:
        raise ManifestError(f"{path.parent} has no {path.name}; create a skill with `skill init DIR`") from None
    except OSError as e:
        raise ManifestError(f"{path}: cannot read it ({e.strerror})") from None


def parse_skill_yaml(path: Path) -> Manifest:
    data = _read_yaml(path, _read_text(path))
    if not isinstance(data, dict):
        raise ManifestError(
            f"{path}: expected a YAML mapping of fields (name, version, ...), got {type(data).__name__}"
        )
    warnings = [f"{path.name}: unknown field {k!r} ignored" for k in data if k not in _YAML_FIELDS]
    name = data.get("name")
    if name is not None:
        check_name(name, f"{path}: field 'name'")
    version = data.get("version")
    if version is not None:
        version = str(version)
        if not SEMVER_RE.match(version):
            raise ManifestError(
                f"{path}: field 'version': {version!r} is not a semantic version; use MAJOR.MINOR.PATCH, e.g. '1.0.0'"
            )
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ManifestError(f"{path}: field 'description' must be text")
    for key in ("component", "source", "author", "repository", "license"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ManifestError(f"{path}: field {key!r} must be text")
    config, cfg_warnings = _parse_config(path, data.get("config"))
    config = _parse_injections(path, data.get("config"), config)
    return Manifest(
        name=name,
        version=version,
        description=description.strip(),
        author=data.get("author"),
        repository=data.get("repository"),
        license=data.get("license"),
        component=data.get("component"),
        source=data.get("source"),
        config=config,
        tools=_parse_tool_docs(path, data.get("tools")),
        capabilities=_parse_capabilities(path, data.get("capabilities"), config),
        warnings=tuple(warnings + cfg_warnings),
    )


def _parse_config(path: Path, raw: Any) -> tuple[tuple[ConfigField, ...], list[str]]:
    if raw is None:
        return (), []
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: field 'config' must be a mapping of field name to its schema")
    fields, warnings = [], []
    for key, spec in raw.items():
        where = f"{path}: config.{key}"
        if not isinstance(key, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", key):
            raise ManifestError(f"{where}: field names use letters, digits, '_' and '-', starting with a letter")
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ManifestError(f"{where}: expected a mapping (type, required, secret, default, description)")
        warnings += [f"{path.name}: config.{key}: unknown key {k!r} ignored" for k in spec if k not in _FIELD_KEYS]
        kind = str(spec.get("type", "enum" if spec.get("enum") else "string"))
        if kind not in CONFIG_TYPES:
            raise ManifestError(f"{where}.type: {kind!r} is not a config type; use one of {', '.join(CONFIG_TYPES)}")
        env = spec.get("env")
        if env is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(env)):
            raise ManifestError(f"{where}.env: {env!r} is not a valid env var name")
        if spec.get("pattern") is not None:
            try:
                re.compile(str(spec["pattern"]))
            except re.error as e:
                raise ManifestError(f"{where}.pattern: not a valid regular expression ({e})") from None
        fields.append(
            ConfigField(
                name=key,
                type=kind,
                required=bool(spec.get("required", False)),
                secret=bool(spec.get("secret", False)),
                default=spec.get("default"),
                description=str(spec.get("description") or "").strip(),
                env=None if env is None else str(env),
                enum=tuple(spec.get("enum") or ()),
                pattern=spec.get("pattern"),
                minimum=spec.get("minimum", spec.get("min")),
                maximum=spec.get("maximum", spec.get("max")),
            )
        )
    return tuple(fields), warnings


def _parse_injections(path: Path, raw: Any, fields: tuple[ConfigField, ...]) -> tuple[ConfigField, ...]:
    """Each field's `inject:` and `expose:`, checked once every field is known (a host may be written
    `{{ config.OTHER }}`): only a secret is injected, only into a header, only for hosts in the grammar."""
    declared = {f.name for f in fields}
    out = []
    for f in fields:
        spec = raw[f.name] or {}
        where = f"{path}: config.{f.name}"
        inject = _parse_inject(where, spec.get("inject"), f, declared)
        expose = spec.get("expose", True)
        if not isinstance(expose, bool):
            raise ManifestError(f"{where}.expose: write true or false, got {expose!r}")
        if not expose and inject is None:
            raise ManifestError(
                f"{where}.expose: false hides the value from the skill, so nothing could use it; "
                "add inject: {header: ..., hosts: [...]} or remove expose"
            )
        out.append(replace(f, inject=inject, expose=expose))
    return tuple(out)


def _parse_inject(where: str, spec: Any, f: ConfigField, declared: set[str]) -> Inject | None:
    if spec is None:
        return None
    where += ".inject"
    if not f.secret:
        raise ManifestError(f"{where}: only a secret field is injected into requests; add `secret: true` to it")
    if not isinstance(spec, dict) or set(spec) - {"header", "format", "hosts"}:
        raise ManifestError(
            f'{where}: write a mapping of header, format and hosts, e.g. {{header: Authorization, format: "Bearer '
            '{value}", hosts: [api.github.com]}'
        )
    header = spec.get("header")
    if not isinstance(header, str) or not _HEADER_RE.match(header) or header.lower() in _FRAMING_HEADERS:
        raise ManifestError(f"{where}.header: {header!r} is not a header the host can set; write e.g. Authorization")
    fmt = spec.get("format", "{value}")
    if not isinstance(fmt, str) or "{value}" not in fmt or "\n" in fmt or "\r" in fmt:
        raise ManifestError(f'{where}.format: {fmt!r} must contain {{value}} on one line, e.g. "Bearer {{value}}"')
    hosts = spec.get("hosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise ManifestError(f"{where}.hosts: list the hosts that receive it, e.g. [api.github.com]")
    for i, host in enumerate(hosts):
        try:
            check_written(host, declared)
        except PatternError as e:
            raise ManifestError(f"{where}.hosts[{i}]: {e}") from None
    return Inject(header=header, format=fmt, hosts=tuple(hosts))


def _parse_tool_docs(path: Path, raw: Any) -> tuple[ToolDoc, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ManifestError(f"{path}: field 'tools' must be a list of {{name, description}}")
    docs = []
    for i, t in enumerate(raw):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise ManifestError(f"{path}: tools[{i}] needs a 'name'")
        docs.append(ToolDoc(name=t["name"], description=str(t.get("description") or "").strip()))
    return tuple(docs)


def _parse_capabilities(path: Path, raw: Any, config: tuple[ConfigField, ...]) -> Capabilities:
    if raw is None:
        return Capabilities()
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: field 'capabilities' must be a mapping (network, timeout_s, memory_mb)")
    out = Capabilities(network=_parse_network(path, raw.get("network"), {f.name for f in config}))
    if "timeout_s" in raw:
        out = replace(out, timeout_s=float(_limit(path, raw, "timeout_s", 0.01, 3600)))
    if "memory_mb" in raw:
        memory_mb = _limit(path, raw, "memory_mb", 16, 4096)
        if memory_mb != int(memory_mb):
            raise ManifestError(f"{path}: capabilities.memory_mb must be a whole number of MiB, got {memory_mb}")
        out = replace(out, memory_mb=int(memory_mb))
    return out


def _parse_network(path: Path, raw: Any, declared: set[str]) -> tuple[str, ...]:
    """capabilities.network.allow as written, each entry checked against the grant grammar now, at
    install, so a bad pattern or an undeclared `{{ config.FIELD }}` never waits for the first request."""
    allow = (raw or {}).get("allow") if isinstance(raw, dict) else raw
    if allow is None:
        return ()
    if not isinstance(allow, list):
        raise ManifestError(f"{path}: capabilities.network.allow must be a list of patterns, e.g. [api.github.com]")
    for i, entry in enumerate(allow):
        where = f"{path}: capabilities.network.allow[{i}]"
        if not isinstance(entry, str):
            raise ManifestError(f"{where}: {entry!r} is not a pattern; write a host in quotes, e.g. 'api.github.com'")
        try:
            check_written(entry, declared)
        except PatternError as e:
            raise ManifestError(f"{where}: {e}") from None
    return tuple(allow)


def _limit(path: Path, raw: dict[str, Any], key: str, low: float, high: float) -> float:
    """capabilities.KEY as a number in [low, high]: YAML `true` or `"10"` is refused, not read as 1 or 10,
    as the instance's [sandbox] overrides refuse them."""
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ManifestError(f"{path}: capabilities.{key} must be a number from {low} to {high}, got {value!r}")
    return value


def parse_skill_md(path: Path) -> Manifest:
    """Read Agent Skills frontmatter (kept verbatim too) and keep the body as documentation. Lenient, as
    loaders should be: client-specific fields are kept and warned about (`skill validate` says more)."""
    from engine.knowledge.frontmatter import split_skill_md

    doc = split_skill_md(_read_text(path), str(path))
    data = doc.data
    for key in ("name", "description"):
        if not data.get(key):
            raise ManifestError(f"{path}: frontmatter field {key!r} is required")
    check_name(data["name"], f"{path}: frontmatter field 'name'")
    description = str(data["description"]).strip()
    if len(description) > 1024:
        raise ManifestError(
            f"{path}: frontmatter field 'description' has {len(description)} characters; the limit is 1024"
        )
    compatibility = data.get("compatibility")
    if compatibility is not None and len(str(compatibility)) > 500:
        raise ManifestError(f"{path}: frontmatter field 'compatibility' is longer than 500 characters")
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ManifestError(f"{path}: frontmatter field 'metadata' must be a mapping of strings")
    allowed = data.get("allowed-tools")
    return Manifest(
        name=data["name"],
        description=description,
        license=data.get("license"),
        compatibility=None if compatibility is None else str(compatibility),
        metadata=metadata,
        allowed_tools=" ".join(allowed) if isinstance(allowed, list) else allowed,
        skill_md=doc.body.strip() or None,
        frontmatter=doc.raw,
        warnings=tuple(
            f"{path.name}: frontmatter field {k!r} is not in the Agent Skills spec (kept)"
            for k in data
            if k not in _MD_FIELDS
        ),
    )


def _merge_skill_md(yaml_manifest: Manifest, md: Manifest, yaml_path: Path | None) -> Manifest:
    """skill.yaml wins where both speak; the names must agree."""
    if yaml_manifest.name and md.name and yaml_manifest.name != md.name:
        raise ManifestError(
            f"SKILL.md names the skill {md.name!r} but {yaml_path.name if yaml_path else 'skill.yaml'} "
            f"names it {yaml_manifest.name!r}; make them the same"
        )
    return replace(
        yaml_manifest,
        name=yaml_manifest.name or md.name,
        description=yaml_manifest.description or md.description,
        license=yaml_manifest.license or md.license,
        compatibility=md.compatibility,
        metadata=md.metadata,
        allowed_tools=md.allowed_tools,
        skill_md=md.skill_md,
        frontmatter=md.frontmatter,
        warnings=yaml_manifest.warnings + md.warnings,
    )
