"""The REST API's error reply: `engine.errors.ApiError` as `{"error": {"code", "message", "details"}}`
with its status and headers (routes raise ApiError; the middleware answers with it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import ApiError

if TYPE_CHECKING:
    from starlette.responses import JSONResponse


def error_response(e: ApiError) -> JSONResponse:
    from starlette.responses import JSONResponse

    return JSONResponse(e.body(), status_code=e.status, headers=e.headers)
