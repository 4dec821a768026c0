"""`skill publish`: push a skill as an OCI artifact (engine.distribution.oci.layout).

The tag is HEADed first: a version tag that already points at another digest is not moved without
`force` (the same digest is a no-op: the artifact has no timestamps). Blobs the registry has are skipped
(HEAD); the others go up monolithically (POST, then PUT to the upload URL with `&digest=` appended to its
own query, which carries the upload's state). The manifest goes last, and the digest the registry
answers must be ours. `dry_run` stops after the HEADs: nothing is written anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from engine.distribution.fetching import FetchContext, Step
from engine.distribution.lockfile import sha256_file
from engine.distribution.oci.client import RegistryClient, repo_path
from engine.distribution.oci.layout import (
    COMPONENT,
    FILE,
    OCI_MANIFEST,
    Artifact,
    Layer,
    build,
    digest_of,
    kind_of,
    ordered,
)
from engine.distribution.oci.pull import connect
from engine.distribution.sources import OciSource
from engine.errors import SourceError, UsageError
from engine.events import byte_size


@dataclass(frozen=True)
class SkillFiles:
    """What a publish takes: the files by their path in a skill folder (component.wasm, if any, and every file
    the package records) and the annotations that describe it."""

    name: str
    version: str
    files: dict[str, Path]
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Blob:
    name: str  # the file, or "config"
    media_type: str
    digest: str
    size: int
    present: bool  # the registry had it already (HEAD)


@dataclass(frozen=True)
class PublishReport:
    ref: str  # oci://HOST/REPO:TAG
    digest: str
    manifest: dict[str, Any]
    blobs: tuple[Blob, ...]
    tags: tuple[str, ...]
    previous: str | None  # the digest the tag pointed at before (None: a new tag)
    dry_run: bool

    @property
    def unchanged(self) -> bool:
        return self.previous == self.digest

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "digest": self.digest,
            "tags": list(self.tags),
            "previous": self.previous,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "blobs": [b.__dict__ for b in self.blobs],
            "manifest": self.manifest,
        }


def artifact_of(skill: SkillFiles, describe: Callable[[Path], tuple[list[str], list[str]]]) -> Artifact:
    """The artifact for `skill`; `describe(component) -> (imports, exports)` reads the component's world
    (a knowledge skill has none)."""
    layers = []
    for path in ordered(list(skill.files)):
        kind = kind_of(path)
        file = skill.files[path]
        layers.append(Layer(kind, sha256_file(file), file.stat().st_size, path if kind is FILE else ""))
    component = skill.files.get(COMPONENT.name)
    imports, exports = describe(component) if component is not None else ([], [])
    return build(layers, imports=imports, exports=exports, annotations=skill.annotations)


def publish(
    skill: SkillFiles,
    target: OciSource,
    artifact: Artifact,
    ctx: FetchContext,
    *,
    dry_run: bool = False,
    force: bool = False,
    explicit_tag: bool = True,
) -> PublishReport:
    """Push `artifact` to `target` (its tag; with `explicit_tag` False the version was used as the tag and
    `latest` moves too)."""
    if target.digest:
        raise UsageError(f"{target.spec}: publish to a tag (oci://HOST/REPO:TAG), not to a digest")
    tag = target.tag or skill.version
    tags = (tag,) if explicit_tag else (tag, "latest")
    ref = f"oci://{target.registry}/{target.repository}:{tag}"
    repo = target.repository
    digest = artifact.digest
    with connect(target.registry, ctx) as client:
        ctx.on_step(Step("resolve", f"asking {target.registry} what {repo}:{tag} points at"))
        previous = client.head_manifest(repo, tag)
        if previous is not None and previous != digest and not force:
            raise UsageError(
                f"{ref} already points at {previous}, another digest than this {skill.name} {skill.version} "
                f"({digest}); publish a new version, or pass --force to move the tag"
            )
        blobs = [("config", artifact.config_type, artifact.config)] + [
            (layer.path, layer.kind.media_type, skill.files[layer.path]) for layer in artifact.layers
        ]
        report = []
        for name, media_type, content in blobs:
            blob_digest, size = _identity(content)
            present = _has_blob(client, repo, blob_digest)
            report.append(Blob(name, media_type, blob_digest, size, present))
            if not present and not dry_run:
                ctx.on_step(Step("upload", f"uploading {name} ({byte_size(size)})", 0, size))
                _upload(client, repo, blob_digest, content)
                ctx.on_step(Step("upload", f"uploading {name} ({byte_size(size)})", size, size))
        if not dry_run and previous != digest:
            for t in tags:
                _put_manifest(client, repo, t, artifact.manifest, digest)
        elif not dry_run and not explicit_tag:
            _put_manifest(client, repo, "latest", artifact.manifest, digest)
    return PublishReport(ref, digest, json.loads(artifact.manifest), tuple(report), tags, previous, dry_run)


def _identity(content: bytes | Path) -> tuple[str, int]:
    if isinstance(content, Path):
        return sha256_file(content), content.stat().st_size
    return digest_of(content), len(content)


def _has_blob(client: RegistryClient, repo: str, digest: str) -> bool:
    with client.open("HEAD", repo_path(repo, "blobs", digest), repo=repo, push=True) as r:
        if r.status in (200, 404):
            return r.status == 200
        raise client.failed(r, f"{repo}@{digest}")


def _upload(client: RegistryClient, repo: str, digest: str, content: bytes | Path) -> None:
    with client.open("POST", f"/v2/{repo}/blobs/uploads/", repo=repo, push=True) as r:
        location = r.headers.get("location")
        if r.status != 202 or not location:
            raise client.failed(r, f"starting an upload to {repo}")
    url = urljoin(client.base, location)
    url += ("&" if "?" in url else "?") + "digest=" + digest  # keep the session's own query (_state=...)
    headers = {"Content-Type": "application/octet-stream"}
    with client.open("PUT", url, repo=repo, push=True, headers=headers, content=content) as r:
        if r.status != 201:
            raise client.failed(r, f"uploading {digest} to {repo}")
        r.read()


def _put_manifest(client: RegistryClient, repo: str, tag: str, manifest: bytes, digest: str) -> None:
    headers = {"Content-Type": OCI_MANIFEST}
    with client.open(
        "PUT", repo_path(repo, "manifests", tag), repo=repo, push=True, headers=headers, content=manifest
    ) as r:
        if r.status != 201:
            raise client.failed(r, f"the manifest of {repo}:{tag}")
        stored = r.headers.get("docker-content-digest", digest)
        r.read()
    if stored != digest:
        raise SourceError(f"{client.registry} stored {repo}:{tag} as {stored}, not {digest}; it changed the manifest")
