"""`skill search QUERY [--registry REF] [--top K]`: a registry's skills ranked by meaning, each with the
reference `skill install` takes."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table
from engine.errors import UsageError


def run(a: argparse.Namespace) -> int:
    query = " ".join(a.query).strip()
    if not query:
        raise UsageError("give something to look for, e.g. skill search 'convert units'")
    hits = open_engine().registry_search(query, a.registry, a.top, a.insecure_registry)
    if a.json:
        print_json({"query": query, "results": [h.to_json() for h in hits]})
        return 0
    if not hits:
        print(f"no skill in the registry matches {query!r}")
        return 0
    print_table(
        ("#", "SCORE", "SKILL", "VERSION", "INSTALL", "DESCRIPTION"),
        [(n, f"{h.score:.2f}", h.name, h.version, h.ref, h.description) for n, h in enumerate(hits, 1)],
        right=(0, 1),
    )
    return 0
