"""How one outbound request of a run reads in the app: the live log shows it as it finishes, the
history's details list a run's requests the same way.

A request the host refused is a "denied" line with the `skill grant` command that would allow it on
the line below, so the person reads what happened and what to type in one place. The engine has
already dropped the query string and masked secret values; nothing here sees more than the record.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from engine import RequestRecord

_FIELDS = frozenset(f.name for f in fields(RequestRecord))


def byte_size(n: int) -> str:
    """A byte count as people read it: 512 B, 3.4 KB, 8.0 MB (binary units, as RequestRecord.describe
    shows them to the CLI)."""
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MB"


def from_json(item: dict[str, Any]) -> RequestRecord:
    """A record as `RunResult.to_json` (and so the history) keeps it; unknown keys are ignored."""
    return RequestRecord(**{k: v for k, v in item.items() if k in _FIELDS})


def request_entry(record: RequestRecord, duration: str) -> tuple[str, str]:
    """(log line kind, text) of one request; `duration` is the request's time as the log shows times.

    Allowed: `↗ GET URL → 200 · 48 ms · ↑120 B ↓3.4 KB` (or the error kind and why, when no response
    came: a "stderr" line, the skill's own trouble). Denied: `⊘ GET URL denied: why`, highlighted, and
    on the next line the grant that would allow it.
    """
    head = f"{record.method} {record.url}"
    if not record.allowed:
        why = record.reason or record.error or "not granted"
        if record.hint:  # the engine's reason ends with the hint: it goes on a line of its own here
            why = why.removesuffix(f"; to allow it: {record.hint}")
        text = f"⊘ {head}  denied: {why}"
        if record.hint:
            text += f"\n  allow it with: {record.hint}"
        return "denied", text
    if record.status is None:
        outcome = record.error or "no response"
        if record.reason:
            outcome += f": {record.reason}"
        return "stderr", f"↗ {head} → {outcome} · {duration}"
    sizes = f"↑{byte_size(record.sent_bytes)} ↓{byte_size(record.received_bytes)}"
    return "request", f"↗ {head} → {record.status} · {duration} · {sizes}"


def requests_summary(records: tuple[RequestRecord, ...]) -> str:
    """What a run's last log line adds about its requests: " · 3 requests, 1 denied", or "" for none."""
    if not records:
        return ""
    denied = sum(not r.allowed for r in records)
    text = f" · {len(records)} request{'' if len(records) == 1 else 's'}"
    return text + (f", {denied} denied" if denied else "")
