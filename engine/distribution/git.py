"""Fetch a skill folder from git with the git CLI: shallow, sparse, never prompting. (Helper B builds this.)"""

from __future__ import annotations

from engine.distribution.fetching import FetchContext, Fetched
from engine.distribution.sources import GitSource
from engine.errors import SourceError


def fetch_git(source: GitSource, ctx: FetchContext) -> Fetched:
    raise SourceError(f"{source.spec}: git installs are not built yet")


def resolve_git(source: GitSource, ctx: FetchContext) -> str:
    """The full 40-hex commit `source`'s ref (default branch if none) names now: `git ls-remote`."""
    raise SourceError(f"{source.spec}: git resolves are not built yet")
