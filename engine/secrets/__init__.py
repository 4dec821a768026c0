"""Where the values of `secret: true` config fields live: never in a plain file.

Two stores, one interface (`engine.secrets.base.SecretStore`):

* `KeyringStore` (`os_keyring.py`): the OS keyring, with an index of the key names it set;
* `VaultStore` (`vault.py`): a Fernet-encrypted file, the fallback when no real keyring
  is available;
* `EnvSecretStore` (`env.py`): read-only, from files or environment variables, for replicas.

`open_secret_store(home)` picks the keyring when it is usable, else the vault, and the env store for
a read-only home (SKILL_ENGINE_READONLY=1); `SKILL_SECRETS=keyring|vault|env` forces one. config.toml holds only a *reference* to a
secret (`refs.py`: `reference()` / `parse_reference()`).

Importing this package loads neither `keyring` (~80 ms) nor `cryptography` (~25 ms):
the `skill run` path must stay fast, and most runs have no secrets.
"""

from __future__ import annotations

import os

from engine.home import Home
from engine.secrets.base import SecretsError, SecretStore
from engine.secrets.env import EnvSecretStore
from engine.secrets.os_keyring import KeyringStore, keyring_problem
from engine.secrets.refs import BACKENDS, ENV_VAR, SERVICE, parse_reference, reference, secret_id
from engine.secrets.vault import VaultStore

__all__ = [
    "BACKENDS",
    "ENV_VAR",
    "EnvSecretStore",
    "SERVICE",
    "KeyringStore",
    "SecretStore",
    "SecretsError",
    "VaultStore",
    "keyring_problem",
    "open_secret_store",
    "parse_reference",
    "reference",
    "secret_id",
]


def open_secret_store(home: Home) -> SecretStore:
    """The keyring when it is usable, else the vault; on a read-only home the files and variables the
    deployment gives; `SKILL_SECRETS=keyring|vault|env` forces one."""
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced == "env" or (forced in ("", "auto") and home.readonly):
        return EnvSecretStore(home)
    if forced in ("", "auto"):
        return VaultStore(home) if keyring_problem() else KeyringStore(home)
    if forced == "vault":
        return VaultStore(home)
    if forced == "keyring":
        problem = keyring_problem()
        if problem:
            raise SecretsError(
                f"{ENV_VAR}=keyring, but {problem}; start or unlock the OS keyring, or unset "
                f"{ENV_VAR} to use the encrypted vault under {home.root / 'secrets'}"
            )
        return KeyringStore(home)
    raise SecretsError(
        f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not understood; use 'keyring', 'vault', 'env', "
        "or leave it unset to choose automatically"
    )
