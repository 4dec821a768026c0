"""The TUI's server status line: the server registry (URL, MCP and REST, requests per minute), the history
tail, MCP and REST calls in the live log with their source."""

from __future__ import annotations

import json
import os
import time

import pytest

from engine.events import RunResult
from engine.history import History
from fixtures.tmux import HAVE_TMUX, Tmux, skill_tui_argv, terminal_env
from fixtures.tui import SIZE, settle
from skill_tui.widgets.mcp_status import TAIL_BYTES, McpStatus, describe

pytestmark = pytest.mark.anyio


HTTP_SERVER = {
    "pid": 7,
    "transport": "http",
    "address": "http://127.0.0.1:8765/mcp",
    "url": "http://127.0.0.1:8765",
    "mcp": True,
    "rest": True,
    "tools": 21,
    "per_minute": {"mcp": 2, "rest": 3},
}


def _row(**kw) -> dict:
    return {
        "skill": "textkit",
        "instance": "default",
        "tool": "slugify",
        "ok": True,
        "duration_ms": 3.2,
        "started_at": time.mktime((2026, 1, 2, 12, 3, 4, 0, 0, -1)),
        "source": "mcp",
        **kw,
    }


def test_describe():
    assert describe([], None) == "Server: not running"
    stdio = describe([{"pid": 42, "transport": "stdio", "tools": 6}], _row())
    assert stdio == "Serving MCP over stdio · 6 tools · last 12:03:04 mcp textkit@default:slugify ✔ 3 ms"
    http = describe([HTTP_SERVER], _row(ok=False, source="rest"))
    assert http == (
        "Serving http://127.0.0.1:8765 (MCP, REST) · 21 tools · 5 req/min · last 12:03:04 rest "
        "textkit@default:slugify ✘ 3 ms"
    )
    rest_only = describe([{**HTTP_SERVER, "mcp": False, "per_minute": {}}], None)
    assert rest_only == "Serving http://127.0.0.1:8765 (REST) · 21 tools · 0 req/min"
    assert (
        describe([HTTP_SERVER], _row(), width=80) == "Serving http://127.0.0.1:8765 (MCP, REST) · 21 tools · 5 req/min"
    )
    older = describe([{"pid": 7, "transport": "http", "address": "http://127.0.0.1:8765/mcp", "tools": 1}], None)
    assert older == "Serving http://127.0.0.1:8765/mcp (MCP) · 1 tools"  # a server from before the REST API


def test_history_tail_follows_appends_and_rotation(tmp_path):
    path = tmp_path / "history.jsonl"
    history = History(path)
    tail = history.tail()
    assert tail.start(TAIL_BYTES) == []

    def add(tool: str) -> None:
        history.append(RunResult(run_id="r", skill="s", instance="default", tool=tool, ok=True, source="mcp"))
        history.flush()  # the record is in the file, as another process's write would be

    add("a")  # the file appears after start: its rows are new
    assert [r["tool"] for r in tail.read()] == ["a"]
    assert [r["tool"] for r in history.tail().start(TAIL_BYTES)] == ["a"]  # what a new tail shows at start
    add("b")
    add("c")
    assert [r["tool"] for r in tail.read()] == ["b", "c"]
    with open(path, "ab") as f:
        f.write(b'{"tool": "torn"')  # a line still being written
    assert tail.read() == []
    with open(path, "ab") as f:
        f.write(b"}\n")
    assert [r["tool"] for r in tail.read()] == ["torn"]
    os.replace(path, tmp_path / "history.1.jsonl")  # rotation
    add("d")
    assert [r["tool"] for r in tail.read()] == ["d"]


def test_history_tail_misses_no_run_across_a_rotation(tmp_path, monkeypatch):
    """Runs appended just before the file rotates (between two reads of the status line) still show."""
    import engine.history as history_mod

    monkeypatch.setattr(history_mod, "MAX_BYTES", 600)  # a few records per file
    history = History(tmp_path / "history.jsonl")

    def add(*names: str) -> None:
        for name in names:
            history.append(RunResult(run_id="r", skill="s", instance="default", tool=name, ok=True, source="mcp"))
        history.flush()

    add("before")
    tail = history.tail()
    assert [r["tool"] for r in tail.start(0)] == []
    names = [f"t{i}" for i in range(4)]
    add(*names)
    assert history.rotated.exists()  # the file was rotated after some of those runs
    assert [r["tool"] for r in tail.read()] == names


async def test_status_line_and_served_calls_in_the_log(engine, wat_skill):
    from skill_tui.app import SkillTui
    from skill_tui.widgets.log_view import LogView

    wat_skill("echo")
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        status = app.main.query_one(McpStatus)

        async def refresh() -> None:
            status.poll()
            # every worker but the store watcher, which runs as long as the app
            await app.workers.wait_for_complete([w for w in app.workers if w.group != "watch"])
            await pilot.pause(0.05)

        await refresh()
        assert not status.display  # nothing to say: hidden, the layout is unchanged

        registry = engine.home.root / "mcp"
        registry.mkdir()
        mine = registry / f"{os.getpid()}.json"
        mine.write_text(json.dumps({**HTTP_SERVER, "pid": os.getpid(), "started_at": time.time()}))
        (registry / "999999999.json").write_text(json.dumps({"pid": 999999999, "transport": "stdio"}))  # stale
        await refresh()
        assert status.display
        assert str(status.render()) == "Serving http://127.0.0.1:8765 (MCP, REST) · 21 tools · 5 req/min"
        assert not (registry / "999999999.json").exists()

        engine.run("echo:echo", {"text": "from an agent"}, source="mcp")
        engine.run("echo:echo", {"text": "from a dashboard"}, source="rest")
        engine.run("echo:echo", {"text": "typed in the cli"}, source="cli")
        engine.flush()  # in the file, as a server process's records are once written
        await refresh()
        lines = "\n".join(app.main.query_one(LogView).lines_text())
        assert 'mcp ▶ echo@default:echo {"text": "from an agent"}' in lines
        assert 'rest ▶ echo@default:echo {"text": "from a dashboard"}' in lines
        assert "mcp ✔ echo@default:echo" in lines and "rest ✔ echo@default:echo" in lines
        assert "typed in the cli" not in lines
        assert "· last " in str(status.render()) and "rest echo@default:echo ✔" in str(status.render())

        mine.unlink()
        await refresh()
        assert str(status.render()).startswith("Server: not running · last")


def test_history_tail_starts_at_a_whole_line(tmp_path, monkeypatch):
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps({"tool": f"t{i}", "pad": "x" * 20}) + "\n" for i in range(10)))
    rows = History(path).tail().start(100)
    assert 1 <= len(rows) <= 3 and rows[-1]["tool"] == "t9"
    assert [r["tool"] for r in rows] == [f"t{i}" for i in range(10 - len(rows), 10)]


def test_snapshot_with_a_rest_server_at_80x24(snap_compare, engine, wat_skill, steady_log, monkeypatch):
    """The line under the log with `skill serve --http` running and a REST call in the log, at 80x24."""
    from skill_tui.app import SkillTui
    from skill_tui.widgets import mcp_status

    monkeypatch.setattr(mcp_status, "_clock", lambda ts: "12:03:04")
    wat_skill("echo")
    registry = engine.home.root / "mcp"
    registry.mkdir()
    (registry / f"{os.getpid()}.json").write_text(json.dumps({**HTTP_SERVER, "pid": os.getpid()}))

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        History(engine.home.history_file).append(
            RunResult(
                run_id="r1",
                skill="echo",
                instance="default",
                tool="echo",
                ok=True,
                output="echo",
                args={"text": "from a dashboard"},
                duration_ms=3.2,
                source="rest",
            )
        )
        History.flush()
        app.main.query_one(McpStatus).poll()
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "watch"])
        app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(SkillTui(engine), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh")
def test_a_running_http_server_and_its_rest_calls_in_a_real_terminal(engine, wat_skill):
    """`skill serve --http` in one terminal, `skill-tui` in another (80x24): the line names the server,
    and a REST call shows in the log as `rest` and in the requests per minute."""
    import httpx

    from fixtures.serve import served

    wat_skill("echo")
    tmux = Tmux(f"skill-tui-serve-{os.getpid()}")
    with served(engine.home, "--http") as s:
        tmux.start(skill_tui_argv(), terminal_env(engine.home), 80, 24)
        try:
            tmux.wait_for(f"Serving {s.base} (MCP, REST)")
            r = httpx.post(f"{s.base}/api/v1/stream", json={"ref": "echo:echo", "args": {"text": "curl"}}, timeout=30)
            assert "event: done" in r.text
            screen = tmux.wait_for("rest ✔ echo@default:echo", timeout=60)  # the server's history is written idle
            assert 'rest ▶ echo@default:echo {"text": "curl"}' in screen
            tmux.wait_for("· 1 req/min", timeout=30)
        finally:
            tmux.kill()
