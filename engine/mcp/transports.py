"""MCP over stdio (one client, the usual case). Streamable HTTP, with the REST API beside it, is
`engine.serve`."""

from __future__ import annotations

from engine.mcp.server import SkillServer


async def run_stdio(server: SkillServer) -> None:
    """Serve one client on stdin/stdout until it closes stdin, watching the store meanwhile. (The
    handshake announces list changes: `SkillServer`'s SDK server says so on every transport.)"""
    import anyio

    from engine.mcp.stdio import stdio_streams

    async with anyio.create_task_group() as tg:
        tg.start_soon(server.watch)
        async with stdio_streams() as (read, write):
            await server.server.run(read, write, server.server.create_initialization_options())
        tg.cancel_scope.cancel()  # the client closed stdin: stop watching
