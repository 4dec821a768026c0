"""`skill login` / `skill logout` and the default registry (`skill registry`).

A login is checked against the registry before it is kept (as `docker login` does): a GET of /v2/ with
the credentials, answering its challenge, so a typo is a clear line now rather than a 401 at the next
install. Kept in the secret store (engine.distribution.oci.credentials), never in a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.distribution.oci.client import RegistryClient
from engine.distribution.oci.credentials import Credentials, forget, registry_host, save
from engine.distribution.sources import parse_oci
from engine.errors import UsageError
from engine.settings import Settings

if TYPE_CHECKING:
    from engine.secrets import SecretStore


def login(secrets: SecretStore, registry: str, username: str, password: str, insecure: frozenset[str]) -> str:
    """Check and keep the credentials; the registry's HOST[:PORT]."""
    host = registry_host(registry)
    if not username or not password:
        raise UsageError(f"skill login {host}: give a user name (-u) and a password or token")
    creds = Credentials(username, password, "skill login")
    with RegistryClient(host, insecure=insecure, credentials=lambda: creds) as client:
        with client.open("GET", "/v2/") as r:
            if r.status != 200:
                raise client.failed(r, "the login")
            r.read()
    save(secrets, host, username, password)
    return host


def logout(secrets: SecretStore, registry: str) -> tuple[str, bool]:
    """Forget `skill login`'s credentials: (HOST[:PORT], whether there were any)."""
    host = registry_host(registry)
    return host, forget(secrets, host)


def set_default_registry(settings: Settings, ref: str | None) -> str | None:
    """Set (or with None, unset) settings.toml's default registry: `oci://HOST[:PORT]/PREFIX`, no tag."""
    if ref is None:
        settings.set("registry", "default", None)
        return None
    text = ref.strip().rstrip("/")
    if not text.startswith("oci://"):
        text = "oci://" + text
    source = parse_oci(text + "/x") if text.count("/") == 2 else parse_oci(text)
    if source.tag or source.digest:
        raise UsageError(f"{ref}: a default registry is oci://HOST[:PORT]/PREFIX, without a tag or digest")
    settings.set("registry", "default", text)
    return text
