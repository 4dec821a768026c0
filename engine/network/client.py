"""The host side of one skill request: grants checked on every hop, redirects followed here, limits held.

httpx builds and sends each hop, but nothing of httpx's own policy is used: no Client (so no cookie jar
carried between a skill's requests, no proxies from the environment, no automatic redirects), only its
transport, with httpcore's pool on the guarded backend (guard.py). Redirects are followed here because
each hop must be judged again: its scheme, host and port against the grants, its resolved address against
the grant that admitted it, and which headers may follow it (`Authorization`/`Cookie` never cross origins).

Each hop, allowed or refused, becomes a RequestRecord through `record`, as it finishes.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import httpx

from engine.events import RequestRecord
from engine.network.decoding import ACCEPT_ENCODING, BoundedBody
from engine.network.guard import GuardedBackend, Hop, Sockets, sending
from engine.network.hosts import Resolver, normalise_host
from engine.network.patterns import DEFAULT_PORTS, Pattern
from engine.network.policy import NetworkPolicy
from engine.network.wire import RequestFailed, WireRequest, audit_url, response_json

USER_AGENT = "skill-engine (+https://github.com/skill-engine)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CROSS_ORIGIN_DROPPED = ("authorization", "cookie")
_BODY_HEADERS = ("content-type", "content-encoding", "content-language", "content-location")
_HEADERS_TOO_BIG = "Receive buffer too long"  # h11's words when a response head passes httpcore's 100 KiB


@functools.cache
def _verifying_tls() -> ssl.SSLContext:
    """One verifying TLS context for the process, made at the first https request (certifi's roots take
    ~50 ms to load, which a run that only speaks http should not pay)."""
    return httpx.create_ssl_context(trust_env=False)


class _Transport(httpx.HTTPTransport):
    """httpx's transport (request building, exception mapping) over a pool that connects through `backend`."""

    def __init__(self, backend: GuardedBackend, tls: ssl.SSLContext):
        super().__init__(verify=tls, trust_env=False)
        # httpx has no parameter for the network backend: swap in a pool built like its own, with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls, max_connections=20, keepalive_expiry=30.0, network_backend=backend
        )


@dataclass(frozen=True)
class Target:
    """A hop's destination after the grant check: the URL as sent (host normalised) and what admitted it."""

    url: httpx.URL
    scheme: str
    host: str
    port: int
    grant: Pattern

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


def admit(policy: NetworkPolicy, url_text: str) -> Target:
    """Check one URL against the grants; RequestFailed says why not (with the `skill grant` hint)."""
    try:
        url = httpx.URL(url_text)
    except (httpx.InvalidURL, TypeError) as e:
        raise RequestFailed("invalid", f"{audit_url(url_text)!r} is not a URL ({e})") from None
    scheme = url.scheme
    if not scheme or (scheme in DEFAULT_PORTS and not url.host):
        raise RequestFailed("invalid", f"{audit_url(url_text)!r} is not an absolute URL (write https://host/path)")
    if scheme not in DEFAULT_PORTS:
        raise RequestFailed("denied", f"{scheme}: URLs cannot be fetched; only http and https can be granted")
    if url.userinfo:
        raise RequestFailed("invalid", "the URL carries a user name or password; send credentials in a header")
    host = normalise_host(url.host)
    if host is None:
        raise RequestFailed("invalid", f"{url.host!r} is not a valid host name")
    port = url.port or DEFAULT_PORTS[scheme]
    for grant in policy.allow:
        if grant.allows(scheme, host, port):
            return Target(url.copy_with(host=host, fragment=None), scheme, host, port, grant)
    shown_host = f"[{host}]" if ":" in host else host
    where = f"{scheme}://{shown_host}" + ("" if port == DEFAULT_PORTS[scheme] else f":{port}")
    hint = policy.grant_hint(scheme, shown_host, port)
    if policy.allow:
        granted = ", ".join(p.text for p in policy.allow)
        why = f"{where} is not in this skill's network grants ({granted})"
    else:
        why = f"this skill has no network access, so {where} is refused"
    raise RequestFailed("denied", f"{why}; to allow it: {hint}", hint=hint)


def hop_headers(policy: NetworkPolicy, target: Target, headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The headers a hop to `target` carries: the skill's, with host-bound secrets set for their hosts only."""
    bound = {
        inj.header: inj.value
        for inj in policy.inject
        if any(p.allows(target.scheme, target.host, target.port) for p in inj.hosts)
    }
    out = [(name, value) for name, value in headers if name not in bound]
    out.extend(bound.items())
    if not any(name == "user-agent" for name, _ in out):
        out.append(("user-agent", USER_AGENT))
    out.append(("accept-encoding", ACCEPT_ENCODING))
    return out


class HttpClient:
    """One call's outbound HTTP: its connections, its pool, and the record of every hop."""

    def __init__(self, policy: NetworkPolicy, resolver: Resolver, record: Callable[[RequestRecord], None]):
        self.policy = policy
        self._resolver = resolver
        self._record = record
        self._sockets = Sockets()
        self._cut: RequestFailed | None = None  # why `abort` cut the connections
        self._transports: dict[str, _Transport] = {}  # per scheme: only https needs the real TLS context
        self._lock = threading.Lock()

    def abort(self, kind: str, message: str) -> None:
        """Cut every connection now: requests blocked on one fail at once with this error, new ones too."""
        self._cut = RequestFailed(kind, message)
        self._sockets.abort()

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()

    def fetch(self, request: WireRequest, deadline: float) -> str:
        """Send `request` (following redirects as it asks) by `deadline`: the response JSON for the guest.

        RequestFailed when no response may or did come; each hop has been recorded either way.
        """
        method, body, headers = request.method, request.body, request.headers
        url, redirected = request.url, False
        budget = deadline - time.monotonic()
        for _hop in range(self.policy.max_redirects + 1):
            started = time.monotonic()
            try:
                target = admit(self.policy, url)
            except RequestFailed as e:
                refused = RequestFailed(e.kind, f"redirect refused: {e.message}", hint=e.hint) if redirected else e
                self._refused(method, url, refused, started)
                raise refused from None
            try:
                status, reason, response_headers, data = self._send(
                    method,
                    target,
                    hop_headers(self.policy, target, headers),
                    body,
                    deadline,
                    follow=request.redirect != "manual",
                    timed_out=f"{request.shown} got no complete response within {budget:.3g} s",
                )
            except RequestFailed as e:
                self._failed(method, target, body, e, started)
                raise
            self._record(
                RequestRecord(
                    method=method,
                    url=audit_url(str(target.url)),
                    allowed=True,
                    status=status,
                    sent_bytes=len(body or b""),
                    received_bytes=len(data),
                    duration_ms=round((time.monotonic() - started) * 1000, 3),
                )
            )
            location = _location(response_headers)
            if status not in REDIRECT_STATUSES or location is None or request.redirect == "manual":
                return response_json(status, reason, response_headers, str(target.url), redirected, data)
            if request.redirect == "error":
                raise RequestFailed("network", f"{audit_url(str(target.url))} redirected (redirect: 'error')")
            url, redirected = str(target.url.join(location)), True
            if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
                method, body = "GET", None
                headers = tuple((k, v) for k, v in headers if k not in _BODY_HEADERS)
            if _origin(url) != target.origin:
                headers = tuple((k, v) for k, v in headers if k not in _CROSS_ORIGIN_DROPPED)
        raise RequestFailed("too-many", f"more than {self.policy.max_redirects} redirects (last: {audit_url(url)})")

    def _send(
        self,
        method: str,
        target: Target,
        headers: list[tuple[str, str]],
        body: bytes | None,
        deadline: float,
        *,
        follow: bool,
        timed_out: str,
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """One hop: status, reason, headers and decoded body (none read for a redirect to follow)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise RequestFailed("timeout", timed_out)
        limit = self.policy.max_response_bytes
        timeouts = {"connect": left, "read": left, "write": left, "pool": left}
        message = httpx.Request(method, target.url, headers=headers, content=body, extensions={"timeout": timeouts})
        try:
            with sending(Hop(target.grant, target.host, deadline)):
                response = self._transport(target.scheme).handle_request(message)
                try:
                    size = response.headers.get("content-length", "")
                    if size.isdigit() and int(size) > limit:
                        raise RequestFailed("too-large", f"the response is {size} bytes; the limit is {limit}")
                    collected = BoundedBody(response.headers.get("content-encoding"), limit)
                    redirecting = response.status_code in REDIRECT_STATUSES and "location" in response.headers
                    if not (follow and redirecting):
                        for chunk in response.iter_raw():
                            collected.feed(chunk)
                finally:
                    response.close()
        except httpx.HTTPError as e:
            raise self._explain(e, timed_out) from None
        headers_out = [
            (k, v) for k, v in response.headers.multi_items() if k not in ("content-encoding", "content-length")
        ]
        return response.status_code, response.reason_phrase, headers_out, collected.body()

    def _explain(self, e: httpx.HTTPError, timed_out: str) -> RequestFailed:
        if self._cut is not None:
            return RequestFailed(self._cut.kind, self._cut.message)
        if isinstance(e, httpx.TimeoutException):
            return RequestFailed("timeout", timed_out)
        if isinstance(e, httpx.RemoteProtocolError) and _HEADERS_TOO_BIG in str(e):
            return RequestFailed("too-large", "the response headers are over 100 KiB")
        return RequestFailed("network", f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)

    def _transport(self, scheme: str) -> _Transport:
        with self._lock:
            transport = self._transports.get(scheme)
            if transport is None:
                # An http pool never starts TLS; its bare context (no trusted roots) would refuse any peer.
                tls = _verifying_tls() if scheme == "https" else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                transport = _Transport(GuardedBackend(self._resolver, self._sockets), tls)
                self._transports[scheme] = transport
            return transport

    def _refused(self, method: str, url: str, e: RequestFailed, started: float) -> None:
        self._record(
            RequestRecord(
                method=method,
                url=audit_url(url),
                allowed=False,
                error=e.kind,
                reason=e.message,
                hint=e.hint,
                duration_ms=round((time.monotonic() - started) * 1000, 3),
            )
        )

    def _failed(self, method: str, target: Target, body: bytes | None, e: RequestFailed, started: float) -> None:
        self._record(
            RequestRecord(
                method=method,
                url=audit_url(str(target.url)),
                allowed=e.kind != "denied",  # an address refusal is a denial; the rest left the host
                sent_bytes=len(body or b""),
                error=e.kind,
                reason=e.message,
                duration_ms=round((time.monotonic() - started) * 1000, 3),
            )
        )


def _location(headers: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in headers if k == "location"), None)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    host = normalise_host(parsed.host)
    if host is None or parsed.scheme not in DEFAULT_PORTS:
        return None
    return parsed.scheme, host, parsed.port or DEFAULT_PORTS[parsed.scheme]
