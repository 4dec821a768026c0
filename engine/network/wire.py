"""The JSON a skill's `http-request` sends and gets back (docs/skill-world.md, "Outbound HTTP").

Everything here distrusts the guest: the request text is checked field by field, and each problem is a
`RequestFailed` whose kind and one-line message go back to the skill as `{"error": {...}}`. Bodies cross as
UTF-8 text or base64 in strings because a `list<u8>` costs ~1 s per MiB in wasmtime-py.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MAX_HEADERS = 100
MAX_HEADER_BYTES = 64 * 1024
REDIRECT_MODES = ("follow", "manual", "error")

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token: a method or header name
_BAD_VALUE = re.compile(r"[\r\n\0]")
# Headers the host owns: framing and connection management (the host frames the body it sends), the
# destination (`Host` would let a skill reach a virtual host its grant does not name; CVE-2024-32980),
# proxy credentials, and the encodings the host can decode within its size limit.
HOST_OWNED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "accept-encoding",
    }
)
_REFUSED_METHODS = frozenset({"CONNECT", "TRACE"})


class RequestFailed(Exception):
    """A request that got no response. `kind` is one of the world's error kinds (denied, timeout, too-large,
    too-many, network, cancelled, invalid); the message is one line for the skill, `hint` a grant command."""

    def __init__(self, kind: str, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint

    def to_json(self) -> str:
        return error_json(self.kind, self.message)


@dataclass(frozen=True)
class WireRequest:
    """A request as the skill asked for it, checked for shape (not yet for grants)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]  # lower-case names, host-owned ones already dropped
    body: bytes | None
    redirect: str
    timeout_s: float | None

    @property
    def shown(self) -> str:
        """`METHOD url` without query string or credentials, for records and messages."""
        return f"{self.method} {audit_url(self.url)}"


def error_json(kind: str, message: str) -> str:
    return json.dumps({"error": {"kind": kind, "message": message}})


def audit_url(url: str) -> str:
    """`url` as the audit keeps it: no query string, fragment or user:password (they carry secrets)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return url.split("?")[0].split("#")[0].rpartition("@")[2][:200]


def parse_request(text: str, max_body_bytes: int) -> WireRequest:
    """The guest's request JSON, checked; RequestFailed("invalid" | "too-large") names what is wrong."""
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise RequestFailed("invalid", f"the request is not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise RequestFailed("invalid", "the request must be a JSON object with at least a url")
    url = raw.get("url")
    if not isinstance(url, str) or not url:
        raise RequestFailed("invalid", "the request has no url (a string like https://api.example.com/path)")
    method = raw.get("method", "GET")
    if not isinstance(method, str) or not _TOKEN.match(method):
        raise RequestFailed("invalid", f"method {method!r} is not an HTTP method")
    method = method.upper()
    if method in _REFUSED_METHODS:
        raise RequestFailed("invalid", f"method {method} is not allowed (tunnels and TRACE echo are refused)")
    redirect = raw.get("redirect", "follow")
    if redirect not in REDIRECT_MODES:
        raise RequestFailed("invalid", f"redirect {redirect!r} is not one of {', '.join(REDIRECT_MODES)}")
    return WireRequest(
        method=method,
        url=url,
        headers=_headers(raw.get("headers", [])),
        body=_body(raw, max_body_bytes),
        redirect=redirect,
        timeout_s=_timeout(raw.get("timeout_ms")),
    )


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):  # tolerated: {"name": "value"} is what people write by hand
        value = list(value.items())
    if not isinstance(value, list):
        raise RequestFailed("invalid", "headers must be a list of [name, value] pairs")
    if len(value) > MAX_HEADERS:
        raise RequestFailed("too-large", f"{len(value)} request headers; at most {MAX_HEADERS} are sent")
    out: list[tuple[str, str]] = []
    size = 0
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise RequestFailed("invalid", f"header {pair!r} is not a [name, value] pair of strings")
        name, text = pair[0].lower(), pair[1]
        if not _TOKEN.match(name):
            raise RequestFailed("invalid", f"header name {pair[0]!r} is not a valid HTTP header name")
        if _BAD_VALUE.search(text):
            raise RequestFailed("invalid", f"header {pair[0]} has a line break or NUL in its value")
        size += len(name) + len(text.encode())
        if size > MAX_HEADER_BYTES:
            raise RequestFailed("too-large", f"the request headers are over {MAX_HEADER_BYTES // 1024} KiB")
        if name not in HOST_OWNED:
            out.append((name, text))
    return tuple(out)


def _body(raw: dict[str, Any], limit: int) -> bytes | None:
    text, b64 = raw.get("body"), raw.get("body_b64")
    if text is not None and b64 is not None:
        raise RequestFailed("invalid", "give either body or body_b64, not both")
    if isinstance(b64, str):
        try:
            body = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise RequestFailed("invalid", "body_b64 is not valid base64") from None
    elif isinstance(text, str):
        body = text.encode()
    elif text is None and b64 is None:
        return None
    else:
        raise RequestFailed("invalid", "body and body_b64 are strings")
    if len(body) > limit:
        raise RequestFailed("too-large", f"the request body is {len(body)} bytes; the limit is {limit}")
    return body


def _timeout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise RequestFailed("invalid", f"timeout_ms {value!r} is not a positive number of milliseconds")
    return float(value) / 1000


def response_json(
    status: int, reason: str, headers: list[tuple[str, str]], url: str, redirected: bool, body: bytes
) -> str:
    """The response the guest gets: the body as text when it is UTF-8, else as base64."""
    out: dict[str, Any] = {
        "status": status,
        "statusText": reason,
        "headers": headers,
        "url": url,
        "redirected": redirected,
    }
    try:
        out["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        out["body_b64"] = base64.b64encode(body).decode("ascii")
    return json.dumps(out)
