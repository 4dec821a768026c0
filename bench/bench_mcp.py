"""MCP tools/call round trip over stdio: `skill serve` running textkit slugify (a real JS skill)
beside a baseline measured in the same run with the same client: a minimal mcp SDK server
(`MCPServer`, one no-op tool).

- p50/p99 over 1000 sequential calls each (after 50 warm-up calls), from the SDK's ClientSession
- target: skill p50 <= 10 ms and <= 3x the baseline p50

Run: .venv/bin/python bench/bench_mcp.py
"""

from __future__ import annotations

import os
import sys
import time

from common import ARGS, REPO, SKILL, TOOL, engine_run_ms, pct, row, setup_home

CALLS = 1000
WARMUP = 50

BASELINE = '''
from mcp.server.mcpserver import MCPServer

app = MCPServer("baseline", log_level="WARNING")


@app.tool()
def noop(text: str = "", max_length: int = 0) -> str:
    """Do nothing."""
    return text


app.run()
'''


async def measure(command: str, args: list[str], tool: str, arguments: dict, env: dict[str, str]) -> list[float]:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(REPO))
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.list_tools()  # the client caches output schemas from the listing
                for _ in range(WARMUP):
                    result = await session.call_tool(tool, arguments)
                    assert not result.is_error, result
                samples = []
                for _ in range(CALLS):
                    t0 = time.perf_counter()
                    result = await session.call_tool(tool, arguments)
                    samples.append((time.perf_counter() - t0) * 1000)
                    assert not result.is_error
    return samples


async def run() -> None:
    home = setup_home()
    env = {
        "SKILL_ENGINE_HOME": str(home),
        "SKILL_ENGINE_CACHE": os.environ["SKILL_ENGINE_CACHE"],
        "PYTHONPATH": str(REPO),
    }
    print(f"MCP tools/call over stdio, {CALLS} sequential calls each after {WARMUP} warm-up calls")
    base = await measure(sys.executable, ["-c", BASELINE], "noop", ARGS, env)
    skill = await measure(sys.executable, ["-m", "engine.cli", "serve"], f"{SKILL}__default__{TOOL}", ARGS, env)
    direct = engine_run_ms(CALLS, WARMUP)
    row("baseline: minimal MCPServer, no-op tool, p50", f"{pct(base, 50):.2f} ms")
    row("baseline p99", f"{pct(base, 99):.2f} ms")
    row(f"skill serve: {SKILL} {TOOL} (JS component), p50", f"{pct(skill, 50):.2f} ms", "target <= 10 ms")
    row("skill serve p99", f"{pct(skill, 99):.2f} ms")
    row(
        "for reference: Engine.run in-process (no MCP), p50",
        f"{pct(direct, 50):.2f} ms",
        f"MCP adds {pct(skill, 50) - pct(direct, 50):.2f} ms",
    )
    ratio = pct(skill, 50) / pct(base, 50)
    row("ratio of p50s (skill / baseline)", f"{ratio:.2f}x", "target <= 3x")
    ok = pct(skill, 50) <= 10 and ratio <= 3
    print("PASS" if ok else "FAIL")


def main() -> None:
    import anyio

    anyio.run(run)


if __name__ == "__main__":
    main()
