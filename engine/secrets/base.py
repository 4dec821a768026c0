"""The interface every secret store implements, and what is built on it.

A store keeps secret values per (skill, instance, key). Backends implement the primitives
(`where`, `get`, `set`, `delete`, `keys`, `instances`, `elsewhere`); copying, renaming and
deleting whole instances and resolving references are built on them here, and a backend
may do them in fewer writes.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.errors import SecretsError
from engine.fsutil import file_lock
from engine.home import Home
from engine.secrets.refs import parse_reference, secret_id


class SecretStore(ABC):
    """Secret values per (skill, instance, key). Backends implement the abstract primitives."""

    backend: str  # "keyring" or "vault": the first word of the references it makes

    def __init__(self, home: Home):
        self.home = home
        self.folder = home.root / "secrets"
        self._lock_path = self.folder / ".lock"

    # -- primitives

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the values are, for people: "the OS keyring (…)" / "the vault /x/…"."""

    @abstractmethod
    def get(self, skill: str, instance: str, key: str) -> str | None:
        """The value, or None when there is none."""

    @abstractmethod
    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        """Keep `value` (replacing any)."""

    @abstractmethod
    def delete(self, skill: str, instance: str, key: str) -> None:
        """Remove one secret; a missing one is fine."""

    @abstractmethod
    def keys(self, skill: str, instance: str) -> list[str]:
        """The key names stored for one instance (sorted)."""

    @abstractmethod
    def instances(self, skill: str) -> list[str]:
        """The instances of `skill` that have secrets here (sorted)."""

    @abstractmethod
    def elsewhere(self, backend: str, name: str) -> str:
        """Why the secret `name`, kept by the other `backend`, cannot be read through this store, and
        what to do about it (one sentence for a SecretsError)."""

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
            raise SecretsError(self.elsewhere(backend, name))
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


def group(skill: str, instance: str) -> str:
    return f"{skill}@{instance}"


def check_value(value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"secret values are strings, not {type(value).__name__}")


def load_json(data: bytes, what: str) -> Any:
    import json

    try:
        return json.loads(data)
    except ValueError as e:
        raise SecretsError(f"{what} is not valid JSON ({e}); restore it from a backup or remove it") from None
