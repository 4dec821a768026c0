"""What `skill serve` was asked for, as one value the app and the process read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8765
MAX_BODY = 1024 * 1024  # bytes of a request body (413 above)
DRAIN_S = 30.0  # SIGTERM: how long runs in flight may take to finish (stdio too)


@dataclass(frozen=True)
class RateLimit:
    """`--rate-limit N/min`: N runs per window per token (per client address without a token)."""

    runs: int
    per_seconds: float


@dataclass
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    mcp_path: str = "/mcp"
    mcp: bool = True  # --http-only turns it off
    rest: bool = True  # --mcp-only turns it off
    token: str | None = None  # --token-file or SKILL_SERVE_TOKEN; never logged
    tls_cert: Path | None = None
    tls_key: Path | None = None
    cors_origins: tuple[str, ...] = ()  # --cors-origin, repeatable, never "*"
    rate_limit: RateLimit | None = None
    max_body: int = MAX_BODY
    max_in_flight: int = 32  # runs at once; 503 beyond
    stateless: bool = False  # --stateless: MCP without sessions (any replica answers any request)
    log_json: bool = False  # one JSON line per run on stdout
    drain_seconds: float = DRAIN_S  # SIGTERM: how long runs in flight may take to finish
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"
