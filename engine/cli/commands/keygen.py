"""`skill keygen [--force]`: create your signing key; print its public key.

stdout is the public key as a minisign .pub file (`skill keygen > me.pub`, then others `skill trust add
me.pub`); what happened goes to stderr. The secret key stays in the secret store (keyring or vault).
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json


def run(a: argparse.Namespace) -> int:
    key = open_engine().keygen(force=a.force)
    if a.json:
        print_json(key.to_json())
        return 0
    if key.created:
        print(f"created signing key {key.public.id}; its secret key is in {key.where}", file=sys.stderr)
    else:
        print(f"you have a signing key already ({key.public.id}); `skill keygen --force` replaces it", file=sys.stderr)
    print(key.public.to_file(), end="")
    print(
        f"sign a skill folder with `skill sign FOLDER`; others trust it with `skill trust add {key.public.to_base64()}`",
        file=sys.stderr,
    )
    return 0
