"""`skill remove NAME`: uninstall a skill (its instances too with --purge), after asking."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import confirm, print_json


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    skill = engine.skill(a.name)
    question = f"remove {skill.name} {skill.version}{' and its instances' if a.purge else ''}?"
    if not a.yes and not confirm(question, f"not removing {a.name} without confirmation; pass --yes", a.json):
        print("kept")
        return 0
    engine.remove(a.name, purge=a.purge)
    if a.json:
        print_json({"removed": skill.name, "version": skill.version, "purged": a.purge})
    else:
        kept = (
            ""
            if a.purge
            else f" (instance config and data kept in {engine.home.instances / a.name}; --purge deletes them)"
        )
        print(f"removed {skill.name} {skill.version}{kept}")
    return 0
