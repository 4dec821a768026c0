"""`skill prune [--dry-run]`: delete the cached blobs, builds and compiled components that no installed
skill, no skills.lock and no pull-run of the last 24 hours uses (in any home sharing the cache), and say
what it freed. Files younger than a few minutes are kept: an install may be using them."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import megabytes, print_json


def run(a: argparse.Namespace) -> int:
    report = open_engine().prune(dry_run=a.dry_run)
    if a.json:
        print_json(report.to_json())
        return 0
    verb = "would free" if a.dry_run else "freed"
    kinds: dict[str, list[int]] = {}
    for f in report.freed:
        kinds.setdefault(f.kind, []).append(f.size)
    detail = ", ".join(f"{len(sizes)} {kind}" for kind, sizes in sorted(kinds.items()))
    print(f"{verb} {megabytes(report.bytes)} in {len(report.freed)} file(s)" + (f": {detail}" if detail else ""))
    return 0
