"""`skill grant|revoke SKILL[@INSTANCE] --net PATTERN...`: change what one instance may reach."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json
from engine.refs import InstanceRef


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    ref = InstanceRef.parse(a.ref)
    change = engine.grant if a.command == "grant" else engine.revoke
    access = change(ref.skill, ref.instance, a.net)
    if a.json:
        print_json(access.to_json())
        return 0
    verb = "granted" if a.command == "grant" else "revoked"
    print(f"{verb} {ref}: {' '.join(a.net)}")
    print(f"{ref} may reach: {', '.join(access.effective) or 'nothing'}")
    return 0
