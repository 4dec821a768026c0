"""`skill serve`: the installed skills over MCP stdio, or over HTTP (MCP, the REST API, the probes and
metrics on one port; see `engine.serve`)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path

from engine.cli.args import check_timeout
from engine.cli.commands import open_engine
from engine.errors import UsageError
from engine.serve.options import HttpOptions, RateLimit

HTTP_FLAGS = ("token_file", "tls_cert", "tls_key", "cors_origin", "rate_limit", "stateless", "log_json")


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
    http = http_options(a)
    from engine.mcp.catalog import Selection
    from engine.mcp.server import ServeOptions
    from engine.serve.process import serve

    engine = open_engine()
    skills = [*a.name, *(a.skill or ())]
    for name in skills:
        engine.skill(name)  # an unknown skill is a typo: say so instead of serving nothing
    options = ServeOptions(
        selection=Selection.of(skills, a.instance or ()),
        timeout=a.timeout,
        max_output=a.max_output,
        lazy=a.lazy,
        poll=a.poll,
    )
    serve(engine, options, http)
    return 0


def http_options(a: argparse.Namespace) -> HttpOptions | None:
    """The HTTP server's options, or None for stdio (where an HTTP-only flag is a mistake, said so)."""
    if a.http_only and a.mcp_only:
        raise UsageError("--http-only and --mcp-only exclude each other: give one (or --http for both)")
    if not (a.http or a.http_only or a.mcp_only):
        given = [f"--{f.replace('_', '-')}" for f in HTTP_FLAGS if getattr(a, f)]
        if given:
            raise UsageError(f"{given[0]} is for the HTTP server: add --http")
        return None
    if a.max_in_flight < 1:
        raise UsageError(f"--max-in-flight {a.max_in_flight}: give at least 1")
    if bool(a.tls_cert) != bool(a.tls_key):
        raise UsageError("--tls-cert and --tls-key go together: give both PEM files")
    return HttpOptions(
        host=a.host,
        port=a.port,
        mcp_path=a.path,
        mcp=not a.http_only,
        rest=not a.mcp_only,
        token=read_token(a.token_file),
        tls_cert=Path(a.tls_cert) if a.tls_cert else None,
        tls_key=Path(a.tls_key) if a.tls_key else None,
        cors_origins=tuple(cors_origin(o) for o in a.cors_origin or ()),
        rate_limit=parse_rate_limit(a.rate_limit) if a.rate_limit else None,
        max_in_flight=a.max_in_flight,
        stateless=a.stateless,
        log_json=a.log_json,
    )


def cors_origin(text: str) -> str:
    """One --cors-origin: an exact origin (scheme://host[:port]), compared as browsers send it."""
    from urllib.parse import urlsplit

    if "*" in text:
        raise UsageError(
            f"--cors-origin {text}: name each origin exactly, such as https://app.example.com "
            "(a wildcard would let any web page call your skills)"
        )
    origin = text.rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.username:
        raise UsageError(f"--cors-origin {text}: give an origin such as https://app.example.com (no path)")
    return origin


def read_token(token_file: str | None) -> str | None:
    """The bearer token from --token-file (its first line) or $SKILL_SERVE_TOKEN; None if neither."""
    if token_file is None:
        return os.environ.get("SKILL_SERVE_TOKEN") or None
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--token-file {token_file}: cannot read it ({e})") from None
    if not token:
        raise UsageError(f"--token-file {token_file}: the file is empty; put the token on its first line")
    return token


def parse_rate_limit(text: str) -> RateLimit:
    """`N/min` (or N/s, N/h): N runs per window per token."""
    windows = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hour": 3600.0}
    count, _, window = text.partition("/")
    if not count.isdigit() or int(count) < 1 or window not in windows:
        raise UsageError(f"--rate-limit {text}: give runs per window, such as 60/min, 5/s or 1000/h")
    return RateLimit(int(count), windows[window])
