"""`skill serve --http`: one process, one port. MCP at `/mcp`, the REST API under `/api/v1`, and the
probes `/health`, `/ready`, `/metrics`, in one Starlette app built from the MCP SDK's own (its lifespan
runs the MCP session manager), wrapped in pure-ASGI middleware (Starlette's `BaseHTTPMiddleware` breaks
SSE and disconnect detection).

- `options`: `HttpOptions`, what the command line asked for.
- `context`: `ServeContext`, what every route and middleware shares (engine, MCP server, gate, lifecycle).
- `gate`: `RunGate`, the one way a served run starts (REST and MCP alike): readiness, rate limit, runs in
  flight, metrics, the JSON log line.
- `errors`: `ApiError` and the `{"error": {code, message, details}}` body.
- `table`: the route table (`ApiRoute`): it builds both the Starlette routes and the OpenAPI document.
- `app`: assembles the app; `process`: runs it (uvicorn, signals, drain) or stdio.

Nothing here is imported by a command that does not serve: the SDK, Starlette, uvicorn, pydantic and
prometheus-client load only with it.
"""
