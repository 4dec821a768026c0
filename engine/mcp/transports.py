"""MCP over stdio (one client, the usual case). Streamable HTTP, with the REST API beside it, is
`engine.serve`."""

from __future__ import annotations

from typing import Any

from engine.mcp.server import SkillServer


def init_options(server: SkillServer) -> Any:
    """The handshake's options: this server announces changes of its tools, resources and prompts."""
    from mcp.server import NotificationOptions

    changes = NotificationOptions(tools_changed=True, resources_changed=True, prompts_changed=True)
    return server.server.create_initialization_options(changes)


async def run_stdio(server: SkillServer) -> None:
    """Serve one client on stdin/stdout until it closes stdin, watching the store meanwhile."""
    import anyio

    from engine.mcp.stdio import stdio_streams

    async with anyio.create_task_group() as tg:
        tg.start_soon(server.watch)
        async with stdio_streams() as (read, write):
            await server.server.run(read, write, init_options(server))
        tg.cancel_scope.cancel()  # the client closed stdin: stop watching
