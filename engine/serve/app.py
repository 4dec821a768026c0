"""The one ASGI app: the MCP SDK's streamable HTTP app (its lifespan runs the session manager) with the
route table's routes added, behind the guards of `engine.serve.guard` and the request metrics of
`engine.serve.metrics` (pure-ASGI middleware); `/ready` turns ready when the app's start-up completed.
`--http-only` leaves MCP out; `--mcp-only` leaves the REST API out (the probes stay)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.serve.guard import guarded, security_settings
from engine.serve.lifecycle import StartedWhenReady
from engine.serve.metrics import measured
from engine.serve.table import served_routes, starlette_routes

if TYPE_CHECKING:
    from engine.serve.context import ServeContext


def build_app(ctx: ServeContext) -> Any:
    """The ASGI app for `ctx` (callable as `app(scope, receive, send)`)."""
    table = served_routes(ctx.options)
    routes = starlette_routes(ctx, table)
    options = ctx.options
    if options.mcp:
        app = ctx.server.server.streamable_http_app(
            streamable_http_path=options.mcp_path,
            host=options.host,
            stateless_http=options.stateless,
            transport_security=security_settings(options),  # the same Host/Origin check as the guard's
            max_request_body_size=options.max_body,
            custom_starlette_routes=routes,
        )
    else:
        from starlette.applications import Starlette

        app = Starlette(routes=routes)
    app = guarded(app, options, open_paths=frozenset(r.path for r in table if not r.auth))
    if ctx.metrics is not None:  # outermost: the guards' refusals are counted too
        app = measured(app, ctx.metrics, table, options.mcp_path if options.mcp else None)
    return StartedWhenReady(app, ctx.lifecycle)
