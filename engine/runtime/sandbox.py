"""What one call may see and use, and what came out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.events import RequestRecord
from engine.network.policy import NetworkPolicy

KEEP_OUTPUT_BYTES = 256 * 1024
OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Mount:
    """One more host folder the call sees at `guest` (an Agent Skill script's own folder, its scratch /tmp)."""

    host: Path
    guest: str
    writable: bool = False


@dataclass(frozen=True)
class SandboxPolicy:
    """Deny by default: the skill sees exactly this and nothing of the host.

    `data_dir` is preopened as `/data` (no other path exists for the skill);
    `env` is the whole environment it sees; `config` answers the `get-config`
    host imports. The network is `network`'s grants through the `http-request`
    host import, or nothing when it is None: the linker offers no wasi:http and
    WASI sockets are not granted.
    """

    data_dir: Path | None = None
    data_writable: bool = True  # False on a read-only home: /data is the image's, as it was baked
    env: dict[str, str] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0
    memory_mb: int = 256
    keep_output_bytes: int = KEEP_OUTPUT_BYTES
    output_limit_bytes: int = OUTPUT_LIMIT_BYTES
    network: NetworkPolicy | None = None
    mounts: tuple[Mount, ...] = ()


@dataclass(frozen=True)
class CallOutcome:
    """The raw result of one export call.

    `value` is the export's return value; when the call did not return, `failure`
    says why in one line and `stopped` names the cause
    ("timeout", "cancelled", "output-limit", "trap", "memory", "link").
    """

    value: str | None
    stdout: str = ""
    stderr: str = ""
    failure: str | None = None
    stopped: str | None = None
    duration_ms: float = 0.0
    requests: tuple[RequestRecord, ...] = ()  # the call's outbound HTTP, in the order each finished
