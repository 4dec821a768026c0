"""Dialogs keep the person's work: the engine's refusal shows under the box, the text stays,
the dialog stays open; Tab completes a path like a shell; every dialog says its keys."""

from __future__ import annotations

import os
import time

import pytest

from fixtures import wat
from fixtures.env import instances_of
from fixtures.tmux import HAVE_TMUX, Tmux, skill_tui_argv, terminal_env
from fixtures.tui import SIZE, note, open_prompt, screen_text, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.prompts import Confirm, TextPrompt

pytestmark = [pytest.mark.anyio]


async def test_a_refused_instance_name_stays_in_the_dialog(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        box = await open_prompt(pilot, app, "n")
        skill = app.main.current
        assert "enter: create · esc: cancel" in screen_text(app)
        await pilot.press(*"Bad Name!", "enter")
        await until(pilot, lambda: "is not a valid instance name" in note(app))
        assert isinstance(app.screen, TextPrompt) and box.value == "Bad Name!"
        assert "is not a valid instance name" in screen_text(app)  # on screen, under the box
        assert not instances_of(tui_engine).dir(skill, "bad-name").exists()
        await pilot.press(*["backspace"] * len("Bad Name!"), *"bad-name")
        assert note(app) == ""  # the error was about the text as it was
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, TextPrompt))
        assert instances_of(tui_engine).dir(skill, "bad-name").exists()


async def test_a_failed_install_stays_in_the_dialog_then_installs(tui_engine, tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "fresh.wasm").write_bytes(wat.component_bytes(name="fresh"))
    (folder / "skill.yaml").write_text("name: fresh\nversion: 1.0.0\ndescription: a fresh skill\n")
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        box = await open_prompt(pilot, app, "i")
        typed = str(tmp_path / "frseh")
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: "does not exist" in note(app))
        assert isinstance(app.screen, TextPrompt) and box.value == typed
        await pilot.press(*["backspace"] * 4, *"resh", "enter")  # the typo fixed, the rest kept
        await until(pilot, lambda: not isinstance(app.screen, TextPrompt), timeout=60)
        await until(pilot, lambda: "fresh" in app.main.skills)


async def test_tab_completes_a_path_like_a_shell(tui_engine, tmp_path, monkeypatch):
    for name in ("alpha-skill", "alpine", "beta"):
        (tmp_path / "skills" / name).mkdir(parents=True)
    (tmp_path / "skills" / "beta" / "beta.wasm").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        box = await open_prompt(pilot, app, "i")
        assert "tab: complete the path" in screen_text(app)
        await pilot.press(*"sk", "tab")
        assert box.value == "skills/" and app.focused is box
        await pilot.press("b", "tab")
        assert box.value == "skills/beta/"
        await pilot.press("tab")
        assert box.value == "skills/beta/beta.wasm"
        await pilot.press(*["backspace"] * len("beta/beta.wasm"), "a", "tab")  # ambiguous
        assert box.value == "skills/alp"
        assert "alpha-skill/  alpine/" in note(app) and "alpha-skill/  alpine/" in screen_text(app)
        await pilot.press("i", "tab")
        assert box.value == "skills/alpine/" and note(app) == ""
        await pilot.press(*"zz", "tab")
        assert box.value == "skills/alpine/zz" and "no file or folder" in note(app)


async def test_the_confirm_dialog_says_its_keys(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "y: yes" in screen_text(app) and "esc: cancel" in screen_text(app)


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh")
def test_a_refused_name_in_a_real_terminal(tui_engine):
    tmux = Tmux(f"skill-tui-dialog-{os.getpid()}")
    app = tmux.start(skill_tui_argv(), terminal_env(tui_engine.home), 80, 24)
    try:
        tmux.wait_for("3/3")
        app.wait_idle(within=10)
        tmux.keys("n")
        tmux.wait_for("enter: create")
        tmux.type("Bad Name!")
        tmux.keys("Enter")
        screen = tmux.wait_for("not a valid instance name")
        assert "Bad Name!" in screen and "enter: create · esc: cancel" in screen
        tmux.keys("Escape")
        end = time.monotonic() + 10
        while "enter: create" in tmux.screen():
            assert time.monotonic() < end, "Esc did not close the dialog"
            time.sleep(0.05)
    finally:
        tmux.kill()
