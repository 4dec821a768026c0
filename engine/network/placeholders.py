"""`{{ config.FIELD }}` in a grant: one skill, a different host per instance (a self-hosted GitLab).

The manifest is checked at install with a stand-in value, so a malformed pattern or an undeclared field
fails there, not at the first request. At run time each instance's value is substituted before parsing,
and a value may only be a plain host name or IP: a config value must never widen the grant it fills
(`*.evil.com`, `evil.com/x`, `http://...` are refused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.errors import PatternError
from engine.network.hosts import normalise_host, parse_ip

PLACEHOLDER = re.compile(r"\{\{\s*config\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
STAND_IN = "placeholder.example"


def fields(pattern: str) -> list[str]:
    """The config fields `pattern` refers to, in order."""
    return PLACEHOLDER.findall(pattern)


def with_stand_ins(pattern: str) -> str:
    """`pattern` with each placeholder replaced by a valid host, to check the grammar around it."""
    return PLACEHOLDER.sub(STAND_IN, pattern)


def check_declared(pattern: str, declared: set[str]) -> None:
    """Every placeholder names a declared config field."""
    for name in fields(pattern):
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none declared"
            raise PatternError(f"{{{{ config.{name} }}}} names no config field ({known}); declare {name} under config:")


def resolve(pattern: str, config: Mapping[str, object]) -> str | None:
    """`pattern` with this instance's values, or None when a field is empty (an optional endpoint)."""
    values: dict[str, str] = {}
    for name in fields(pattern):
        value = config.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if normalise_host(text) is None:
            raise PatternError(
                f"config.{name} is {text!r}, which is not a host name; set it to e.g. gitlab.example.com"
            )
        ip = parse_ip(text)
        values[name] = f"[{ip}]" if ip is not None and ip.version == 6 else text
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
