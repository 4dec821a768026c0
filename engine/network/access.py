"""One instance's network rights: declared by the manifest, granted or revoked by a person, and the
host-bound secrets; and the NetworkPolicy of one run built from them.

    effective = (declared ∪ granted) − revoked

A skill that declares nothing has no network until a person grants it some. A revoke names a declared
pattern (a granted one is simply dropped), so an upgrade that declares it again does not bring it back.
Patterns compare by what they allow, not by spelling: `API.GitHub.com` revokes `api.github.com`.
Pure functions over plain data: the grants are stored by engine.instances, the service is engine.grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import PatternError, UsageError
from engine.network import placeholders
from engine.network.patterns import Pattern, check_written, for_instance, parse
from engine.network.policy import Injection, NetworkPolicy
from engine.schema import ConfigField


@dataclass(frozen=True)
class Grants:
    """What a person changed for one instance (config.toml's [network] table)."""

    granted: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()


@dataclass(frozen=True)
class InjectedSecret:
    """A host-bound secret as shown to people: which field, which header, which hosts; never the value."""

    field: str
    header: str
    hosts: tuple[str, ...]
    exposed: bool  # whether the skill may also read the value (env, get-config)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "header": self.header, "hosts": list(self.hosts), "exposed": self.exposed}


@dataclass(frozen=True)
class NetworkAccess:
    """What `skill grants` and the app's wizard show for one instance."""

    skill: str
    instance: str
    declared: tuple[str, ...]
    granted: tuple[str, ...]
    revoked: tuple[str, ...]
    effective: tuple[str, ...]  # as written; `{{ config.FIELD }}` is filled per run
    injections: tuple[InjectedSecret, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "instance": self.instance,
            "declared": list(self.declared),
            "granted": list(self.granted),
            "revoked": list(self.revoked),
            "effective": list(self.effective),
            "injections": [i.to_json() for i in self.injections],
        }


def key(text: str) -> tuple[Any, ...]:
    """What a pattern allows, for comparing two spellings (one with placeholders: its normalised text)."""
    if placeholders.fields(text):
        return ("written", "".join(text.split()))
    p = parse(text)
    return (p.schemes, p.kind, p.host, p.ports)


def contains(patterns: Iterable[str], text: str) -> bool:
    wanted = key(text)
    return any(key(p) == wanted for p in patterns)


def without(patterns: Iterable[str], text: str) -> tuple[str, ...]:
    wanted = key(text)
    return tuple(p for p in patterns if key(p) != wanted)


def check_pattern(text: str, fields: Iterable[ConfigField]) -> str:
    """A pattern a person typed (`skill grant --net`), in the manifest's grammar; PatternError says the fix."""
    text = text.strip()
    check_written(text, {f.name for f in fields})
    return text


def effective(declared: Iterable[str], grants: Grants) -> tuple[str, ...]:
    """(declared ∪ granted) − revoked, in that order, each pattern once."""
    out: list[str] = []
    for text in [*declared, *grants.granted]:
        if not contains(out, text) and not contains(grants.revoked, text):
            out.append(text)
    return tuple(out)


def access(
    skill: str, instance: str, fields: Iterable[ConfigField], declared: tuple[str, ...], grants: Grants
) -> NetworkAccess:
    return NetworkAccess(
        skill=skill,
        instance=instance,
        declared=declared,
        granted=grants.granted,
        revoked=grants.revoked,
        effective=effective(declared, grants),
        injections=tuple(
            InjectedSecret(f.name, f.inject.header, f.inject.hosts, f.expose) for f in fields if f.inject is not None
        ),
    )


def network_policy(
    skill: str,
    instance: str,
    fields: Iterable[ConfigField],
    declared: tuple[str, ...],
    grants: Grants,
    values: Mapping[str, Any],
) -> NetworkPolicy:
    """The run's grants and injections, placeholders filled from `values` (secrets already resolved).

    A `{{ config.FIELD }}` left empty drops its pattern (an optional endpoint); a value that is not a host
    is refused with the field to fix (UsageError, before the run starts)."""
    allow = [_filled(text, values, f"{skill}@{instance}: network pattern") for text in effective(declared, grants)]
    return NetworkPolicy(
        allow=tuple(p for p in allow if p is not None),
        inject=injections(skill, instance, fields, values),
        skill=skill,
        instance=instance,
    )


def injections(
    skill: str, instance: str, fields: Iterable[ConfigField], values: Mapping[str, Any]
) -> tuple[Injection, ...]:
    """One Injection per host-bound secret that has a value in this instance."""
    out = []
    for f in fields:
        raw = values.get(f.name)
        if f.inject is None or raw in (None, ""):
            continue
        secret = str(raw)
        if "\r" in secret or "\n" in secret:
            raise UsageError(
                f"{skill}@{instance}: {f.name} holds a line break, which cannot go into the {f.inject.header} "
                f"header; set it again with `skill config {skill}@{instance} --set {f.name}=...`"
            )
        where = f"{skill}@{instance}: {f.name}.inject.hosts"
        hosts = tuple(p for p in (_filled(text, values, where) for text in f.inject.hosts) if p is not None)
        value = f.inject.format.replace("{value}", secret)
        out.append(Injection(f.name, f.inject.header.lower(), value, hosts, secret=secret))
    return tuple(out)


def _filled(text: str, values: Mapping[str, Any], where: str) -> Pattern | None:
    """patterns.for_instance, its complaint about a config value said as a run-time UsageError."""
    try:
        return for_instance(text, values)
    except PatternError as e:
        raise UsageError(f"{where} {text!r}: {e}") from None
