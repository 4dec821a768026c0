"""The OS keyring (Secret Service / GNOME Keyring, macOS Keychain, Windows Credential Locker).

Entries use the service name "skill-tui" and the username "<skill>@<instance>:<key>". The
keyring cannot list its entries, so `KeyringStore` keeps the *names* of the keys it has set
(never values) in `<home>/secrets/keyring-index.json`; `keys()`, `delete_instance()` and
`copy_instance()` read it. The `keyring` package (~80 ms) is imported only when a store is
opened. (Not named keyring.py: that is the package's own name.)
"""

from __future__ import annotations

from typing import Any

from engine.fsutil import atomic_write_bytes
from engine.home import Home
from engine.secrets.base import SecretsError, SecretStore, check_value, group, load_json
from engine.secrets.refs import ENV_VAR, SERVICE, secret_id
from engine.secrets.vault import VaultStore


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

    def elsewhere(self, backend: str, name: str) -> str:
        return (
            f"{name} is in the vault {VaultStore(self.home).path}, but the OS keyring is in use now; run with "
            f"{ENV_VAR}=vault to read it, or set the secret again to store it in the keyring"
        )

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
        index = load_json(data, f"the keyring index {self.index_path}")
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
        names = set(index.get(group(skill, instance), ()))
        if add:
            names.add(add)
        if remove:
            names.discard(remove)
        if names != set(index.get(group(skill, instance), ())):
            index[group(skill, instance)] = sorted(names)
            self._write_index(index)

    # the store

    def get(self, skill: str, instance: str, key: str) -> str | None:
        name = secret_id(skill, instance, key)
        return self._call("read", name, self._kr.get_password, name)

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        check_value(value)
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
        return sorted(self._read_index().get(group(skill, instance), ()))

    def instances(self, skill: str) -> list[str]:
        return sorted(g.split("@", 1)[1] for g, ks in self._read_index().items() if ks and g.split("@", 1)[0] == skill)
