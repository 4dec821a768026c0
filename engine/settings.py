"""settings.toml: the home's few distribution settings, read and written whole and atomically.

[registry]
default = "oci://ghcr.io/acme/skills"   # serves `skill install NAME[@VERSION]`; SKILL_REGISTRY wins
insecure = ["registry.lan:5000"]        # reached over plain HTTP (loopback always may be)
[trust]
policy = "warn"                         # or "require": an unsigned or untrusted skill is refused
"""

from __future__ import annotations

import os
import tomllib
from typing import Any

from engine.errors import UsageError
from engine.fsutil import atomic_write_text, file_lock
from engine.home import Home

REGISTRY_ENV = "SKILL_REGISTRY"


class Settings:
    def __init__(self, home: Home):
        self.home = home

    def read(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.home.settings_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{self.home.settings_file}: not valid TOML ({e}); fix or delete it") from None

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.read().get(section, {}).get(key, default)

    def set(self, section: str, key: str, value: Any) -> None:
        """Set (or, with None, remove) one value, keeping the rest and any comments."""
        import tomlkit

        with file_lock(self.home.root / ".settings.lock"):
            path = self.home.settings_file
            doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
            table = doc.setdefault(section, tomlkit.table())
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
            atomic_write_text(path, tomlkit.dumps(doc))

    def default_registry(self) -> tuple[str | None, str]:
        """(the registry serving `skill install NAME[@VERSION]`, where it is set: SKILL_REGISTRY or this
        file), or (None, "") when none is."""
        env = os.environ.get(REGISTRY_ENV)
        if env:
            return env, REGISTRY_ENV
        value = self.get("registry", "default")
        return (value, str(self.home.settings_file)) if value else (None, "")

    def insecure_registries(self) -> frozenset[str]:
        return frozenset(self.get("registry", "insecure", []))
