"""Every screen at the sizes people use: 80x24 (the smallest usable), 120x35, 200x50.

The bundled example skills only (what a user sees after ./scripts/start.sh), one run in the log.
Update after an intended change with `pytest tests/tui/test_sizes.py --snapshot-update`, then convert
the SVGs to PNG and look at every one before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from fixtures.tui import settle, until
from skill_tui.widgets.log_view import LogView

SIZES = [(80, 24), (120, 35), (200, 50)]


async def _main(pilot) -> None:
    pass


async def _wizard(pilot) -> None:
    from skill_tui.screens.wizard import ConfigWizard

    pilot.app.configure("greeter", "default")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfigWizard) and pilot.app.screen.rows)


async def _search(pilot) -> None:
    pilot.app.action_search()
    await pilot.pause(0.2)
    await pilot.press(*"turn a title into a slug")
    await until(pilot, lambda: "result" in str(pilot.app.screen.query_one("#search-status").render()), timeout=60)


async def _history(pilot) -> None:
    pilot.app.action_history()
    await until(pilot, lambda: getattr(pilot.app.screen, "rows", None))


async def _help(pilot) -> None:
    from pathlib import Path

    # help names the settings file; the test's home is a new temporary folder each run
    pilot.app.settings.path = Path("/home/ada/.local/share/skill-tui/tui.toml")
    pilot.app.action_help()


async def _install(pilot) -> None:
    pilot.app.action_install()


# The Runs view is left out: with nothing running it is an empty table whose repaint timing
# differs between machines; tests/tui/test_app.py drives it with real runs in flight.
SCREENS = {"main": _main, "wizard": _wizard, "search": _search, "history": _history, "help": _help, "install": _install}


@pytest.fixture
def examples_engine(engine, example):
    for name in ("greeter", "notes", "textkit"):
        example(name)
    return engine


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_at_size(snap_compare, examples_engine, steady_log, screen, size):
    from skill_tui.app import SkillTui

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        app.main.start_run("textkit:slugify", {"text": "Héllo Wörld, a README title"})
        await settle(pilot, app, runs=1)
        app.clear_notifications()  # before a modal covers the main screen's toasts
        await pilot.pause(0.2)
        await SCREENS[screen](pilot)
        await pilot.pause(0.3)
        app.clear_notifications()
        # the log holds its bottom line once the last layout (a horizontal scrollbar) has settled
        app.main.query_one(LogView).action_follow()
        for box in app.screen.query(Input):  # a blinking cursor is on or off depending on the moment
            box.cursor_blink = False
        # nothing but the store watch still working (a late load or poll would repaint mid-shot)
        await until(pilot, lambda: all(w.is_finished or w.group == "watch" for w in app.workers))
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(examples_engine), terminal_size=size, run_before=run_before)
