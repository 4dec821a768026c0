"""Pull a skill artifact from an OCI registry into a staged, verified folder.

The manifest is fetched (by digest when pinned, else by tag) and its bytes hashed and checked against the
digest asked and the registry's Docker-Content-Digest; each layer the skill needs is streamed through
`BlobCache.put_verified` (capped at its descriptor's size, renamed in only if its sha256 matches). A layer
already in the cache (checked again) is not downloaded, and a digest-pinned manifest in the cache needs no
request at all: a second pull of `oci://...@sha256:...` touches no network. Only then is the skill folder
staged under the home's tmp/: every file at its path (the manifest's paths were checked before anything was
downloaded: engine.distribution.oci.layout), and the component, if any, where skill.yaml's `component:` says
(component.wasm by default), so the store finds it as it would in the author's folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from engine.distribution.cache import BlobCache
from engine.distribution.fetching import FetchContext, Fetched, Step, reported
from engine.distribution.lockfile import sha256_file
from engine.distribution.oci.client import RegistryClient, repo_path
from engine.distribution.oci.credentials import lookup
from engine.distribution.oci.layout import COMPONENT, Layer, read_manifest
from engine.distribution.sources import OciSource
from engine.errors import ManifestError, SourceError
from engine.events import byte_size
from engine.fsutil import remove_orphans

STAGE = "oci-"  # staged folders under tmp/: oci-<pid>-<random>


def connect(registry: str, ctx: FetchContext) -> RegistryClient:
    """A client for `registry` that looks its credentials up only when the registry asks for them."""
    return RegistryClient(registry, insecure=ctx.insecure, credentials=lambda: lookup(registry, ctx.secrets))


def fetch_oci(source: OciSource, ctx: FetchContext) -> Fetched:
    ctx.cache.sweep()
    ctx.home.tmp.mkdir(parents=True, exist_ok=True)
    remove_orphans(ctx.home.tmp, STAGE)
    ctx.on_step(Step("resolve", f"asking {source.registry} for {source.repository}:{source.reference}"))
    opened: list[RegistryClient] = []

    def client() -> RegistryClient:
        """The registry, connected at the first request (none when the cache has everything)."""
        if ctx.offline:
            raise SourceError(f"{source.spec} is not all in the cache, and this command may not use the network")
        if not opened:
            opened.append(connect(source.registry, ctx))
        return opened[0]

    try:
        if source.digest and ctx.cache.has(source.digest) and _intact(ctx.cache, source.digest, None):
            data, digest = ctx.cache.path(source.digest).read_bytes(), source.digest
        else:
            data, digest = client().get_manifest(source.repository, source.reference)
            if not ctx.cache.has(digest):
                ctx.cache.put_verified(digest, [data], len(data), f"the manifest of {source.spec}")
        pinned = source.pinned(digest)
        layers, annotations = read_manifest(data, pinned.spec)
        paths = {layer.path: _blob(client, source, layer, ctx) for layer in layers}
    finally:
        for c in opened:
            c.close()
    staged = Path(tempfile.mkdtemp(prefix=f"{STAGE}{os.getpid()}-", dir=ctx.home.tmp))
    try:
        folder = staged / (source.repository.rsplit("/", 1)[-1])
        stage_folder(folder, paths)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    ctx.on_step(Step("verify", f"{pinned.spec}: manifest and {len(layers)} layer(s) match their digests"))
    return Fetched(folder, source.spec, pinned.spec, staged, annotations)


def resolve_oci(source: OciSource, ctx: FetchContext) -> str:
    """The manifest digest (sha256:...) `source` points at now: one HEAD request (update --check)."""
    if source.digest:
        return source.digest
    with connect(source.registry, ctx) as client:
        digest = client.head_manifest(source.repository, source.reference)
    if digest is None:
        raise SourceError(
            f"{source.spec}: no such tag on {source.registry} (HTTP 404); check the name and version (`skill search`)"
        )
    return digest


def stage_folder(folder: Path, files: dict[str, Path]) -> Path | None:
    """Lay `files` (a path in the folder, already checked to stay inside it -> its bytes on disk) out as a
    skill folder: each file at its path, the component, if any, where skill.yaml's `component:` puts it
    (inside the folder only), which is returned (None: a knowledge skill). A publish signs such a folder, a
    pull stages one: the same layout both ways."""
    folder.mkdir(parents=True)
    for name, path in files.items():
        if name != COMPONENT.name:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            _place(path, folder / name)
    if COMPONENT.name not in files:
        return None
    component = _component_field(folder / "skill.yaml") or COMPONENT.name
    relative = PurePosixPath(component)
    if relative.is_absolute() or ".." in relative.parts or "\\" in component:
        raise ManifestError(f"skill.yaml: field 'component': {component!r} must be a path inside the skill folder")
    target = folder / relative
    if relative.as_posix() != COMPONENT.name and relative.as_posix() in files:
        raise ManifestError(f"skill.yaml: field 'component': {component!r} is also one of the skill's files")
    target.parent.mkdir(parents=True, exist_ok=True)
    _place(files[COMPONENT.name], target)
    return target


def _component_field(skill_yaml: Path) -> str | None:
    """skill.yaml's `component:` if it is a string (the store checks the rest when it reads the manifest).
    libyaml when present: this runs on every pull, and the pure-Python parser takes ~10 ms."""
    import yaml

    try:
        data = yaml.load(skill_yaml.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return None
    value = data.get("component") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _place(blob: Path, target: Path) -> None:
    """A hard link to the cached blob when they share a filesystem (no 12 MB copy), else a copy. Nothing
    writes to a staged file: the store copies what it keeps."""
    try:
        os.link(blob, target)
    except OSError:
        shutil.copyfile(blob, target)


def _blob(connected: Callable[[], RegistryClient], source: OciSource, layer: Layer, ctx: FetchContext) -> Path:
    """The verified blob of `layer` in the cache: reused if there (and intact), else downloaded."""
    what = f"{source.registry}/{source.repository}@{layer.digest} ({layer.path})"
    if ctx.cache.has(layer.digest) and _intact(ctx.cache, layer.digest, layer.size):
        return ctx.cache.path(layer.digest)
    client = connected()
    with client.open("GET", repo_path(source.repository, "blobs", layer.digest), repo=source.repository) as r:
        if r.status != 200:
            raise client.failed(r, what)
        message = f"downloading {layer.path} ({byte_size(layer.size)})"
        return ctx.cache.put_verified(
            layer.digest, reported(r.chunks(), layer.size, message, ctx.on_step), layer.size, what
        )


def _intact(cache: BlobCache, digest: str, size: int | None) -> bool:
    """Whether the cached blob still has its digest (a disk or a person may have changed it); a damaged
    one is removed, to be downloaded again."""
    path = cache.path(digest)
    if (size is None or path.stat().st_size == size) and sha256_file(path) == digest:
        return True
    path.unlink(missing_ok=True)
    return False
