"""Knowledge skills over MCP, in order of reach (what clients really show: only tools reach every model).

- Tools: `load_skill(name)`, its `name` an enum of the skills a model may load and its description the catalog
  (name: description), returns `engine.knowledge.agent.skill_content`: the body, the base URI and the file
  list, not the files (progressive disclosure); `read_skill_file(name, path)` returns one file, the path
  normalised inside the package (`Engine.skill_file`), text only, bounded like every result.
- Resources `skill://NAME/SKILL.md` (text/markdown) and the skill's other text files (MAX_RESOURCES a
  skill; the template `skill://{name}/{+path}` reaches the rest); binary files are refused, not sent as blobs
  (agents get text, and a blob would only bloat a context).
- One prompt per skill (optional `task`): the SKILL.md as an embedded resource, then the task; none for a
  skill whose frontmatter says `user-invocable: false`.
- The draft MCP skills extension (SEP-2640, experimental): `skills/list` and `skills/get` with the verbatim
  frontmatter and a sha256 per file, advertised under `io.modelcontextprotocol/skills`.

Files are served as text, `scripts/` too. The one exception: `run_skill_script(name, path, args)`, listed
only when a served skill was installed with `--allow-scripts`, runs one of its `scripts/*.py` in the Python
sandbox (`engine.build.scripts`). The SDK's types are imported when an answer is built, by a serving process.
"""

from __future__ import annotations

import mimetypes
import threading
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from engine.errors import SkillError
from engine.knowledge.agent import (
    SKILL_MD,
    base_uri,
    catalog,
    fields,
    has_skill_md,
    model_invocable,
    skill_content,
    user_invocable,
)
from engine.mcp.results import bound_text, error_result
from engine.store import scripts_allowed

if TYPE_CHECKING:
    import mcp_types

    from engine.api import Engine
    from engine.mcp.catalog import Selection
    from engine.search import SearchHit
    from engine.store import InstalledSkill

EXTENSION = "io.modelcontextprotocol/skills"
TEMPLATE = "skill://{name}/{+path}"
MAX_RESOURCES = 100  # files of one skill listed as resources; the template reaches the others
RESOURCE_NOT_FOUND = -32002  # the MCP spec's code for resources/read of an unknown URI
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/x-sh",
        "application/javascript",
        "application/toml",
        "application/yaml",
    }
)
_TEXT_SUFFIXES = {
    ".md": "text/markdown",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
}


@dataclass(frozen=True)
class Library:
    """The served skills that have a SKILL.md (kinds knowledge and both), by name."""

    skills: tuple[InstalledSkill, ...] = ()

    def get(self, name: Any) -> InstalledSkill | None:
        return next((s for s in self.skills if s.name == name), None)

    def key(self) -> tuple[Any, ...]:
        """What clients see of the library: compared to tell whether resources and prompts changed."""
        return tuple((s.name, s.description, s.frontmatter, s.files) for s in self.skills)


def build_library(engine: Engine, selection: Selection) -> Library:
    """The skills with a SKILL.md that `selection` serves (`--skill`; they have no instances to filter)."""
    return Library(
        tuple(s for s in engine.skills() if has_skill_md(s) and (not selection.skills or s.name in selection.skills))
    )


def file_uri(name: str, path: str) -> str:
    return base_uri(name) + quote(path, safe="/")


def mime_type(path: str) -> str | None:
    """The file's type when its name says text (listed as a resource), None when it says otherwise (an image,
    an archive: not listed). A name that says nothing (LICENSE, x.unknown) counts as text/plain; reading
    checks the bytes either way (`engine.knowledge.tree.read_text`)."""
    suffix = PurePosixPath(path).suffix.lower()
    guessed = (_TEXT_SUFFIXES.get(suffix) or mimetypes.guess_type(path)[0]) if suffix else None
    if guessed is None:
        return "text/plain"
    return guessed if guessed.startswith("text/") or guessed in _TEXT_TYPES else None


# ---- tools ----------------------------------------------------------------------------------------


def tools(library: Library) -> list[dict[str, Any]]:
    """`load_skill` and `read_skill_file` when some skill can be loaded (an enum must not be empty)."""
    loadable = [s.name for s in library.skills if model_invocable(s)]
    every = [s.name for s in library.skills]
    out = []
    if loadable:
        out.append(
            {
                "name": "load_skill",
                "title": "Load a skill",
                "description": "Load a skill's instructions when a task matches its description. Returns the "
                "instructions, the skill's base URI and its files (read one with read_skill_file). Skills:\n"
                + catalog(library.skills),
                "input_schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "enum": loadable, "description": "the skill"}},
                    "required": ["name"],
                    "additionalProperties": False,
                },
            }
        )
    if every:
        out.append(
            {
                "name": "read_skill_file",
                "title": "Read a skill's file",
                "description": "Read one text file of a loaded skill (a path from its file list, relative "
                "to its folder, like references/guide.md). Files are never run.",
                "input_schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "enum": every, "description": "the skill"},
                        "path": {"type": "string", "description": "the file, relative to the skill's folder"},
                    },
                    "required": ["name", "path"],
                    "additionalProperties": False,
                },
            }
        )
    runnable = [s.name for s in library.skills if scripts_allowed(s)]
    if runnable:
        out.append(
            {
                "name": "run_skill_script",
                "title": "Run a skill's script",
                "description": "Run one of a skill's scripts/*.py (its file list names them) in a sandbox: "
                "its folder read-only, a scratch /tmp, no shell. Returns what it printed and its exit code.",
                "input_schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "enum": runnable, "description": "the skill"},
                        "path": {"type": "string", "description": "the script, e.g. scripts/report.py"},
                        "args": {"type": "array", "items": {"type": "string"}, "description": "its arguments"},
                    },
                    "required": ["name", "path"],
                    "additionalProperties": False,
                },
            }
        )
    return out


def _named(library: Library, args: dict[str, Any], tool: str) -> InstalledSkill | mcp_types.CallToolResult:
    skill = library.get(args.get("name"))
    if skill is None:
        served = ", ".join(s.name for s in library.skills) or "none"
        return error_result(f"{tool}: no skill named {args.get('name')!r} is served here; served: {served}")
    return skill


def load_skill(library: Library, args: dict[str, Any], limit: int) -> mcp_types.CallToolResult:
    import mcp_types as types

    skill = _named(library, args, "load_skill")
    if isinstance(skill, types.CallToolResult):
        return skill
    if not model_invocable(skill):
        return error_result(f"load_skill: {skill.name} is started by a person only (disable-model-invocation)")
    return types.CallToolResult(content=[types.TextContent(type="text", text=bound_text(skill_content(skill), limit))])


def read_skill_file(engine: Engine, library: Library, args: dict[str, Any], limit: int) -> mcp_types.CallToolResult:
    import mcp_types as types

    skill = _named(library, args, "read_skill_file")
    if isinstance(skill, types.CallToolResult):
        return skill
    path = args.get("path")
    if not isinstance(path, str):
        return error_result("read_skill_file: give 'path', a file of the skill relative to its folder")
    try:
        text = engine.skill_file(skill.name, path)
    except SkillError as e:  # outside the package, not recorded, binary, not UTF-8: one line
        return error_result(f"read_skill_file {skill.name}: {e}")
    return types.CallToolResult(content=[types.TextContent(type="text", text=bound_text(text, limit))])


def run_skill_script(
    engine: Engine, library: Library, args: dict[str, Any], limit: int, cancel: threading.Event
) -> mcp_types.CallToolResult:
    """One script run (blocking: the server calls it in a thread, through its run gate; `cancel` stops it).
    Its stdout, then its stderr and exit code when it failed; a failed run is an error result."""
    import mcp_types as types

    skill = _named(library, args, "run_skill_script")
    if isinstance(skill, types.CallToolResult):
        return skill
    path, argv = args.get("path"), args.get("args") or []
    if not isinstance(path, str) or not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return error_result("run_skill_script: give 'path' (a script of the skill) and 'args' (a list of strings)")
    try:
        result = engine.run_script(skill.name, path, argv, cancel=cancel)
    except SkillError as e:
        return error_result(f"run_skill_script {skill.name}: {e}")
    text = result.stdout
    if not result.ok:
        text += (f"\n[stderr]\n{result.stderr}" if result.stderr.strip() else "") + f"\n[error] {result.error}"
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=bound_text(text.strip("\n") or "(no output)", limit))],
        is_error=not result.ok,
    )


def search_entry(hit: SearchHit, score: float) -> dict[str, Any]:
    """A knowledge hit of `search_skills`: what it is (a skill's SKILL.md, or a file's section) and the call
    that reads it."""
    read = f"read_skill_file(name={hit.skill!r}, path={hit.path!r})" if hit.path else f"load_skill(name={hit.skill!r})"
    return {
        "kind": hit.kind,
        "skill": hit.skill,
        "skill_kind": hit.skill_kind,
        "path": hit.path,
        "uri": file_uri(hit.skill, hit.path or SKILL_MD),
        "description": hit.description,
        "excerpt": hit.excerpt,
        "score": score,
        "read": read,
    }


# ---- resources ------------------------------------------------------------------------------------


def resources(library: Library) -> list[mcp_types.Resource]:
    import mcp_types as types

    out = []
    for skill in library.skills:
        listed = [f for f in skill.files if f.path == SKILL_MD]
        listed += [f for f in skill.files if f.path != SKILL_MD and mime_type(f.path)][: MAX_RESOURCES - 1]
        for f in listed:
            out.append(
                types.Resource(
                    uri=file_uri(skill.name, f.path),
                    name=f"{skill.name}/{f.path}",
                    description=skill.description if f.path == SKILL_MD else None,
                    mime_type=mime_type(f.path),
                    size=f.size,
                )
            )
    return out


def template() -> mcp_types.ResourceTemplate:
    import mcp_types as types

    return types.ResourceTemplate(
        uri_template=TEMPLATE,
        name="skill-file",
        description="Any text file of a served skill: skill://NAME/PATH (PATH relative to its folder).",
    )


def read_resource(engine: Engine, library: Library, uri: str, limit: int) -> mcp_types.ReadResourceResult:
    """A `skill://NAME/PATH` file as text; an MCPError (the request's answer) for anything else."""
    import mcp_types as types
    from mcp.shared.exceptions import MCPError
    from mcp_types.jsonrpc import INVALID_PARAMS

    name, _, path = uri.removeprefix("skill://").partition("/") if uri.startswith("skill://") else ("", "", "")
    skill = library.get(name)
    if skill is None:
        raise MCPError(RESOURCE_NOT_FOUND, f"no resource {uri!r}: URIs here are skill://NAME/PATH of a served skill")
    path = unquote(path)
    try:
        text = engine.skill_file(skill.name, path)
    except SkillError as e:
        raise MCPError(INVALID_PARAMS, f"{uri}: {e}") from None
    return types.ReadResourceResult(
        contents=[
            types.TextResourceContents(uri=uri, mime_type=mime_type(path) or "text/plain", text=bound_text(text, limit))
        ]
    )


# ---- prompts --------------------------------------------------------------------------------------


def prompts(library: Library) -> list[mcp_types.Prompt]:
    import mcp_types as types

    out = []
    for skill in library.skills:
        if not user_invocable(skill):
            continue
        hint = fields(skill).get("argument-hint")
        out.append(
            types.Prompt(
                name=skill.name,
                description=skill.description,
                arguments=[
                    types.PromptArgument(
                        name="task",
                        description=f"what to do with the skill ({hint})"
                        if isinstance(hint, str)
                        else "what to do with the skill",
                        required=False,
                    )
                ],
            )
        )
    return out


def get_prompt(
    engine: Engine, library: Library, name: str, arguments: dict[str, str] | None, limit: int
) -> mcp_types.GetPromptResult:
    import mcp_types as types
    from mcp.shared.exceptions import MCPError
    from mcp_types.jsonrpc import INVALID_PARAMS

    skill = library.get(name)
    if skill is None or not user_invocable(skill):
        served = ", ".join(p.name for p in prompts(library)) or "none"
        raise MCPError(INVALID_PARAMS, f"no prompt named {name!r}; prompts here: {served}")
    uri = file_uri(skill.name, SKILL_MD)
    resource = types.TextResourceContents(
        uri=uri, mime_type="text/markdown", text=bound_text(engine.skill_file(skill.name, SKILL_MD), limit)
    )
    messages = [types.PromptMessage(role="user", content=types.EmbeddedResource(type="resource", resource=resource))]
    task = (arguments or {}).get("task")
    if task and task.strip():
        messages.append(types.PromptMessage(role="user", content=types.TextContent(type="text", text=task.strip())))
    return types.GetPromptResult(description=skill.description, messages=messages)


# ---- the draft skills extension (SEP-2640) --------------------------------------------------------


def skills_list(library: Library) -> dict[str, Any]:
    return {
        "skills": [
            {
                "name": s.name,
                "description": s.description,
                "uri": file_uri(s.name, SKILL_MD),
                "frontmatter": s.frontmatter,
            }
            for s in library.skills
        ]
    }


def skills_get(library: Library, name: str | None, uri: str | None) -> dict[str, Any]:
    """One skill's entry: its verbatim frontmatter and every file with its URI, size and sha256 digest."""
    from mcp.shared.exceptions import MCPError
    from mcp_types.jsonrpc import INVALID_PARAMS

    if name is None and uri is not None and uri.startswith("skill://"):
        name = uri.removeprefix("skill://").partition("/")[0]
    skill = library.get(name)
    if skill is None:
        served = ", ".join(s.name for s in library.skills) or "none"
        raise MCPError(INVALID_PARAMS, f"skills/get: no skill {name or uri!r} is served here; served: {served}")
    return {
        "skill": {
            "name": skill.name,
            "description": skill.description,
            "uri": file_uri(skill.name, SKILL_MD),
            "frontmatter": skill.frontmatter,
            "files": [
                {"path": f.path, "uri": file_uri(skill.name, f.path), "size": f.size, "digest": f"sha256:{f.sha256}"}
                for f in skill.files
            ],
        }
    }
