"""skill-tui's headless engine: store, instances, sandboxed wasmtime runtime, history, search.

This module is the engine's public surface: the front doors (the `skill` command in `engine.cli`,
the MCP server in `engine.mcp`, the Textual app in `skill_tui`) import what they use from here, and
an import contract (pyproject.toml) keeps the app from reaching past it. Every name resolves on
first use (PEP 562), so `import engine` costs nothing and `skill list` still never loads wasmtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # the facade, and the values every front door passes around
    "Engine": "engine.api",
    "ToolRef": "engine.refs",
    "InstanceRef": "engine.refs",
    "DEFAULT": "engine.refs",
    # what a run streams and returns
    "RunEvent": "engine.events",
    "RunStarted": "engine.events",
    "RunOutput": "engine.events",
    "RunFinished": "engine.events",
    "RunRequest": "engine.events",
    "RequestRecord": "engine.events",
    "byte_size": "engine.events",
    "RunResult": "engine.events",
    "OnEvent": "engine.events",
    # errors (each carries its exit code)
    "SkillError": "engine.errors",
    "UsageError": "engine.errors",
    "ArgumentError": "engine.errors",
    "NotFoundError": "engine.errors",
    "ManifestError": "engine.errors",
    "ComponentError": "engine.errors",
    "StoreDamagedError": "engine.errors",
    "SecretsError": "engine.errors",
    "ToolchainError": "engine.errors",
    "BuildError": "engine.errors",
    "ThemeError": "engine.errors",
    "PatternError": "engine.errors",
    "InstallDeclined": "engine.errors",
    "IntegrityError": "engine.errors",
    "SourceError": "engine.errors",
    "SignatureError": "engine.errors",
    "LockMismatch": "engine.errors",
    # distribution: what an install reports while it fetches, and what the lock pins
    "Step": "engine.distribution.fetching",
    "LockedSkill": "engine.distribution.lockfile",
    "UpdateInfo": "engine.distribution.updates",
    "RegistryHit": "engine.distribution.oci.search",
    # what is installed and how it is configured
    "InstalledSkill": "engine.store",
    "InstallReport": "engine.store",
    "PackageFile": "engine.knowledge.tree",
    "KINDS": "engine.knowledge",
    "Validation": "engine.knowledge.validation",
    "Finding": "engine.knowledge.validation",
    "split_skill_md": "engine.knowledge.frontmatter",
    "estimate_tokens": "engine.knowledge.tree",
    "Tool": "engine.protocol",
    "Param": "engine.protocol",
    "PARAM_TYPES": "engine.protocol",
    "check_args": "engine.protocol",
    "ConfigReport": "engine.configuration",
    "ConfigEntry": "engine.configuration",
    "Configuration": "engine.configuration",
    # typed values as people type and read them
    "as_text": "engine.values",
    "check_value": "engine.values",
    "coerce_cli_value": "engine.values",
    "parse_config_text": "engine.values",
    # network: what an instance may reach, and the capability review of an install
    "NetworkAccess": "engine.network.access",
    "InjectedSecret": "engine.network.access",
    "CapabilityReview": "engine.review",
    "Asked": "engine.review",
    "SecretAsk": "engine.review",
    "SCRIPTS_LINE": "engine.review",
    # finding tools
    "SearchHit": "engine.search",
    "WORDS": "engine.search",
    "no_match": "engine.search",
    # the run history, and the MCP servers running on this home
    "HistoryTail": "engine.history",
    "running_servers": "engine.mcp.registry",
    # dev mode: a session and what it reports
    "DevSession": "engine.build.dev",
    "DevEvent": "engine.build.dev",
    "Reloaded": "engine.build.dev",
    "ReloadFailed": "engine.build.dev",
    "DevRunResult": "engine.build.dev",
    "ReleaseStarted": "engine.build.dev",
    "ReleaseInstalled": "engine.build.dev",
    "ReleaseFailed": "engine.build.dev",
    "describe_dev_event": "engine.build.dev",
    # process set-up for long-lived front doors, and the one crash-safe write
    "use_warm_slots": "engine.runtime.pool",
    "atomic_write_text": "engine.fsutil",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # the same names, for type checkers and readers
    from engine.api import Engine
    from engine.build.dev import (
        DevEvent,
        DevRunResult,
        DevSession,
        ReleaseFailed,
        ReleaseInstalled,
        ReleaseStarted,
        Reloaded,
        ReloadFailed,
        describe_dev_event,
    )
    from engine.configuration import ConfigEntry, ConfigReport, Configuration
    from engine.distribution.fetching import Step
    from engine.distribution.lockfile import LockedSkill
    from engine.distribution.oci.search import RegistryHit
    from engine.distribution.updates import UpdateInfo
    from engine.errors import (
        ArgumentError,
        BuildError,
        ComponentError,
        InstallDeclined,
        IntegrityError,
        LockMismatch,
        ManifestError,
        NotFoundError,
        PatternError,
        SecretsError,
        SignatureError,
        SkillError,
        SourceError,
        StoreDamagedError,
        ThemeError,
        ToolchainError,
        UsageError,
    )
    from engine.events import (
        OnEvent,
        RequestRecord,
        RunEvent,
        RunFinished,
        RunOutput,
        RunRequest,
        RunResult,
        RunStarted,
        byte_size,
    )
    from engine.fsutil import atomic_write_text
    from engine.history import HistoryTail
    from engine.knowledge import KINDS
    from engine.knowledge.frontmatter import split_skill_md
    from engine.knowledge.tree import PackageFile, estimate_tokens
    from engine.knowledge.validation import Finding, Validation
    from engine.mcp.registry import running_servers
    from engine.network.access import InjectedSecret, NetworkAccess
    from engine.protocol import PARAM_TYPES, Param, Tool, check_args
    from engine.refs import DEFAULT, InstanceRef, ToolRef
    from engine.review import SCRIPTS_LINE, Asked, CapabilityReview, SecretAsk
    from engine.runtime.pool import use_warm_slots
    from engine.search import WORDS, SearchHit, no_match
    from engine.store import InstalledSkill, InstallReport
    from engine.values import as_text, check_value, coerce_cli_value, parse_config_text
