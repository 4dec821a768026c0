"""`skill serve`: a real MCP client session (the official SDK) over stdio and streamable HTTP.

The server runs as a subprocess (`python -m engine.cli serve ...`) on the test's own engine home;
every test is bounded by a timeout and the subprocess is always stopped at the end.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from engine.mcp import search as mcp_search
from engine.mcp.catalog import Selection, build_catalog
from engine.mcp.registry import running_servers
from engine.mcp.search import search
from fixtures.serve import served
from fixtures.wat import install_folder as install_wat

REPO = Path(__file__).resolve().parents[2]
LIMIT = 60  # seconds: no test may hang longer

pytestmark = pytest.mark.anyio


# ---- helpers --------------------------------------------------------------------------------------


def _env(home) -> dict[str, str]:
    return {
        "SKILL_ENGINE_HOME": str(home.root),
        "SKILL_ENGINE_CACHE": str(home.cache),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def skills(engine, tmp_path):
    """echo (instant), spin (never returns; 1 s limit) and trap (crashes)."""
    install_wat(engine, tmp_path, "echo")
    install_wat(engine, tmp_path, "spin", timeout_s=1)
    install_wat(engine, tmp_path, "trap")
    return engine


class Notices:
    """A message handler that records list_changed notifications (of tools, unless `kind` says which)."""

    def __init__(self, kind: type = types.ToolListChangedNotification) -> None:
        self.kind = kind
        self.count = 0
        self.event = anyio.Event()

    async def __call__(self, message) -> None:
        if isinstance(message, self.kind):
            self.count += 1
            self.event.set()

    async def wait(self, timeout: float = 15) -> None:
        with anyio.fail_after(timeout):
            await self.event.wait()
        self.event = anyio.Event()


@asynccontextmanager
async def stdio_session(home, *args: str, notices: Notices | None = None):
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "engine.cli", "serve", "--poll", "0.2", *args],
        env=_env(home),
        cwd=str(REPO),
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=notices, read_timeout_seconds=30) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def http_server(home, *args: str):
    """`skill serve --http --port 0`: yields the endpoint URL it prints; always killed at the end."""
    with served(home, "--http", *args) as server:
        yield server.mcp, server.proc


@asynccontextmanager
async def http_session(url: str, notices: Notices | None = None):
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write, message_handler=notices, read_timeout_seconds=30) as session:
            await session.initialize()
            yield session


def names(result: types.ListToolsResult) -> set[str]:
    return {t.name for t in result.tools}


def text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def exercise(session: ClientSession) -> None:
    """What both transports must do: list, call ok, tool error, timeout, bad requests, concurrency."""
    listed = await session.list_tools()
    assert {
        "list_skills",
        "search_skills",
        "echo__default__echo",
        "echo__default__other",
        "spin__default__echo",
        "trap__default__echo",
    } <= names(listed)
    echo = next(t for t in listed.tools if t.name == "echo__default__echo")
    assert echo.description == "echo@default: Return the arguments"
    assert echo.input_schema["required"] == ["text"]
    assert echo.input_schema["properties"]["times"]["type"] == "integer"

    ok = await session.call_tool("echo__default__echo", {"text": "hi"})
    assert not ok.is_error
    assert ok.structured_content == {"text": "hi"}
    assert ok.content[0].text == "echo"

    crashed = await session.call_tool("trap__default__echo", {"text": "hi"})
    assert crashed.is_error and "trap@default:echo failed" in text(crashed) and "crashed" in text(crashed)

    # a spinning skill is stopped at its 1 s limit, and does not hold up other calls meanwhile
    results: dict[str, types.CallToolResult] = {}
    times: dict[str, float] = {}
    start = time.perf_counter()

    async def call(key: str, name: str, args: dict) -> None:
        results[key] = await session.call_tool(name, args)
        times[key] = time.perf_counter() - start

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "spin", "spin__default__echo", {"text": "x"})
        await anyio.sleep(0.1)
        for i in range(3):
            tg.start_soon(call, f"echo{i}", "echo__default__echo", {"text": f"n{i}"})
    assert results["spin"].is_error and "timed out after 1 s" in text(results["spin"])
    assert 0.9 < times["spin"] < 10
    for i in range(3):
        assert results[f"echo{i}"].structured_content == {"text": f"n{i}"}
        assert times[f"echo{i}"] < times["spin"] - 0.3, times

    # bad requests: clear tool errors, never protocol errors
    unknown = await session.call_tool("nope__default__echo", {})
    assert unknown.is_error and "unknown tool 'nope__default__echo'" in text(unknown)
    wrong = await session.call_tool("echo__default__echo", {"text": 3})
    assert wrong.is_error and text(wrong) == "echo:echo: parameter 'text' must be a string, got integer 3"
    missing = await session.call_tool("echo__default__echo", {"times": 2})
    assert missing.is_error and "missing required parameter 'text'" in text(missing)
    extra = await session.call_tool("echo__default__echo", {"text": "a", "colour": "red"})
    assert extra.is_error and "has no parameter 'colour'" in text(extra)
    still = await session.call_tool("echo__default__echo", {"text": "after"})
    assert still.structured_content == {"text": "after"}


# ---- over stdio -----------------------------------------------------------------------------------


async def test_stdio_initialize_list_and_call(home, skills):
    with anyio.fail_after(LIMIT):
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "engine.cli", "serve"], env=_env(home), cwd=str(REPO)
        )
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30) as session:
                init = await session.initialize()
                assert init.server_info.name == "skill-tui"
                assert init.capabilities.tools is not None and init.capabilities.tools.list_changed
                await exercise(session)
    rows = [r for r in skills.history() if r.get("source") == "mcp"]
    assert {r["skill"] for r in rows} == {"echo", "spin", "trap"}


async def test_stdio_list_changed_after_install(home, skills, tmp_path):
    notices = Notices()
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, notices=notices) as session:
            assert "fresh__default__echo" not in names(await session.list_tools())
            install_wat(skills, tmp_path, "echo", name="fresh")
            await notices.wait()
            assert "fresh__default__echo" in names(await session.list_tools())
            called = await session.call_tool("fresh__default__echo", {"text": "new"})
            assert called.structured_content == {"text": "new"}

            skills.add_instance("fresh", "work")
            await notices.wait()
            listed = await session.list_tools()
            work = next(t for t in listed.tools if t.name == "fresh__work__echo")
            assert work.description.startswith("fresh@work: ")

            skills.remove("fresh", purge=True)
            await notices.wait()
            assert not any(n.startswith("fresh__") for n in names(await session.list_tools()))
            gone = await session.call_tool("fresh__default__echo", {"text": "x"})
            assert gone.is_error and "unknown tool" in text(gone)


async def test_stdio_registry_while_serving(home, skills):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            await session.list_tools()
            servers = running_servers(home)
            assert len(servers) == 1 and servers[0]["transport"] == "stdio" and servers[0]["tools"] == 6
        with anyio.fail_after(10):
            while running_servers(home):
                await anyio.sleep(0.05)


async def test_stdio_filters_and_meta_tools(home, skills):
    skills.add_instance("echo", "work")
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, "--skill", "echo", "--instance", "work") as session:
            assert names(await session.list_tools()) == {
                "list_skills",
                "search_skills",
                "echo__work__echo",
                "echo__work__other",
            }
            hidden = await session.call_tool("spin__default__echo", {"text": "x"})
            assert hidden.is_error and "unknown tool" in text(hidden)

            listed = await session.call_tool("list_skills", {})
            assert not listed.is_error
            (echo,) = listed.structured_content["skills"]
            assert echo["skill"] == "echo" and echo["instances"] == ["work"]
            assert {
                "name": "echo__work__echo",
                "ref": "echo@work:echo",
                "description": "Return the arguments",
                "parameters": ["text", "times?"],
            } in echo["tools"]

            found = await session.call_tool("search_skills", {"query": "return arguments", "top": 1})
            assert not found.is_error
            assert [t["name"] for t in found.structured_content["tools"]] == ["echo__work__echo"]
            assert found.structured_content["tools"][0]["inputSchema"]["required"] == ["text"]
            bad = await session.call_tool("search_skills", {"top": 1})
            assert bad.is_error and "give 'query'" in text(bad)


async def test_stdio_lazy_lists_only_meta_tools(home, skills):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, "--lazy") as session:
            assert names(await session.list_tools()) == {"list_skills", "search_skills", "call_skill"}
            ran = await session.call_tool("call_skill", {"tool": "echo@default:echo", "arguments": {"text": "z"}})
            assert ran.structured_content == {"text": "z"}
            ran = await session.call_tool("call_skill", {"tool": "echo__default__echo", "arguments": {"text": "y"}})
            assert ran.structured_content == {"text": "y"}


async def test_stdio_serve_timeout_option(home, skills):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, "--timeout", "0.3") as session:
            start = time.perf_counter()
            stopped = await session.call_tool("spin__default__echo", {"text": "x"})
            assert stopped.is_error and "timed out after 0.3 s" in text(stopped)
            assert time.perf_counter() - start < 0.95


async def test_stdio_js_skill_structured_output(home, engine, example):
    example("textkit")
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            result = await session.call_tool("textkit__default__slugify", {"text": "Hello, Wörld!"})
            assert not result.is_error
            assert result.content[0].text == "hello-world"
            assert result.structured_content == {"slug": "hello-world", "length": 11}
            bad = await session.call_tool("textkit__default__slugify", {"text": "x", "separator": "+"})
            assert bad.is_error and "must be one of" in text(bad)


# ---- over streamable HTTP --------------------------------------------------------------------------


async def test_http_initialize_list_call_and_list_changed(home, skills, tmp_path):
    notices = Notices()
    with anyio.fail_after(LIMIT):
        async with http_server(home) as (url, _proc):
            assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
            servers = running_servers(home)
            assert servers and servers[0]["transport"] == "http" and servers[0]["address"] == url
            async with http_session(url, notices) as session:
                await exercise(session)
                install_wat(skills, tmp_path, "echo", name="late")
                await notices.wait()
                assert "late__default__echo" in names(await session.list_tools())
                called = await session.call_tool("late__default__echo", {"text": "http"})
                assert called.structured_content == {"text": "http"}


async def test_http_advertises_list_changed_as_stdio_does(home, skills):
    """The handshake over streamable HTTP says what the server sends (the SDK's session manager builds
    it without the server's notification options: it said false)."""
    with anyio.fail_after(LIMIT):
        async with http_server(home) as (url, _proc):
            async with streamable_http_client(url) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30) as session:
                    caps = (await session.initialize()).capabilities
    assert caps.tools is not None and caps.tools.list_changed
    assert caps.resources is not None and caps.resources.list_changed
    assert caps.prompts is not None and caps.prompts.list_changed


async def test_http_two_clients_both_notified(home, skills, tmp_path):
    first, second = Notices(), Notices()
    with anyio.fail_after(LIMIT):
        async with http_server(home) as (url, _proc):
            async with http_session(url, first) as a, http_session(url, second) as b:
                await a.list_tools()
                await b.list_tools()
                install_wat(skills, tmp_path, "echo", name="both")
                await first.wait()
                await second.wait()


async def test_http_refuses_foreign_host_header(home, skills):
    import httpx

    with anyio.fail_after(LIMIT):
        async with http_server(home) as (url, _proc):
            async with httpx.AsyncClient() as client:
                r = await client.post(
                    url,
                    headers={
                        "Host": "evil.example:80",
                        "Content-Type": "application/json",
                        "Accept": "application/json, text/event-stream",
                    },
                    content=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                )
            assert r.status_code in (400, 421)


# ---- search_skills on the example skills ------------------------------------------------------------


def test_search_answers_from_keywords_while_the_model_loads_then_by_meaning(search_engine, monkeypatch):
    """Holding the embedder's lock keeps the model loading: `search_skills` answers from the engine's
    keyword search after a short wait, and starts the loading, after which it ranks by meaning."""
    from engine.search import embedder as embedder_mod

    monkeypatch.setattr(embedder_mod, "_cache", {})
    monkeypatch.setattr(mcp_search, "MODEL_WAIT", 0.2)
    catalog = build_catalog(search_engine, Selection())
    with embedder_mod._cache_lock:
        method, hits = search(search_engine, catalog, "make a url slug", top=3)
        assert method == "words"
        assert hits[0][0].name == "textkit__default__slugify" and hits[0][1] > 0  # a BM25 score
        assert search(search_engine, catalog, "   ")[1] == []
    deadline = time.monotonic() + 60
    while not search_engine.search_ready():  # loading in the background since the first call
        assert time.monotonic() < deadline, "the model never loaded"
        time.sleep(0.1)
    method, hits = search(search_engine, catalog, "save a note titled groceries", top=3)
    assert method == "semantic"
    assert hits[0][0].name == "notes__default__add-note" and 0 < hits[0][1] <= 1
    assert all(e.skill == "notes" for e, _ in search(search_engine, catalog, "a note", skill="notes")[1])
