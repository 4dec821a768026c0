"""`skill instance add|remove|rename|copy SKILL@INSTANCE [NEW]`: manage one instance."""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.commands import open_engine
from engine.cli.output import confirm, print_json
from engine.errors import UsageError
from engine.refs import InstanceRef


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    parsed = InstanceRef.parse(a.ref, need_instance=True)
    name, instance, ref = parsed.skill, parsed.instance, str(parsed)
    engine.skill(name)
    if a.action == "add":
        engine.add_instance(name, instance)
        return _done(a, f"created {ref}", created=ref)
    if a.action == "remove":
        engine.check_removable(name, instance)  # a typo is an error, not a question
        refusal = "not removing without confirmation; pass --yes"
        if not a.yes and not confirm(f"remove {ref}, its config, secrets and data?", refusal, a.json):
            print("kept")
            return 0
        engine.config.remove(name, instance)
        return _done(a, f"removed {ref}", removed=ref)
    if not a.new:
        raise UsageError(f"skill instance {a.action} {a.ref} NEW: give the new instance name")
    new = str(InstanceRef(name, a.new))
    if a.action == "rename":
        engine.config.rename(name, instance, a.new)
        return _done(a, f"renamed {ref} to {new}", renamed=ref, to=new)
    engine.config.copy(name, instance, a.new, with_secrets=a.with_secrets)
    note = "" if a.with_secrets else " (secrets not copied: --with-secrets copies them)"
    return _done(a, f"copied {ref} to {new}{note}", copied=ref, to=new, with_secrets=a.with_secrets)


def _done(a: argparse.Namespace, text: str, **data: Any) -> int:
    """What a command did: a sentence, or with --json an object with "ok": true."""
    if a.json:
        print_json({"ok": True, **data})
    else:
        print(text)
    return 0
