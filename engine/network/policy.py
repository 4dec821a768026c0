"""What one run may do on the network: the grants it holds, the secrets the host adds, the limits.

Built per run by the pipeline from the manifest, the instance's grants and its config, and read by the
HTTP host import (engine/network/client.py) on every request and redirect hop. Frozen: a run's network
rights cannot change while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.network.patterns import Pattern

MAX_RESPONSE_BYTES = 8 << 20
MAX_REQUEST_BYTES = 8 << 20
MAX_REQUESTS_PER_RUN = 200
MAX_REDIRECTS = 5
DEFAULT_REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Injection:
    """A host-bound secret: the host sets `header` to `value` (the secret already formatted, e.g.
    "Bearer ghp_...") on requests to `hosts` only, replacing whatever the skill sent there."""

    field: str  # the config field it comes from, for messages and audit
    header: str  # lower-case header name
    value: str
    hosts: tuple[Pattern, ...]
    secret: str = ""  # the raw secret inside `value`: the masker hides it wherever it shows up


@dataclass(frozen=True)
class NetworkPolicy:
    """Deny by default: a request leaves only when one of `allow` admits its scheme, host and port,
    and its resolved address (see Pattern.allows_address)."""

    allow: tuple[Pattern, ...] = ()
    inject: tuple[Injection, ...] = ()
    skill: str = ""  # for the `skill grant SKILL@INSTANCE --net ...` hint in a denial
    instance: str = "default"
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_request_bytes: int = MAX_REQUEST_BYTES
    max_requests: int = MAX_REQUESTS_PER_RUN
    max_redirects: int = MAX_REDIRECTS
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S

    def grant_hint(self, scheme: str, host: str, port: int | None) -> str:
        """The command that would allow scheme://host[:port] for this instance."""
        default = {"https": 443, "http": 80}.get(scheme)
        target = host if scheme == "https" else f"{scheme}://{host}"
        if port is not None and port != default:
            target += f":{port}"
        ref = self.skill if self.instance == "default" else f"{self.skill}@{self.instance}"
        return f"skill grant {ref} --net {target}"
