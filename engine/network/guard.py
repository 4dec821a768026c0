"""Where a skill's connection may land, and how long each socket operation may take.

An allowlist of names is not enough: `api.example.com` may resolve to 127.0.0.1 or 169.254.169.254 (DNS
rebinding, SSRF). So httpcore gets this network backend: it resolves the name itself (through an injectable
resolver), keeps only the addresses the admitting grant allows (`Pattern.allows_address`), and connects to
a checked address. TLS still verifies and sends the name (SNI), because httpcore asks for TLS by name.

httpx's timeouts apply per socket operation, so a server that drips one byte at a time outlasts any of
them. Every read and write here is clamped to the request's one deadline instead, and every socket of a
call is registered, so a stop can `shutdown()` them from another thread (on Linux `close()` does not wake
a `recv()` blocked in another thread; `shutdown()` does).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

from engine.network.hosts import Resolver, parse_ip
from engine.network.patterns import Pattern
from engine.network.wire import RequestFailed


@dataclass(frozen=True)
class Hop:
    """The one request hop the current thread is sending: its grant, host name and deadline."""

    grant: Pattern
    host: str  # normalised, as the grant judged it
    deadline: float  # time.monotonic()


_current = threading.local()


@contextmanager
def sending(hop: Hop) -> Iterator[None]:
    """Every connect, read and write on this thread, until the block ends, belongs to `hop`."""
    _current.hop = hop
    try:
        yield
    finally:
        _current.hop = None


def _hop() -> Hop:
    hop: Hop | None = getattr(_current, "hop", None)
    if hop is None:  # a connection outside `sending`: nothing has admitted it
        raise RequestFailed("denied", "a connection was attempted outside a checked request")
    return hop


def _time_left(timeout: float | None) -> float:
    left = _hop().deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class Sockets:
    """The open connections of one call, so a stop can cut them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: set[DeadlineStream] = set()
        self.aborted = False

    def add(self, stream: DeadlineStream) -> None:
        with self._lock:
            if not self.aborted:
                self._streams.add(stream)
                return
        stream.close()
        raise httpcore.ConnectError("the call's connections were cut")

    def discard(self, stream: DeadlineStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def abort(self) -> None:
        """Refuse new connections and wake every thread blocked on one of ours (it sees an error)."""
        with self._lock:
            self.aborted = True
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass  # already closed


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the current hop's deadline. Pooled connections keep the
    wrapper, so a reused connection is clamped to the request that reuses it."""

    def __init__(self, inner: httpcore.NetworkStream, sockets: Sockets):
        self._inner = inner
        self._sockets = sockets
        sockets.add(self)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._sockets.discard(self)
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self._sockets.discard(self)  # the TLS stream takes over the socket
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout)), self._sockets)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the current hop's grant allows."""

    def __init__(self, resolver: Resolver, sockets: Sockets):
        self._resolver = resolver
        self._sockets = sockets

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        hop = _hop()
        addresses = checked_addresses(hop, self._resolver)
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _time_left(timeout), local_address, socket_options)
            except httpcore.ConnectError as e:
                error = e
                continue
            return DeadlineStream(stream, self._sockets)
        assert error is not None  # checked_addresses never returns an empty list
        raise error


def checked_addresses(hop: Hop, resolver: Resolver) -> list[str]:
    """The addresses of `hop.host` its grant allows, in resolver order; RequestFailed if none is."""
    if parse_ip(hop.host) is not None:
        found = [hop.host.strip("[]")]
    else:
        try:
            found = list(dict.fromkeys(resolver(hop.host)))
        except OSError as e:
            raise RequestFailed("network", f"cannot resolve {hop.host}: {e.strerror or e}") from None
        if not found:
            raise RequestFailed("network", f"cannot resolve {hop.host}: no addresses")
    allowed = [address for address in found if hop.grant.allows_address(address)]
    if not allowed:
        raise RequestFailed(
            "denied",
            f"{hop.host} resolves to {', '.join(found)}, which the grant {hop.grant.text!r} does not reach "
            "(only a grant naming an address, a network or localhost reaches loopback, private or "
            "link-local addresses)",
        )
    return allowed
