"""`skill search`: a registry's skills (catalog + manifest annotations), ranked by meaning.

The repositories under the registry's prefix come from /v2/_catalog; for each, the manifest of its `latest`
tag (else its highest version tag) is read, verified like any manifest, and its annotations (title, version,
description) become one text, ranked with the embedder `skill find` uses (engine.search.index.rank_texts).
Repositories that are not skills (no wasm layer, none of our artifactTypes) are left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from engine.distribution.fetching import FetchContext
from engine.distribution.oci.client import RegistryClient
from engine.distribution.oci.layout import ARTIFACT_TYPE, KNOWLEDGE_TYPE, WASM_CONFIG
from engine.distribution.oci.pull import connect
from engine.distribution.sources import parse_oci
from engine.errors import SkillError, UsageError


@dataclass(frozen=True)
class RegistryHit:
    ref: str  # oci://HOST/REPO:TAG, what `skill install` takes
    name: str
    version: str
    description: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def registry_search(registry: str, query: str, ctx: FetchContext, top: int = 10) -> list[RegistryHit]:
    """The skills of `registry` (oci://HOST[:PORT][/PREFIX]) that answer `query`, best first."""
    text = registry.rstrip("/")
    base = parse_oci(text + "/x" if text.count("/") == 2 else text)
    prefix = "" if text.count("/") == 2 else base.repository + "/"
    with connect(base.registry, ctx) as client:
        entries = [e for repo in client.catalog() if repo.startswith(prefix) and (e := _entry(client, repo))]
    if not entries:
        return []
    from engine.search.embedder import get_embedder
    from engine.search.index import rank_texts

    texts = [f"{name}: {description}" for _ref, name, _version, description in entries]
    ranked = rank_texts(get_embedder(ctx.home), query, texts)[:top]
    return [RegistryHit(*entries[i], score=score) for i, score in ranked]


def _entry(client: RegistryClient, repo: str) -> tuple[str, str, str, str] | None:
    """(ref, name, version, description) of `repo`'s newest skill, or None when it holds none."""
    tags = client.tags(repo)
    tag = "latest" if "latest" in tags else max(tags, key=_version_key, default=None)
    if tag is None:
        return None
    try:
        data, _digest = client.get_manifest(repo, tag)
        doc = json.loads(data)
    except (SkillError, ValueError):
        return None  # one unreadable repository does not hide the others
    config = doc.get("config") or {} if isinstance(doc, dict) else {}
    if doc.get("artifactType") not in (ARTIFACT_TYPE, KNOWLEDGE_TYPE) and config.get("mediaType") != WASM_CONFIG:
        return None
    notes = doc.get("annotations") or {}
    name = str(notes.get("org.opencontainers.image.title") or repo.rsplit("/", 1)[-1])
    version = str(notes.get("org.opencontainers.image.version") or tag)
    description = str(notes.get("org.opencontainers.image.description") or "")
    return f"oci://{client.registry}/{repo}:{tag}", name, version, description


def _version_key(tag: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", tag)[:3]) or (-1,)


def checked_registry(ref: str | None) -> str:
    if not ref:
        raise UsageError(
            "no registry to search: pass --registry oci://HOST/PREFIX, or set one with "
            "`skill registry set oci://HOST/PREFIX` or SKILL_REGISTRY"
        )
    return ref if ref.startswith("oci://") else "oci://" + ref
