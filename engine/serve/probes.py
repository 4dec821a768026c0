"""`/health` (the process answers), `/ready` (it takes work: 503 while starting or draining) and
`/metrics` (Prometheus text). The first two need no token: load balancers probe them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.serve import models as m
from engine.serve.table import ApiRoute

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from engine.serve.context import ServeContext


async def health(request: Request, ctx: ServeContext) -> Response:
    from starlette.responses import JSONResponse

    from engine import __version__

    return JSONResponse(m.Health(status="ok", version=__version__).model_dump(mode="json"))


async def ready(request: Request, ctx: ServeContext) -> Response:
    from starlette.responses import JSONResponse

    reasons = ctx.lifecycle.reasons
    body = m.Ready(ready=not reasons, reasons=reasons)
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if reasons else 200)


async def metrics(request: Request, ctx: ServeContext) -> Response:
    from starlette.responses import Response

    text, media = ctx.metrics.render()
    return Response(text, media_type=media)


ROUTES = [
    ApiRoute(
        "GET", "/health", "health", "The process answers", health, responses={200: m.Health}, rest=False, auth=False
    ),
    ApiRoute(
        "GET",
        "/ready",
        "ready",
        "Whether the server takes work: 503 while it starts or drains (SIGTERM)",
        ready,
        responses={200: m.Ready, 503: m.Ready},
        rest=False,
        auth=False,
    ),
    ApiRoute(
        "GET",
        "/metrics",
        "metrics",
        "Runs, HTTP requests and outbound requests in the Prometheus text format",
        metrics,
        responses={200: None, 401: m.ErrorBody},
        media="text/plain",
        rest=False,
    ),
]
