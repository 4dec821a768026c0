"""Outbound HTTP for Python skills, through the world's ``http-request`` import.

Every request goes through the engine, under the instance's network grants (WASI
sockets are never granted): a host the skill was not granted is refused before any
packet leaves, and the refusal names the ``skill grant`` line that would allow it.
"""

from __future__ import annotations

import base64
from json import dumps, loads
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit


class HttpError(Exception):
    """No response came (``kind``: denied, timeout, network, ...), or ``raise_for_status`` on a 4xx/5xx."""

    def __init__(self, message: str, kind: str = "status", response: Response | None = None):
        super().__init__(message)
        self.kind = kind
        self.response = response


class Response:
    """What the server answered: ``status``, ``headers`` (lower-case names), ``text``, ``json()``."""

    def __init__(self, raw: dict[str, Any]):
        self.status: int = int(raw.get("status", 0))
        self.reason: str = str(raw.get("statusText", ""))
        self.url: str = str(raw.get("url", ""))
        self.redirected: bool = bool(raw.get("redirected", False))
        self.header_list: list[tuple[str, str]] = [(str(k).lower(), str(v)) for k, v in raw.get("headers", [])]
        self.headers: dict[str, str] = {}
        for k, v in self.header_list:
            self.headers[k] = f"{self.headers[k]}, {v}" if k in self.headers else v
        if "body_b64" in raw:
            self.content = base64.b64decode(raw["body_b64"])
        else:
            self.content = str(raw.get("body", "")).encode("utf-8")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def status_code(self) -> int:  # the name requests users know
        return self.status

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return loads(self.content)

    def raise_for_status(self) -> Response:
        if self.status >= 400:
            raise HttpError(f"{self.url} answered {self.status} {self.reason}".strip(), "status", self)
        return self

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.url}>"


def _request(
    url: str,
    method: str = "GET",
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    data: str | bytes | None = None,
    json: Any = None,
    timeout: float | None = None,
    follow_redirects: bool = True,
) -> dict[str, Any]:
    """The world's JSON request for fetch's arguments."""
    if params:
        parts = urlsplit(url)
        query = "&".join(filter(None, [parts.query, urlencode(params, doseq=True)]))
        url = urlunsplit(parts._replace(query=query))
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    request: dict[str, Any] = {"method": method.upper(), "url": url}
    if json is not None:
        data = _json_dumps(json)
        if not any(k.lower() == "content-type" for k, _ in pairs):
            pairs.append(("content-type", "application/json"))
    if isinstance(data, bytes):
        request["body_b64"] = base64.b64encode(data).decode("ascii")
    elif data is not None:
        request["body"] = data
    if pairs:
        request["headers"] = [[str(k), str(v)] for k, v in pairs]
    if timeout is not None:
        request["timeout_ms"] = max(1, int(timeout * 1000))
    if not follow_redirects:
        request["redirect"] = "manual"
    return request


def _response(raw: dict[str, Any]) -> Response:
    if "error" in raw:
        err = raw["error"] if isinstance(raw["error"], dict) else {"message": str(raw["error"])}
        raise HttpError(str(err.get("message", "request failed")), str(err.get("kind", "network")))
    return Response(raw)


def fetch(url: str, method: str = "GET", **kw: Any) -> Response:
    """One HTTP request under the instance's network grants. Raises HttpError when no response came.

    Keywords: ``json=`` sends a JSON body (and its content-type), ``data=`` text or bytes,
    ``params=`` a query string, ``headers=`` a dict or pairs, ``timeout`` seconds (the run's
    own limit still applies), ``follow_redirects``."""
    import wit_world  # the component's bindings: present only inside a built skill

    return _response(loads(wit_world.http_request(dumps(_request(url, method, **kw)))))


async def afetch(url: str, method: str = "GET", **kw: Any) -> Response:
    """``fetch`` for async handlers: requests awaited together (``asyncio.gather``) overlap."""
    from skill_sdk import _aio

    return _response(await _aio.http(_request(url, method, **kw)))


def _json_dumps(value: Any) -> str:
    return dumps(value)


class _Http:
    """``http.get(url, params=...)``, ``http.post(url, json=...)``: the requests-style spelling of fetch."""

    def request(self, method: str, url: str, **kw: Any) -> Response:
        return fetch(url, method, **kw)

    def get(self, url: str, **kw: Any) -> Response:
        return fetch(url, "GET", **kw)

    def post(self, url: str, **kw: Any) -> Response:
        return fetch(url, "POST", **kw)

    def put(self, url: str, **kw: Any) -> Response:
        return fetch(url, "PUT", **kw)

    def patch(self, url: str, **kw: Any) -> Response:
        return fetch(url, "PATCH", **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        return fetch(url, "DELETE", **kw)

    def head(self, url: str, **kw: Any) -> Response:
        return fetch(url, "HEAD", **kw)


http = _Http()
