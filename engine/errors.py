"""Errors the engine reports to people: one clear line each, with an exit code.

Front doors print `str(error)` and exit with `error.exit_code`; they never show a
traceback for these.
"""

from __future__ import annotations


class SkillError(Exception):
    """Base of every expected failure. `exit_code` follows the CLI contract."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(SkillError):
    """Bad input from the user: arguments, files, names. Exit code 2."""

    exit_code = 2


class NotFoundError(UsageError):
    """An unknown skill, instance or tool."""


class ManifestError(UsageError):
    """A skill.yaml / SKILL.md that cannot be accepted; names file, field and fix."""


class ComponentError(UsageError):
    """A .wasm that is missing, corrupt, or does not implement the skill world."""

