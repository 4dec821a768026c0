"""Pull a skill artifact from an OCI registry into a staged, verified folder. (Helper A builds this.)"""

from __future__ import annotations

from engine.distribution.fetching import FetchContext, Fetched
from engine.distribution.sources import OciSource
from engine.errors import SourceError


def fetch_oci(source: OciSource, ctx: FetchContext) -> Fetched:
    raise SourceError(f"{source.spec}: OCI pulls are not built yet")


def resolve_oci(source: OciSource, ctx: FetchContext) -> str:
    """The manifest digest (sha256:...) `source` points at now: one HEAD request (update --check)."""
    raise SourceError(f"{source.spec}: OCI resolves are not built yet")
