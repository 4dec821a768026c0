"""Errors the engine reports to people: one clear line each, with an exit code.

Front doors print `str(error)` and exit with `error.exit_code`; they never show a
traceback for these.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


class SkillError(Exception):
    """Base of every expected failure. `exit_code` follows the CLI contract."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def code(self) -> str:
        """A stable machine-readable name for `--json` errors, from the class name:
        NotFoundError → "not_found", SecretsError → "secrets"; the base class is "error"."""
        name = type(self).__name__.removesuffix("Error") or "error"
        return "error" if name == "Skill" else re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class UsageError(SkillError):
    """Bad input from the user: arguments, files, names. Exit code 2."""

    exit_code = 2


class ArgumentError(UsageError):
    """A bad value for one parameter of a tool.

    `str()` is the whole line a command prints (`--arg width=abc: expected an integer`);
    `reason` is the part about the value alone (`expected an integer`), for a form to show
    under the field, so no front door has to cut the engine's wording apart.
    """

    def __init__(self, message: str, *, param: str, reason: str):
        super().__init__(message)
        self.param = param
        self.reason = reason


class NotFoundError(UsageError):
    """An unknown skill, instance or tool."""


class ManifestError(UsageError):
    """A skill.yaml / SKILL.md that cannot be accepted; names file, field and fix."""


class PatternError(UsageError):
    """A network grant pattern outside the grammar, or a `{{ config.FIELD }}` that cannot be filled;
    the message says what to write instead (`skill grant --net BAD` exits 2 with that one line)."""


class InstallDeclined(UsageError):
    """The capability review of an install was refused (a person said no, or no one could be asked):
    nothing was installed and the previous version, if any, keeps serving."""


class ComponentError(UsageError):
    """A .wasm that is missing, corrupt, or does not implement the skill world."""


class ReadOnlyHomeError(UsageError):
    """A change asked of a home served read-only (SKILL_ENGINE_READONLY=1): nothing was written."""


class StoreDamagedError(SkillError):
    """An installed skill whose store entry or component was damaged or changed after install.

    Not "bad usage" (exit 2): the command was right, the engine's own files are not (exit 1).
    """


class SecretsError(SkillError):
    """The secret store cannot be used: no/locked keyring, corrupt vault, lost key."""


class ToolchainError(SkillError):
    """The JS toolchain is unusable: node/npm missing or too old, or npm failed."""


class BuildError(UsageError):
    """A skill failed to build; ``message`` is one line, with file:line when known."""


class ThemeError(SkillError):
    """A theme file (themes/*.tcss) that cannot be read as a theme."""


class IntegrityError(SkillError):
    """Bytes that do not match the digest, size or --sha256 they were announced with: nothing was kept."""


class SourceError(SkillError):
    """A registry, git remote or URL that failed or refused (401, 404, 500, nothing listening, a missing
    ref): the message names it and says what to do. The previous state is intact."""


class SignatureError(SkillError):
    """A signature that does not verify, an untrusted key under `require`, or a signer other than the
    one the lock pins."""


class MinisignFormatError(ValueError):
    """Text that is not the minisign file (public key, secret key, signature) it should be; the message says
    what is wrong. Raised by engine.distribution.minisign, whose callers turn it into the UsageError or
    SignatureError that names the file."""


class LockMismatch(UsageError):
    """`--locked` and the lock would change, or the store differs from the lock it was asked to match."""


class RequestFailed(Exception):
    """A request that got no response. `kind` is one of the world's error kinds (denied, timeout, too-large,
    too-many, network, cancelled, invalid); `message` is the one line the skill gets. A denial also has
    `hint`, the grant command that would allow it, and `reason`, the message without that hint (the audit
    record keeps the two apart)."""

    def __init__(self, kind: str, message: str, *, hint: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.reason = reason or message

    def to_json(self) -> str:
        """The `{"error": {"kind", "message"}}` the guest gets instead of a response."""
        return json.dumps({"error": {"kind": self.kind, "message": self.message}})


class CallStopped(Exception):
    """A call was stopped (timeout, cancel, output limit) while its guest waited on the network: the
    runtime turns this into a trap at once (never shown as is: the run fails with the stop's reason)."""

    def __init__(self, reason: str, during: str | None):
        super().__init__(f"skill stopped: {reason}" + (f" during {during}" if during else ""))
        self.reason = reason


class Refused(SkillError):
    """A server will not start this run now: draining or full (503), over the rate limit (429).
    Over MCP it is a tool error with this line; over REST, the status and `Retry-After`."""

    def __init__(self, message: str, *, status: int, reason: str, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.reason = reason  # "draining", "full" or "rate_limited" (the metrics' label)
        self.retry_after = retry_after


# ---- the REST API's errors (`skill serve --http`): the status, and the body's code and details ----

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "not_ready",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    @classmethod
    def of(cls, e: SkillError) -> ApiError:
        """An engine error as the API says it: a refusal its own status (429/503, with `Retry-After`),
        unknown things 404, bad input 400 (a bad argument names its parameter in `details`), the rest 409."""
        if isinstance(e, Refused):
            headers = {"Retry-After": str(max(1, math.ceil(e.retry_after)))} if e.retry_after is not None else None
            return cls(e.status, str(e), headers=headers)
        if isinstance(e, ArgumentError):
            return cls(400, str(e), details={"param": e.param, "reason": e.reason})
        if isinstance(e, NotFoundError):
            return cls(404, str(e))
        if isinstance(e, UsageError):
            return cls(400, str(e))
        return cls(409, str(e))

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON name of a value's type ("integer", not Python's "int"), for messages people read."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def shown(value: Any, limit: int = 60) -> str:
    """A value as people write it in JSON, config and arguments (true, "-", null, 5), cut with …"""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listing(values: Any) -> str:
    """Allowed values for a message: text as typed (fast, safe), the rest as JSON (1, 2, true)."""
    return ", ".join(v if isinstance(v, str) else shown(v) for v in values)
