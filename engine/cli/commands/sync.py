"""`skill sync [--prune]`: make the store equal to skills.lock, fetching only what is missing or differs
(from each entry's pinned `resolved` reference) and verifying every hash before anything is installed.

One line per skill: ok, installed, changed (another version was installed), repaired (a package file had
been altered), removed (--prune: not in the lock), or failed with why. Exit 0 when the store matches the
lock, else the highest exit code of the failures (2 for a mismatch with the lock).
"""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.commands.install import review_prompt
from engine.cli.output import print_skills_json, progress


def run(a: argparse.Namespace) -> int:
    from engine.distribution.sync import exit_code

    engine = open_engine()
    results = engine.sync(
        prune=a.prune,
        review=lambda r: review_prompt(r, a),
        on_step=None if a.json else lambda step: progress(step.message),
        insecure=a.insecure_registry,
    )
    code = exit_code(results)
    if a.json:
        failed = [(r.name, r.code, r.detail) for r in results if r.status == "failed"]
        print_skills_json([r.to_json() for r in results], failed)
        return code
    if not results:
        print(f"{engine.home.lock_file} pins no skills; nothing to do")
    for r in results:
        print(f"{r.name} {r.version}: {r.status}" + (f" ({r.detail})" if r.detail else ""))
    return code
