"""Snapshots of the app at a fixed terminal size: main screen, run form, log after a run, themes.

Update after an intended change with `pytest tests/tui --snapshot-update`, then look at the
SVGs in tests/tui/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest

from fixtures.tui import SIZE, settle
from skill_tui.app import SkillTui


def shoot(snap_compare, engine, before=None, theme: str | None = None) -> bool:
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        if theme:
            app.theme = theme
        if before:
            await before(pilot)
        app.clear_notifications()
        await pilot.pause(0.2)

    return snap_compare(SkillTui(engine), terminal_size=SIZE, run_before=run_before)


def test_main_screen(snap_compare, tui_engine, steady_log):
    assert shoot(snap_compare, tui_engine)


def test_run_form(snap_compare, tui_engine, steady_log):
    async def fill(pilot):
        pilot.app.main.open_tool("textkit", "slugify", {"text": "Crème Brûlée", "max_length": "x"})
        await pilot.pause(0.5)

    assert shoot(snap_compare, tui_engine, fill)


def test_log_after_runs(snap_compare, tui_engine, steady_log):
    async def run(pilot):
        main = pilot.app.main
        main.start_run("textkit:slugify", {"text": "Hello Wörld", "separator": "_"})
        await settle(pilot, pilot.app, runs=1)
        main.start_run("trap:echo", {"text": "boom"})
        await settle(pilot, pilot.app, runs=2)

    assert shoot(snap_compare, tui_engine, run)


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast"])
def test_themes(snap_compare, tui_engine, steady_log, theme):
    assert shoot(snap_compare, tui_engine, theme=theme)
