"""What a skill tool looks like to an MCP client: its name and the JSON schema of its arguments,
and the same for the meta tools (`list_skills`, `search_skills`, `call_skill`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.protocol import Param, Tool


_JSON_TYPES = {
    "string": "string",
    "file": "string",
    "number": "number",
    "integer": "integer",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}


def _matches_type(value: Any, kind: str) -> bool:
    from engine.protocol import _PY_TYPES

    expected = _PY_TYPES.get(kind)
    if expected is None:
        return True
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, expected)


def param_schema(p: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if p.type in _JSON_TYPES:
        schema["type"] = _JSON_TYPES[p.type]
    # "json" parameters take any JSON value: no "type"
    if p.description:
        schema["description"] = p.description
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.default is not None and _matches_type(p.default, p.type):
        schema["default"] = p.default
    return schema


def input_schema(tool: Tool) -> dict[str, Any]:
    """The tool's parameters as a JSON schema (what `engine.protocol.check_args` enforces)."""
    schema: dict[str, Any] = {"type": "object", "properties": {p.name: param_schema(p) for p in tool.params}}
    required = [p.name for p in tool.params if p.required]
    if required:
        schema["required"] = required
    if tool.params:  # check_args refuses unknown arguments only when parameters are declared
        schema["additionalProperties"] = False
    return schema


def meta_tools(lazy: bool) -> list[dict[str, Any]]:
    """The tools that find and call skill tools: always `list_skills` and `search_skills`;
    `call_skill` too when `lazy` (the skill tools themselves are then not listed)."""
    tools = [
        {
            "name": "list_skills",
            "title": "List skills",
            "description": "List the installed skills served here: each skill's instances and tools, with the "
            "MCP tool name to call for each skill@instance:tool.",
            "input_schema": {
                "type": "object",
                "properties": {"skill": {"type": "string", "description": "only this skill"}},
                "additionalProperties": False,
            },
        },
        {
            "name": "search_skills",
            "title": "Search skills",
            "description": "Find tools and knowledge by what they do (semantic search when the engine has it, "
            "else word matching). Returns tools (kind 'tool': MCP tool names, skill@instance:tool references, "
            "descriptions) and knowledge (kind 'skill' or 'file': a skill's instructions or a section of one "
            "of its files, with the load_skill or read_skill_file call that reads it), each with a relevance "
            "score 0..1; nothing and a message when nothing matches the query.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "what you want to do, in a few words"},
                    "top": {
                        "type": "integer",
                        "description": "how many tools to return",
                        "default": 10,
                        "minimum": 1,
                        "maximum": 100,
                    },
                    "skill": {"type": "string", "description": "only tools of this skill"},
                },
                "required": ["query"],
                "additionalProperties": False,
            },
        },
    ]
    if lazy:
        tools.append(
            {
                "name": "call_skill",
                "title": "Call a skill tool",
                "description": "Run one skill tool found with search_skills or list_skills: give its MCP tool "
                "name (or skill@instance:tool) and its arguments.",
                "input_schema": {
                    "type": "object",
                    "properties": {
                        "tool": {"type": "string", "description": "MCP tool name or skill@instance:tool"},
                        "arguments": {"type": "object", "description": "the tool's arguments"},
                    },
                    "required": ["tool"],
                    "additionalProperties": False,
                },
            }
        )
    return tools
