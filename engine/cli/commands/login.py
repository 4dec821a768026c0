"""`skill login REGISTRY [-u USER] [--password-stdin]` and `skill logout REGISTRY`.

The password (or token) comes from stdin with --password-stdin, else from a prompt that does not echo; with
no terminal to prompt on and no --password-stdin it is a usage error (exit 2): a script never hangs on a
prompt. The credentials are checked against the registry, then kept in the secret store (never a file).
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json
from engine.errors import UsageError


def run(a: argparse.Namespace) -> int:
    if a.command == "logout":
        host, had = open_engine().logout(a.registry)
        if a.json:
            print_json({"registry": host, "removed": had})
        else:
            print(f"logged out of {host}" if had else f"no login kept for {host}; nothing to do")
        return 0
    username = a.username or os.environ.get("SKILL_REGISTRY_USER") or _ask(a, "user name: ", echo=True)
    if a.password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
    else:
        password = _ask(a, f"password or token for {username}: ", echo=False)
    host = open_engine().login(a.registry, username, password)
    if a.json:
        print_json({"registry": host, "username": username})
    else:
        print(f"logged in to {host} as {username} (kept in the secret store)")
    return 0


def _ask(a: argparse.Namespace, prompt: str, echo: bool) -> str:
    if not sys.stdin.isatty() or a.json:
        raise UsageError(
            f"skill login {a.registry}: no terminal to ask on; pass -u USER and --password-stdin "
            '(e.g. echo "$TOKEN" | skill login HOST -u USER --password-stdin)'
        )
    if echo:
        return input(prompt).strip()
    import getpass

    return getpass.getpass(prompt)
