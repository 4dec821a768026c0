"""Keys belong to the place the person types into: no app or screen shortcut fires there.

Every text box of every dialog and screen gets every printable ASCII character and a few
non-ASCII ones, typed key by key after opening it the way a person does. Nothing else may
react: the screen stack, the theme and the instances stay as they were, focus stays in the
box and the box holds exactly what was typed.
"""

from __future__ import annotations

import pytest
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input

from fixtures.tui import SIZE, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.dev import DevScreen
from skill_tui.screens.prompts import Confirm, TextPrompt
from skill_tui.screens.search import SearchScreen
from skill_tui.screens.wizard import ConfigWizard

pytestmark = [pytest.mark.anyio]

TYPED = "".join(map(chr, range(32, 127))) + "éü€"


def state(app, engine) -> tuple:
    """What a stray shortcut would change."""
    return (list(app.screen_stack), app.theme, sorted(p.name for p in engine.home.instances.glob("*/*")))


async def type_text(pilot, text: str) -> None:
    """Type `text` as a terminal delivers it: the bytes go through Textual's own terminal parser,
    and its key events reach the app in one burst, as from a quick typist. (Pilot.press loses
    the character of a key such as €, whose name it cannot map back.)"""
    for event in XTermParser().feed(text):
        pilot.app.post_message(event)
    await pilot.pause()


async def type_all(pilot, app, engine, box: Input, keys: str = TYPED) -> None:
    """Type `keys` into `box`, which must already have focus, and check nothing else reacted."""
    assert app.focused is box, f"focus is on {app.focused!r}, not on the box the person types into"
    box.value = ""
    before = state(app, engine)
    await type_text(pilot, keys)
    assert state(app, engine) == before
    assert app.focused is box
    if box.type == "text":  # integer/number boxes of the run form drop what is not part of a number
        assert box.value == keys


async def press_key(pilot, app, key: str, screen_type) -> None:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, screen_type))
    await pilot.pause(0.1)


@pytest.mark.parametrize("key", ["i", "n"])
async def test_install_and_new_instance_prompts(tui_engine, key):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press_key(pilot, app, key, TextPrompt)
        await type_all(pilot, app, tui_engine, app.screen.query_one(Input))


async def test_confirm_lets_no_other_key_through(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press_key(pilot, app, "delete", Confirm)
        before = state(app, tui_engine)
        await type_text(pilot, TYPED.replace("y", ""))  # y is the dialog's own "yes"
        assert state(app, tui_engine) == before
        await pilot.press("escape")
        assert not isinstance(app.screen, Confirm) and len(tui_engine.skills()) == 3


async def test_skills_filter_box(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await type_all(pilot, app, tui_engine, app.main.query_one("#skill-filter", Input))


async def test_run_form_boxes(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.open_tool("textkit", "slugify")
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id != "skill-filter")
        form = app.main.query_one("#run-form")
        boxes = list(form.query(Input))
        assert len(boxes) >= 2
        for box in boxes:
            box.focus()
            await pilot.pause()
            await type_all(pilot, app, tui_engine, box)
        # a Switch or a Select of the form has focus while the person types: no shortcut fires
        await type_on_non_text_controls(pilot, app, tui_engine, form.query("Switch, Select"))


async def test_search_box(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press_key(pilot, app, "s", SearchScreen)
        await type_all(pilot, app, tui_engine, app.screen.query_one("#search-box", Input))


async def test_dev_screen_boxes(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await press_key(pilot, app, "d", DevScreen)
        for name in ("dev-folder", "dev-tool", "dev-args"):
            box = app.screen.query_one(f"#{name}", Input)
            if app.focused is not box:
                await pilot.click(box)
            await type_all(pilot, app, tui_engine, box)
        await type_on_non_text_controls(pilot, app, tui_engine, app.screen.query("Switch, Button"))


async def open_wizard_by_key(pilot, app) -> ConfigWizard:
    await settle(pilot, app)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.rows)
    await pilot.pause(0.1)
    return app.screen


async def test_wizard_types_into_the_first_missing_field_and_every_box(engine, typed_skill):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard_by_key(pilot, app)
        rows = {r.field.name: r for r in wizard.rows}
        # the person types right away: the first required field still missing gets the keys
        await type_all(pilot, app, engine, rows["port"].control)
        await pilot.press("enter")  # on to the next field: the secret
        await type_all(pilot, app, engine, rows["token"].control)
        for name in ("endpoint", "label"):
            await pilot.click(rows[name].control)
            await type_all(pilot, app, engine, rows[name].control)


async def test_wizard_switch_and_select_let_no_letter_reach_the_app(engine, typed_skill):
    """A Switch or a Select has focus while the person types: no app shortcut fires."""
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard_by_key(pilot, app)
        await type_on_non_text_controls(pilot, app, engine, wizard.query("Switch, Select, Button"))


async def type_on_non_text_controls(pilot, app, engine, controls) -> None:
    """Focus each control and type every printable key but space (the control's own key:
    toggle, open, press): no shortcut may fire."""
    for control in controls:
        control.focus()
        await pilot.pause()
        assert app.focused is control
        before = state(app, engine)
        await type_text(pilot, TYPED.replace(" ", ""))
        assert state(app, engine) == before, f"a key typed on {control!r} reached a shortcut"


def shortcuts(screen) -> dict[str, str]:
    """key -> what it does, for the screen's and the app's bindings (not the focused widget's)."""
    return {k: b.binding.description for k, b in screen.active_bindings.items() if isinstance(b.node, (Screen, App))}


async def test_a_key_means_one_thing_on_the_main_screen_and_in_the_wizard(engine, typed_skill):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = shortcuts(app.screen)
        await open_wizard_by_key(pilot, app)
        wizard = shortcuts(app.screen)
        clashes = {k: (main[k], wizard[k]) for k in main.keys() & wizard.keys() if main[k] != wizard[k]}
        assert not clashes
