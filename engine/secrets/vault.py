"""The encrypted vault: the store when no real OS keyring is available (headless boxes, no D-Bus).

One Fernet-encrypted JSON file `<home>/secrets/vault.bin`, its key beside it in `vault.key`
(both 0600, folder 0700). Every write re-reads the vault under a file lock, changes it and
replaces it atomically, so concurrent processes never lose each other's writes. A vault that
cannot be decrypted, or a vault whose key is gone, is an error: the store never silently
starts over. `cryptography` (~25 ms) is imported only when the vault is read or written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from engine.fsutil import atomic_write_bytes
from engine.home import Home
from engine.secrets.base import SecretsError, SecretStore, check_value, group, load_json
from engine.secrets.refs import ENV_VAR


class VaultStore(SecretStore):
    """One Fernet-encrypted JSON file: {"version": 1, "secrets": {"skill@instance": {key: value}}}."""

    backend = "vault"

    def __init__(self, home: Home):
        super().__init__(home)
        self.path = self.folder / "vault.bin"
        self.key_path = self.folder / "vault.key"

    @property
    def where(self) -> str:
        return f"the vault {self.path}"

    def elsewhere(self, backend: str, name: str) -> str:
        return (
            f"{name} is in the OS keyring, which is not available now (no D-Bus session, or no "
            f"Secret Service running?); run where the keyring is available (or with "
            f"{ENV_VAR}=keyring to see why not), or set the secret again to store it in {self.where}"
        )

    def _fix(self) -> str:
        return "restore them from a backup, or remove both and set the secrets again"

    def _read_key(self, *, vault_exists: bool) -> bytes | None:
        try:
            key = self.key_path.read_bytes().strip()
        except FileNotFoundError:
            if vault_exists:
                raise SecretsError(
                    f"the vault {self.path} exists but its key {self.key_path} is missing; {self._fix()}"
                ) from None
            return None
        except OSError as e:
            raise SecretsError(
                f"cannot read the vault key {self.key_path} ({e.strerror}); "
                "check its owner and permissions (it should be 0600 and yours)"
            ) from None
        if not _valid_fernet_key(key):
            if not vault_exists:
                return None  # a key never used to encrypt anything (e.g. a crash while creating it)
            raise SecretsError(f"the vault key {self.key_path} is not a valid key (damaged?); {self._fix()}")
        return key

    def _load(self) -> dict[str, dict[str, str]]:
        """The decrypted secrets; {} when there is no vault yet. Never creates files."""
        try:
            token = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise SecretsError(
                f"cannot read the vault {self.path} ({e.strerror}); check its owner and permissions"
            ) from None
        key = self._read_key(vault_exists=True)
        assert key is not None  # for an existing vault, _read_key raises rather than return None
        from cryptography.fernet import Fernet, InvalidToken

        try:
            plain = Fernet(key).decrypt(token)
        except InvalidToken:
            raise SecretsError(
                f"the vault {self.path} cannot be decrypted with {self.key_path} (corrupt or replaced); {self._fix()}"
            ) from None
        data = load_json(plain, f"the decrypted vault {self.path}")
        secrets = data.get("secrets") if isinstance(data, dict) else None
        if not isinstance(secrets, dict):
            raise SecretsError(f"the vault {self.path} has an unknown layout; {self._fix()}")
        return secrets

    def _key_for_write(self) -> bytes:
        """The existing key, or a new one written 0600 with O_EXCL (called under the lock)."""
        key = self._read_key(vault_exists=self.path.exists())
        if key is not None:
            return key
        from cryptography.fernet import Fernet

        key = Fernet.generate_key()
        try:
            self.key_path.unlink()  # only an invalid, never-used key can be here
        except FileNotFoundError:
            pass
        fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        return key

    @contextmanager
    def _transaction(self) -> Iterator[dict[str, dict[str, str]]]:
        """Lock, re-read, let the caller change the dict, write it back if it changed."""
        import json

        with self._locked():
            secrets = self._load()
            before = json.dumps(secrets, sort_keys=True)
            yield secrets
            for group in [g for g, kv in secrets.items() if not kv]:
                del secrets[group]
            if json.dumps(secrets, sort_keys=True) == before:
                return
            key = self._key_for_write()
            from cryptography.fernet import Fernet

            plain = json.dumps({"version": 1, "secrets": secrets}, sort_keys=True).encode()
            atomic_write_bytes(self.path, Fernet(key).encrypt(plain), mode=0o600)

    def get(self, skill: str, instance: str, key: str) -> str | None:
        return self._load().get(group(skill, instance), {}).get(key)

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        check_value(value)
        with self._transaction() as secrets:
            secrets.setdefault(group(skill, instance), {})[key] = value

    def delete(self, skill: str, instance: str, key: str) -> None:
        with self._transaction() as secrets:
            secrets.get(group(skill, instance), {}).pop(key, None)

    def keys(self, skill: str, instance: str) -> list[str]:
        return sorted(self._load().get(group(skill, instance), {}))

    def instances(self, skill: str) -> list[str]:
        return sorted(g.split("@", 1)[1] for g in self._load() if g.split("@", 1)[0] == skill)

    # one write each, instead of one per key

    def delete_instance(self, skill: str, instance: str, keys: Iterable[str] = ()) -> None:
        with self._transaction() as secrets:
            secrets.pop(group(skill, instance), None)

    def delete_skill(self, skill: str) -> None:
        with self._transaction() as secrets:
            for group in [g for g in secrets if g.split("@", 1)[0] == skill]:
                del secrets[group]

    def copy_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] | None = None) -> list[str]:
        with self._transaction() as secrets:
            source = secrets.get(group(skill, src), {})
            names = sorted(source if keys is None else set(keys) & set(source))
            if names:
                secrets.setdefault(group(skill, dst), {}).update({k: source[k] for k in names})
        return names

    def rename_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] = ()) -> list[str]:
        with self._transaction() as secrets:
            source = secrets.pop(group(skill, src), {})
            if source:
                secrets.setdefault(group(skill, dst), {}).update(source)
        return sorted(source)


def _valid_fernet_key(key: bytes) -> bool:
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(key)) == 32
    except (binascii.Error, ValueError):
        return False
