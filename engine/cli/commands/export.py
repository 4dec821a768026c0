"""`skill export NAME --to claude|agents [--project [DIR]] [--link] [--force]`: the skill where agents
load skills natively (engine.knowledge.export)."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.commands import open_engine
from engine.cli.output import print_json


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    project = Path(a.project) if a.project is not None else None
    path = engine.export_skill(a.name, a.to, project, a.link, force=a.force)
    skill = engine.skill(a.name)
    if a.json:
        print_json({"ok": True, "skill": skill.name, "kind": skill.kind, "path": str(path), "link": a.link})
        return 0
    how = f"linked to the store ({path} follows upgrades)" if a.link else "copied"
    print(f"exported {skill.name} {skill.version} to {path} ({how})")
    if skill.has_component:
        print("its tools run through the skill-tui MCP server: `skill mcp-config` prints the client config")
    return 0
