"""`skill info NAME`: one skill's tools, parameters, config fields, network and limits; for a skill with a
SKILL.md, its frontmatter as written, its files with their sizes and about how many tokens its body costs
an agent that loads it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.commands import open_engine
from engine.cli.output import megabytes, print_json
from engine.errors import shown
from engine.knowledge import estimate_tokens

if TYPE_CHECKING:
    from engine.knowledge import PackageFile
    from engine.store import InstalledSkill


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    s = engine.skill(a.name)
    tokens = estimate_tokens(s.skill_md or "") if s.frontmatter is not None else None
    if a.json:
        print_json(
            {
                **s.to_json(),
                "instances": engine.instance_names(s.name),
                "body_tokens": tokens,
            }
        )
        return 0
    print(f"{s.name} {s.version}  {s.description}")
    runs = s.has_component
    for label, value in (
        ("kind", s.kind),
        ("author", s.author),
        ("license", s.license),
        ("source", s.source),
        ("component", runs and f"{megabytes(s.component_size)} sha256:{s.component_sha256[:16]}"),
        ("network", runs and (", ".join(s.capabilities.network) or "none (`skill grant` adds some per instance)")),
        ("limits", runs and f"timeout {s.capabilities.timeout_s:g} s, memory {s.capabilities.memory_mb} MiB"),
        ("instances", runs and ", ".join(engine.instance_names(s.name))),
    ):
        if value:
            print(f"  {label + ':':<11}{value}")
    if tokens is not None:
        _print_knowledge(s, tokens)
    if s.config:
        print("config:")
        for f in s.config:
            sent = f"sent as {f.inject.header} to {', '.join(f.inject.hosts)}" if f.inject else ""
            flags = ", ".join(
                x
                for x in (
                    f.type,
                    "required" if f.required else "",
                    "secret" if f.secret else "",
                    sent,
                    f"env {f.env_var}" if f.expose else "never shown to the skill",
                )
                if x
            )
            default = f" (default {shown(f.default)})" if f.default is not None else ""
            print(f"  {f.name}  [{flags}]{default}  {f.description}")
    if not runs:
        return 0
    print("tools:")
    for t in s.tools:
        print(f"  {t.name}  {t.description}")
        for p in t.params:
            flags = p.type + (", required" if p.required else "")
            default = f" (default {shown(p.default)})" if p.default is not None else ""
            print(f"      --arg {p.name}=…  [{flags}]{default}  {p.description}")
    return 0


def _print_knowledge(s: InstalledSkill, tokens: int) -> None:
    """The frontmatter verbatim, the files as a tree with sizes, and the body's cost in tokens."""
    print("frontmatter:")
    print("  ---")
    for line in (s.frontmatter or "").splitlines():
        print(f"  {line}".rstrip())
    print("  ---")
    total = sum(f.size for f in s.files)
    print(f"files: {len(s.files)}, {_size(total)}; the body is ~{tokens} tokens when an agent loads it")
    for line in tree_lines(s.files):
        print(f"  {line}")


def tree_lines(files: tuple[PackageFile, ...]) -> list[str]:
    """`files` (sorted paths) as an indented tree, each folder once, each file with its size."""
    out: list[str] = []
    shown_dirs: set[str] = set()
    for f in files:
        parts = f.path.split("/")
        for depth in range(len(parts) - 1):
            folder = "/".join(parts[: depth + 1])
            if folder not in shown_dirs:
                shown_dirs.add(folder)
                out.append(f"{'  ' * depth}{parts[depth]}/")
        label = f"{'  ' * (len(parts) - 1)}{parts[-1]}"
        out.append(f"{label:<40} {_size(f.size):>9}")
    return out


def _size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"
