"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated from the route table
(`engine.serve.table.api_routes`, the list the Starlette routes are built from) and its pydantic models,
so the document and the server cannot drift. Every route is read the same way: path parameters from its
path, query parameters and body from its models, replies from `responses` and `media`; routes that need
the token carry the bearer scheme. The errors every route of a kind can answer (400 for bad query
parameters, 400/413/415 for a bad body, 401 without the token) are added here, not declared per route."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.serve import models as m
from engine.serve.table import ApiRoute, served_routes

if TYPE_CHECKING:
    from pydantic import BaseModel
    from starlette.requests import Request
    from starlette.responses import Response

    from engine.serve.context import ServeContext

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")  # Starlette's {name} and {name:converter}
_REASONS = {
    200: "OK",
    400: "Bad input: the message names the field",
    401: "No or wrong token",
    404: "Unknown here",
    409: "Not ready",
    413: "Body too large",
    415: "Not a JSON body",
    429: "Over the rate limit (Retry-After)",
    503: "Draining, full or not ready",
}


def document(routes: list[ApiRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    from engine import __version__

    wanted: list[tuple[type[BaseModel], Any]] = [(m.ErrorBody, "serialization")]
    for r in routes:
        wanted += [
            (model, "validation") for model in (r.body, r.query) if model is not None
        ]  # a query's too: its $defs
        wanted += [(model, "serialization") for model in r.responses.values() if model is not None]
    refs, schemas = _schemas(wanted)
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        paths.setdefault(_PARAM.sub(r"{\1}", r.path), {})[r.method.lower()] = _operation(r, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "skill-tui",
            "version": __version__,
            "description": "Run installed WebAssembly skills and read knowledge skills over HTTP "
            "(MCP is served beside it, at /mcp).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the server's token (--token-file or SKILL_SERVE_TOKEN), when it has one",
                }
            },
        },
    }


def _schemas(wanted: list[tuple[type[BaseModel], Any]]) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    from pydantic.json_schema import models_json_schema

    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=REF)
    return refs, top.get("$defs", {})


def _operation(r: ApiRoute, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": r.name, "summary": r.summary}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in _PARAM.findall(r.path)
    ]
    if r.query is not None:
        schema = r.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        params += [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()
        ]
    if params:
        op["parameters"] = params
    if r.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(r.body, "validation")]}},
        }
    responses = dict(r.responses)
    if r.query is not None:  # parse_query's answer
        responses[400] = m.ErrorBody
    if r.body is not None:  # parse_body's and the body limit's answers
        responses |= {400: m.ErrorBody, 413: m.ErrorBody, 415: m.ErrorBody}
    if r.auth:
        responses[401] = m.ErrorBody
        op["security"] = [{"bearer": []}]
    op["responses"] = {
        str(status): _response(status, model, r.media if status < 300 else "application/json", refs)
        for status, model in sorted(responses.items())
    }
    return op


def _response(status: int, model: type[BaseModel] | None, media: str, refs: dict[Any, Any]) -> dict[str, Any]:
    if model is not None:
        schema = refs[(model, "serialization")]
    else:  # a document without a model (this one), or text: SSE, Prometheus, a file
        schema = {"type": "object"} if media == "application/json" else {"type": "string"}
    return {"description": _REASONS.get(status, "See the error body"), "content": {media: {"schema": schema}}}


async def openapi(request: Request, ctx: ServeContext) -> Response:
    from starlette.responses import JSONResponse

    doc = ctx.extras.get("openapi")
    if doc is None:  # built once: the table does not change while the server runs
        doc = ctx.extras["openapi"] = document(served_routes(ctx.options))
    return JSONResponse(doc)


ROUTES = [
    ApiRoute(
        "GET",
        "/api/v1/openapi.json",
        "openapi",
        "This document: OpenAPI 3.1, generated from the server's route table",
        openapi,
        responses={200: None},
    ),
]
