"""The skill artifact: the CNCF "Wasm OCI Artifact" layout plus three skill layers (media types are forever).

    manifest  application/vnd.oci.image.manifest.v1+json, artifactType application/vnd.skill-tui.skill.v1
    config    application/vnd.wasm.config.v0+json: architecture, os, layerDigests, component imports/exports
    layer 0   application/wasm                                    the component (the entrypoint)
    layers    application/vnd.skill-tui.skill.manifest.v1+yaml   skill.yaml
              application/vnd.skill-tui.skill.doc.v1+markdown    SKILL.md
              application/vnd.skill-tui.skill.signature.v1+minisign  skill.minisig (when signed)

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

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join((OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX))
ARTIFACT_TYPE = "application/vnd.skill-tui.skill.v1"
WASM_CONFIG = "application/vnd.wasm.config.v0+json"
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
KINDS = {k.media_type: k for k in (COMPONENT, *FILES)}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Layer:
    kind: FileKind
    digest: str
    size: int

    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": self.kind.media_type,
            "digest": self.digest,
            "size": self.size,
            "annotations": {TITLE: self.kind.name},
        }


@dataclass(frozen=True)
class Artifact:
    """What a publish pushes: the config bytes, the layers (files on disk by digest) and the manifest bytes."""

    config: bytes
    layers: tuple[Layer, ...]
    manifest: bytes

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)


def build(layers: list[Layer], *, imports: list[str], exports: list[str], annotations: dict[str, str]) -> Artifact:
    """The config and manifest for `layers` (layer 0 the component). Same inputs, same bytes."""
    config = canonical(
        {
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer.digest for layer in layers],
            "component": {"imports": sorted(imports), "exports": sorted(exports)},
        }
    )
    manifest = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": ARTIFACT_TYPE,
            "config": {"mediaType": WASM_CONFIG, "digest": digest_of(config), "size": len(config)},
            "layers": [layer.descriptor() for layer in layers],
            "annotations": {k: v for k, v in sorted(annotations.items()) if v},
        }
    )
    return Artifact(config, tuple(layers), manifest)


def read_manifest(data: bytes, where: str) -> tuple[list[Layer], dict[str, str]]:
    """The skill layers (the component first) and annotations of verified manifest bytes. Layers of unknown
    media types are left out (never downloaded); one that lies about being a component, or announces more
    bytes than its kind may have, is refused before anything is downloaded."""
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
        layers.append(Layer(kind, digest, size))
    components = [layer for layer in layers if layer.kind is COMPONENT]
    if len(components) != 1:
        raise IntegrityError(
            f"{where}: expected one {WASM_LAYER} layer, found {len(components)}; is it a skill pushed with `skill publish`?"
        )
    if len({layer.kind.name for layer in layers}) != len(layers):
        raise IntegrityError(f"{where}: the manifest has the same kind of layer twice; nothing was installed")
    annotations = doc.get("annotations") or {}
    if not isinstance(annotations, dict):
        annotations = {}
    return sorted(layers, key=lambda layer: layer.kind is not COMPONENT), {
        str(k): str(v) for k, v in annotations.items()
    }
