"""Secret references: what config.toml holds instead of a secret's value.

"keyring:skill-tui/<skill>@<instance>:<key>" or "vault:<skill>@<instance>:<key>": the backend that
has the value, and its name there. Pure string work: no keyring, no cryptography.
"""

from __future__ import annotations

import re
from typing import Any

SERVICE = "skill-tui"
ENV_VAR = "SKILL_SECRETS"
BACKENDS = ("keyring", "vault")

_REF_RE = re.compile(
    r"^(?:(?P<kr>keyring):" + re.escape(SERVICE) + r"/|(?P<vault>vault):)"
    r"(?P<skill>[^@:/\s]+)@(?P<instance>[^@:/\s]+):(?P<key>[^@:/\s]+)$"
)


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
