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


ROUTES = [
    ApiRoute(
        "GET", "/health", "health", "The process answers", health, responses={200: m.Health}, rest=False, auth=False
    ),
]
