"""The dev mode screen: pick a folder, watch it, see each reload, re-run output and build errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import engine as engine_surface
from engine.build.dev import dev_host
from engine.build.scaffold import init_project
from fixtures.authoring.edits import set_greet_return
from fixtures.tui import SIZE, until
from skill_tui.app import SkillTui
from skill_tui.screens import dev as dev_screen
from skill_tui.screens.dev import DevScreen
from skill_tui.widgets.log_view import LogView

pytestmark = [pytest.mark.anyio]


@pytest.fixture
def demo(engine, tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    init_project(tmp_path / "demo", "js", description="Demo skill")
    dev_host(engine)  # built and compiled once per cache; never part of what the screen shows
    monkeypatch.setattr(dev_screen, "clock", lambda: "12:00:00")
    real = engine_surface.describe_dev_event  # a reload's time varies: the log shows 9 ms

    def fixed_time(event):
        return real(replace(event, ms=9.0) if isinstance(event, engine_surface.Reloaded) else event)

    monkeypatch.setattr(engine_surface, "describe_dev_event", fixed_time)
    return Path("demo")


def log_text(screen: DevScreen) -> str:
    return "\n".join(screen.query_one(LogView).lines_text())


async def open_dev(pilot, folder: str, **kw) -> DevScreen:
    screen = DevScreen(folder, tool="greet", args='{"name": "Ada"}', release=False, **kw)
    pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


async def test_dev_screen_reloads_reruns_and_survives_errors(engine, demo):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dev(pilot, str(demo))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.runs >= 1)
        assert "✔ reloaded in 9 ms (2 tools: greet, word-count)" in log_text(screen)
        assert "greet → Hello, Ada!" in log_text(screen)
        assert screen.watching and "● watching demo" in str(screen.query_one("#dev-status").render())

        for i in range(3):
            set_greet_return(demo / "skill.js", f"return ok(`edit {i} ${{name}}`);")
            await until(pilot, lambda i=i: f"greet → edit {i} Ada" in log_text(screen))

        # a syntax error: shown with file:line, the last good version keeps answering
        text = (demo / "skill.js").read_text()
        (demo / "skill.js").write_text(text.replace("return ok(`edit 2", "return ok((`edit 2"))
        await until(pilot, lambda: "✘ build error: demo/skill.js:" in log_text(screen))
        assert "the previous version keeps serving" in log_text(screen)
        assert screen.session.run("greet", {"name": "Bo"}).output == "edit 2 Bo"
        (demo / "skill.js").write_text(text.replace("edit 2", "fixed"))
        await until(pilot, lambda: "greet → fixed Ada" in log_text(screen))

        # auto re-run off: reloads continue, no runs; f5 re-runs on demand
        await pilot.press("f4")
        assert screen.session.run_tool is None
        runs, reloads = screen.runs, screen.reloads
        set_greet_return(demo / "skill.js", "return ok(`quiet ${name}`);")
        await until(pilot, lambda: screen.reloads > reloads)
        await pilot.pause(0.2)
        assert screen.runs == runs
        await pilot.press("f5")
        await until(pilot, lambda: "greet → quiet Ada" in log_text(screen))

        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.watching)
        assert "■ stopped watching" in log_text(screen)


async def test_dev_screen_needs_a_skill_folder(engine, tmp_path):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dev(pilot, str(tmp_path))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not screen.watching and "has no skill.yaml" in log_text(screen)


def test_dev_screen_snapshot(snap_compare, engine, demo):
    async def run_before(pilot) -> None:
        screen = await open_dev(pilot, str(demo))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.runs >= 1)
        (demo / "skill.js").write_text((demo / "skill.js").read_text().replace("handler: async", "handler: async("))
        await until(pilot, lambda: "✘ build error" in log_text(screen))
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(SkillTui(engine), terminal_size=SIZE, run_before=run_before)


CANARY = "canary-DevScreen-Zk93"


async def test_dev_screen_never_shows_a_secret(engine, demo, monkeypatch):
    """The skill echoes its secret token in output, data, stdout and stderr; the screen shows it masked."""
    from engine.schema import MASK
    from fixtures.authoring.edits import add_secret_echo
    from fixtures.config.skills import files_containing
    from fixtures.env import set_config

    monkeypatch.setenv("SKILL_SECRETS", "vault")
    add_secret_echo(demo)
    set_config(engine, "demo", "default", {"token": engine.config.put_secret("demo", "default", "token", CANARY)})
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dev(pilot, str(demo))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.runs >= 1)
        assert f"greet → token={MASK}" in log_text(screen)  # the skill saw the secret; the screen masks it
        again = screen.session.run("greet", {"name": "Bo"})
        assert again.output == f"token={MASK}" and f"err {MASK}" in again.stderr
        assert CANARY not in log_text(screen) + repr(again)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.watching)
    assert files_containing(engine.home.root, CANARY) == [], "the secret reached a plain file"
