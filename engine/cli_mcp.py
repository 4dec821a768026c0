"""`skill serve` (the MCP server) and `skill mcp-config` (the snippet that registers it with a client)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from engine.errors import UsageError

CLIENTS = ("claude-code", "claude-desktop", "cursor")
_WHERE = {
    "claude-code": "put it in .mcp.json at your project's root (shared with the project), or register it for "
    "yourself with:\n  claude mcp add-json {name} '{inner}'",
    "claude-desktop": "merge it into claude_desktop_config.json (Settings › Developer › Edit Config; macOS: "
    "~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\), then restart "
    "Claude Desktop",
    "cursor": "merge it into ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project)",
}


def _check_timeout(value: float | None) -> None:
    if value is not None and not 0 < value <= 3600:
        raise UsageError(f"--timeout {value:g}: give a number of seconds between 0 and 3600")


def cmd_serve(a: argparse.Namespace) -> int:
    import gc
    import logging

    from engine.runtime.pool import use_warm_slots

    gc.enable()  # entry() turns the GC off for short commands; a server lives long
    use_warm_slots()
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if a.verbose else logging.WARNING,
        format="skill serve: %(levelname)s %(message)s",
    )
    _check_timeout(a.timeout)
    if a.max_output < 1024:
        raise UsageError(f"--max-output {a.max_output}: give at least 1024 bytes")
    if a.poll <= 0:
        raise UsageError(f"--poll {a.poll:g}: give a positive number of seconds")
    if not a.path.startswith("/"):
        raise UsageError(f"--path {a.path}: give a URL path such as /mcp")
    from engine.api import Engine
    from engine.mcp_server import Selection, ServeOptions, serve

    engine = Engine()
    for name in a.skill or ():
        engine.skill(name)  # an unknown --skill is a typo: say so instead of serving nothing
    options = ServeOptions(
        selection=Selection.of(a.skill, a.instance),
        timeout=a.timeout,
        max_output=a.max_output,
        lazy=a.lazy,
        poll=a.poll,
    )
    serve(engine, options, http=a.http, host=a.host, port=a.port, path=a.path)
    return 0


def _skill_command() -> list[str]:
    """How a client should start `skill`: an absolute path (GUI apps do not see your PATH)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "skill" and argv0.exists():
        return [str(argv0.resolve())]
    found = shutil.which("skill")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "engine.cli"]


def server_entry(client: str, *, url: str | None = None, serve_args: list[str] | None = None) -> dict[str, Any]:
    """One server's entry in the client's `mcpServers` table."""
    if url:
        if client == "claude-desktop":
            raise UsageError(
                "Claude Desktop's config file registers local (stdio) servers only; drop --url "
                "(it then starts `skill serve` itself) or add the URL under Settings › Connectors"
            )
        return {"type": "http", "url": url} if client == "claude-code" else {"url": url}
    command, *pre = _skill_command()
    entry: dict[str, Any] = {"command": command, "args": [*pre, "serve", *(serve_args or [])]}
    if client == "claude-code":
        entry = {"type": "stdio", **entry}
    env = {k: os.environ[k] for k in ("SKILL_ENGINE_HOME", "SKILL_ENGINE_CACHE") if os.environ.get(k)}
    if env:
        entry["env"] = env
    return entry


def cmd_mcp_config(a: argparse.Namespace) -> int:
    _check_timeout(a.timeout)
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
    entry = server_entry(a.client, url=a.url, serve_args=serve_args)
    print(json.dumps({"mcpServers": {a.name: entry}}, indent=2, ensure_ascii=False))
    if not a.json and sys.stderr.isatty():
        print(_WHERE[a.client].format(name=a.name, inner=json.dumps(entry, ensure_ascii=False)), file=sys.stderr)
    return 0


def add_parsers(sub, add) -> None:
    """Register the commands on the main parser (see engine.cli.build_parser)."""
    sp = add("serve", cmd_serve, "serve the installed skills as MCP tools (stdio, or --http)", json_flag=False)
    sp.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    sp.add_argument("--host", default="127.0.0.1", help="--http: address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8765, help="--http: port (default 8765; 0 picks a free one)")
    sp.add_argument("--path", default="/mcp", help="--http: URL path of the endpoint (default /mcp)")
    sp.add_argument("--skill", action="append", metavar="NAME", help="serve only this skill (repeatable)")
    sp.add_argument(
        "--instance",
        action="append",
        metavar="[SKILL@]INSTANCE",
        help="serve only this instance (repeatable), e.g. default or notes@work",
    )
    sp.add_argument(
        "--timeout", type=float, metavar="S", help="time limit per call in seconds (default: each skill's own limit)"
    )
    sp.add_argument(
        "--max-output",
        type=int,
        default=64 * 1024,
        metavar="BYTES",
        help="cut each tool result's text at this size, marked (default 65536)",
    )
    sp.add_argument(
        "--lazy", action="store_true", help="list only list_skills, search_skills and call_skill (for very many skills)"
    )
    sp.add_argument(
        "--poll",
        type=float,
        default=1.0,
        metavar="S",
        help="how often to check for installed/removed skills and instances (default 1 s)",
    )
    sp.add_argument("--verbose", "-v", action="store_true", help="log each call to stderr")

    sp = add("mcp-config", cmd_mcp_config, "print the JSON that registers `skill serve` with an MCP client")
    sp.add_argument("--client", choices=CLIENTS, default="claude-code", help="the client (default claude-code)")
    sp.add_argument("--name", default="skills", help="the server's name in the client (default skills)")
    sp.add_argument("--url", metavar="URL", help="register a running `skill serve --http` at URL instead")
    sp.add_argument("--skill", action="append", metavar="NAME", help="serve only this skill (repeatable)")
    sp.add_argument("--instance", action="append", metavar="[SKILL@]INSTANCE", help="serve only this instance")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit per call in seconds")
    sp.add_argument("--lazy", action="store_true", help="list only the meta tools")
