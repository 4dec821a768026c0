"""`skill mcp-config`: the JSON that registers `skill serve` with an MCP client, and where it goes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from engine.cli.args import check_timeout
from engine.cli.commands.serve import read_token
from engine.cli.output import print_json
from engine.errors import UsageError

_WHERE = {  # keyed by engine.cli.main.MCP_CLIENTS
    "claude-code": "put it in .mcp.json at your project's root (shared with the project), or register it for "
    "yourself with:\n  claude mcp add-json {name} '{inner}'",
    "claude-desktop": "merge it into claude_desktop_config.json (Settings › Developer › Edit Config; macOS: "
    "~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\), then restart "
    "Claude Desktop",
    "cursor": "merge it into ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project)",
}


def _skill_command() -> list[str]:
    """How a client should start `skill`: an absolute path (GUI apps do not see your PATH)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "skill" and argv0.exists():
        return [str(argv0.resolve())]
    found = shutil.which("skill")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "engine.cli"]


def server_entry(
    client: str, *, url: str | None = None, serve_args: list[str] | None = None, token: str | None = None
) -> dict[str, Any]:
    """One server's entry in the client's `mcpServers` table. A token goes in as the literal header
    (clients expand `${VAR}` in headers unreliably, and a 401 without it would start their OAuth flow)."""
    if url:
        if client == "claude-desktop":
            raise UsageError(
                "Claude Desktop's config file registers local (stdio) servers only; drop --url "
                "(it then starts `skill serve` itself) or add the URL under Settings › Connectors"
            )
        entry: dict[str, Any] = {"type": "http", "url": url} if client == "claude-code" else {"url": url}
        if token:
            entry["headers"] = {"Authorization": f"Bearer {token}"}
        return entry
    command, *pre = _skill_command()
    entry = {"command": command, "args": [*pre, "serve", *(serve_args or [])]}
    if client == "claude-code":
        entry = {"type": "stdio", **entry}
    env = {k: os.environ[k] for k in ("SKILL_ENGINE_HOME", "SKILL_ENGINE_CACHE") if os.environ.get(k)}
    if env:
        entry["env"] = env
    return entry


def run(a: argparse.Namespace) -> int:
    check_timeout(a.timeout)
    serve_args: list[str] = []
    for name in a.skill or ():
        serve_args += ["--skill", name]
    for name in a.instance or ():
        serve_args += ["--instance", name]
    if a.timeout is not None:
        serve_args += ["--timeout", f"{a.timeout:g}"]
    if a.lazy:
        serve_args.append("--lazy")
    if a.url and serve_args:
        raise UsageError(
            "--skill/--instance/--timeout/--lazy go to the server: pass them to `skill serve "
            "--http` instead of using them with --url"
        )
    if a.token_file and not a.url:
        raise UsageError("--token-file is for a server at --url: a stdio server needs no token")
    token = read_token(a.token_file) if a.token_file else None
    entry = server_entry(a.client, url=a.url, serve_args=serve_args, token=token)
    print_json({"mcpServers": {a.name: entry}})
    if not a.json and sys.stderr.isatty():
        print(_WHERE[a.client].format(name=a.name, inner=json.dumps(entry, ensure_ascii=False)), file=sys.stderr)
    return 0
