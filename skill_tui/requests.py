"""How one outbound request of a run reads in the app: the live log shows it as it finishes, the
history's details list a run's requests the same way.

A request the host refused is a "denied" line with the `skill grant` command that would allow it on
the line below, so the person reads what happened and what to type in one place. The engine has
already dropped the query string and masked secret values; nothing here sees more than the record.
"""

from __future__ import annotations

from engine import RequestRecord, byte_size


def request_entry(record: RequestRecord, duration: str) -> tuple[str, str]:
    """(log line kind, text) of one request; `duration` is the request's time as the log shows times.

    Allowed: `↗ GET URL → 200 · 48 ms · ↑120 B ↓3.4 KB` (or the error kind and why, when no response
    came: a "stderr" line, the skill's own trouble). Denied: `⊘ GET URL denied: why`, highlighted, and
    on the next line the grant that would allow it.
    """
    head = f"{record.method} {record.url}"
    if not record.allowed:
        why = record.reason or record.error or "not granted"  # the hint has a line of its own
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
