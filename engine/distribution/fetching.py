"""The contract between the installer and each source's fetcher.

A fetcher takes a `Source` and a `FetchContext` and returns a `Fetched`: a skill folder staged under the
home's tmp/ whose every byte matched what the source pins (a manifest and blob digests, a git commit, an
archive's --sha256). It reports what it does as `Step`s (with byte counts while downloading, so the app can
show a progress bar with the speed). It never writes into the store, and it cleans up what it staged
when it fails.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.distribution.cache import BlobCache
    from engine.home import Home
    from engine.secrets import SecretStore


@dataclass(frozen=True)
class Step:
    """One thing the installer or a fetcher is doing. `done`/`total` are bytes while a transfer runs."""

    stage: str  # "resolve" | "download" | "verify" | "build" | "compile" | "install" | "lock"
    message: str
    done: int | None = None
    total: int | None = None


OnStep = Callable[[Step], None]


def quiet(_step: Step) -> None:
    """The default OnStep: report nothing."""


PROGRESS_EVERY_S = 0.1


def reported(chunks: Iterator[bytes], total: int | None, message: str, on_step: OnStep) -> Iterator[bytes]:
    """`chunks` as they are, reporting the bytes so far as `download` steps at most ~10 times a second."""
    done, last = 0, time.monotonic()
    on_step(Step("download", message, 0, total))
    for chunk in chunks:
        done += len(chunk)
        yield chunk
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            on_step(Step("download", message, done, total))
            last = now
    on_step(Step("download", message, done, total))


@dataclass(frozen=True)
class FetchContext:
    home: Home
    cache: BlobCache
    secrets: Callable[[], SecretStore]  # opened only when a registry asks for credentials
    on_step: OnStep = quiet
    insecure: frozenset[str] = frozenset()  # registries (host[:port]) allowed over plain HTTP besides loopback
    offline: bool = False  # use only what the cache holds (a digest-pinned pull-run)


@dataclass
class Fetched:
    """A verified skill folder, ready for the store. `folder` is the skill folder itself (skill.yaml/SKILL.md,
    a component or sources to build, maybe `skill.minisig`); `cleanup` removes what the fetcher staged."""

    folder: Path
    source: str  # as asked (the Source's spec)
    resolved: str  # immutable: oci://...@sha256:..., git+...@<40 hex>..., the archive URL + its sha256, a path
    staged: Path | None = None  # the scratch folder to delete afterwards (None: the user's own folder)
    annotations: dict[str, str] = field(default_factory=dict)  # e.g. the OCI manifest's, for `skill search`

    def cleanup(self) -> None:
        if self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)
