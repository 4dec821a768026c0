"""The filter box of the skills pane: one line that shows what is typed, a table that stays
put under it, Esc back to the table, clicks that land on the row under the pointer."""

from __future__ import annotations

import os

import pytest
from textual.widgets import DataTable, Input

from fixtures.tmux import HAVE_TMUX, Tmux, skill_tui_argv, terminal_env
from fixtures.tui import SIZE, screen_text, settle, until

pytestmark = [pytest.mark.anyio]


def parts(app) -> tuple[Input, DataTable]:
    return app.main.query_one("#skill-filter", Input), app.main.query_one("#skills-table", DataTable)


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_the_box_stays_one_line_and_shows_the_text(tui_engine, size):
    from skill_tui.app import SkillTui

    app = SkillTui(tui_engine)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        box, table = parts(app)
        table_at = table.region
        await pilot.press("slash", *"tex")
        assert app.focused is box and box.value == "tex"
        assert box.region.height == 1 and table.region == table_at
        row = screen_text(app).splitlines()[box.region.y]
        assert "tex" in row[box.region.x : box.region.right]


async def test_escape_goes_back_to_the_table_and_clears_the_filter(tui_engine):
    from skill_tui.app import SkillTui

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        box, table = parts(app)
        await pilot.press("slash", *"tr")
        await until(pilot, lambda: app.main.current == "trap")  # the panes follow once the keys pause
        assert table.row_count == 1
        await pilot.press("escape")
        assert app.focused is table and box.value == "" and table.row_count == 3
        assert app.main.current == "trap"  # the skill found stays selected
        await pilot.press("slash", *"tex", "enter")  # enter keeps the filter
        assert app.focused is table and box.value == "tex" and table.row_count == 1


async def test_a_click_lands_on_the_row_under_the_pointer(tui_engine):
    from skill_tui.app import SkillTui

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        _box, table = parts(app)
        await pilot.press("slash")  # the person was filtering, then reaches for the mouse
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        index = names.index("trap")
        await pilot.click(table, offset=(2, 1 + index))  # below the header row
        await until(pilot, lambda: app.main.current == "trap")


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh")
def test_the_filter_in_a_real_terminal(tui_engine):
    tmux = Tmux(f"skill-tui-filter-{os.getpid()}")
    app = tmux.start(skill_tui_argv(), terminal_env(tui_engine.home), 80, 24)
    try:
        lines = tmux.wait_for("3/3").splitlines()
        app.wait_idle(within=10)
        box = next(i for i, line in enumerate(lines) if "filter skills" in line)
        assert "skill" in lines[box + 1]  # the table's header right under the box
        tmux.keys("/")
        # Textual hands each key to the widget focused when the key is read, and "/" moves focus
        # only once handled: keys typed right behind it would still reach the table.
        app.wait_idle(within=10)
        tmux.keys("tex")
        lines = tmux.wait_for("1/3").splitlines()
        assert "│ tex " in lines[box] and "skill" in lines[box + 1] and "textkit" in lines[box + 2]
        tmux.keys("Escape")
        lines = tmux.wait_for("3/3").splitlines()
        assert "filter skills" in lines[box] and "skill" in lines[box + 1]
    finally:
        tmux.kill()


async def test_a_filled_list_shows_whole_names_and_status_before_the_table_goes_idle(tui_engine):
    """DataTable measures new rows only once its queue is idle; a frame painted before that (a key
    burst, a busy machine) showed "textk" and no ✔ column. The panes measure what they fill at once."""
    from skill_tui.app import SkillTui
    from skill_tui.widgets.skills_pane import SkillRow, SkillsPane

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        pane = app.main.query_one(SkillsPane)
        table = pane.query_one(DataTable)
        rows = [SkillRow("a-long-skill-name", "10.2.3", 3, 1, "⚠ config")]
        pane.show(rows)  # no await: nothing has run the table's idle handler yet
        line = table.render_line(1).text  # the first row, under the header
        assert "a-long-skill-name" in line and "⚠ config" in line and "10.2.3" in line, line
