"""The app's behaviour, driven by keys through Textual's Pilot, with real skills running."""

from __future__ import annotations

import time

import pytest

from fixtures.env import set_config
from fixtures.tui import SIZE, key_latency, settle, until
from skill_tui.app import SkillTui
from skill_tui.widgets.log_view import LogView
from skill_tui.widgets.run_form import RunForm

pytestmark = [pytest.mark.anyio]


def spinning(engine, tmp_path, limit: int):
    """The engine with the spinning test skill given a time limit of `limit` seconds."""
    (tmp_path / "spin" / "skill.yaml").write_text(f"name: spin\nversion: 1.0.1\ncapabilities:\n  timeout_s: {limit}\n")
    engine.install(tmp_path / "spin")
    return engine


def log_text(app) -> str:
    return "\n".join(app.main.query_one(LogView).lines_text())


async def test_select_fill_run_and_see_the_output(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"textkit", "enter")  # filter the skills, back to the table
        assert app.main.current == "textkit"
        await pilot.press("tab")  # instances
        await pilot.press("tab")  # tools list
        await pilot.press("down", "enter")  # slugify, then into the form
        form = app.main.query_one(RunForm)
        assert form.current_ref == "textkit@default:slugify"
        await pilot.press(*"Hello Wörld", "enter")
        await settle(pilot, app, runs=1)
        text = log_text(app)
        assert "▶ textkit@default:slugify" in text
        assert "✔ textkit@default:slugify" in text
        assert "hello-world" in text


async def test_cancel_stops_a_running_tool(tui_engine, tmp_path):
    app = SkillTui(spinning(tui_engine, tmp_path, limit=60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("spin:echo", {"text": "x"})
        await until(pilot, lambda: app.main.running == 1)
        t0 = time.monotonic()
        await pilot.press("ctrl+t")
        await settle(pilot, app, runs=1)
        assert time.monotonic() - t0 < 5
        assert "■ spin@default:echo  stopped" in log_text(app)
        assert "failed" not in log_text(app) and "cancelled" not in log_text(app)


async def test_two_runs_at_once_and_keys_answered_while_skills_spin(tui_engine, tmp_path):
    app = SkillTui(spinning(tui_engine, tmp_path, limit=8))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("spin:echo", {"text": "a"})
        app.main.start_run("spin:echo", {"text": "b"})
        await pilot.pause(0.2)
        assert app.main.running == 2
        assert "2 running" in str(app.main.query_one("#log-panel").border_title)
        before = app.main.current
        # keys are answered while both skills spin on both cores, long before their 8 s limit
        # (how fast is measured in bench/, not here: the machine is shared)
        await key_latency(app, "down", lambda: app.main.current != before, timeout=4)
        await key_latency(app, "f1", lambda: type(app.screen).__name__ == "HelpScreen", timeout=4)
        assert app.main.running == 2
        await pilot.press("escape", "ctrl+t", "ctrl+t")
        await settle(pilot, app, runs=2)
        assert log_text(app).count("stopped") == 2


async def test_a_broken_skill_shows_an_error_and_the_app_lives_on(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("trap:echo", {"text": "x"})
        await settle(pilot, app, runs=1)
        assert "✘ trap@default:echo  the skill crashed (wasm trap" in log_text(app)
        assert any("trap@default:echo failed" == (n.title or "") for n in app._notifications)
        app.main.start_run("textkit:nope", {})
        await settle(pilot, app, runs=2)
        assert "textkit has no tool 'nope'" in log_text(app)
        (tui_engine.skill("trap").package_dir / "skill.json").write_text("{damaged")
        app.main.reload()
        await until(pilot, lambda: any("damaged" in n.message for n in app._notifications))
        app.main.start_run("textkit:slugify", {"text": "still alive"})
        await settle(pilot, app, runs=3)
        assert "still-alive" in log_text(app)


async def test_rerun_last_and_log_search(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("textkit:slugify", {"text": "needle one"})
        await settle(pilot, app, runs=1)
        await pilot.press("f5")
        await settle(pilot, app, runs=2)
        assert log_text(app).count("✔ textkit@default:slugify") == 2
        await pilot.press("ctrl+f", *"needle")
        log = app.main.query_one(LogView)
        await until(pilot, lambda: log.match_count >= 4)  # two starts, two outputs
        assert "matches" in str(app.main.query_one("#log-panel").border_subtitle)
        await pilot.press("escape")
        assert app.main.query_one("#log-search").has_class("hidden")


async def test_a_not_ready_instance_leads_to_its_configuration(engine, tmp_path):
    from fixtures import wat
    from skill_tui.screens.wizard import ConfigWizard

    folder = tmp_path / "keyed"
    folder.mkdir()
    (folder / "keyed.wasm").write_bytes(wat.component_bytes(name="keyed"))
    (folder / "skill.yaml").write_text("name: keyed\nversion: 1.0.0\nconfig:\n  api_key:\n    required: true\n")
    engine.install(folder)
    engine.add_instance("keyed", "work")
    set_config(engine, "keyed", "work", {"api_key": "k-123"})
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "⚠ config" in app.main.query_one("#skills-table").get_row("keyed")
        app.main.start_run("keyed@default:echo", {"text": "x"})
        await until(pilot, lambda: isinstance(app.screen, ConfigWizard))
        assert app.main.finished == 0  # nothing ran
        await pilot.press("escape")
        app.main.start_run("keyed@work:echo", {"text": "x"})
        await settle(pilot, app, runs=1)
        assert "✔ keyed@work:echo" in log_text(app)


async def test_theme_is_remembered_and_keys_can_be_remapped(tui_engine):
    (tui_engine.home.root / "tui.toml").write_text('# my settings\n[keys]\nrerun = "f6"\n')
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        chosen = app.theme
        app.main.start_run("textkit:slugify", {"text": "again"})
        await settle(pilot, app, runs=1)
        await pilot.press("f6")
        await settle(pilot, app, runs=2)
        assert log_text(app).count("✔ textkit@default:slugify") == 2
    saved = (tui_engine.home.root / "tui.toml").read_text()
    assert saved.startswith("# my settings") and f'theme = "{chosen}"' in saved
    again = SkillTui(tui_engine)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.theme == chosen


async def test_palette_help_history_search_and_new_instance(tui_engine):
    from skill_tui.screens.help import HelpScreen
    from skill_tui.screens.history import HistoryScreen
    from skill_tui.screens.search import SearchScreen

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Install skill…",
            "Search tools",
            "Show history",
            "Dev mode",
            "Re-run last",
            "Stop run",
            "Runs in flight",
            "Theme",
            "New instance of spin",
            "Configure instance of spin",
            "Remove spin",
        ):
            assert wanted in titles
        assert sorted(app.available_themes) == ["dark", "high-contrast", "light"]  # the picker lists these only
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = [row[0] for row in app.screen.bindings_shown]
        assert "/" in keys and "f1 / ?" in keys and not any("slash" in k or "question_mark" in k for k in keys)
        await pilot.press("escape")

        app.main.start_run("textkit:slugify", {"text": "from history"})
        await settle(pilot, app, runs=1)
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await until(pilot, lambda: app.screen.rows)
        await pilot.press("enter")  # newest run → the run form, pre-filled
        form = app.main.query_one(RunForm)
        await until(
            pilot,
            lambda: (
                form.current_ref == "textkit@default:slugify"
                and form.field("text") is not None
                and form.field("text").value == "from history"
            ),
        )
        assert form.values() == {"text": "from history"}

        await pilot.press("escape", "s")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"case convert", "enter")
        await until(pilot, lambda: app.main.query_one(RunForm).current_ref == "textkit@default:transform-case")

        from skill_tui.screens.prompts import TextPrompt

        form = app.main.query_one(RunForm)
        await until(pilot, lambda: app.screen is app.main and app.focused is form.field("text"))  # open_tool done
        table = app.main.query_one("#skills-table")
        table.focus()
        await until(pilot, lambda: app.focused is table)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"work", "enter")
        await until(
            pilot, lambda: [s.instance for s in tui_engine.instance_status(app.main.current)] == ["default", "work"]
        )


async def test_the_runs_view_lists_runs_in_flight_and_stops_any_of_them(tui_engine, tmp_path):
    app = SkillTui(spinning(tui_engine, tmp_path, limit=60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("spin:echo", {"text": "first"})
        app.main.start_run("spin:echo", {"text": "second"})
        await until(pilot, lambda: all(r.number for r in app.main.active) and len(app.main.active) == 2)
        app.main.query_one("#skills-table").focus()
        await key_latency(app, "r", lambda: type(app.screen).__name__ == "RunsScreen")
        # the screen is pushed before it has composed: wait for its table, then for both rows
        await until(pilot, lambda: [t.row_count for t in app.screen.query("#runs-table")] == [2])
        table = app.screen.query_one("#runs-table")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[1] for r in rows] == ["spin@default:echo", "spin@default:echo"]
        assert '"first"' in rows[0][2] and '"second"' in rows[1][2]
        assert all(r[3].endswith(" s") for r in rows)  # elapsed time
        await key_latency(app, "x", lambda: app.main.running == 1, timeout=10)  # stops the first, not the latest
        assert app.main.active[0].args == {"text": "second"}
        await key_latency(app, "escape", lambda: type(app.screen).__name__ == "MainScreen")
        await key_latency(app, "ctrl+t", lambda: app.main.running == 0, timeout=10)
        assert log_text(app).count("stopped") == 2


async def test_a_run_leaves_the_running_count_only_after_its_result_is_in_the_log(tui_engine):
    """The log panel's "n running" and the Runs view never drop a run whose ending line is not yet
    logged: a script (or a person) that waits for "nothing running" then reads the log sees every run."""
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        seen: list[tuple[int, int]] = []  # (runs ended so far, result lines logged) as the count drops
        update, before = app.main._update_running, [0, 0]  # runs in flight, runs ended

        def observe() -> None:
            now = len(app.main.active)
            if now < before[0]:
                before[1] += before[0] - now
                seen.append((before[1], log_text(app).count("✔")))
            before[0] = now
            update()

        app.main._update_running = observe
        for i in range(12):
            app.main.start_run("textkit:slugify", {"text": f"run {i}"})
        await until(pilot, lambda: app.main.running == 0, timeout=30)
        assert len(seen) >= 1 and seen[-1][0] == 12 and all(logged >= done for done, logged in seen), seen


async def test_find_in_log_enter_moves_to_the_log_so_n_finds_the_next_match(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for text in ("one two", "three"):
            app.main.start_run("textkit:slugify", {"text": text})
        await settle(pilot, app, runs=2)
        await pilot.press("ctrl+f", *"slugify", "enter")
        log = app.main.query_one(LogView)
        assert app.focused is log
        assert app.main.query_one("#log-search").value == "slugify"
        subtitle = lambda: str(app.main.query_one("#log-panel").border_subtitle)  # noqa: E731
        first = subtitle()
        await pilot.press("n")
        assert subtitle() != first and "matches" in subtitle()
        await pilot.press("escape", "n")  # search closed: n in the log still never creates an instance
        assert type(app.screen).__name__ == "MainScreen"
        assert app.main.query_one("#log-search").value == ""


async def test_enter_on_a_skill_moves_to_its_tools_and_the_sidebar_widens_past_its_default(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sidebar = app.main.query_one("#sidebar")
        await pilot.press("enter")
        assert app.focused is app.main.query_one("#tools-list")
        before = sidebar.outer_size.width
        await pilot.press("ctrl+right", "ctrl+right", "ctrl+right", "ctrl+right")
        await pilot.pause(0.1)
        assert sidebar.outer_size.width == before + 16
        await pilot.press("ctrl+left")
        await pilot.pause(0.1)
        assert sidebar.outer_size.width == before + 12


async def test_a_bug_in_a_worker_is_shown_and_the_app_lives_on(tui_engine, monkeypatch):
    """A non-SkillError in a worker (here: reading the history) is shown as an internal error with
    its traceback in the log; the history screen's worker used to take the whole app down."""

    def broken(*args, **kwargs):
        raise RuntimeError("history file eaten by a grue")

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        monkeypatch.setattr(tui_engine, "history", broken)
        await pilot.press("h")
        await until(pilot, lambda: "grue" in log_text(app))
        assert "Traceback" in log_text(app) and "RuntimeError" in log_text(app)
        assert any("internal error" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert app.is_running and app.screen is app.main
        app.main.start_run("textkit:slugify", {"text": "still here"})
        await settle(pilot, app, runs=1)
        assert "still-here" in log_text(app)


async def test_runs_leave_no_widgets_behind(tui_engine):
    """Each run changes the screen's bindings twice, and the Footer makes its keys anew each time;
    Textual's Footer kept every old key alive (Textualize/textual#6666): ~16 per run, without end."""
    import gc

    from textual.widgets._footer import FooterKey

    def detached_keys() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey) and not o.is_attached)

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for n in range(1, 31):
            app.main.start_run("textkit:slugify", {"text": f"run {n}"})
            await settle(pilot, app, runs=n)
        assert detached_keys() <= 20  # at most the keys of the footer before the last one
