"""`skill publish SKILL_OR_FOLDER oci://HOST/REPO[:TAG] [--dry-run] [--sign] [--force]`.

Without a tag the skill's version is the tag and `latest` moves too. --dry-run prints the manifest, each
blob's digest and size and whether the registry has it, and writes nothing.
"""

from __future__ import annotations

import argparse
import json

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table, progress


def run(a: argparse.Namespace) -> int:
    report = open_engine().publish(
        a.skill,
        a.ref,
        dry_run=a.dry_run,
        sign=a.sign,
        force=a.force,
        insecure=a.insecure_registry,
        on_step=None if a.json else lambda s: None if s.done else progress(s.message),
    )
    if a.json:
        print_json(report.to_json())
        return 0
    if a.dry_run:
        print(json.dumps(report.manifest, indent=2))
        print_table(
            ("BLOB", "MEDIA TYPE", "DIGEST", "SIZE", "ON THE REGISTRY"),
            [(b.name, b.media_type, b.digest, b.size, "yes" if b.present else "no") for b in report.blobs],
            right=(3,),
        )
    verb = "would publish" if a.dry_run else "published"
    if report.unchanged:
        verb = "already published" if not a.dry_run else "already published (nothing to do)"
    moved = f" (moved from {report.previous})" if report.previous and not report.unchanged else ""
    print(f"{verb} {report.ref}@{report.digest}{moved}; tags: {', '.join(report.tags)}")
    return 0
