"""The MCP server over one engine, with the official `mcp` SDK (2.x, lowlevel `Server`).

- Every `skill@instance:tool` becomes one MCP tool named `skill__instance__tool`
  (`engine.refs.mcp_tool_name`), with a JSON-schema `inputSchema` built from the tool's
  parameters and a description that names the instance. Meta tools `list_skills` and
  `search_skills` let agents with many skills find tools; with `lazy=True` only the meta
  tools (plus `call_skill`) are listed.
- Knowledge skills (a SKILL.md) are served by `engine.mcp.knowledge`: the tools `load_skill` and
  `read_skill_file` (listed in lazy mode too), `skill://` resources and their template, one prompt
  per skill, and the draft skills extension's `skills/list` and `skills/get` (experimental).
- Calls go through the server's `Runner` (`engine.serve.gate.RunGate`, shared with the REST API):
  `Engine.run(..., source="mcp")` in worker threads, so they run concurrently and a spinning skill
  only holds its own thread until the engine's per-call time limit stops it; a refusal (draining,
  full, rate limited) is a tool error.
  Bad names and arguments, and failed runs, come back as tool errors (`isError`), never as
  protocol errors. Output is bounded (`max_output` bytes of text) with the truncation marked.
- A watcher polls the store's stamp (`Engine.stamp`: skills, instances, config; once a second) and,
  when the tool list, the resources or the prompts really changed, sends the matching
  `notifications/*/list_changed` to every connected handshake-era session and publishes it on the
  `subscriptions/listen` bus (2026-07-28 clients). A change that a request's own refresh found first
  (a client listing or reading right after an install) is announced by the watcher's next round too:
  the other clients still need to hear of it.

The SDK is imported when a server is built: nothing else in `engine.mcp` needs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine.errors import SkillError, UsageError
from engine.knowledge.agent import model_invocable
from engine.mcp import knowledge
from engine.mcp.catalog import Exposed, Selection, build_catalog
from engine.mcp.registry import Registration
from engine.mcp.results import MAX_OUTPUT, error_result, json_result, tool_result
from engine.mcp.schema import input_schema, meta_tools
from engine.mcp.search import search
from engine.refs import ToolRef, mcp_tool_name
from engine.search import no_match

T = TypeVar("T")

if TYPE_CHECKING:
    import mcp_types

    from engine.api import Engine
    from engine.events import OnEvent, RunResult
    from engine.store import StoreStamp

log = logging.getLogger("skill.serve")

SERVER_NAME = "skill-tui"
MAX_SESSIONS = 1024  # connected clients remembered for list_changed announcements
TOOLS, RESOURCES, PROMPTS = "tools", "resources", "prompts"  # what a refresh can find changed
PRINCIPAL = "skill.principal"  # the ASGI scope key where HTTP auth puts who is calling (rate limits)


class Runner(Protocol):
    """How a tool call runs (`engine.serve.gate.RunGate`): in a worker thread, counted and limited.
    Raises SkillError for input the engine rejects and for a refusal (draining, full, rate limited)."""

    async def run(
        self,
        ref: str,
        args: dict[str, Any],
        *,
        source: str,
        principal: str | None = None,
        timeout: float | None = None,
        on_event: OnEvent | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult: ...

    async def gated(
        self,
        work: Callable[[threading.Event], T],
        *,
        source: str,
        principal: str | None = None,
        cancel: threading.Event | None = None,
    ) -> T: ...


@dataclass
class ServeOptions:
    selection: Selection = Selection()
    timeout: float | None = None  # per call; None: each skill's own limit
    max_output: int = MAX_OUTPUT
    lazy: bool = False  # list only the meta tools
    poll: float = 1.0  # seconds between store checks for list_changed
    announce: bool = True  # advertise and send list_changed (False for stateless HTTP: no session lives on)


class SkillServer:
    """The MCP server over one engine: tool catalog, handlers, change watcher."""

    def __init__(self, engine: Engine, runner: Runner, options: ServeOptions | None = None):
        from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler

        self.engine = engine
        self.runner = runner
        self.options = options or ServeOptions()
        self._lock = threading.Lock()
        self._stamp: StoreStamp | None = None
        self._catalog: dict[str, Exposed] = {}
        self._listing: list[dict[str, Any]] = []
        self._library = knowledge.Library()
        self._knowledge_tools: list[dict[str, Any]] = []
        self._unannounced: set[str] = set()  # changes found by any refresh (a handler's too) not yet announced
        self._sessions: list[Any] = []  # handshake-era ServerSessions to announce changes to
        self._bus = InMemorySubscriptionBus()
        self.registration: Registration | None = None
        self.calls = 0
        self.refresh()
        self.server = _server_class()(
            self.options.announce,
            SERVER_NAME,
            version=_version(),
            instructions=(
                "Tools are installed WebAssembly skills, named skill__instance__tool. "
                "Use search_skills to find a tool by what it does and list_skills to see every "
                "skill, its instances and tools. Knowledge skills (instructions and reference files) "
                "load with load_skill; read their files with read_skill_file."
            ),
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_list_resource_templates=self._list_resource_templates,
            on_read_resource=self._read_resource,
            on_list_prompts=self._list_prompts,
            on_get_prompt=self._get_prompt,
            on_subscriptions_listen=ListenHandler(self._bus),
        )
        import mcp_types as types

        self.server.add_notification_handler("notifications/initialized", types.NotificationParams, self._initialized)
        # The draft skills extension (SEP-2640): custom methods, advertised under the extension's id (the SDK
        # shows `extensions` in 2026-07-28 `server/discover`; a handshake-era `initialize` drops the field).
        self.server.add_request_handler("skills/list", types.PaginatedRequestParams, self._skills_list)
        self.server.add_request_handler("skills/get", _skills_get_params(), self._skills_get)
        self.server.extensions[knowledge.EXTENSION] = {}
        self._unannounced.clear()  # the first listing: nothing to announce

    # ---- catalog ----

    def refresh(self, force: bool = False) -> frozenset[str]:
        """Rebuild the catalog if the store changed; what clients see differently (TOOLS, RESOURCES,
        PROMPTS), empty when nothing."""
        stamp = self.engine.stamp()
        with self._lock:
            if stamp == self._stamp and not force:
                return frozenset()
        try:
            catalog = build_catalog(self.engine, self.options.selection)
            library = knowledge.build_library(self.engine, self.options.selection)
        except SkillError as e:  # a damaged store entry: keep serving what we had
            log.warning("cannot read the installed skills: %s", e)
            return frozenset()
        listing = [e.listing() for e in catalog.values()]
        knowledge_tools = knowledge.tools(library)
        with self._lock:
            self._stamp = stamp
            changed = set()
            if listing != self._listing or knowledge_tools != self._knowledge_tools:
                changed.add(TOOLS)
            if library.key() != self._library.key():
                changed |= {RESOURCES, PROMPTS}
            self._catalog, self._listing = catalog, listing
            self._library, self._knowledge_tools = library, knowledge_tools
            self._unannounced |= changed
        if TOOLS in changed and self.registration is not None:
            self.registration.write(len(catalog))
        return frozenset(changed)

    @property
    def catalog(self) -> dict[str, Exposed]:
        with self._lock:
            return self._catalog

    @property
    def library(self) -> knowledge.Library:
        with self._lock:
            return self._library

    def tools(self) -> list[mcp_types.Tool]:
        import mcp_types as types

        with self._lock:
            listing = [*self._knowledge_tools, *([] if self.options.lazy else self._listing)]
        return [types.Tool(**d) for d in [*meta_tools(self.options.lazy), *listing]]

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

    async def _fresh_library(self) -> knowledge.Library:
        import anyio

        await anyio.to_thread.run_sync(self.refresh)
        return self.library

    async def _list_resources(self, ctx: Any, params: Any) -> mcp_types.ListResourcesResult:
        import mcp_types as types

        return types.ListResourcesResult(resources=knowledge.resources(await self._fresh_library()))

    async def _list_resource_templates(self, ctx: Any, params: Any) -> mcp_types.ListResourceTemplatesResult:
        import mcp_types as types

        return types.ListResourceTemplatesResult(resource_templates=[knowledge.template()])

    async def _read_resource(self, ctx: Any, params: Any) -> mcp_types.ReadResourceResult:
        library = await self._fresh_library()
        return knowledge.read_resource(self.engine, library, str(params.uri), self.options.max_output)

    async def _list_prompts(self, ctx: Any, params: Any) -> mcp_types.ListPromptsResult:
        import mcp_types as types

        return types.ListPromptsResult(prompts=knowledge.prompts(await self._fresh_library()))

    async def _get_prompt(self, ctx: Any, params: Any) -> mcp_types.GetPromptResult:
        library = await self._fresh_library()
        return knowledge.get_prompt(self.engine, library, params.name, params.arguments, self.options.max_output)

    async def _skills_list(self, ctx: Any, params: Any) -> dict[str, Any]:
        return knowledge.skills_list(await self._fresh_library())

    async def _skills_get(self, ctx: Any, params: Any) -> dict[str, Any]:
        return knowledge.skills_get(await self._fresh_library(), params.name, params.uri)

    async def _call_tool(self, ctx: Any, params: Any) -> mcp_types.CallToolResult:
        name, args = params.name, params.arguments
        scope = getattr(getattr(ctx, "request", None), "scope", None) or {}
        try:
            return await self.call(name, args, principal=scope.get(PRINCIPAL))
        except Exception as e:  # never a protocol failure for a tool call
            log.exception("tools/call %s failed", name)
            return error_result(f"internal error running {name}: {e!r}")

    async def call(
        self, name: str, args: dict[str, Any] | None, principal: str | None = None
    ) -> mcp_types.CallToolResult:
        if args is not None and not isinstance(args, dict):
            return error_result(f"{name}: arguments must be a JSON object")
        args = dict(args or {})
        if name == "list_skills":
            return self._list_skills(args)
        if name == "search_skills":
            return await self._search_skills(args)
        if name == "load_skill":
            self.refresh()
            return knowledge.load_skill(self.library, args, self.options.max_output)
        if name == "read_skill_file":
            self.refresh()
            return knowledge.read_skill_file(self.engine, self.library, args, self.options.max_output)
        if name == "run_skill_script":
            self.refresh()
            script = partial(knowledge.run_skill_script, self.engine, self.library, args, self.options.max_output)
            try:
                return await self.runner.gated(script, source="mcp", principal=principal)
            except SkillError as e:  # refused: draining, full, over the rate limit
                return error_result(f"run_skill_script: {e}")
        if name == "call_skill" and self.options.lazy:
            target = args.get("tool")
            inner = args.get("arguments") or {}
            if not isinstance(target, str) or not isinstance(inner, dict):
                return error_result("call_skill: give 'tool' (a tool name) and 'arguments' (an object)")
            return await self._run_exposed(self._resolve(target), target, inner, principal)
        return await self._run_exposed(self._resolve(name), name, args, principal)

    def _resolve(self, name: str) -> Exposed | None:
        exposed = self.catalog.get(name)
        if exposed is None:
            self.refresh()  # installed a moment ago, before the watcher looked?
            exposed = self.catalog.get(name)
        if exposed is None and ":" in name:  # a skill@instance:tool reference (call_skill)
            try:
                ref = ToolRef.parse(name)
            except UsageError:
                return None
            exposed = self.catalog.get(mcp_tool_name(ref.skill, ref.instance, ref.tool))
        return exposed

    async def _run_exposed(
        self, exposed: Exposed | None, name: str, args: dict[str, Any], principal: str | None
    ) -> mcp_types.CallToolResult:
        if exposed is None:
            return error_result(
                f"unknown tool {name!r}: no installed skill tool has that name here; "
                "call list_skills or search_skills to find one"
            )
        self.calls += 1
        try:
            result = await self.runner.run(
                exposed.ref, args, source="mcp", principal=principal, timeout=self.options.timeout
            )
        except SkillError as e:  # bad arguments, an instance removed meanwhile, a refusal: one clear line
            return error_result(str(e))
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
        served = frozenset(s.name for s in self.library.skills if model_invocable(s))
        method, hits = await anyio.to_thread.run_sync(search, self.engine, self.catalog, query, top, skill, served)
        return json_result(
            {
                "query": query,
                "method": method,
                "message": None if hits else no_match(query),
                "tools": [
                    {
                        "kind": "tool",
                        "name": e.name,
                        "ref": e.ref,
                        "description": e.description,
                        "score": score,
                        "inputSchema": input_schema(e.tool),
                    }
                    for e, score in hits
                    if isinstance(e, Exposed)
                ],
                "knowledge": [knowledge.search_entry(h, score) for h, score in hits if not isinstance(h, Exposed)],
            },
            self.options.max_output,
        )

    # ---- change announcements ----

    async def watch(self) -> None:
        """Poll the store; announce real changes of the tools, resources and prompts to every connected client."""
        import anyio

        while True:
            await anyio.sleep(self.options.poll)
            try:
                await anyio.to_thread.run_sync(self.refresh)
            except Exception:
                log.exception("checking the store failed")
                continue
            with self._lock:  # what this refresh found, and what a handler's refresh found meanwhile
                changed, self._unannounced = frozenset(self._unannounced), set()
            if changed:
                await self.announce(changed)

    async def announce(self, changed: frozenset[str] = frozenset({TOOLS})) -> None:
        import anyio
        from mcp.server.subscriptions import PromptsListChanged, ResourcesListChanged, ToolsListChanged

        with self._lock:
            sessions = list(self._sessions)
        log.info(
            "%s changed: %d tools, %d knowledge skills; telling %d session(s)",
            ", ".join(sorted(changed)),
            len(self.catalog),
            len(self.library.skills),
            len(sessions),
        )
        kinds = [k for k in (TOOLS, RESOURCES, PROMPTS) if k in changed]
        gone = []
        for session in sessions:
            sends = {
                TOOLS: session.send_tool_list_changed,
                RESOURCES: session.send_resource_list_changed,
                PROMPTS: session.send_prompt_list_changed,
            }
            try:
                with anyio.fail_after(2):
                    for kind in kinds:
                        await sends[kind]()
            except Exception as e:  # closed connection (or a client not reading): forget it
                log.debug("dropping a session: %r", e)
                gone.append(session)
        if gone:
            with self._lock:
                self._sessions = [s for s in self._sessions if s not in gone]
        events: dict[str, ToolsListChanged | ResourcesListChanged | PromptsListChanged] = {
            TOOLS: ToolsListChanged(),
            RESOURCES: ResourcesListChanged(),
            PROMPTS: PromptsListChanged(),
        }
        for kind in kinds:
            await self._bus.publish(events[kind])


def _server_class() -> type:
    """The SDK's lowlevel `Server`, whose handshake says what this server announces. The SDK builds
    the `initialize` reply from `create_initialization_options()` without arguments on streamable
    HTTP (its session manager calls it), where the default announces nothing: so the default here
    is what this server does, on every transport alike."""
    from mcp.server import NotificationOptions, Server

    class AnnouncingServer(Server):
        def __init__(self, announce: bool, *args: Any, **kw: Any):
            super().__init__(*args, **kw)
            self.changes = NotificationOptions(
                tools_changed=announce, resources_changed=announce, prompts_changed=announce
            )

        def create_initialization_options(self, notification_options: Any = None, *args: Any, **kw: Any) -> Any:
            return super().create_initialization_options(notification_options or self.changes, *args, **kw)

    return AnnouncingServer


def _skills_get_params() -> type:
    """`skills/get`'s parameters (a skill by `name` or by `uri`), as the SDK validates them."""
    import mcp_types as types

    class Params(types.RequestParams):
        name: str | None = None
        uri: str | None = None

    return Params


def _version() -> str:
    from engine import __version__

    return __version__
