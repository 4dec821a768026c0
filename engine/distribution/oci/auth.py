"""Answering a registry's `WWW-Authenticate` challenge: Basic, or Bearer tokens as ghcr.io and Docker Hub do.

Bearer: GET the challenge's `realm` with its `service` and `scope` (with the registry's credentials as Basic,
if there are any: that is how the token protocol works; the realm is named by the registry they are for),
and send `Authorization: Bearer <token>`. Tokens are cached in the process per (registry, realm, service,
scope, user) until shortly before they expire, so a pull asks once per repository, not per blob.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass

from engine.distribution.oci.credentials import Credentials

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
_tokens: dict[tuple[str, ...], tuple[str, float]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "basic" | "bearer" | another, lowercased
    params: dict[str, str]


def parse_challenge(header: str) -> Challenge:
    scheme, _, rest = header.strip().partition(" ")
    return Challenge(scheme.lower(), {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(rest)})


def basic(credentials: Credentials) -> str:
    return "Basic " + base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()


def cached_token(key: tuple[str, ...]) -> str | None:
    with _lock:
        hit = _tokens.get(key)
    if hit is None or hit[1] <= time.monotonic():
        return None
    return hit[0]


def keep_token(key: tuple[str, ...], token: str, expires_in: float) -> None:
    with _lock:
        _tokens[key] = (token, time.monotonic() + max(expires_in - 10, 1))
