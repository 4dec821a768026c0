"""`skill history`: the last runs, from every front door (CLI, control panel, MCP, tests)."""

from __future__ import annotations

import argparse
import time

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table


def run(a: argparse.Namespace) -> int:
    rows = open_engine().history(limit=a.limit)
    if a.json:
        print_json(rows)
        return 0
    if not rows:
        print("no runs yet")
        return 0
    table = [
        (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.get("started_at", 0))),
            "ok" if r.get("ok") else "error",
            f"{r['skill']}@{r['instance']}:{r['tool']}",
            f"{r['duration_ms']:.0f} ms",
            (r.get("output") if r.get("ok") else r.get("error")) or "",
        )
        for r in rows
    ]
    print_table(("WHEN", "STATUS", "TOOL", "TIME", "RESULT"), table, right=(3,))
    return 0
