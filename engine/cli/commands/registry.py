"""`skill registry [show|set REF|unset]`: the default registry that serves `skill install NAME[@VERSION]`
(settings.toml; SKILL_REGISTRY wins over it)."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json
from engine.errors import UsageError


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    if a.action == "set":
        if not a.ref:
            raise UsageError("skill registry set: give the registry, e.g. oci://ghcr.io/acme/skills")
        engine.set_default_registry(a.ref)
    elif a.action == "unset":
        if a.ref:
            raise UsageError("skill registry unset takes no reference")
        engine.set_default_registry(None)
    elif a.ref:
        raise UsageError("skill registry show takes no reference; to change it: skill registry set REF")
    ref, where = engine.default_registry()
    if a.json:
        print_json({"registry": ref, "from": where or None})
    elif ref is None:
        print("no default registry; set one with `skill registry set oci://HOST/PREFIX` or SKILL_REGISTRY")
    else:
        print(f"{ref}  (from {where})")
    return 0
