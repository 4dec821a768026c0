"""Content decoding with the size limit applied to what comes out, not to what came in.

httpx's own decoders inflate a whole network chunk at once, so 64 KiB of a gzip bomb becomes ~64 MiB in
memory before anyone can count it. Here zlib is asked for at most `limit + 1` bytes per step
(`max_length`), so memory stays at the limit however well the body compresses, and the limit trips on the
decoded size the skill would receive.
"""

from __future__ import annotations

import zlib

from engine.network.wire import RequestFailed

# What the host asks for and can decode; a skill's own Accept-Encoding is dropped (wire.HOST_OWNED).
ACCEPT_ENCODING = "gzip, deflate"


class BoundedBody:
    """Collects a response body (decoded per its Content-Encoding), refusing it past `limit` bytes."""

    def __init__(self, encoding: str | None, limit: int):
        self._limit = limit
        self._chunks: list[bytes] = []
        self.size = 0
        self._raw_deflate_tried = False
        name = (encoding or "identity").strip().lower()
        if name in ("", "identity"):
            self._inflate: zlib._Decompress | None = None
        elif name in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._inflate = zlib.decompressobj()
        else:
            raise RequestFailed(
                "network", f"the server sent a body encoded as {encoding!r}, which the host cannot decode"
            )
        self._encoding = name

    def feed(self, data: bytes) -> None:
        """Add bytes as they came off the wire."""
        if self._inflate is None:
            self._add(data)
            return
        while data:
            try:
                out = self._inflate.decompress(data, self._limit - self.size + 1)
            except zlib.error:
                if self._encoding == "deflate" and not self._raw_deflate_tried and self.size == 0:
                    # Some servers send raw deflate (no zlib header) for "deflate", as browsers accept.
                    self._raw_deflate_tried = True
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise RequestFailed("network", f"the server's {self._encoding} body is corrupt") from None
            self._add(out)
            data = self._inflate.unconsumed_tail
            if self._inflate.eof:
                return

    def body(self) -> bytes:
        """The whole decoded body (after the last `feed`)."""
        return b"".join(self._chunks)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._limit:
            raise RequestFailed("too-large", f"the response is over the {self._limit}-byte limit (decoded)")
        self._chunks.append(data)
