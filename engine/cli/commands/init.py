"""`skill init DIR [--template js|ts|python|knowledge]`: a new skill project from a template (`--list` lists them)."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.output import print_table
from engine.errors import UsageError
from engine.knowledge import split_skill_md


def run(a: argparse.Namespace) -> int:
    from engine.build.scaffold import init_project, templates

    if a.list:
        print_table(("TEMPLATE", "DESCRIPTION"), list(templates().items()))
        return 0
    if not a.dir:
        raise UsageError("give the folder to create: skill init DIR [--template js|ts|python|knowledge]")
    files = init_project(a.dir, a.template, name=a.name, description=a.description, force=a.force)
    folder = Path(a.dir)
    if a.template == "knowledge":
        name = split_skill_md((folder / "SKILL.md").read_text(encoding="utf-8"), str(folder)).data["name"]
        print(f"created {name} (knowledge) in {folder}: {', '.join(p.relative_to(folder).as_posix() for p in files)}")
        print("next: write SKILL.md and references/, then")
        print(f"  skill validate {folder} --strict && skill install {folder} && skill show {name}")
        return 0
    name = next(
        ln.split(":", 1)[1].strip() for ln in (folder / "skill.yaml").read_text().splitlines() if ln.startswith("name:")
    )
    print(f"created {name} ({a.template}) in {folder}: {', '.join(p.name for p in files)}")
    print("next:")
    print(f"  skill build {folder} && skill test {folder}")
    print(f"  skill install {folder} && skill run {name}:greet --arg name=Ada")
    print(f'  skill dev {folder} --run greet --args \'{{"name": "Ada"}}\'')
    return 0
