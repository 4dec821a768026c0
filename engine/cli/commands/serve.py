"""`skill serve`: the installed skills as MCP tools over stdio or streamable HTTP (see `engine.mcp`)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from engine.cli.args import check_timeout
from engine.cli.commands import open_engine
from engine.errors import UsageError


def run(a: argparse.Namespace) -> int:
    from engine.runtime.pool import use_warm_slots

    gc.enable()  # entry() turns the GC off for short commands; a server lives long
    use_warm_slots()
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if a.verbose else logging.WARNING,
        format="skill serve: %(levelname)s %(message)s",
    )
    check_timeout(a.timeout)
    if a.max_output < 1024:
        raise UsageError(f"--max-output {a.max_output}: give at least 1024 bytes")
    if a.poll <= 0:
        raise UsageError(f"--poll {a.poll:g}: give a positive number of seconds")
    if not a.path.startswith("/"):
        raise UsageError(f"--path {a.path}: give a URL path such as /mcp")
    from engine.mcp.catalog import Selection
    from engine.mcp.server import ServeOptions
    from engine.mcp.transports import serve

    engine = open_engine()
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
