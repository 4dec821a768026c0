"""`skill grants [SKILL]`: per instance, the network patterns declared, granted and revoked, what is in
effect, and the host-bound secrets (field, header, hosts; never a value)."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table
from engine.network.access import contains


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    names = [a.name] if a.name else [s.name for s in engine.skills()]
    found = [
        engine.network_access(name, inst) for name in names for inst in engine.instance_names(engine.skill(name).name)
    ]
    if a.json:
        print_json([access.to_json() for access in found])
        return 0
    if not found:
        print("no skills installed")
        return 0
    rows = []
    for access in found:
        ref = f"{access.skill}@{access.instance}"
        patterns = [(p, "declared") for p in access.declared] + [(p, "granted") for p in access.granted]
        for pattern, origin in patterns:
            rows.append((ref, pattern, origin, "yes" if contains(access.effective, pattern) else "no (revoked)"))
        if not patterns:
            rows.append((ref, "(none)", "-", "no network"))
    print_table(("INSTANCE", "NETWORK", "FROM", "IN EFFECT"), rows)
    secrets = [
        (f"{access.skill}@{access.instance}", i.field, i.header, ", ".join(i.hosts), "yes" if i.exposed else "no")
        for access in found
        for i in access.injections
    ]
    if secrets:
        print()
        print_table(("INSTANCE", "SECRET", "HEADER", "SENT TO", "SKILL READS IT"), secrets)
    return 0
