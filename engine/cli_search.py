"""`skill find QUERY`: tools ranked by meaning and keywords, with a command line to run each.

Scores are relevance 0..1 (engine.search.index.relevance); when nothing comes close
enough the answer is "no tool matches 'QUERY'" rather than the least bad tool.
`--json` prints {"query", "results", "message"}: message is null when there are results.
The search stack (numpy, fastembed, the model) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.errors import UsageError, shown


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value} is out of range; give 1 to 1000")
    return value


def cmd_find(a: argparse.Namespace) -> int:
    from engine.api import Engine

    query = " ".join(a.query).strip()
    if not query:
        raise UsageError("give something to look for, e.g. skill find 'turn a title into a slug'")
    engine = Engine()
    hits = engine.find(query, top=a.top, skill=a.skill, instance=a.instance, tag=a.tag, mode=a.mode)
    message = None if hits else _nothing(engine, query, a)
    if a.json:
        print(
            json.dumps(
                {"query": query, "results": [h.to_json() for h in hits], "message": message},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    from engine.search import searcher

    sync = searcher(engine).last_sync
    if sync is not None and (sync.embedded or sync.removed):
        print(
            f"index updated: {sync.embedded} document(s) embedded, {sync.removed} removed, "
            f"{sync.total} in all ({sync.seconds:.1f} s)",
            file=sys.stderr,
        )
    if message:
        print(message)
        return 0
    from engine.cli_table import print_table

    print_table(
        ("#", "SCORE", "TOOL", "DESCRIPTION"),
        [(n, f"{h.score:.2f}", h.ref, h.description) for n, h in enumerate(hits, 1)],
        right=(0, 1),
    )
    print()  # the commands are never cut to the terminal's width: they are there to be pasted
    for n, h in enumerate(hits, 1):
        print(f"{n:>{len(str(len(hits)))}}  $ {h.command}")
    return 0


def _nothing(engine, query: str, a: argparse.Namespace) -> str:
    """Why there are no results: nothing installed, or nothing matches (within the filters)."""
    from engine.search import no_match

    if not engine.skills():
        return "no results: no skills are installed; install one with `skill install PATH`"
    where = " ".join(f"--{k} {v}" for k, v in (("skill", a.skill), ("instance", a.instance), ("tag", a.tag)) if v)
    return no_match(query) + (f" with {where}" if where else "")


def add_parsers(sub, add) -> None:
    """Register `skill find` on the main parser (see engine.cli.build_parser)."""
    sp = add("find", cmd_find, "find tools by what they do: skill find 'upload a file to a bucket'")
    sp.add_argument("query", nargs="+", help="what you want to do, in your own words")
    sp.add_argument("--top", "-k", type=_positive, default=5, metavar="K", help="show the K best results (default 5)")
    sp.add_argument("--skill", metavar="S", help="only tools of this skill")
    sp.add_argument("--instance", metavar="I", help="only skills that have this instance (used in the command line)")
    sp.add_argument("--tag", metavar="T", help="only skills tagged T (SKILL.md metadata tags/keywords)")
    sp.add_argument(
        "--mode",
        choices=("fused", "dense", "keyword"),
        default="fused",
        help="order the results by meaning + keywords (default), meaning only or keywords only",
    )
