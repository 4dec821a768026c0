"""Runs and answers as MCP tool results: text bounded to `max_output` bytes with the cut marked,
JSON as structured content, failures as tool errors (`isError`), never protocol errors.
The SDK's types are imported when a result is built, by a serving process."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mcp_types

    from engine.events import RunResult

MAX_OUTPUT = 64 * 1024  # bytes of text per tool result
_TRUNCATED = "\n[… {n} more bytes truncated]"


def bound_text(text: str, limit: int = MAX_OUTPUT) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, with a marker saying how much was dropped."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", errors="ignore")
    return kept + _TRUNCATED.format(n=len(data) - len(kept.encode("utf-8")))


def _json_object(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def tool_result(result: RunResult, limit: int = MAX_OUTPUT) -> mcp_types.CallToolResult:
    """A run as an MCP tool result: the output as text, JSON output as structured content,
    a failed run as a tool error naming the tool and why. A run that made HTTP requests adds
    their records (`requests`) to the structured content, and a failed one names each denial
    with the `skill grant` line that would allow it."""
    import mcp_types as types

    audit = [r.to_json() for r in result.requests]
    if not result.ok:
        text = f"{result.ref} failed: {result.error or 'no reason given'}"
        denied = [r.describe() for r in result.requests if not r.allowed]
        if denied:
            text += "\n" + "\n".join(denied)
        if result.stderr.strip():
            tail = result.stderr.strip()[-2000:]
            text += f"\nstderr (last lines):\n{tail}"
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=bound_text(text, limit))],
            structured_content={"error": result.error, "requests": audit} if audit else None,
            is_error=True,
        )
    output_json = _json_object(result.output)
    structured = result.data if isinstance(result.data, dict) else output_json
    if audit:  # the outbound HTTP audit; a tool's own `requests` key keeps its name
        structured = {
            **(structured or {}),
            "_requests" if structured and "requests" in structured else "requests": audit,
        }
    content: list[types.ContentBlock] = []
    if result.output:
        content.append(types.TextContent(type="text", text=bound_text(result.output, limit)))
    if result.data is not None and output_json != result.data:  # the data as JSON text, for every client
        data_text = json.dumps(result.data, ensure_ascii=False, default=str)
        content.append(types.TextContent(type="text", text=bound_text(data_text, limit)))
    if not content:
        content.append(types.TextContent(type="text", text="(no output)"))
    if structured is not None and len(json.dumps(structured, ensure_ascii=False, default=str)) > limit:
        structured = None  # the text blocks carry the (truncated) output instead
    return types.CallToolResult(content=content, structured_content=structured, is_error=False)


def error_result(message: str) -> mcp_types.CallToolResult:
    import mcp_types as types

    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def json_result(value: Any, limit: int = MAX_OUTPUT) -> mcp_types.CallToolResult:
    import mcp_types as types

    text = json.dumps(value, ensure_ascii=False, indent=1)
    structured = value if isinstance(value, dict) and len(text) <= limit else None
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=bound_text(text, limit))],
        structured_content=structured,
        is_error=False,
    )
