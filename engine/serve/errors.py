"""The REST API's error body, `{"error": {"code", "message", "details"}}`, with the engine's one-line
messages. A route raises `ApiError`; `error_response` is the reply (middleware uses it too)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from engine.errors import ArgumentError, NotFoundError, SkillError, UsageError

if TYPE_CHECKING:
    from starlette.responses import JSONResponse

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "not_ready",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    @classmethod
    def of(cls, e: SkillError) -> ApiError:
        """An engine error as the API says it: a refusal its own status (429/503, with `Retry-After`),
        unknown things 404, bad input 400 (a bad argument names its parameter in `details`), the rest 409."""
        from engine.serve.gate import Refused

        if isinstance(e, Refused):
            headers = {"Retry-After": str(max(1, math.ceil(e.retry_after)))} if e.retry_after is not None else None
            return cls(e.status, str(e), headers=headers)
        if isinstance(e, ArgumentError):
            return cls(400, str(e), details={"param": e.param, "reason": e.reason})
        if isinstance(e, NotFoundError):
            return cls(404, str(e))
        if isinstance(e, UsageError):
            return cls(400, str(e))
        return cls(409, str(e))

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def error_response(e: ApiError) -> JSONResponse:
    from starlette.responses import JSONResponse

    return JSONResponse(e.body(), status_code=e.status, headers=e.headers)
