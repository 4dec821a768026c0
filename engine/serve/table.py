"""The route table: one `ApiRoute` per endpoint, with its request and response models. The same list
builds the Starlette routes (`starlette_routes`) and the OpenAPI document (`engine.serve.openapi`), so
the two cannot drift. Each endpoint module exports its `ROUTES`; `api_routes` gathers them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import ApiError, SkillError
from engine.serve.errors import error_response

if TYPE_CHECKING:
    from pydantic import BaseModel
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from engine.serve.context import ServeContext
    from engine.serve.options import HttpOptions

Handler = Callable[["Request", "ServeContext"], Awaitable["Response"]]


@dataclass(frozen=True)
class ApiRoute:
    method: str  # GET or POST
    path: str  # Starlette syntax: /api/v1/skills/{name}
    name: str  # the OpenAPI operationId and the metrics' route label
    summary: str
    handler: Handler
    body: type[BaseModel] | None = None  # the JSON request body, validated before the handler runs
    query: type[BaseModel] | None = None  # query parameters
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)  # status -> body model
    media: str = "application/json"  # of the 200 reply (text/event-stream, text/plain for /metrics)
    rest: bool = True  # part of the REST API (--mcp-only drops it); False: the probes, always served
    auth: bool = True  # needs the bearer token when one is set (/health and /ready do not)


def api_routes() -> list[ApiRoute]:
    """Every endpoint of the server but MCP's own, in the order the OpenAPI document lists them."""
    from engine.serve import openapi, probes, rest, stream

    return [*rest.ROUTES, *stream.ROUTES, *openapi.ROUTES, *probes.ROUTES]


def served_routes(options: HttpOptions) -> list[ApiRoute]:
    """The routes a server with `options` serves: `--mcp-only` leaves the REST API out (the probes stay)."""
    return [r for r in api_routes() if options.rest or not r.rest]


def starlette_routes(ctx: ServeContext, table: list[ApiRoute]) -> list[Route]:
    from starlette.routing import Route

    return [Route(r.path, _endpoint(r, ctx), methods=[r.method], name=r.name) for r in table]


def _endpoint(route: ApiRoute, ctx: ServeContext) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await route.handler(request, ctx)
        except ApiError as e:
            return error_response(e)
        except SkillError as e:
            return error_response(ApiError.of(e))

    return endpoint


async def parse_body(request: Request, model: type[BaseModel]) -> Any:
    """The JSON body as `model`, or a 400 naming the field and what to send. (A body that is not
    `application/json` never gets here: `engine.serve.guard.JsonOnly` answers it with 415.)"""
    raw = await request.body()
    return _validated(lambda: model.model_validate_json(raw))


def parse_query(request: Request, model: type[BaseModel]) -> Any:
    """The query parameters as `model`, or a 400 naming the parameter."""
    return _validated(lambda: model.model_validate(dict(request.query_params)))


def _validated(make: Callable[[], Any]) -> Any:
    from pydantic import ValidationError

    try:
        return make()
    except ValidationError as e:
        errors = e.errors(include_url=False, include_input=False, include_context=False)
        first = errors[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, f"{where}: {first['msg']}", details={"errors": errors}) from None
