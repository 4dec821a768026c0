"""What `skill pull-run` needs besides the facade's run: the fetch (cache first), the throw-away home,
a secret store that never writes, and the record of recent pull-runs that `skill prune` keeps for 24 h.

The run itself happens in a throw-away home under the home's tmp/ (the same cache, so a component compiled
once is compiled for good), with the --config values of its default instance: plain values in its
config.toml, secret ones only in this process's memory (`MemorySecrets`). The store and skills.lock of the
real home are untouched unless --keep.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.distribution.cache import BlobCache
from engine.distribution.fetching import FetchContext, Fetched, OnStep, quiet
from engine.distribution.lockfile import LockedSkill
from engine.distribution.sources import OciSource, Source
from engine.errors import SourceError
from engine.fsutil import atomic_write_text, file_lock
from engine.home import Home
from engine.secrets.base import SecretStore

if TYPE_CHECKING:
    from collections.abc import Iterable

    from engine.distribution.installer import Installer
    from engine.review import CapabilityReview
    from engine.store import Review

RECENT_S = 24 * 3600


def record_file(home: Home) -> Path:
    return home.root / "pull-runs.json"


def recent(home: Home, now: float | None = None) -> list[LockedSkill]:
    """What the pull-runs of the last 24 hours ran (as lock entries: source, resolved, component, files)."""
    now = time.time() if now is None else now
    return [
        LockedSkill.from_toml(r["skill"], str(record_file(home))) for r in _records(home) if now - r["at"] < RECENT_S
    ]


def _records(home: Home) -> list[dict[str, Any]]:
    try:
        data = json.loads(record_file(home).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # none yet, or damaged: only prune reads it, and keeps more then
        return []
    return [r for r in data if isinstance(r, dict) and isinstance(r.get("at"), (int, float)) and "skill" in r]


def record(home: Home, entry: LockedSkill, now: float | None = None) -> None:
    """Note that a pull-run used `entry`'s digests now (older records are dropped)."""
    from engine.distribution.prune import register_home

    now = time.time() if now is None else now
    with file_lock(home.root / ".pull-runs.lock"):
        kept = [r for r in _records(home) if now - r["at"] < RECENT_S]
        kept.append({"at": now, "skill": entry.to_toml()})
        atomic_write_text(record_file(home), json.dumps(kept, indent=1, sort_keys=True))
    register_home(home)


def from_cache_only(source: Source, cache: BlobCache) -> bool:
    """Whether a fetch of `source` may skip the network: an OCI reference pinned by a digest whose
    manifest the blob cache holds (its layers are then found there by digest too)."""
    return isinstance(source, OciSource) and source.digest is not None and cache.has(source.digest)


@contextmanager
def fetched_for_run(
    installer: Installer,
    spec: str,
    *,
    no_cache: bool = False,
    on_step: OnStep = quiet,
    insecure: Iterable[str] = (),
) -> Iterator[tuple[Fetched, FetchContext]]:
    """`spec` fetched and verified: from the blob cache alone when it is pinned and cached (no network),
    else from its source. `no_cache`: into a private, empty cache (deleted afterwards), so every byte is
    fetched again."""
    source = installer.source(spec)
    ctx = installer.context(on_step, insecure, offline=not no_cache and from_cache_only(source, installer.cache))
    private = None
    if no_cache:
        installer.home.tmp.mkdir(parents=True, exist_ok=True)
        private = Path(tempfile.mkdtemp(prefix="pull-cache-", dir=installer.home.tmp))
        ctx = replace(ctx, cache=BlobCache(private))
    try:
        try:
            fetched = installer.fetch(source, ctx)
        except SourceError:
            if not ctx.offline:
                raise
            ctx = replace(ctx, offline=False)  # the cache lacked a layer: fetch what is missing
            fetched = installer.fetch(source, ctx)
        try:
            yield fetched, ctx
        finally:
            fetched.cleanup()
    finally:
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)


@contextmanager
def scratch_home(home: Home) -> Iterator[Home]:
    """A throw-away home under `home`'s tmp/ with `home`'s cache, removed afterwards."""
    home.tmp.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="pull-run-", dir=home.tmp))
    try:
        yield Home(root, home.cache)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def answered_once(review: Review | None) -> Review | None:
    """`review`, asked at most once per question: --keep installs what the throw-away run installed, and the
    person has answered for it already."""
    if review is None:
        return None
    answers: dict[str, bool] = {}

    def ask(question: CapabilityReview) -> bool:
        key = json.dumps({"skill": question.skill, "version": question.version, "asked": question.asked.to_json()})
        if key not in answers:
            answers[key] = review(question)
        return answers[key]

    return ask


class MemorySecrets(SecretStore):
    """The secret store of a throw-away home: values in this process only, gone with it.

    Its references read as the vault's (config.toml of the throw-away instance holds a reference, never a
    value); they resolve only here."""

    backend = "vault"

    def __init__(self, home: Home):
        super().__init__(home)
        self._values: dict[tuple[str, str, str], str] = {}

    @property
    def where(self) -> str:
        return "this pull-run's memory"

    def get(self, skill: str, instance: str, key: str) -> str | None:
        return self._values.get((skill, instance, key))

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        self._values[(skill, instance, key)] = value

    def delete(self, skill: str, instance: str, key: str) -> None:
        self._values.pop((skill, instance, key), None)

    def keys(self, skill: str, instance: str) -> list[str]:
        return sorted(k for s, i, k in self._values if (s, i) == (skill, instance))

    def instances(self, skill: str) -> list[str]:
        return sorted({i for s, i, _k in self._values if s == skill})

    def elsewhere(self, backend: str, name: str) -> str:
        return f"{name} is kept by the {backend}, which a pull-run does not read"
