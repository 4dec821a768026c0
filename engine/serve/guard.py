"""The HTTP server's guards: pure-ASGI middleware around the app (Starlette's `BaseHTTPMiddleware`
breaks SSE and disconnect detection). Every refusal is the API's JSON error body. Outermost first:

1. `HostCheck` (a loopback server only): the DNS-rebinding check the MCP SDK gives its own endpoint,
   run with the SDK's logic and the one `security_settings` the SDK is given too, for every path: a
   page on another site that resolves its name to 127.0.0.1 reaches neither REST nor /mcp (a foreign
   Host is 421, a foreign Origin 403).
2. `Cors` (only with --cors-origin): answers preflights for the listed origins (403 for any other)
   and marks their replies readable; other origins get no CORS headers, so browsers keep them out.
3. `Auth`: a token in the URL is refused (URLs end up in logs and histories); with a token, every
   path but the probes needs `Authorization: Bearer TOKEN`, compared in constant time. A 401 carries
   a plain `WWW-Authenticate: Bearer realm="skill"` and no OAuth metadata, so MCP clients keep their
   static header instead of starting an OAuth flow. It puts the caller's key (a hash of the token,
   or the client's address without one) in the scope (`engine.mcp.server.PRINCIPAL`), which REST
   routes and MCP pass to the gate as the run's `principal` for the rate limit.
4. `JsonOnly`: a POST must be JSON (415): a browser cannot send one without a CORS preflight.
5. `BodyLimit`: a body over `max_body` is 413, counted as the bytes arrive (a chunked body has no
   Content-Length to trust); the app gets the whole body once it is known to fit.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders

from engine.errors import ApiError
from engine.mcp.server import PRINCIPAL
from engine.serve.errors import error_response

if TYPE_CHECKING:
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from engine.serve.options import HttpOptions

REALM = 'Bearer realm="skill"'
URL_TOKENS = frozenset({"token", "access_token"})
PREFLIGHT_HEADERS = "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID"
EXPOSED_HEADERS = "Mcp-Session-Id, Retry-After, WWW-Authenticate"


def guarded(app: ASGIApp, options: HttpOptions, open_paths: frozenset[str]) -> ASGIApp:
    """`app` behind every guard `options` asks for; `open_paths` need no token (the probes)."""
    app = BodyLimit(app, options.max_body)
    app = JsonOnly(app)
    app = Auth(app, options.token, open_paths)
    if options.cors_origins:
        app = Cors(app, options.cors_origins)
    settings = security_settings(options)
    if settings is not None:
        app = HostCheck(app, settings)
    return app


def security_settings(options: HttpOptions) -> TransportSecuritySettings | None:
    """The DNS-rebinding settings for a loopback server (None off loopback, where the token guards):
    Host must name this machine, Origin must be this machine or a --cors-origin."""
    from mcp.server.transport_security import TransportSecuritySettings

    from engine.distribution.safety import is_loopback

    if not is_loopback(options.host):
        return None
    bound = f"[{options.host}]" if ":" in options.host else options.host
    names = dict.fromkeys(["127.0.0.1", "localhost", "[::1]", bound])
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{n}:*" for n in names],
        allowed_origins=[*(f"{options.scheme}://{n}:*" for n in names), *options.cors_origins],
    )


async def refuse(e: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(e)(scope, receive, send)


class HostCheck:
    def __init__(self, app: ASGIApp, settings: TransportSecuritySettings):
        from mcp.server.transport_security import TransportSecurityMiddleware

        self.app = app
        self.check = TransportSecurityMiddleware(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            from starlette.requests import Request

            refused = await self.check.validate_request(Request(scope), is_post=False)
            if refused is not None:
                headers = Headers(scope=scope)
                if refused.status_code == 421:
                    e = ApiError(
                        421,
                        f"Host {headers.get('host', '')!r} is not this loopback server (a DNS-rebinding guard): "
                        "call it as 127.0.0.1 or localhost with its port",
                        code="misdirected_request",
                    )
                else:
                    e = ApiError(
                        403,
                        f"pages from {headers.get('origin', '')!r} may not call this server "
                        "(start it with --cors-origin ORIGIN to let one in)",
                    )
                return await refuse(e, scope, receive, send)
        await self.app(scope, receive, send)


class Cors:
    def __init__(self, app: ASGIApp, origins: tuple[str, ...]):
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        origin = headers.get("origin") if headers is not None else None
        if headers is None or origin is None:
            return await self.app(scope, receive, send)
        allowed = origin in self.origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                e = ApiError(403, f"pages from {origin!r} may not call this server: it is not one of its --cors-origin")
                return await refuse(e, scope, receive, send)
            from starlette.responses import Response

            reply = Response(status_code=204, headers=self._marks(origin))
            reply.headers.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
                    "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
                    "Access-Control-Max-Age": "600",
                }
            )
            return await reply(scope, receive, send)
        if not allowed:
            return await self.app(scope, receive, send)

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(self._marks(origin))
            await send(message)

        await self.app(scope, receive, marked)

    @staticmethod
    def _marks(origin: str) -> dict[str, str]:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin",
        }


class Auth:
    def __init__(self, app: ASGIApp, token: str | None, open_paths: frozenset[str]):
        self.app = app
        self.expected = token.encode("utf-8") if token else None
        # the caller's key for the rate limit: one token, one key (never the token itself)
        self.key = f"token:{hashlib.sha256(self.expected).hexdigest()[:16]}" if self.expected else None
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                return await refuse(problem, scope, receive, send)
            client = scope.get("client")
            scope[PRINCIPAL] = self.key or f"client:{client[0] if client else 'unknown'}"
        await self.app(scope, receive, send)

    def _problem(self, scope: Scope) -> ApiError | None:
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if any(k.lower() in URL_TOKENS for k, _ in query):
            return ApiError(
                400,
                "a token in the URL is refused (URLs end up in logs and histories): "
                "send it as the header Authorization: Bearer TOKEN",
            )
        if self.expected is None or scope["path"] in self.open_paths:
            return None
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            message = "this server needs its token: send the header Authorization: Bearer TOKEN"
        elif not hmac.compare_digest(given.strip().encode("latin-1"), self.expected):
            message = "the bearer token is not this server's: send the one it was started with"
        else:
            return None
        return ApiError(401, message, headers={"WWW-Authenticate": REALM})


class JsonOnly:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            media = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                e = ApiError(415, "send the body as JSON with Content-Type: application/json")
                return await refuse(e, scope, receive, send)
        await self.app(scope, receive, send)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return await self._too_large(scope, receive, send)
        body = bytearray()
        later: deque[Message] = deque()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left before the end of its body
                later.append(message)
                break
            body += message.get("body", b"")
            if len(body) > self.max_body:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body", False):
                break
        later.appendleft({"type": "http.request", "body": bytes(body), "more_body": bool(later)})

        async def replay() -> Message:
            return later.popleft() if later else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        e = ApiError(413, f"the request body is over this server's limit of {self.max_body} bytes; send less")
        await refuse(e, scope, receive, send)
