"""Fetch a skill from a .tar.gz/.zip URL, checked against --sha256, members checked. (Helper B builds this.)"""

from __future__ import annotations

from engine.distribution.fetching import FetchContext, Fetched
from engine.distribution.sources import ArchiveSource
from engine.errors import SourceError


def fetch_archive(source: ArchiveSource, ctx: FetchContext) -> Fetched:
    raise SourceError(f"{source.spec}: archive installs are not built yet")
