"""Knowledge skills served over MCP to the SDK's real ClientSession (`skill serve` as a subprocess).

Two Agent Skills folders written the way others publish them (tests/fixtures/knowledge: Claude Code keys
such as disable-model-invocation, user-invocable: false, argument-hint, allowed-tools) are installed with
the real `skill install`, then listed, loaded, read and prompted through the protocol.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from pydantic import TypeAdapter
from test_mcp import LIMIT, REPO, Notices, _env, names, stdio_session, text

from engine.knowledge.frontmatter import split_skill_md
from engine.mcp.results import MAX_OUTPUT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"

pytestmark = pytest.mark.anyio


def publish(tmp_path: Path, name: str) -> Path:
    """The fixture folder as someone's checkout (a copy: the test adds files to it)."""
    return Path(shutil.copytree(FIXTURES / name, tmp_path / "src" / name))


@pytest.fixture
def knowledge(skill, tmp_path):
    """release-notes (disable-model-invocation) and postgres-migrations (user-invocable: false, plus a
    binary diagram and a reference larger than a tool result), installed with `skill install`."""
    notes = publish(tmp_path, "release-notes")
    migrations = publish(tmp_path, "postgres-migrations")
    (migrations / "assets").mkdir()
    (migrations / "assets" / "locks.png").write_bytes(PNG)
    lines = [f"| {n} | ACCESS EXCLUSIVE | waits for every open transaction on the table |" for n in range(2000)]
    (migrations / "references" / "lock-levels.md").write_text("# Lock levels\n\n" + "\n".join(lines) + "\n")
    for folder in (notes, migrations):
        installed = skill("install", str(folder), "--yes")
        assert "installed" in installed.stdout, installed.stdout + installed.stderr
    return {"release-notes": notes, "postgres-migrations": migrations}


class Changes:
    """Records which list_changed notifications arrived (tools, resources, prompts)."""

    def __init__(self) -> None:
        self.seen: set[type] = set()

    async def __call__(self, message) -> None:
        self.seen.add(type(message))

    async def wait_for(self, *kinds: type, timeout: float = 15) -> None:
        with anyio.fail_after(timeout):
            while not set(kinds) <= self.seen:
                await anyio.sleep(0.05)


def tool(listed: types.ListToolsResult, name: str) -> types.Tool:
    return next(t for t in listed.tools if t.name == name)


async def custom(session, method: str, params: dict | None = None) -> dict:
    request = types.Request[dict | None, str](method=method, params=params)
    return await session.send_request(request, TypeAdapter(dict))


# ---- tools: what every model can call ----------------------------------------------------------------


async def test_load_skill_lists_the_catalog_and_gives_body_base_uri_and_files(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            announced = session.initialize_result.capabilities
            assert announced.resources.list_changed and announced.prompts.list_changed
            listed = await session.list_tools()
            load = tool(listed, "load_skill")
            # disable-model-invocation: release-notes is neither in the enum nor in the catalog
            assert load.input_schema["properties"]["name"]["enum"] == ["postgres-migrations"]
            assert "postgres-migrations: Review and write PostgreSQL schema migrations" in load.description
            assert "release-notes" not in load.description
            read = tool(listed, "read_skill_file")
            assert read.input_schema["properties"]["name"]["enum"] == ["postgres-migrations", "release-notes"]

            loaded = await session.call_tool("load_skill", {"name": "postgres-migrations"})
            body = text(loaded)
            assert not loaded.is_error and "# Safe PostgreSQL migrations" in body
            assert "skill://postgres-migrations/" in body
            size = (knowledge["postgres-migrations"] / "references" / "indexes.md").stat().st_size
            assert f"references/indexes.md ({size} bytes)" in body and "assets/locks.png (" in body
            assert "SHARE lock" not in body  # the files are listed, not read (progressive disclosure)
            assert "user-invocable" not in body  # the body, not the frontmatter

            hidden = await session.call_tool("load_skill", {"name": "release-notes"})
            assert hidden.is_error and "disable-model-invocation" in text(hidden)
            unknown = await session.call_tool("load_skill", {"name": "nope"})
            assert unknown.is_error and "served: postgres-migrations, release-notes" in text(unknown)


async def test_read_skill_file_inside_the_package_text_only_bounded(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            ref = await session.call_tool(
                "read_skill_file", {"name": "postgres-migrations", "path": "references/indexes.md"}
            )
            assert not ref.is_error and "CREATE INDEX CONCURRENTLY" in text(ref)
            script = await session.call_tool("read_skill_file", {"name": "release-notes", "path": "scripts/collect.sh"})
            assert (
                text(script) == (FIXTURES / "release-notes" / "scripts" / "collect.sh").read_text()
            )  # a file, never run

            for path in ("../../etc/passwd", "references/../../release-notes/SKILL.md", "/etc/passwd"):
                out = await session.call_tool("read_skill_file", {"name": "postgres-migrations", "path": path})
                assert out.is_error and "not a path inside the skill" in text(out) and "root:" not in text(out), path
            binary = await session.call_tool(
                "read_skill_file", {"name": "postgres-migrations", "path": "assets/locks.png"}
            )
            assert binary.is_error and "binary file" in text(binary) and "PNG" not in text(binary)

            large = await session.call_tool(
                "read_skill_file", {"name": "postgres-migrations", "path": "references/lock-levels.md"}
            )
            out = text(large)
            assert not large.is_error and out.startswith("# Lock levels") and out.endswith("more bytes truncated]")
            assert len(out.encode()) < MAX_OUTPUT + 100


async def test_lazy_mode_lists_the_knowledge_tools_too(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, "--lazy") as session:
            assert names(await session.list_tools()) == {
                "list_skills",
                "search_skills",
                "call_skill",
                "load_skill",
                "read_skill_file",
            }
            loaded = await session.call_tool("load_skill", {"name": "postgres-migrations"})
            assert "# Safe PostgreSQL migrations" in text(loaded)


async def test_search_skills_says_each_hits_kind(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            found = await session.call_tool("search_skills", {"query": "create an index without blocking writes"})
            assert not found.is_error
            hit = found.structured_content["knowledge"][0]
            assert hit["kind"] == "file" and hit["skill"] == "postgres-migrations"
            assert hit["path"] == "references/indexes.md" and hit["skill_kind"] == "knowledge"
            assert hit["read"] == "read_skill_file(name='postgres-migrations', path='references/indexes.md')"
            assert found.structured_content["tools"] == []
            # a skill a model may not load is not offered to it
            style = await session.call_tool("search_skills", {"query": "tone of the release notes style guide"})
            assert all(h["skill"] != "release-notes" for h in style.structured_content["knowledge"])


# ---- resources and prompts --------------------------------------------------------------------------


async def test_resources_template_and_prompts(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            resources = {r.uri: r for r in (await session.list_resources()).resources}
            skill_md = resources["skill://postgres-migrations/SKILL.md"]
            assert skill_md.mime_type == "text/markdown" and skill_md.description.startswith("Review and write")
            assert "skill://release-notes/scripts/collect.sh" in resources
            assert "skill://release-notes/references/style.md" in resources
            assert "skill://postgres-migrations/assets/locks.png" not in resources  # binary: not served as text
            (template,) = (await session.list_resource_templates()).resource_templates
            assert template.uri_template == "skill://{name}/{+path}"

            style = await session.read_resource("skill://release-notes/references/style.md")
            (contents,) = style.contents
            assert contents.text == (FIXTURES / "release-notes" / "references" / "style.md").read_text()
            assert contents.mime_type == "text/markdown"
            for bad in (
                "skill://postgres-migrations/assets/locks.png",
                "skill://postgres-migrations/../release-notes/SKILL.md",
                "skill://nope/SKILL.md",
                "file:///etc/passwd",
            ):
                with pytest.raises(MCPError) as refused:
                    await session.read_resource(bad)
                assert "root:" not in str(refused.value), bad

            prompts = (await session.list_prompts()).prompts
            assert [p.name for p in prompts] == ["release-notes"]  # postgres-migrations: user-invocable: false
            (task,) = prompts[0].arguments
            assert task.name == "task" and not task.required and "[version, e.g. v2.4.0]" in task.description
            got = await session.get_prompt("release-notes", {"task": "notes for v2.4.0"})
            first, second = got.messages
            assert isinstance(first.content, types.EmbeddedResource)
            assert first.content.resource.uri == "skill://release-notes/SKILL.md"
            assert first.content.resource.text == (FIXTURES / "release-notes" / "SKILL.md").read_text()
            assert second.content.text == "notes for v2.4.0"
            with pytest.raises(MCPError):
                await session.get_prompt("postgres-migrations", {})


async def test_install_announces_tools_resources_and_prompts(home, knowledge, skill, tmp_path):
    changes = Changes()
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, notices=changes) as session:
            assert [p.name for p in (await session.list_prompts()).prompts] == ["release-notes"]
            folder = tmp_path / "src" / "changelog"
            shutil.copytree(FIXTURES / "release-notes", folder)
            md = folder / "SKILL.md"
            md.write_text(
                md.read_text()
                .replace("name: release-notes", "name: changelog")
                .replace("disable-model-invocation: true\n", "")
            )
            skill("install", str(folder), "--yes")
            await changes.wait_for(
                types.ToolListChangedNotification,
                types.ResourceListChangedNotification,
                types.PromptListChangedNotification,
            )
            assert [p.name for p in (await session.list_prompts()).prompts] == ["changelog", "release-notes"]
            assert "skill://changelog/SKILL.md" in {r.uri for r in (await session.list_resources()).resources}
            load = tool(await session.list_tools(), "load_skill")
            assert load.input_schema["properties"]["name"]["enum"] == ["changelog", "postgres-migrations"]

            changes.seen.clear()
            skill("remove", "changelog", "--yes")
            await changes.wait_for(types.PromptListChangedNotification, types.ResourceListChangedNotification)
            assert [p.name for p in (await session.list_prompts()).prompts] == ["release-notes"]


async def test_a_change_a_request_saw_first_is_still_announced(home, knowledge, skill, tmp_path):
    """A client that lists right after an install (before the watcher's next look, 2 s here) gets the new
    prompt, and the change is still announced: other clients have not seen it."""
    changes = Changes()
    with anyio.fail_after(LIMIT):
        async with stdio_session(home, "--poll", "2", notices=changes) as session:
            await session.list_prompts()
            folder = tmp_path / "src" / "changelog"
            shutil.copytree(FIXTURES / "release-notes", folder)
            md = folder / "SKILL.md"
            md.write_text(md.read_text().replace("name: release-notes", "name: changelog"))
            skill("install", str(folder), "--yes")
            assert [p.name for p in (await session.list_prompts()).prompts] == ["changelog", "release-notes"]
            await changes.wait_for(types.PromptListChangedNotification, types.ResourceListChangedNotification)


async def test_tool_skills_alone_change_no_resources_or_prompts(home, knowledge, engine, tmp_path):
    """A tool skill installed changes the tools only: nothing is announced about resources or prompts."""
    from test_mcp import install_wat

    tools_changed, others = Notices(), Changes()

    async def both(message) -> None:
        await tools_changed(message)
        await others(message)

    with anyio.fail_after(LIMIT):
        async with stdio_session(home, notices=both) as session:
            await session.list_prompts()
            install_wat(engine, tmp_path, "echo")
            await tools_changed.wait()
            await session.list_prompts()  # a round trip: what the server announced with the tools has arrived
            assert types.ResourceListChangedNotification not in others.seen
            assert types.PromptListChangedNotification not in others.seen


# ---- the draft skills extension (SEP-2640) ----------------------------------------------------------


async def test_skills_extension_list_and_get_give_verbatim_frontmatter_and_digests(home, knowledge):
    with anyio.fail_after(LIMIT):
        async with stdio_session(home) as session:
            listed = await custom(session, "skills/list")
            by_name = {s["name"]: s for s in listed["skills"]}
            assert set(by_name) == {"postgres-migrations", "release-notes"}
            for name, folder in knowledge.items():
                raw = split_skill_md((folder / "SKILL.md").read_text(), name).raw
                assert by_name[name]["frontmatter"] == raw
                assert by_name[name]["uri"] == f"skill://{name}/SKILL.md"

            got = (await custom(session, "skills/get", {"name": "release-notes"}))["skill"]
            folder = knowledge["release-notes"]
            assert (
                got["frontmatter"].startswith("name: release-notes\n")
                and "disable-model-invocation: true" in got["frontmatter"]
            )
            files = {f["path"]: f for f in got["files"]}
            assert set(files) == {"SKILL.md", "references/style.md", "scripts/collect.sh", "assets/template.md"}
            for path, f in files.items():
                data = (folder / path).read_bytes()
                assert f["digest"] == "sha256:" + hashlib.sha256(data).hexdigest() and f["size"] == len(data)
                assert f["uri"] == f"skill://release-notes/{path}"
            by_uri = await custom(session, "skills/get", {"uri": "skill://postgres-migrations/SKILL.md"})
            assert by_uri["skill"]["name"] == "postgres-migrations"
            with pytest.raises(MCPError) as unknown:
                await custom(session, "skills/get", {"name": "nope"})
            assert "served: postgres-migrations, release-notes" in str(unknown.value)


async def test_a_2026_client_discovers_the_extension_and_uses_it(home, knowledge):
    """A 2026-07-28 client (`server/discover`, no handshake) sees `io.modelcontextprotocol/skills` among the
    server's extensions, and the list_changed flags for resources and prompts."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "engine.cli", "serve"], env=_env(home), cwd=str(REPO)
    )
    with anyio.fail_after(LIMIT):
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30) as session:
                found = await session.discover()
                assert found.capabilities.extensions == {"io.modelcontextprotocol/skills": {}}
                assert found.capabilities.resources.list_changed and found.capabilities.prompts.list_changed
                listed = await custom(session, "skills/list", {})
                assert [s["name"] for s in listed["skills"]] == ["postgres-migrations", "release-notes"]
