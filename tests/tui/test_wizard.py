"""The configuration wizard: fill, inline errors, masked secrets, test with the skill, save."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input

from fixtures import wat
from fixtures.env import instances_of
from fixtures.tui import SIZE, screen_text, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.wizard import ConfigWizard

pytestmark = [pytest.mark.anyio]

TOKEN = "tok_abcdef123456789"


def row(app, name: str):
    return next(r for r in app.screen.rows if r.field.name == name)


async def open_wizard(pilot, app, instance: str = "default") -> ConfigWizard:
    await settle(pilot, app)
    app.configure("greeter", instance)
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, ConfigWizard) and app.screen.rows:
            return app.screen
    raise AssertionError("the wizard did not open")


async def type_into(pilot, app, name: str, text: str) -> None:
    control = row(app, name).control
    control.focus()
    control.value = ""
    await pilot.press(*text)


async def test_fill_test_and_save(engine, example):
    example("greeter")
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, app)
        assert [r.field.name for r in wizard.rows] == ["greeting", "punctuation", "sign_off", "api_token"]
        await type_into(pilot, app, "greeting", "Howdy")
        await type_into(pilot, app, "punctuation", "???")
        await type_into(pilot, app, "api_token", TOKEN)
        secret = row(app, "api_token").control
        assert isinstance(secret, Input) and secret.password  # masked while typed
        status = app.screen.query_one("#wz-status")
        await pilot.press("f3")  # test: the skill's validate-config refuses the punctuation
        await until(pilot, lambda: "punctuation must be one of" in str(status.render()))
        await pilot.press("f2")  # save is refused too, nothing written
        await until(pilot, lambda: "rejects this configuration" in str(status.render()))
        assert isinstance(app.screen, ConfigWizard)
        assert not instances_of(engine).config_path("greeter", "default").exists()
        await type_into(pilot, app, "punctuation", ".")
        await pilot.press("f3")
        await until(pilot, lambda: "the skill accepts this configuration" in str(status.render()))
        await pilot.press("f2")
        await until(pilot, lambda: not isinstance(app.screen, ConfigWizard))
        text = instances_of(engine).config_path("greeter", "default").read_text()
        assert 'greeting = "Howdy"' in text and TOKEN not in text
        app.main.start_run("greeter:greet", {"name": "Ada"})
        await settle(pilot, app, runs=1)
        assert "Howdy, Ada." in "\n".join(app.main.query_one("#log").lines_text())


async def test_inline_errors_and_reveal(engine, typed_skill):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.configure("typed", "default")
        await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.rows)
        await type_into(pilot, app, "port", "99999")
        await until(pilot, lambda: "above the maximum 65535" in str(row(app, "port").error.render()))
        await type_into(pilot, app, "endpoint", "not a url")
        await until(pilot, lambda: "is not a URL" in str(row(app, "endpoint").error.render()))
        key = row(app, "token")
        assert key.control.password
        await pilot.click(".wz-reveal")
        assert not key.control.password


async def test_opens_on_the_first_missing_field_boxes_on_off_and_plain_values(engine, typed_skill):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.rows)
        await pilot.pause(0.1)
        # the manifest lists optional fields first; the person lands on what is missing
        assert app.focused is row(app, "port").control
        text = screen_text(app)
        lines = text.splitlines()
        # a required field is a box (borders above and below) with a placeholder that says so
        at = next(i for i, line in enumerate(lines) if "required integer: type a value" in line)
        assert "▔▔▔" in lines[at - 1] and "▁▁▁" in lines[at + 1]
        # the type line and the description never run together
        assert "secretA" not in text and re.search(r"string · required · secret\s{2,}", text)
        # every dialog says how to leave it
        assert "esc: cancel" in text
        # a switch says what it is set to
        verbose = row(app, "verbose")
        await pilot.click(verbose.control)
        assert re.search(r"▎ off\b", screen_text(app))
        await pilot.press("space")
        assert verbose.control.value is True and re.search(r"▎ on\b", screen_text(app))
        # values as a person types them, not Python's reprs (the manifest's default is YAML `true`)
        await pilot.click(row(app, "label").control)
        await pilot.press("tab")  # on to the last field: the wizard scrolls to it
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "default: true" in text and "True" not in text


def test_wizard_snapshot(snap_compare, engine, example):
    example("greeter")

    async def run_before(pilot):
        app = pilot.app
        await open_wizard(pilot, app)
        await type_into(pilot, app, "greeting", "Howdy")
        await type_into(pilot, app, "api_token", TOKEN)
        await type_into(pilot, app, "punctuation", "x")
        app.clear_notifications()
        for box in app.screen.query(Input):  # a blinking cursor is on or off depending on the moment
            box.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(engine), terminal_size=SIZE, run_before=run_before)


SLOW_CHECK = """name: slowcheck
version: 1.0.0
description: a skill whose validate-config takes until its time limit, as one asking a slow service
config:
  token:
    required: true
    description: A token the skill checks with its service
  label:
    description: A name shown in reports
capabilities:
  timeout_s: 6
"""


def press_now(app, *keys: str) -> None:
    """Keys as the terminal sends them, without Pilot.press: that waits for the process to go idle
    after each key, which it never does while a skill spins on another thread."""
    from textual import events

    for key in keys:
        character = {"tab": "\t", "enter": "\r"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


@pytest.fixture
def slowcheck(engine, tmp_path):
    folder = tmp_path / "slowcheck"
    folder.mkdir()
    (folder / "slowcheck.wasm").write_bytes(wat.component_bytes(name="slowcheck", validate="spin"))
    (folder / "skill.yaml").write_text(SLOW_CHECK)
    engine.install(folder)
    return engine


async def open_slowcheck(pilot, app) -> ConfigWizard:
    await settle(pilot, app)
    app.configure("slowcheck", "default")
    await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.rows)
    await type_into(pilot, app, "token", "tok-1")
    return app.screen


async def test_test_runs_in_a_worker_with_a_spinner_and_keys_keep_working(slowcheck):
    """validate-config spins for seconds: meanwhile the spinner shows, and typing, moving between
    fields and the answer all happen while the Test is still in flight."""
    app = SkillTui(slowcheck)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_slowcheck(pilot, app)
        spinner = wizard.query_one("#wz-spinner")
        assert not wizard.busy and not spinner.display
        status = wizard.query_one("#wz-status")
        await pilot.press("f3")
        assert wizard.busy and spinner.display and spinner.region.width > 0
        assert "asking the skill" in str(status.render())
        (test,) = [w for w in wizard.workers if w.name == "_run"]
        # the person goes on: next field, types a label, back to the token and edits it
        press_now(app, "tab")  # one step at a time: each is answered while the Test still runs
        await until(pilot, lambda: app.focused is row(app, "label").control)
        press_now(app, *"hello")
        await until(pilot, lambda: row(app, "label").control.value == "hello")
        press_now(app, "shift+tab")
        await until(pilot, lambda: app.focused is row(app, "token").control)
        press_now(app, "end", "backspace")
        await until(pilot, lambda: row(app, "token").control.value == "tok-")
        press_now(app, "2")
        await until(pilot, lambda: row(app, "token").control.value == "tok-2")
        assert wizard.busy and test.is_running  # all of that while the skill was still checking
        # the answer comes in the end, the spinner goes, what was typed stays
        await until(pilot, lambda: not wizard.busy, timeout=30)
        assert not spinner.display
        assert "not ready" in str(status.render()) and "time" in str(status.render())
        assert row(app, "label").control.value == "hello" and row(app, "token").control.value == "tok-2"
        assert isinstance(app.screen, ConfigWizard)


async def test_esc_leaves_at_once_while_the_skill_is_still_checking(slowcheck):
    """Esc while validate-config still runs closes the wizard; its late answer shows nowhere, no error."""
    import threading

    answered = threading.Event()
    config = slowcheck.config
    test = config.test

    def observed_test(*args, **kwargs):  # the real check, and a signal once it has returned
        try:
            return test(*args, **kwargs)
        finally:
            answered.set()

    config.test = observed_test
    app = SkillTui(slowcheck)
    async with app.run_test(size=SIZE) as pilot:
        await open_slowcheck(pilot, app)
        await pilot.press("f3")
        press_now(app, "escape")
        await until(pilot, lambda: not isinstance(app.screen, ConfigWizard))
        assert not answered.is_set()  # left while the skill was still checking
        await until(pilot, answered.is_set, timeout=30)
        await pilot.pause(0.3)
        assert not [n for n in app._notifications if n.severity == "error"], list(app._notifications)
        assert app.screen is app.main
