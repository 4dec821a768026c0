"""Registry credentials: where they come from, in order, and how `skill login` keeps them.

1. `SKILL_REGISTRY_USER` + `SKILL_REGISTRY_PASSWORD`, or `SKILL_REGISTRY_TOKEN` (CI): only for the host of
   `SKILL_REGISTRY`, never for another registry. A token is sent as the password (user
   `SKILL_REGISTRY_USER`, else "token"), which is what GHCR, GitLab and Harbor take for access tokens.
2. `skill login`: the engine's secret store (keyring or encrypted vault), under NAMESPACE, which no skill
   name can be (skill names start with a letter or digit), one JSON value per registry so a login is one
   write. Never a plain file.
3. Docker's `config.json` (`$DOCKER_CONFIG`, else ~/.docker) `auths`, read only: registries people already
   logged in to with `docker login`. (credHelpers are not run.)

`Credentials` never shows its password (repr, str): an error or a log line that formats one cannot leak it.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from engine.errors import UsageError
from engine.settings import REGISTRY_ENV

if TYPE_CHECKING:
    from engine.secrets import SecretStore

NAMESPACE = "_registry"  # the secret store's "skill" for registry logins: not a valid skill name
KEY = "auth"
ENV_USER, ENV_PASSWORD, ENV_TOKEN = "SKILL_REGISTRY_USER", "SKILL_REGISTRY_PASSWORD", "SKILL_REGISTRY_TOKEN"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    origin: str  # where they came from, for messages: "SKILL_REGISTRY_*", "skill login", "~/.docker/config.json"

    def __str__(self) -> str:
        return f"{self.username} (from {self.origin})"


def registry_host(text: str) -> str:
    """HOST[:PORT] of `text`: a registry as typed (`oci://host:port/prefix`, `https://host`, `host:port`)."""
    raw = text.strip()
    if "://" not in raw:
        raw = "oci://" + raw
    parts = urlsplit(raw)
    host = (parts.netloc or "").lower()
    if not host or "@" in host or " " in host:
        raise UsageError(f"{text!r} is not a registry; write HOST[:PORT], e.g. ghcr.io or 127.0.0.1:5000")
    return host.removesuffix(":443") if parts.scheme == "https" else host


def lookup(registry: str, secrets: Callable[[], SecretStore]) -> Credentials | None:
    """The credentials for `registry` (HOST[:PORT]), first found in the order above, or None."""
    return _from_env(registry) or _from_login(registry, secrets) or _from_docker(registry)


def _from_env(registry: str) -> Credentials | None:
    bound = os.environ.get(REGISTRY_ENV, "")
    if not bound:
        return None
    try:
        if registry_host(bound) != registry:
            return None
    except UsageError:
        return None
    user, password, token = (os.environ.get(k, "") for k in (ENV_USER, ENV_PASSWORD, ENV_TOKEN))
    if token:
        return Credentials(user or "token", token, "SKILL_REGISTRY_TOKEN")
    if user and password:
        return Credentials(user, password, "SKILL_REGISTRY_USER/PASSWORD")
    return None


def _from_login(registry: str, secrets: Callable[[], SecretStore]) -> Credentials | None:
    value = secrets().get(NAMESPACE, registry, KEY)
    if value is None:
        return None
    try:
        data = json.loads(value)
        return Credentials(str(data["username"]), str(data["password"]), "skill login")
    except (ValueError, KeyError, TypeError):
        return None


def docker_config() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"


def _from_docker(registry: str) -> Credentials | None:
    try:
        auths = json.loads(docker_config().read_text(encoding="utf-8")).get("auths") or {}
    except (OSError, ValueError, AttributeError):
        return None
    for key, entry in auths.items() if isinstance(auths, dict) else ():
        try:
            if registry_host(key) != registry or not isinstance(entry, dict):
                continue
        except UsageError:
            continue
        if entry.get("username") and entry.get("password"):
            return Credentials(str(entry["username"]), str(entry["password"]), str(docker_config()))
        try:
            user, sep, password = base64.b64decode(entry.get("auth", "")).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            continue
        if sep and user:
            return Credentials(user, password, str(docker_config()))
    return None


def save(secrets: SecretStore, registry: str, username: str, password: str) -> None:
    secrets.set(NAMESPACE, registry, KEY, json.dumps({"username": username, "password": password}))


def forget(secrets: SecretStore, registry: str) -> bool:
    """Remove `skill login`'s credentials for `registry`; False when there were none."""
    had = secrets.get(NAMESPACE, registry, KEY) is not None
    secrets.delete(NAMESPACE, registry, KEY)
    return had
