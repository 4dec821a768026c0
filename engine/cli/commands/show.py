"""`skill show NAME [PATH]`: exactly what an agent receives. Without PATH, what the MCP `load_skill` tool
returns (engine.knowledge.agent.skill_content: the body, the base URI, the file list); with PATH, that file
as `read_skill_file` gives it (text only, inside the package)."""

from __future__ import annotations

import argparse
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json
from engine.errors import NotFoundError
from engine.knowledge.agent import has_skill_md, skill_content


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    skill = engine.skill(a.name)
    if a.path is not None:
        text = engine.skill_file(skill.name, a.path)
    elif has_skill_md(skill):
        text = skill_content(skill)
    else:
        raise NotFoundError(
            f"{skill.name} has no SKILL.md for agents to load (its tools are served over MCP); "
            f"`skill info {skill.name}` lists them"
        )
    if a.json:
        print_json({"skill": skill.name, "path": a.path, "text": text})
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
