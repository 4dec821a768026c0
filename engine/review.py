"""The capability review of an install: what a skill asks for, and what an upgrade asks beyond what was
accepted before.

A skill asks for the network patterns its manifest declares, the secrets it keeps (and, for host-bound
ones, the hosts that receive them), its own /data folder per instance, and its time and memory limits.
The person (a terminal's [y/N], `--yes`, the app's dialog) accepts or refuses it before anything is
installed; the accepted `Asked` is recorded in the installed skill, so the next upgrade is compared with
what was accepted rather than with what was merely installed. Plain data, shared by every front door:
`lines()` is the one wording of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.schema import Capabilities, ConfigField

SCRIPTS_LINE = (
    "scripts: its scripts/*.py may run, each in the Python sandbox (its folder read-only, a scratch /tmp, "
    "its network grants and limits; never a shell)"
)


@dataclass(frozen=True)
class SecretAsk:
    """A secret the skill keeps per instance; `hosts` set when the host injects it (never the value)."""

    field: str
    description: str = ""
    header: str | None = None  # the header it is injected into, for host-bound secrets
    hosts: tuple[str, ...] = ()
    exposed: bool = True  # whether the skill itself can read it

    def describe(self) -> str:
        where = f"{self.field} ({self.description})" if self.description else self.field
        if self.header is None:
            return f"secret {where}, readable by the skill"
        reach = ", also readable by the skill" if self.exposed else ", never shown to the skill"
        return f"secret {where}, sent as {self.header} to {', '.join(self.hosts)} only{reach}"

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "description": self.description,
            "header": self.header,
            "hosts": list(self.hosts),
            "exposed": self.exposed,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SecretAsk:
        return cls(
            field=d["field"],
            description=d.get("description", ""),
            header=d.get("header"),
            hosts=tuple(d.get("hosts") or ()),
            exposed=bool(d.get("exposed", True)),
        )


@dataclass(frozen=True)
class Asked:
    """What one version of a skill asks for."""

    network: tuple[str, ...] = ()
    secrets: tuple[SecretAsk, ...] = ()
    timeout_s: float = 0.0
    memory_mb: int = 0
    scripts: bool = False  # an Agent Skill's scripts/*.py may run (install --allow-scripts)

    @classmethod
    def of(cls, fields: Iterable[ConfigField], capabilities: Capabilities) -> Asked:
        return cls(
            network=capabilities.network,
            secrets=tuple(
                SecretAsk(
                    f.name,
                    f.description,
                    f.inject.header if f.inject else None,
                    f.inject.hosts if f.inject else (),
                    f.expose,
                )
                for f in fields
                if f.secret
            ),
            timeout_s=capabilities.timeout_s,
            memory_mb=capabilities.memory_mb,
        )

    def lines(self) -> list[str]:
        """What it asks for, one item a line, as every front door shows it."""
        network = ", ".join(self.network) if self.network else "none"
        return [
            f"network: {network}",
            *(s.describe() for s in self.secrets),
            "files: its own /data folder per instance, nothing else",
            f"limits: {self.timeout_s:g} s and {self.memory_mb} MiB per run",
            *([SCRIPTS_LINE] if self.scripts else []),
        ]

    def beyond(self, before: Asked | None) -> tuple[str, ...]:
        """What this asks for that `before` (what was accepted) did not, one line each; all of it when
        nothing was accepted before."""
        if before is None:
            return tuple(self.lines())
        out = [f"network: {p} (new)" for p in self.network if p not in before.network]
        old = {s.field: s for s in before.secrets}
        for s in self.secrets:
            prior = old.get(s.field)
            if prior is None:
                out.append(s.describe() + " (new)")
            elif set(s.hosts) - set(prior.hosts) or (s.exposed and not prior.exposed) or s.header != prior.header:
                out.append(s.describe() + " (changed)")
        if self.timeout_s > before.timeout_s:
            out.append(f"time limit: {self.timeout_s:g} s per run (was {before.timeout_s:g} s)")
        if self.memory_mb > before.memory_mb:
            out.append(f"memory limit: {self.memory_mb} MiB per run (was {before.memory_mb} MiB)")
        if self.scripts and not before.scripts:
            out.append(f"{SCRIPTS_LINE} (new)")
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "network": list(self.network),
            "secrets": [s.to_json() for s in self.secrets],
            "timeout_s": self.timeout_s,
            "memory_mb": self.memory_mb,
            "scripts": self.scripts,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Asked:
        return cls(
            network=tuple(d.get("network") or ()),
            secrets=tuple(SecretAsk.from_json(s) for s in d.get("secrets") or ()),
            timeout_s=float(d.get("timeout_s", 0.0)),
            memory_mb=int(d.get("memory_mb", 0)),
            scripts=bool(d.get("scripts", False)),
        )


@dataclass(frozen=True)
class CapabilityReview:
    """What the person is asked before an install or upgrade (the app shows it as a dialog)."""

    skill: str
    version: str
    previous_version: str | None  # the installed version, for an upgrade
    asked: Asked
    widened: tuple[str, ...]  # what it asks beyond what was accepted for the installed version
    trust: tuple[str, ...] = ()  # who vouches for it changed (another signer than the pinned one), one line each
    knowledge: tuple[int, int] | None = None  # a knowledge skill's (files, bytes): nothing of it runs

    @property
    def needs_consent(self) -> bool:
        """Whether to ask at all: a skill that asks for network, new or beyond what was accepted, or one
        signed by another key than the installed version (whatever it asks for: the code is someone else's).

        Without network a skill can only use what it is given (its /data, its config) inside its
        limits, so it installs without a question and existing scripts keep working. Letting its scripts
        run (`--allow-scripts`) is asked like network."""
        asks = bool(self.asked.network) or self.asked.scripts
        return asks and bool(self.widened) or bool(self.trust)

    def lines(self) -> list[str]:
        """The review as shown: the header, then everything asked, or for an upgrade only what is new. A
        knowledge skill asks for nothing (no network, secrets or limits apply): what it holds is said instead."""
        if self.knowledge is not None:
            count, size = self.knowledge
            runs = "its Python scripts may run" if self.asked.scripts else "nothing runs"
            head = f"{self.skill} {self.version} is a knowledge skill: {count} file(s), {size / 1024:.1f} KB; {runs}"
            body = (
                [SCRIPTS_LINE]
                if self.asked.scripts
                else ["its files (scripts/ too) are served to agents as files, never run"]
            )
        elif self.previous_version is None:
            head = f"{self.skill} {self.version} asks for:"
            body = self.asked.lines()
        elif self.widened:
            head = f"{self.skill} {self.version} (upgrade from {self.previous_version}) asks for more than before:"
            body = list(self.widened)
        else:
            head = f"{self.skill} {self.version} asks for nothing beyond what {self.previous_version} was accepted with"
            body = []
        return [head, *(f"  {line}" for line in body), *self.trust]

    def to_json(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "version": self.version,
            "previous_version": self.previous_version,
            "asked": self.asked.to_json(),
            "widened": list(self.widened),
            "trust": list(self.trust),
            "knowledge": None if self.knowledge is None else {"files": self.knowledge[0], "bytes": self.knowledge[1]},
            "needs_consent": self.needs_consent,
        }


@dataclass(frozen=True)
class Accepted:
    """The review recorded in an installed skill: what was accepted, when, and whether a person said yes
    (False: nothing needed consent, or the caller installed without a review)."""

    asked: Asked
    at: float
    consented: bool

    def to_json(self) -> dict[str, Any]:
        return {"asked": self.asked.to_json(), "at": self.at, "consented": self.consented}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Accepted:
        return cls(
            asked=Asked.from_json(d.get("asked") or {}), at=float(d.get("at", 0.0)), consented=bool(d.get("consented"))
        )
