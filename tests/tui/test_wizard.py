"""The configuration wizard: fill, inline errors, masked secrets, test with the skill, save."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from fixtures.tui import SIZE, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.wizard import ConfigWizard

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

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
        await pilot.press("ctrl+t")  # test: the skill's validate-config refuses the punctuation
        await until(pilot, lambda: "punctuation must be one of" in str(status.render()))
        await pilot.press("f2")  # save is refused too, nothing written
        await until(pilot, lambda: "rejects this configuration" in str(status.render()))
        assert isinstance(app.screen, ConfigWizard)
        assert not engine.instances.config_path("greeter", "default").exists()
        await type_into(pilot, app, "punctuation", ".")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "the skill accepts this configuration" in str(status.render()))
        await pilot.press("f2")
        await until(pilot, lambda: not isinstance(app.screen, ConfigWizard))
        text = engine.instances.config_path("greeter", "default").read_text()
        assert 'greeting = "Howdy"' in text and TOKEN not in text
        app.main.start_run("greeter:greet", {"name": "Ada"})
        await settle(pilot, app, runs=1)
        assert "Howdy, Ada." in "\n".join(app.main.query_one("#log").lines_text())


async def test_inline_errors_and_reveal(engine, tmp_path):
    from fixtures import wat

    folder = tmp_path / "typed"
    folder.mkdir()
    (folder / "typed.wasm").write_bytes(wat.component_bytes(name="typed"))
    (folder / "skill.yaml").write_text(
        "name: typed\nversion: 1.0.0\nconfig:\n  port:\n    type: integer\n    required: true\n    max: 65535\n"
        "  endpoint:\n    type: url\n  key:\n    secret: true\n")
    engine.install(folder)
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.configure("typed", "default")
        await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.rows)
        await type_into(pilot, app, "port", "99999")
        await until(pilot, lambda: "above the maximum 65535" in str(row(app, "port").error.render()))
        await type_into(pilot, app, "endpoint", "not a url")
        await until(pilot, lambda: "is not a URL" in str(row(app, "endpoint").error.render()))
        key = row(app, "key")
        assert key.control.password
        await pilot.click(".wz-reveal")
        assert not key.control.password


def test_wizard_snapshot(snap_compare, engine, example):
    example("greeter")

    async def run_before(pilot):
        app = pilot.app
        await open_wizard(pilot, app)
        await type_into(pilot, app, "greeting", "Howdy")
        await type_into(pilot, app, "api_token", TOKEN)
        await type_into(pilot, app, "punctuation", "x")
        app.clear_notifications()
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(engine), terminal_size=SIZE, run_before=run_before)
