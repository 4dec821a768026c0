"""`skill info NAME`: one skill's tools, parameters, config fields, network and limits."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import megabytes, print_json
from engine.errors import shown


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    s = engine.skill(a.name)
    if a.json:
        print_json({**s.to_json(), "instances": engine.instance_names(s.name)})
        return 0
    print(f"{s.name} {s.version}  {s.description}")
    for label, value in (
        ("author", s.author),
        ("license", s.license),
        ("source", s.source),
        ("component", f"{megabytes(s.component_size)} sha256:{s.component_sha256[:16]}"),
        ("network", ", ".join(s.capabilities.network) or "none (`skill grant` adds some per instance)"),
        ("limits", f"timeout {s.capabilities.timeout_s:g} s, memory {s.capabilities.memory_mb} MiB"),
        ("instances", ", ".join(engine.instance_names(s.name))),
    ):
        if value:
            print(f"  {label + ':':<11}{value}")
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
    print("tools:")
    for t in s.tools:
        print(f"  {t.name}  {t.description}")
        for p in t.params:
            flags = p.type + (", required" if p.required else "")
            default = f" (default {shown(p.default)})" if p.default is not None else ""
            print(f"      --arg {p.name}=…  [{flags}]{default}  {p.description}")
    return 0
