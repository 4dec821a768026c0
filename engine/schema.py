"""What an installed skill declares: its name rules, config fields and sandbox grants.

Shared by manifest parsing (install time) and the installed-skill records read on
every run, which is why it lives apart from the YAML parsing in manifest.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import ManifestError, UsageError, listing, shown

MASK = "••••••"
"""How a secret value is shown, anywhere it could be shown."""
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 256


def is_valid_name(name: Any) -> bool:
    """The Agent Skills name rule, which skill and instance names follow: 1-64 of a-z, 0-9 and single '-' inside."""
    return isinstance(name, str) and bool(NAME_RE.match(name)) and len(name) <= 64


def suggested_name(name: Any) -> str:
    """A valid name close to `name`, for the error that refuses it."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:64] or "my-skill"


def check_name(name: Any, where: str) -> str:
    if not is_valid_name(name):
        raise ManifestError(
            f"{where}: {name!r} is not a valid skill name; use 1-64 characters of a-z, 0-9 "
            f"and single '-' between words (e.g. {suggested_name(name)!r})"
        )
    return name


@dataclass(frozen=True)
class Inject:
    """A host-bound secret (`inject:` on a secret field): the host sends `header: format` (with the value
    in place of `{value}`) on requests to `hosts` only, which are written in the grant grammar."""

    header: str
    format: str = "{value}"
    hosts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"header": self.header, "format": self.format, "hosts": list(self.hosts)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Inject:
        return cls(header=d["header"], format=d.get("format", "{value}"), hosts=tuple(d.get("hosts") or ()))


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
    inject: Inject | None = None
    expose: bool = True  # False: the value reaches the skill through no route, only `inject`'s header

    @property
    def env_var(self) -> str:
        """The env var the skill reads this field from: the manifest's, else SKILL_<FIELD>."""
        return self.env or "SKILL_" + re.sub(r"[^A-Za-z0-9]", "_", self.name).upper()

    def to_json(self) -> dict[str, Any]:
        """The installed record's form; `inject` and `expose` only when set, so records of skills that use
        neither stay as they were (an unchanged reinstall compares equal)."""
        out = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if (v not in (None, (), "") or k in ("required", "secret")) and k not in ("inject", "expose")
        }
        if self.inject is not None:
            out["inject"] = self.inject.to_json()
        if not self.expose:
            out["expose"] = False
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ConfigField:
        inject = d.get("inject")
        return cls(
            **{**d, "enum": tuple(d.get("enum") or ()), "inject": None if inject is None else Inject.from_json(inject)}
        )


@dataclass(frozen=True)
class Capabilities:
    """What the sandbox grants beyond the default (/data and the config env vars)."""

    network: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB

    def to_json(self) -> dict[str, Any]:
        return {"network": list(self.network), "timeout_s": self.timeout_s, "memory_mb": self.memory_mb}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Capabilities:
        return cls(
            network=tuple(d.get("network") or ()),
            timeout_s=float(d.get("timeout_s", DEFAULT_TIMEOUT_S)),
            memory_mb=int(d.get("memory_mb", DEFAULT_MEMORY_MB)),
        )


def missing_required(fields: tuple[ConfigField, ...], values: dict[str, Any]) -> list[str]:
    """Required fields that have no value in `values`: the instance is not ready to run."""
    return [f.name for f in fields if f.required and values.get(f.name) in (None, "")]


_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/?#]+[^\s]*$", re.I)


def check_config_value(field: ConfigField, value: Any) -> Any:
    """Check a stored or parsed value against the field's schema; return it or raise UsageError."""
    kind, name = field.type, field.name
    if kind == "boolean" and not isinstance(value, bool):
        raise UsageError(f"{name}: expected true or false, got {shown(value)}")
    if kind in ("integer", "number"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int if kind == "integer" else (int, float))
            or not math.isfinite(value)
        ):
            raise UsageError(
                f"{name}: expected {'an integer' if kind == 'integer' else 'a number'}, got {shown(value)}"
            )
        if field.minimum is not None and value < field.minimum:
            raise UsageError(f"{name}: {value} is below the minimum {field.minimum:g}")
        if field.maximum is not None and value > field.maximum:
            raise UsageError(f"{name}: {value} is above the maximum {field.maximum:g}")
    elif kind in ("string", "enum", "url", "path") and not isinstance(value, str):
        raise UsageError(f"{name}: expected text, got {shown(value)}")
    if field.enum and value not in field.enum:  # for every type, numbers included
        raise UsageError(f"{name}: must be one of {listing(field.enum)}; got {shown(value)}")
    if kind in ("integer", "number", "boolean"):
        return value
    if kind == "url" and not _URL_RE.match(value):
        raise UsageError(f"{name}: {shown(value)} is not a URL; write it like https://example.com/path")
    if kind == "path" and not value.strip():
        raise UsageError(f"{name}: a path cannot be empty")
    if field.pattern and isinstance(value, str) and not re.fullmatch(field.pattern, value):
        what = "the secret value" if field.secret else shown(value)
        raise UsageError(f"{name}: {what} does not match the pattern {field.pattern}")
    return value
