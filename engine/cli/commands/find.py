"""`skill find QUERY`: tools and knowledge ranked by meaning and keywords, with a command line for each:
`skill run` for a tool, `skill show NAME [PATH]` for a knowledge skill or a section of one of its files.

Scores are relevance 0..1 (engine.search.index.relevance); when nothing comes close
enough the answer is "no tool matches 'QUERY'" rather than the least bad tool.
`--json` prints {"query", "results", "message"}: message is null when there are results.
The search stack (numpy, fastembed, the model) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table
from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.search import SearchHit


def run(a: argparse.Namespace) -> int:
    query = " ".join(a.query).strip()
    if not query:
        raise UsageError("give something to look for, e.g. skill find 'turn a title into a slug'")
    engine = open_engine()
    hits = engine.find(query, top=a.top, skill=a.skill, instance=a.instance, tag=a.tag, mode=a.mode)
    message = None if hits else _nothing(engine, query, a)
    if a.json:
        print_json({"query": query, "results": [h.to_json() for h in hits], "message": message})
        return 0
    sync = engine.last_search_sync()
    if sync is not None and (sync.embedded or sync.removed):
        print(
            f"index updated: {sync.embedded} document(s) embedded, {sync.removed} removed, "
            f"{sync.total} in all ({sync.seconds:.1f} s)",
            file=sys.stderr,
        )
    if message:
        print(message)
        return 0
    print_table(
        ("#", "SCORE", "KIND", "FOUND", "DESCRIPTION"),
        [(n, f"{h.score:.2f}", h.kind, _found(h), h.description) for n, h in enumerate(hits, 1)],
        right=(0, 1),
    )
    print()  # the commands are never cut to the terminal's width: they are there to be pasted
    for n, h in enumerate(hits, 1):
        print(f"{n:>{len(str(len(hits)))}}  $ {h.command}")
    return 0


def _found(h: SearchHit) -> str:
    """What the hit names: a tool reference, a skill, or a skill's file (knowledge skills have no instance)."""
    if h.path:
        return f"{h.skill}/{h.path}"
    return h.skill if h.tool is None else h.ref


def _nothing(engine: Engine, query: str, a: argparse.Namespace) -> str:
    """Why there are no results: nothing installed, or nothing matches (within the filters)."""
    from engine.search import no_match

    if not engine.skills():
        return "no results: no skills are installed; install one with `skill install PATH`"
    where = " ".join(f"--{k} {v}" for k, v in (("skill", a.skill), ("instance", a.instance), ("tag", a.tag)) if v)
    return no_match(query) + (f" with {where}" if where else "")
