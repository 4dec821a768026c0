"""`skill trust add|list|remove|policy`: the keys trusted to sign skills, and what happens without one.

skill trust add KEY|FILE.pub [--scope PATTERN]... [--name NAME]
skill trust list
skill trust remove ID
skill trust policy [warn|require]
"""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table
from engine.errors import UsageError

_POLICY = {
    "warn": "unsigned skills install with a warning; a bad signature is always refused",
    "require": "only skills signed by a trusted key install",
}


def run(a: argparse.Namespace) -> int:
    if a.action != "add" and (a.scope or a.name is not None):
        raise UsageError("--scope and --name go with `skill trust add`")
    needs_key = {"add": "a minisign public key (its base64 line or a .pub file)", "remove": "the id of a trusted key"}
    if a.action in needs_key and not a.key:
        raise UsageError(f"`skill trust {a.action}` needs {needs_key[a.action]} (see `skill trust list`)")
    if a.action == "list" and a.key:
        raise UsageError("`skill trust list` takes no argument")
    engine = open_engine()
    if a.action == "policy":
        policy = engine.trust_policy(a.key)
        if a.json:
            print_json({"policy": policy})
        else:
            print(f"trust policy: {policy} ({_POLICY[policy]})")
        return 0
    if a.action == "list":
        keys = engine.trusted_keys()
        if a.json:
            print_json([k.to_json() for k in keys])
        elif not keys:
            print("no trusted keys; trust one with `skill trust add KEY.pub`")
        else:
            rows = [(k.id, k.name or "-", " ".join(k.scopes), k.public.to_base64()) for k in keys]
            print_table(("ID", "NAME", "SCOPES", "PUBLIC KEY"), rows)
        return 0
    key = engine.trust(a.key, a.scope or (), a.name) if a.action == "add" else engine.untrust(a.key)
    if a.json:
        print_json(key.to_json())
    elif a.action == "add":
        print(f"trusted {key.label} to sign skills from: {', '.join(key.scopes)}")
    else:
        print(f"no longer trusted: {key.label}")
    return 0
