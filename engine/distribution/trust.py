"""Trusted signing keys (trust.toml) and the signature check of every install. (Helper D builds this.)"""

from __future__ import annotations

from engine.distribution.fetching import Fetched
from engine.home import Home


def check_signature(home: Home, fetched: Fetched) -> str | None:
    """The id of the trusted key that signed `fetched` (None: unsigned, allowed under the `warn` policy);
    SignatureError when a signature does not verify, or `require` and none is trusted."""
    return None
