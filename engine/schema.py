"""What an installed skill declares: its name rules, config fields and sandbox grants.

Shared by manifest parsing (install time) and the installed-skill records read on
every run, which is why it lives apart from the YAML parsing in manifest.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.errors import ManifestError

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 256


def check_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > 64:
        hint = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:64] or "my-skill"
        raise ManifestError(f"{where}: {name!r} is not a valid skill name; use 1-64 characters of a-z, 0-9 "
                            f"and single '-' between words (e.g. {hint!r})")
    return name


@dataclass(frozen=True)
class ConfigField:
    name: str
    type: str = "string"
    required: bool = False
    secret: bool = False
    default: Any = None
    description: str = ""
    env: str | None = None
    enum: tuple[Any, ...] = ()
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def env_var(self) -> str:
        """The env var the skill reads this field from: the manifest's, else SKILL_<FIELD>."""
        return self.env or "SKILL_" + re.sub(r"[^A-Za-z0-9]", "_", self.name).upper()

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()
                if v not in (None, (), "") or k in ("required", "secret")}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ConfigField":
        return cls(**{**d, "enum": tuple(d.get("enum") or ())})


@dataclass(frozen=True)
class Capabilities:
    """What the sandbox grants beyond the default (/data and the config env vars)."""

    network: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB

    def to_json(self) -> dict[str, Any]:
        return {"network": list(self.network), "timeout_s": self.timeout_s, "memory_mb": self.memory_mb}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Capabilities":
        return cls(network=tuple(d.get("network") or ()), timeout_s=float(d.get("timeout_s", DEFAULT_TIMEOUT_S)),
                   memory_mb=int(d.get("memory_mb", DEFAULT_MEMORY_MB)))
