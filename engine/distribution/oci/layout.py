"""The skill artifact: the CNCF "Wasm OCI Artifact" layout plus a layer per file (media types are forever).

A component skill:

    manifest  application/vnd.oci.image.manifest.v1+json, artifactType application/vnd.skill-tui.skill.v1
    config    application/vnd.wasm.config.v0+json: architecture, os, layerDigests, component imports/exports
    layer 0   application/wasm                                    the component (the entrypoint)
    layers    application/vnd.skill-tui.skill.manifest.v1+yaml   skill.yaml
              application/vnd.skill-tui.skill.doc.v1+markdown    SKILL.md
              application/vnd.skill-tui.skill.signature.v1+minisign  skill.minisig (when signed)
              application/vnd.skill-tui.skill.file.v1            every other file the package records
                                                                 (README.md, references/, scripts/, assets/)

A knowledge skill (a SKILL.md folder, no component), ORAS-style:

    manifest  artifactType application/vnd.skill-tui.skill.knowledge.v1
    config    application/vnd.oci.empty.v1+json: `{}`
    layers    as above, without the component: one per recorded file

Every layer names its file's path in the folder with `org.opencontainers.image.title`. The three documents
keep their own media types and come first in their old order, then the other files sorted by path, so a
component skill with only those documents gets the artifact (and digest) it always had. A puller reads the
title of a `file` layer as a path and refuses, before downloading anything, one that leaves the folder
(absolute, `..`, not normalised), names the store's own files, appears twice, or is both a file and a folder,
and a tree over the store's limits (engine.knowledge.tree: file count and total size).

No timestamps anywhere (no `created` in the config or the annotations): publishing the same skill twice gives
the same bytes, so the same digest, and re-publishing is a no-op instead of a moved tag. Manifest and config
are serialised once, canonically (sorted keys, no blanks); those bytes are what is pushed and hashed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from engine.distribution.sources import DIGEST
from engine.errors import IntegrityError
from engine.knowledge.tree import MAX_BYTES, MAX_FILES, RESERVED

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join((OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX))
ARTIFACT_TYPE = "application/vnd.skill-tui.skill.v1"
KNOWLEDGE_TYPE = "application/vnd.skill-tui.skill.knowledge.v1"
WASM_CONFIG = "application/vnd.wasm.config.v0+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
WASM_LAYER = "application/wasm"
TITLE = "org.opencontainers.image.title"
MAX_MANIFEST = 4 << 20  # what GHCR and others accept; a bigger one is refused before it is read
MAX_WASM = 512 << 20
MAX_DOC = 4 << 20


@dataclass(frozen=True)
class FileKind:
    name: str  # the file in a skill folder
    media_type: str
    limit: int  # the most bytes a layer of this kind may announce


COMPONENT = FileKind("component.wasm", WASM_LAYER, MAX_WASM)
FILES = (
    FileKind("skill.yaml", "application/vnd.skill-tui.skill.manifest.v1+yaml", MAX_DOC),
    FileKind("SKILL.md", "application/vnd.skill-tui.skill.doc.v1+markdown", MAX_DOC),
    FileKind("skill.minisig", "application/vnd.skill-tui.skill.signature.v1+minisign", MAX_DOC),
)
FILE = FileKind("", "application/vnd.skill-tui.skill.file.v1", MAX_BYTES)  # named by its title
KINDS = {k.media_type: k for k in (COMPONENT, *FILES, FILE)}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Layer:
    kind: FileKind
    digest: str
    size: int
    name: str = ""  # a `file` layer's path in the folder (the other kinds have their fixed name)

    @property
    def path(self) -> str:
        return self.name or self.kind.name

    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": self.kind.media_type,
            "digest": self.digest,
            "size": self.size,
            "annotations": {TITLE: self.path},
        }


def kind_of(path: str) -> FileKind:
    """The layer kind of a file at `path` in a skill folder."""
    return next((k for k in (COMPONENT, *FILES) if k.name == path), FILE)


def ordered(paths: list[str]) -> list[str]:
    """The layer order of a skill's files: the component, the three documents in their old order, the rest
    by path (a component skill with only those documents keeps the digest it always had)."""
    fixed = [k.name for k in (COMPONENT, *FILES) if k.name in paths]
    return fixed + sorted(p for p in paths if p not in fixed)


@dataclass(frozen=True)
class Artifact:
    """What a publish pushes: the config bytes, the layers (files on disk by digest) and the manifest bytes."""

    config: bytes
    layers: tuple[Layer, ...]
    manifest: bytes
    config_type: str = WASM_CONFIG

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)


def build(layers: list[Layer], *, imports: list[str], exports: list[str], annotations: dict[str, str]) -> Artifact:
    """The config and manifest for `layers` (layer 0 the component; none: a knowledge skill). Same inputs,
    same bytes."""
    if any(layer.kind is COMPONENT for layer in layers):
        artifact_type, config_type = ARTIFACT_TYPE, WASM_CONFIG
        config = canonical(
            {
                "architecture": "wasm",
                "os": "wasip2",
                "layerDigests": [layer.digest for layer in layers],
                "component": {"imports": sorted(imports), "exports": sorted(exports)},
            }
        )
    else:
        artifact_type, config_type, config = KNOWLEDGE_TYPE, EMPTY_CONFIG, b"{}"
    manifest = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": {"mediaType": config_type, "digest": digest_of(config), "size": len(config)},
            "layers": [layer.descriptor() for layer in layers],
            "annotations": {k: v for k, v in sorted(annotations.items()) if v},
        }
    )
    return Artifact(config, tuple(layers), manifest, config_type)


def read_manifest(data: bytes, where: str) -> tuple[list[Layer], dict[str, str]]:
    """The skill layers (the component first, if any) and annotations of verified manifest bytes. Layers of
    unknown media types are left out (never downloaded); one that lies about being a component, announces
    more bytes than its kind may have, or names a path that is no file of the folder, and a tree over the
    store's limits, are refused before anything is downloaded."""
    try:
        doc = json.loads(data)
    except ValueError:
        raise IntegrityError(f"{where}: the manifest is not JSON; nothing was installed") from None
    if not isinstance(doc, dict):
        raise IntegrityError(f"{where}: the manifest is not a JSON object; nothing was installed")
    if doc.get("mediaType") == OCI_INDEX or "manifests" in doc:
        raise IntegrityError(f"{where} is an image index (several platforms), not a skill artifact")
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, list):
        raise IntegrityError(f"{where}: the manifest has no layers; is it a skill pushed with `skill publish`?")
    layers: list[Layer] = []
    for i, d in enumerate(raw_layers):
        kind = KINDS.get(str(d.get("mediaType"))) if isinstance(d, dict) else None
        if kind is None:
            continue
        digest, size = d.get("digest"), d.get("size")
        if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
            raise IntegrityError(f"{where}: layer {i} has a bad digest {digest!r}; nothing was installed")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= kind.limit:
            raise IntegrityError(
                f"{where}: layer {i} ({kind.name}) announces {size!r} bytes (at most {kind.limit}); nothing was installed"
            )
        name = _file_path(d.get("annotations"), where, i) if kind is FILE else ""
        layers.append(Layer(kind, digest, size, name))
    components = [layer for layer in layers if layer.kind is COMPONENT]
    knowledge = doc.get("artifactType") == KNOWLEDGE_TYPE
    if len(components) != (0 if knowledge else 1):
        expected = "no" if knowledge else "one"
        raise IntegrityError(
            f"{where}: expected {expected} {WASM_LAYER} layer, found {len(components)}; "
            "is it a skill pushed with `skill publish`?"
        )
    if knowledge and not any(layer.path == "SKILL.md" for layer in layers):
        raise IntegrityError(f"{where}: a knowledge skill without a SKILL.md layer; nothing was installed")
    _check_tree(layers, where)
    annotations = doc.get("annotations") or {}
    if not isinstance(annotations, dict):
        annotations = {}
    return sorted(layers, key=lambda layer: layer.kind is not COMPONENT), {
        str(k): str(v) for k, v in annotations.items()
    }


def _file_path(annotations: Any, where: str, i: int) -> str:
    """A `file` layer's title as a path inside the skill folder, or IntegrityError (nothing downloaded)."""
    title = annotations.get(TITLE) if isinstance(annotations, dict) else None
    if not isinstance(title, str) or not title:
        raise IntegrityError(f"{where}: layer {i} names no file ({TITLE}); nothing was installed")
    parts = title.split("/")
    if title.startswith("/") or "\\" in title or "\0" in title or any(p in ("", ".", "..") for p in parts):
        raise IntegrityError(f"{where}: layer {i} names {title!r}, not a path inside the skill; nothing was installed")
    if title in RESERVED:
        raise IntegrityError(
            f"{where}: layer {i} names {title!r}, a file the store keeps for itself; nothing was installed"
        )
    return title


def _check_tree(layers: list[Layer], where: str) -> None:
    """No path twice, none both a file and a folder, and the files within the store's limits."""
    paths = [layer.path for layer in layers]
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise IntegrityError(f"{where}: the manifest has {path!r} twice; nothing was installed")
        seen.add(path)
    folders = {"/".join(path.split("/")[:k]) for path in paths for k in range(1, path.count("/") + 1)}
    clash = sorted(seen & folders)
    if clash:
        raise IntegrityError(
            f"{where}: {clash[0]!r} is both a file and a folder in the manifest; nothing was installed"
        )
    files = [layer for layer in layers if layer.kind is not COMPONENT]
    if len(files) > MAX_FILES:
        raise IntegrityError(
            f"{where}: {len(files)} files, more than a skill may have ({MAX_FILES}); nothing was installed"
        )
    total = sum(layer.size for layer in files)
    if total > MAX_BYTES:
        raise IntegrityError(
            f"{where}: its files announce {total} bytes, more than a skill may have ({MAX_BYTES}); nothing was installed"
        )
