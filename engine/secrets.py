"""Where the values of `secret: true` config fields live: never in a plain file.

Two stores, one interface (`SecretStore`):

* `KeyringStore`: the OS keyring (Secret Service / GNOME Keyring, macOS Keychain,
  Windows Credential Locker) through the `keyring` package. Entries use the service
  name "skill-tui" and the username "<skill>@<instance>:<key>".
* `VaultStore`: the fallback when no real keyring is available (headless boxes, no
  D-Bus session): one Fernet-encrypted JSON file `<home>/secrets/vault.bin`, its key
  beside it in `vault.key` (both 0600, folder 0700). Every write re-reads the vault
  under a file lock, changes it and replaces it atomically, so concurrent processes
  never lose each other's writes. A vault that cannot be decrypted, or a vault
  whose key is gone, is an error: the store never silently starts over.

`open_secret_store(home)` picks the keyring when it is usable, else the vault;
`SKILL_SECRETS=keyring|vault` forces one.

config.toml holds only a *reference* to a secret (`reference()` / `parse_reference()`):
"keyring:skill-tui/<skill>@<instance>:<key>" or "vault:<skill>@<instance>:<key>".

The keyring cannot list its entries, so `KeyringStore` keeps the *names* of the keys
it has set (never values) in `<home>/secrets/keyring-index.json`; `keys()`,
`delete_instance()` and `copy_instance()` read it. Callers may also pass the key
names they know (the skill's secret fields) so nothing depends on that index alone.

Importing this module loads neither `keyring` (~80 ms) nor `cryptography` (~25 ms):
the `skill run` path must stay fast, and most runs have no secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.errors import SecretsError
from engine.fsutil import atomic_write_bytes, file_lock
from engine.home import Home

SERVICE = "skill-tui"
ENV_VAR = "SKILL_SECRETS"
BACKENDS = ("keyring", "vault")

_REF_RE = re.compile(
    r"^(?:(?P<kr>keyring):" + re.escape(SERVICE) + r"/|(?P<vault>vault):)"
    r"(?P<skill>[^@:/\s]+)@(?P<instance>[^@:/\s]+):(?P<key>[^@:/\s]+)$"
)


# ---------------------------------------------------------------- references


def secret_id(skill: str, instance: str, key: str) -> str:
    """ "greeter@default:api_token": the keyring username and the name used in messages."""
    return f"{skill}@{instance}:{key}"


def reference(store_backend: str, skill: str, instance: str, key: str) -> str:
    """What config.toml stores for a secret field instead of its value."""
    if store_backend == "keyring":
        return f"keyring:{SERVICE}/{secret_id(skill, instance, key)}"
    if store_backend == "vault":
        return f"vault:{secret_id(skill, instance, key)}"
    raise ValueError(f"unknown secret backend {store_backend!r}")


def parse_reference(value: Any) -> tuple[str, str, str, str] | None:
    """(backend, skill, instance, key) for a reference made by `reference()`, else None."""
    if not isinstance(value, str):
        return None
    m = _REF_RE.match(value)
    if not m:
        return None
    return (m["kr"] or m["vault"], m["skill"], m["instance"], m["key"])


# ---------------------------------------------------------------- the interface


class SecretStore:
    """Secret values per (skill, instance, key). Subclasses implement get/set/delete/keys."""

    backend: str = ""

    def __init__(self, home: Home):
        self.home = home
        self.folder = home.root / "secrets"
        self._lock_path = self.folder / ".lock"

    # -- primitives

    @property
    def where(self) -> str:
        """Where the values are, for people: "the OS keyring (…)" / "the vault /x/…"."""
        raise NotImplementedError

    def get(self, skill: str, instance: str, key: str) -> str | None:
        raise NotImplementedError

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        raise NotImplementedError

    def delete(self, skill: str, instance: str, key: str) -> None:
        """Remove one secret; a missing one is fine."""
        raise NotImplementedError

    def keys(self, skill: str, instance: str) -> list[str]:
        """The key names stored for one instance (sorted)."""
        raise NotImplementedError

    def instances(self, skill: str) -> list[str]:
        """The instances of `skill` that have secrets here (sorted)."""
        raise NotImplementedError

    # -- built on the primitives

    def delete_instance(self, skill: str, instance: str, keys: Iterable[str] = ()) -> None:
        """Remove all secrets of one instance: the known ones plus any `keys` named."""
        for key in sorted({*self.keys(skill, instance), *keys}):
            self.delete(skill, instance, key)

    def delete_skill(self, skill: str) -> None:
        """Remove the secrets of every instance of `skill` (when it is uninstalled)."""
        for instance in self.instances(skill):
            self.delete_instance(skill, instance)

    def copy_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] | None = None) -> list[str]:
        """Copy `src`'s secrets (all known, or just `keys`) to `dst`; returns the keys copied."""
        names = sorted(self.keys(skill, src) if keys is None else set(keys))
        copied = []
        for key in names:
            value = self.get(skill, src, key)
            if value is not None:
                self.set(skill, dst, key, value)
                copied.append(key)
        return copied

    def rename_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] = ()) -> list[str]:
        """Move all of `src`'s secrets (the known ones plus any `keys` named) to `dst`; returns the keys moved."""
        moved = self.copy_instance(skill, src, dst, {*self.keys(skill, src), *keys})
        self.delete_instance(skill, src, keys)
        return moved

    def resolve(self, value: Any) -> Any:
        """A config value with its secret reference replaced by the secret; other values unchanged.

        A reference to the other backend, or to a secret that is gone, is a SecretsError
        that says where the secret is and how to get it back.
        """
        ref = parse_reference(value)
        if ref is None:
            return value
        backend, skill, instance, key = ref
        name = secret_id(skill, instance, key)
        if backend != self.backend:
            if backend == "keyring":
                raise SecretsError(
                    f"{name} is in the OS keyring, which is not available now (no D-Bus session, or no "
                    f"Secret Service running?); run where the keyring is available (or with "
                    f"{ENV_VAR}=keyring to see why not), or set the secret again to store it in {self.where}"
                )
            vault = VaultStore(self.home)
            raise SecretsError(
                f"{name} is in the vault {vault.path}, but the OS keyring is in use now; run with "
                f"{ENV_VAR}=vault to read it, or set the secret again to store it in the keyring"
            )
        secret = self.get(skill, instance, key)
        if secret is None:
            raise SecretsError(
                f"{name} is referenced by the instance's config but missing from {self.where}; set the secret again"
            )
        return secret

    # -- shared plumbing

    def _ensure_folder(self) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.folder.stat().st_mode & 0o077:
            os.chmod(self.folder, 0o700)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure_folder()
        with file_lock(self._lock_path):
            yield


def _group(skill: str, instance: str) -> str:
    return f"{skill}@{instance}"


def _check_value(value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"secret values are strings, not {type(value).__name__}")


def _load_json(data: bytes, what: str) -> Any:
    import json

    try:
        return json.loads(data)
    except ValueError as e:
        raise SecretsError(f"{what} is not valid JSON ({e}); restore it from a backup or remove it") from None


# ---------------------------------------------------------------- the OS keyring


def keyring_problem() -> str | None:
    """None when the OS keyring is usable, else why not (one phrase). Imports keyring."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        kr = keyring.get_keyring()
    except Exception as e:  # a bad PYTHON_KEYRING_BACKEND, a broken keyring config…
        return f"the keyring package cannot start ({type(e).__name__}: {e})"
    name = f"{type(kr).__module__}.{type(kr).__name__}"
    if isinstance(kr, fail.Keyring):
        return "no OS keyring was found (no D-Bus session, or no Secret Service running?)"
    if isinstance(kr, null.Keyring):
        return f"the keyring is disabled ({name})"
    try:
        if isinstance(kr, chainer.ChainerBackend):
            chained = kr.backends
            if not chained:
                return "no OS keyring was found (no D-Bus session, or no Secret Service running?)"
            top = chained[0]
            if top.priority < 1:
                return f"the best keyring, {type(top).__module__}.{type(top).__name__}, is not a secure one"
            return None
        if kr.priority < 1:
            return f"the keyring {name} is not a secure one (plain-text file backends are not used)"
    except Exception as e:
        return f"the keyring {name} is not available ({type(e).__name__}: {e})"
    return None


def _keyring_error(e: Exception, action: str, name: str) -> SecretsError:
    from keyring.errors import InitError, KeyringLocked, NoKeyringError

    detail = " ".join(str(e).split()).rstrip(".") or type(e).__name__
    if isinstance(e, KeyringLocked):
        why = (
            f"the OS keyring is locked ({detail}); unlock it (log in to the desktop, or "
            "`gnome-keyring-daemon --unlock`) and retry"
        )
    elif isinstance(e, NoKeyringError):
        why = f"no OS keyring is available ({detail}); start one, or use the vault with {ENV_VAR}=vault"
    elif isinstance(e, InitError):
        why = (
            f"the OS keyring cannot be opened ({detail}); create or unlock the default keyring "
            f"(e.g. log in to the desktop), or use the vault with {ENV_VAR}=vault"
        )
    else:
        why = (
            f"the OS keyring failed ({type(e).__name__}: {detail}); check that the Secret Service is running "
            f"and unlocked, or use the vault with {ENV_VAR}=vault"
        )
    return SecretsError(f"cannot {action} {name}: {why}")


class KeyringStore(SecretStore):
    """The OS keyring, plus an index of key names (no values) so instances can be listed."""

    backend = "keyring"

    def __init__(self, home: Home, keyring_backend: Any | None = None):
        super().__init__(home)
        import keyring

        self._kr = keyring_backend or keyring.get_keyring()
        self.index_path = self.folder / "keyring-index.json"

    @property
    def where(self) -> str:
        return f"the OS keyring ({type(self._kr).__module__.rsplit('.', 1)[-1]})"

    def _call(self, action: str, name: str, fn, *args):
        try:
            return fn(SERVICE, *args)
        except Exception as e:
            raise _keyring_error(e, action, name) from e

    # index of key names: {"skill@instance": ["key", …]}

    def _read_index(self) -> dict[str, list[str]]:
        try:
            data = self.index_path.read_bytes()
        except FileNotFoundError:
            return {}
        index = _load_json(data, f"the keyring index {self.index_path}")
        if not isinstance(index, dict):
            raise SecretsError(
                f"the keyring index {self.index_path} is not a JSON object; remove it "
                "(it holds only key names) and set the secrets again"
            )
        return index

    def _write_index(self, index: dict[str, list[str]]) -> None:
        import json

        clean = {g: sorted(set(ks)) for g, ks in sorted(index.items()) if ks}
        atomic_write_bytes(self.index_path, json.dumps(clean, indent=1).encode(), mode=0o600)

    def _index_update(self, skill: str, instance: str, add: str | None = None, remove: str | None = None) -> None:
        index = self._read_index()
        names = set(index.get(_group(skill, instance), ()))
        if add:
            names.add(add)
        if remove:
            names.discard(remove)
        if names != set(index.get(_group(skill, instance), ())):
            index[_group(skill, instance)] = sorted(names)
            self._write_index(index)

    # the store

    def get(self, skill: str, instance: str, key: str) -> str | None:
        name = secret_id(skill, instance, key)
        return self._call("read", name, self._kr.get_password, name)

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        _check_value(value)
        name = secret_id(skill, instance, key)
        with self._locked():
            self._index_update(skill, instance, add=key)  # first: a crash leaves a name, never an orphan value
            self._call("store", name, self._kr.set_password, name, value)

    def delete(self, skill: str, instance: str, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        name = secret_id(skill, instance, key)
        with self._locked():
            try:
                self._kr.delete_password(SERVICE, name)
            except PasswordDeleteError:
                pass  # not there: fine
            except Exception as e:
                raise _keyring_error(e, "delete", name) from e
            self._index_update(skill, instance, remove=key)

    def keys(self, skill: str, instance: str) -> list[str]:
        return sorted(self._read_index().get(_group(skill, instance), ()))

    def instances(self, skill: str) -> list[str]:
        return sorted(g.split("@", 1)[1] for g, ks in self._read_index().items() if ks and g.split("@", 1)[0] == skill)


# ---------------------------------------------------------------- the encrypted vault


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
        from cryptography.fernet import Fernet, InvalidToken

        try:
            plain = Fernet(key).decrypt(token)
        except InvalidToken:
            raise SecretsError(
                f"the vault {self.path} cannot be decrypted with {self.key_path} (corrupt or replaced); {self._fix()}"
            ) from None
        data = _load_json(plain, f"the decrypted vault {self.path}")
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
        return self._load().get(_group(skill, instance), {}).get(key)

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        _check_value(value)
        with self._transaction() as secrets:
            secrets.setdefault(_group(skill, instance), {})[key] = value

    def delete(self, skill: str, instance: str, key: str) -> None:
        with self._transaction() as secrets:
            secrets.get(_group(skill, instance), {}).pop(key, None)

    def keys(self, skill: str, instance: str) -> list[str]:
        return sorted(self._load().get(_group(skill, instance), {}))

    def instances(self, skill: str) -> list[str]:
        return sorted(g.split("@", 1)[1] for g in self._load() if g.split("@", 1)[0] == skill)

    # one write each, instead of one per key

    def delete_instance(self, skill: str, instance: str, keys: Iterable[str] = ()) -> None:
        with self._transaction() as secrets:
            secrets.pop(_group(skill, instance), None)

    def delete_skill(self, skill: str) -> None:
        with self._transaction() as secrets:
            for group in [g for g in secrets if g.split("@", 1)[0] == skill]:
                del secrets[group]

    def copy_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] | None = None) -> list[str]:
        with self._transaction() as secrets:
            source = secrets.get(_group(skill, src), {})
            names = sorted(source if keys is None else set(keys) & set(source))
            if names:
                secrets.setdefault(_group(skill, dst), {}).update({k: source[k] for k in names})
        return names

    def rename_instance(self, skill: str, src: str, dst: str, keys: Iterable[str] = ()) -> list[str]:
        with self._transaction() as secrets:
            source = secrets.pop(_group(skill, src), {})
            if source:
                secrets.setdefault(_group(skill, dst), {}).update(source)
        return sorted(source)


def _valid_fernet_key(key: bytes) -> bool:
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(key)) == 32
    except (binascii.Error, ValueError):
        return False


# ---------------------------------------------------------------- choosing


def open_secret_store(home: Home) -> SecretStore:
    """The keyring when it is usable, else the vault; `SKILL_SECRETS=keyring|vault` forces one."""
    forced = os.environ.get(ENV_VAR, "").strip().lower()
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
        f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not understood; use 'keyring', 'vault', "
        "or leave it unset to choose automatically"
    )
