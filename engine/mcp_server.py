"""`skill serve`: the installed skills as MCP tools, with the official `mcp` SDK (2.x, lowlevel `Server`).

- Every `skill@instance:tool` becomes one MCP tool named `skill__instance__tool` (see `tool_name`),
  with a JSON-schema `inputSchema` built from the tool's parameters and a description that names
  the instance. Meta tools `list_skills` and `search_skills` let agents with many skills find tools;
  with `lazy=True` only the meta tools (plus `call_skill`) are listed.
- Calls run `Engine.run(..., source="mcp")` in worker threads, so they run concurrently and a
  spinning skill only holds its own thread until the engine's per-call time limit stops it.
  Bad names and arguments, and failed runs, come back as tool errors (`isError`), never as
  protocol errors. Output is bounded (`max_output` bytes of text) with the truncation marked.
- A watcher polls a cheap fingerprint of the store and the instances folder (once a second) and,
  when the tool list really changed, sends `notifications/tools/list_changed` to every connected
  handshake-era session and publishes it on the `subscriptions/listen` bus (2026-07-28 clients).
- While serving, `<home>/mcp/<pid>.json` says so (transport, address, tool count); the TUI reads
  it with `running_servers`. Nothing but MCP is written to stdout: logs go to stderr.

The SDK is imported only by the functions that serve, so `running_servers` and `tool_name` stay
light for the TUI and the CLI.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.background import background
from engine.errors import SkillError, UsageError
from engine.search import no_match

if TYPE_CHECKING:
    import mcp_types

    from engine.api import Engine
    from engine.events import RunResult
    from engine.home import Home
    from engine.protocol import Param, Tool

log = logging.getLogger("skill.serve")

SERVER_NAME = "skill-tui"
MAX_OUTPUT = 64 * 1024  # bytes of text per tool result
NAME_LIMIT = 64  # what the Claude and OpenAI APIs accept; the MCP spec (SEP-986) allows 128
MAX_SESSIONS = 1024  # connected clients remembered for list_changed announcements
_VALID_TOOL = re.compile(r"^[A-Za-z0-9_-]+$")
_TRUNCATED = "\n[… {n} more bytes truncated]"


# ---- names and schemas ------------------------------------------------------------------------


def tool_name(skill: str, instance: str, tool: str) -> str:
    """The MCP tool name of `skill@instance:tool`: `skill__instance__tool`.

    Skill and instance names are `[a-z0-9-]` (never `_`), so the first two `__` split the name
    unambiguously whatever the tool name holds. A tool name with characters MCP clients refuse
    (anything but `A-Za-z0-9_-`), or a result longer than NAME_LIMIT, gets its offending characters
    replaced by `_`, is cut, and ends in `_h` plus 8 hex digits of a hash of the reference, so the
    name stays a pure function of the reference.
    """
    name = f"{skill}__{instance}__{tool}"
    if _VALID_TOOL.match(tool) and len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(f"{skill}@{instance}:{tool}".encode()).hexdigest()[:8]
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return f"{safe[: NAME_LIMIT - 11]}_h{digest}"


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


@dataclass(frozen=True)
class Exposed:
    """One skill tool as served: its MCP name and what it runs."""

    name: str
    skill: str
    instance: str
    tool: Tool
    skill_description: str = ""
    version: str = ""

    @property
    def ref(self) -> str:
        return f"{self.skill}@{self.instance}:{self.tool.name}"

    @property
    def description(self) -> str:
        return f"{self.skill}@{self.instance}: {self.tool.description or self.skill_description or self.tool.name}"

    def listing(self) -> dict[str, Any]:
        """What the SDK's `Tool` is built from (also compared to detect list changes)."""
        return {
            "name": self.name,
            "title": f"{self.skill}@{self.instance}:{self.tool.name}",
            "description": self.description,
            "input_schema": input_schema(self.tool),
        }


@dataclass(frozen=True)
class Selection:
    """Which skills and instances to serve (empty: all)."""

    skills: frozenset[str] = frozenset()
    instances: frozenset[str] = frozenset()  # "instance" or "skill@instance"

    @classmethod
    def of(cls, skills: Iterable[str] = (), instances: Iterable[str] = ()) -> Selection:
        return cls(frozenset(skills or ()), frozenset(instances or ()))

    def wants(self, skill: str, instance: str) -> bool:
        if self.skills and skill not in self.skills:
            return False
        return not self.instances or instance in self.instances or f"{skill}@{instance}" in self.instances


def build_catalog(engine: Engine, selection: Selection = Selection()) -> dict[str, Exposed]:
    """MCP name → exposed tool, for every selected skill instance, in a stable order."""
    out: dict[str, Exposed] = {}
    for skill in engine.skills():
        for instance in engine.instances.names(skill.name):
            if not selection.wants(skill.name, instance):
                continue
            for tool in skill.tools:
                name = tool_name(skill.name, instance, tool.name)
                if name in out:  # practically impossible (a hash collision); never serve two under one name
                    name = f"{name[: NAME_LIMIT - 9]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
                out[name] = Exposed(name, skill.name, instance, tool, skill.description, skill.version)
    return out


def fingerprint(home: Home) -> tuple:
    """A cheap summary of what the tool list depends on: installed skills (the symlinks and the
    packages they point at) and instance folders. Changes whenever install/remove/instance add do."""
    skills: list[tuple[str, str]] = []
    try:
        with os.scandir(home.skills) as it:
            for e in it:
                if not e.name.startswith("."):
                    try:
                        skills.append((e.name, os.readlink(e.path)))
                    except OSError:
                        skills.append((e.name, ""))
    except FileNotFoundError:
        pass
    instances: list[tuple[str, str]] = []
    try:
        with os.scandir(home.instances) as it:
            for e in it:
                if e.is_dir():
                    with os.scandir(e.path) as inner:
                        instances.extend((e.name, i.name) for i in inner if i.is_dir())
    except FileNotFoundError:
        pass
    return tuple(sorted(skills)), tuple(sorted(instances))


# ---- results ------------------------------------------------------------------------------------


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
    a failed run as a tool error naming the tool and why."""
    import mcp_types as types

    if not result.ok:
        text = f"{result.ref} failed: {result.error or 'no reason given'}"
        if result.stderr.strip():
            tail = result.stderr.strip()[-2000:]
            text += f"\nstderr (last lines):\n{tail}"
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=bound_text(text, limit))], is_error=True
        )
    output_json = _json_object(result.output)
    structured = result.data if isinstance(result.data, dict) else output_json
    content = []
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


# ---- search -----------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def word_search(catalog: dict[str, Exposed], query: str, top: int = 10) -> list[tuple[Exposed, float]]:
    """Rank tools by the share of query words found in their names, descriptions and parameters."""
    words = set(_WORD.findall(query.lower()))
    if not words:
        return []
    scored = []
    for e in catalog.values():
        hay = " ".join(
            [
                e.skill,
                e.instance,
                e.tool.name,
                e.tool.description,
                e.skill_description,
                *(f"{p.name} {p.description}" for p in e.tool.params),
            ]
        ).lower()
        tokens = set(_WORD.findall(hay))
        score = sum(1.0 if w in tokens else 0.5 if w in hay else 0.0 for w in words) / len(words)
        if score > 0:
            scored.append((e, round(score, 3)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].name))
    return scored[:top]


def search(
    engine: Engine, catalog: dict[str, Exposed], query: str, top: int = 10, skill: str | None = None
) -> tuple[str, list[tuple[Exposed, float]]]:
    """(method, hits): the engine's semantic search (`Engine.find`) when it has one and it works,
    else word matching. Hits are limited to the tools this server exposes; none means no tool
    matches (the semantic search decides that itself: it answers nothing rather than noise)."""
    pool = {n: e for n, e in catalog.items() if skill is None or e.skill == skill}
    find = getattr(engine, "find", None)
    if callable(find):
        try:
            kwargs: dict[str, Any] = {"top": max(top * 4, top + 10)}
            if skill is not None:
                kwargs["skill"] = skill
            hits = find(query, **kwargs)
            by_ref: dict[tuple[str, str], list[Exposed]] = {}
            for e in pool.values():
                by_ref.setdefault((e.skill, e.tool.name), []).append(e)
            out: list[tuple[Exposed, float]] = []
            seen: set[str] = set()
            for h in hits:
                # a hit is one skill tool; its `instance` is only the one a command line would use,
                # so every served instance of that tool is a match (the named one first)
                candidates = by_ref.get((getattr(h, "skill", None), getattr(h, "tool", None)), [])
                instance = getattr(h, "instance", None)
                for e in sorted(candidates, key=lambda e: e.instance != instance):
                    if e.name not in seen:
                        seen.add(e.name)
                        out.append((e, round(float(getattr(h, "score", 0.0) or 0.0), 4)))
            return "semantic", out[:top]
        except Exception as exc:  # no model, no index yet...: words still work
            log.info("semantic search unavailable (%s); using word matching", exc)
    return "words", word_search(pool, query, top)


# ---- the registry the TUI reads ----------------------------------------------------------------


def registry_dir(home: Home) -> Path:
    return home.root / "mcp"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_servers(home: Home) -> list[dict[str, Any]]:
    """The `skill serve` processes running on this home (stale entries are ignored and removed)."""
    out = []
    try:
        entries = sorted(registry_dir(home).glob("*.json"))
    except OSError:
        return []
    for path in entries:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(pid):
            out.append(info)
        else:
            try:
                path.unlink()
            except OSError:
                pass
    return out


@dataclass
class Registration:
    home: Home
    transport: str
    address: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return registry_dir(self.home) / f"{os.getpid()}.json"

    def write(self, tools: int) -> None:
        from engine.fsutil import atomic_write_text

        self.info = {
            "pid": os.getpid(),
            "transport": self.transport,
            "address": self.address,
            "started_at": self.info.get("started_at", time.time()),
            "tools": tools,
        }
        try:
            atomic_write_text(self.path, json.dumps(self.info))
        except OSError as e:
            log.warning("cannot write %s: %s", self.path, e)

    def remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


# ---- the server ---------------------------------------------------------------------------------


@dataclass
class ServeOptions:
    selection: Selection = Selection()
    timeout: float | None = None  # per call; None: each skill's own limit
    max_output: int = MAX_OUTPUT
    lazy: bool = False  # list only the meta tools
    poll: float = 1.0  # seconds between store checks for list_changed
    max_concurrent: int = 32  # runs at once (worker threads)


class SkillServer:
    """The MCP server over one engine: tool catalog, handlers, change watcher."""

    def __init__(self, engine: Engine, options: ServeOptions | None = None):
        from mcp.server import Server
        from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler

        self.engine = engine
        self.options = options or ServeOptions()
        self._lock = threading.Lock()
        self._fingerprint: tuple | None = None
        self._catalog: dict[str, Exposed] = {}
        self._listing: list[dict[str, Any]] = []
        self._sessions: list[Any] = []  # handshake-era ServerSessions to announce changes to
        self._bus = InMemorySubscriptionBus()
        self._limiter: Any = None
        self.registration: Registration | None = None
        self.calls = 0
        self.refresh()
        self.server = Server(
            SERVER_NAME,
            version=_version(),
            instructions=(
                "Tools are installed WebAssembly skills, named skill__instance__tool. "
                "Use search_skills to find a tool by what it does and list_skills to see every "
                "skill, its instances and tools."
            ),
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_subscriptions_listen=ListenHandler(self._bus),
        )
        import mcp_types as types

        self.server.add_notification_handler("notifications/initialized", types.NotificationParams, self._initialized)

    # ---- catalog ----

    def refresh(self, force: bool = False) -> bool:
        """Rebuild the catalog if the store changed; True when the tool list changed."""
        fp = fingerprint(self.engine.home)
        with self._lock:
            if fp == self._fingerprint and not force:
                return False
        try:
            catalog = build_catalog(self.engine, self.options.selection)
        except SkillError as e:  # a damaged store entry: keep serving what we had
            log.warning("cannot read the installed skills: %s", e)
            return False
        listing = [e.listing() for e in catalog.values()]
        with self._lock:
            self._fingerprint = fp
            changed = listing != self._listing
            self._catalog, self._listing = catalog, listing
        if changed and self.registration is not None:
            self.registration.write(len(catalog))
        return changed

    @property
    def catalog(self) -> dict[str, Exposed]:
        with self._lock:
            return self._catalog

    def meta_tools(self) -> list[dict[str, Any]]:
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
                "description": "Find tools by what they do (semantic search when the engine has it, else word "
                "matching). Returns MCP tool names, skill@instance:tool references, descriptions and a "
                "relevance score 0..1; no tools and a message when no tool matches the query.",
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
        if self.options.lazy:
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

    def tools(self) -> list[mcp_types.Tool]:
        import mcp_types as types

        with self._lock:
            listing = [] if self.options.lazy else list(self._listing)
        return [types.Tool(**d) for d in [*self.meta_tools(), *listing]]

    # ---- handlers ----

    async def _initialized(self, ctx: Any, params: Any) -> None:
        session = ctx.session
        with self._lock:
            self._sessions.append(session)
            del self._sessions[:-MAX_SESSIONS]
        # Forget the session when its connection closes. The SDK (2.3) gives handlers no public
        # handle on the connection, so this reaches for ServerSession's private `_connection`;
        # without it, sessions are forgotten when a send fails, or beyond MAX_SESSIONS.
        connection = getattr(session, "_connection", None)
        exit_stack = getattr(connection, "exit_stack", None)
        if exit_stack is not None:
            exit_stack.callback(self._forget, session)

    def _forget(self, session: Any) -> None:
        with self._lock:
            self._sessions = [s for s in self._sessions if s is not session]

    async def _list_tools(self, ctx: Any, params: Any) -> mcp_types.ListToolsResult:
        import anyio
        import mcp_types as types

        await anyio.to_thread.run_sync(self.refresh)
        return types.ListToolsResult(tools=self.tools())

    async def _call_tool(self, ctx: Any, params: Any) -> mcp_types.CallToolResult:
        name, args = params.name, params.arguments
        try:
            return await self.call(name, args)
        except Exception as e:  # never a protocol failure for a tool call
            log.exception("tools/call %s failed", name)
            return error_result(f"internal error running {name}: {e!r}")

    async def call(self, name: str, args: dict[str, Any] | None) -> mcp_types.CallToolResult:
        if args is not None and not isinstance(args, dict):
            return error_result(f"{name}: arguments must be a JSON object")
        args = dict(args or {})
        if name == "list_skills":
            return self._list_skills(args)
        if name == "search_skills":
            return await self._search_skills(args)
        if name == "call_skill" and self.options.lazy:
            target = args.get("tool")
            inner = args.get("arguments") or {}
            if not isinstance(target, str) or not isinstance(inner, dict):
                return error_result("call_skill: give 'tool' (a tool name) and 'arguments' (an object)")
            return await self._run_exposed(self._resolve(target), target, inner)
        return await self._run_exposed(self._resolve(name), name, args)

    def _resolve(self, name: str) -> Exposed | None:
        exposed = self.catalog.get(name)
        if exposed is None:
            self.refresh()  # installed a moment ago, before the watcher looked?
            exposed = self.catalog.get(name)
        if exposed is None and ":" in name:  # a skill@instance:tool reference (call_skill)
            from engine.api import parse_ref

            try:
                skill, instance, tool = parse_ref(name)
            except UsageError:
                return None
            exposed = self.catalog.get(tool_name(skill, instance, tool))
        return exposed

    async def _run_exposed(self, exposed: Exposed | None, name: str, args: dict[str, Any]) -> mcp_types.CallToolResult:
        import anyio

        if exposed is None:
            return error_result(
                f"unknown tool {name!r}: no installed skill tool has that name here; "
                "call list_skills or search_skills to find one"
            )
        cancel = threading.Event()
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.options.max_concurrent)
        self.calls += 1

        def run() -> RunResult:
            return self.engine.run(exposed.ref, args, timeout=self.options.timeout, cancel=cancel, source="mcp")

        try:
            result = await anyio.to_thread.run_sync(run, limiter=self._limiter, abandon_on_cancel=True)
        except SkillError as e:  # bad arguments, an instance removed meanwhile, ...: one clear line
            return error_result(str(e))
        except anyio.get_cancelled_exc_class():
            cancel.set()  # the client gave up: stop the run in its thread too
            raise
        log.info("%s %s %.1f ms", "ok " if result.ok else "ERR", exposed.ref, result.duration_ms)
        return tool_result(result, self.options.max_output)

    def _list_skills(self, args: dict[str, Any]) -> mcp_types.CallToolResult:
        only = args.get("skill")
        if only is not None and not isinstance(only, str):
            return error_result("list_skills: 'skill' must be a string")
        self.refresh()
        skills: dict[str, dict[str, Any]] = {}
        for e in self.catalog.values():
            if only and e.skill != only:
                continue
            s = skills.setdefault(
                e.skill,
                {
                    "skill": e.skill,
                    "version": e.version,
                    "description": e.skill_description,
                    "instances": [],
                    "tools": [],
                },
            )
            if e.instance not in s["instances"]:
                s["instances"].append(e.instance)
            s["tools"].append(
                {
                    "name": e.name,
                    "ref": e.ref,
                    "description": e.tool.description,
                    "parameters": [p.name + ("" if p.required else "?") for p in e.tool.params],
                }
            )
        if only and not skills:
            return error_result(
                f"list_skills: no skill named {only!r} is served here; "
                f"served: {', '.join(sorted({e.skill for e in self.catalog.values()})) or 'none'}"
            )
        return json_result({"skills": list(skills.values())}, self.options.max_output)

    async def _search_skills(self, args: dict[str, Any]) -> mcp_types.CallToolResult:
        import anyio

        query, top, skill = args.get("query"), args.get("top", 10), args.get("skill")
        if not isinstance(query, str) or not query.strip():
            return error_result("search_skills: give 'query', a few words saying what you want to do")
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100:
            return error_result("search_skills: 'top' must be an integer from 1 to 100")
        if skill is not None and not isinstance(skill, str):
            return error_result("search_skills: 'skill' must be a string")
        self.refresh()
        method, hits = await anyio.to_thread.run_sync(search, self.engine, self.catalog, query, top, skill)
        return json_result(
            {
                "query": query,
                "method": method,
                "message": None if hits else no_match(query),
                "tools": [
                    {
                        "name": e.name,
                        "ref": e.ref,
                        "description": e.description,
                        "score": score,
                        "inputSchema": input_schema(e.tool),
                    }
                    for e, score in hits
                ],
            },
            self.options.max_output,
        )

    # ---- change announcements ----

    async def watch(self) -> None:
        """Poll the store; announce real tool-list changes to every connected client."""
        import anyio

        while True:
            await anyio.sleep(self.options.poll)
            try:
                changed = await anyio.to_thread.run_sync(self.refresh)
            except Exception:
                log.exception("checking the store failed")
                continue
            if changed:
                await self.announce()

    async def announce(self) -> None:
        import anyio
        from mcp.server.subscriptions import ToolsListChanged

        with self._lock:
            sessions = list(self._sessions)
        log.info("tool list changed: %d tools; telling %d session(s)", len(self.catalog), len(sessions))
        gone = []
        for session in sessions:
            try:
                with anyio.fail_after(2):
                    await session.send_tool_list_changed()
            except Exception as e:  # closed connection (or a client not reading): forget it
                log.debug("dropping a session: %r", e)
                gone.append(session)
        if gone:
            with self._lock:
                self._sessions = [s for s in self._sessions if s not in gone]
        await self._bus.publish(ToolsListChanged())

    # ---- transports ----

    def init_options(self) -> Any:
        from mcp.server import NotificationOptions

        return self.server.create_initialization_options(NotificationOptions(tools_changed=True))

    async def run_stdio(self) -> None:
        import anyio

        from engine.mcp_stdio import stdio_streams

        async with anyio.create_task_group() as tg:
            tg.start_soon(self.watch)
            async with stdio_streams() as (read, write):
                await self.server.run(read, write, self.init_options())
            tg.cancel_scope.cancel()  # the client closed stdin: stop watching

    async def run_http(self, sock: Any, host: str, path: str = "/mcp") -> None:
        import anyio
        import uvicorn

        app = self.server.streamable_http_app(streamable_http_path=path, host=host)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        server = uvicorn.Server(config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.watch)
            await server.serve(sockets=[sock])
            tg.cancel_scope.cancel()


def _version() -> str:
    from engine import __version__

    return __version__


def open_socket(host: str, port: int) -> Any:
    """A listening TCP socket on host:port (port 0: a free one)."""
    import socket

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    if not infos:
        raise UsageError(f"--host {host}: cannot resolve it")
    family, kind, proto, _name, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}; pick another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    engine: Engine,
    options: ServeOptions,
    *,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = 8765,
    path: str = "/mcp",
) -> None:
    """Run the server until the client leaves (stdio) or the process is stopped (HTTP)."""
    import signal

    import anyio

    server = SkillServer(engine, options)
    if http:
        sock = open_socket(host, port)
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        address = f"http://{shown}:{bound[1]}{path}"
        server.registration = Registration(engine.home, "http", address)
        if not is_loopback(host):
            print(
                f"skill serve: warning: listening on {host}, not loopback; anyone who can reach it can run "
                "your skills (there is no authentication)",
                file=sys.stderr,
            )
    else:
        server.registration = Registration(engine.home, "stdio", "stdio")
    server.registration.write(len(server.catalog))

    def stop(signum: int, _frame: Any) -> None:
        server.registration.remove()  # type: ignore[union-attr]
        background().flush(timeout=2)  # the last calls' history
        os._exit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    import gc

    gc.freeze()  # the start-up objects (SDK, pydantic models) stay out of every later collection
    try:
        if http:
            print(f"skill serve: {len(server.catalog)} tools on {address}", file=sys.stderr, flush=True)
            anyio.run(server.run_http, sock, host, path)
        else:
            log.info("%d tools over stdio", len(server.catalog))
            anyio.run(server.run_stdio)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.registration.remove()
