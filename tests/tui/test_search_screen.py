"""The search screen: semantic results as you type, preview, Enter → the run form, pre-filled.

Real model, real skills. Snapshot update: `pytest tests/tui/test_search_screen.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

import engine.search as search_mod
import engine.search.embedder as embedder_mod
from fixtures.tui import SIZE, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.search import LOADING, TOP, SearchScreen
from skill_tui.widgets.run_form import RunForm


def status(screen) -> str:
    return str(screen.query_one("#search-status").render())


async def open_search(pilot, query: str) -> SearchScreen:
    app = pilot.app
    await settle(pilot, app)
    app.clear_notifications()  # "started in … ms" would show through the modal screen
    await pilot.pause(0.1)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, SearchScreen))
    screen = app.screen
    await until(pilot, lambda: screen.ready, timeout=30)
    await pilot.press(*query)
    await until(pilot, lambda: screen.searches >= 1 and screen._shown == query, timeout=30)
    return screen


@pytest.mark.anyio
async def test_type_see_ranked_results_and_enter_opens_the_prefilled_run_form(tui_engine, monkeypatch):
    # start as a fresh process would: no model in memory, so the box says it is loading
    monkeypatch.setattr(embedder_mod, "_cache", {})
    monkeypatch.setattr(search_mod, "_searchers", {})
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        assert screen.loaded_here
        assert screen.ready or status(screen) == LOADING
        await until(pilot, lambda: screen.ready, timeout=30)
        await pilot.press(*"slug")
        await pilot.press(*' a title "Crème Brûlée"')
        query = 'slug a title "Crème Brûlée"'
        await until(pilot, lambda: screen._shown == query, timeout=30)
        assert screen.hits[0].ref == "textkit@default:slugify"
        assert [h.score for h in screen.hits] == sorted((h.score for h in screen.hits), reverse=True)
        preview = str(screen.query_one("#preview").render())
        assert "slugify {" in preview and "skill run textkit@default:slugify --arg 'text=Crème Brûlée'" in preview
        assert "result" in status(screen)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.main)
        form = app.main.query_one(RunForm)
        await until(pilot, lambda: form.current_ref == "textkit@default:slugify")
        assert app.main.current == "textkit"
        assert form.values()["text"] == "Crème Brûlée"


@pytest.mark.anyio
async def test_arrows_move_through_results_and_escape_closes(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot, "change text to upper case")
        assert screen.hits[0].ref == "textkit@default:transform-case"
        await pilot.press("down")
        second = screen.hits[1]
        assert str(screen.query_one("#preview").render()).startswith(second.ref)
        await pilot.press("escape")
        assert app.screen is app.main


def labels(screen) -> list[str]:
    options = screen.query_one("#results")
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@pytest.mark.anyio
async def test_the_screen_ranks_like_skill_find_and_says_when_no_tool_matches(tui_engine, example):
    """What a new user hit: "make a url friendly version of a title" put notes' read-note above
    slugify, and nonsense still listed tools."""
    example("notes")  # read-note's name and description repeat "title"
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        query = "make a url friendly version of a title"
        screen = await open_search(pilot, query)
        assert screen.hits[0].ref == "textkit@default:slugify"
        shown = labels(screen)
        assert shown[0].startswith(f"{screen.hits[0].score:.2f} textkit@default:slugify")
        assert screen.hits[0].score - screen.hits[1].score >= 0.1  # the scores tell them apart

        for _ in query:
            await pilot.press("backspace")
        await pilot.press(*"xyzzy plugh")
        await until(pilot, lambda: screen._shown == "xyzzy plugh", timeout=30)
        assert screen.hits == [] and labels(screen) == []
        assert status(screen) == "no tool matches 'xyzzy plugh'"


@pytest.mark.anyio
async def test_keyword_matches_while_the_model_loads(tui_engine, monkeypatch):
    """Holding the embedder's lock keeps the model loading: the screen answers from the engine's
    keyword matches (unscored), then re-ranks with the model once it is there."""
    monkeypatch.setattr(embedder_mod, "_cache", {})
    monkeypatch.setattr(search_mod, "_searchers", {})
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        with embedder_mod._cache_lock:
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, SearchScreen))
            screen = app.screen
            await pilot.press(*"a url slug")
            await until(pilot, lambda: screen._shown == "a url slug")
            assert screen.hits[0].ref == "textkit@default:slugify"
            assert screen.hits == search_mod.find(
                tui_engine, "a url slug", TOP, mode=search_mod.WORDS
            )  # the engine's, no model
            assert not screen.ready and status(screen) == LOADING
            assert labels(screen)[0].startswith("textkit@default:slugify")  # no score without the model
        await until(pilot, lambda: screen.searches == 1, timeout=30)  # the model's first answer
        assert status(screen).endswith("results") and labels(screen)[0].startswith(f"{screen.hits[0].score:.2f} ")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.main)
        form = app.main.query_one(RunForm)
        await until(pilot, lambda: form.current_ref == "textkit@default:slugify")


def test_snapshot_with_results(snap_compare, tui_engine, steady_log):
    async def run_before(pilot) -> None:
        screen = await open_search(pilot, "count the words in a text")
        screen.query_one("#search-box").cursor_blink = False  # a blinking cursor made the picture flaky
        await pilot.pause(0.2)

    assert snap_compare(SkillTui(tui_engine), terminal_size=SIZE, run_before=run_before)


@pytest.mark.anyio
async def test_a_knowledge_skill_says_so_and_enter_opens_its_knowledge_view(knowledge_engine):
    from skill_tui.widgets.knowledge_view import KnowledgeView

    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down")  # textkit: its run form shows
        await until(pilot, lambda: app.main.current == "textkit" and app.main.query_one(RunForm).display)
        screen = await open_search(pilot, "checklist for reviewing a pull request before it is merged")
        assert screen.hits[0].skill == "code-review" and screen.hits[0].kind == "skill"
        assert "[skill · know] code-review" in labels(screen)[0]
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.main)
        view = app.main.query_one(KnowledgeView)
        await until(pilot, lambda: app.main.current == "code-review" and view.opened == "SKILL.md")
        assert view.display and not app.main.query_one(RunForm).display


@pytest.mark.anyio
async def test_a_hit_in_a_file_of_a_knowledge_skill_opens_that_file(knowledge_engine):
    from skill_tui.widgets.knowledge_view import KnowledgeView

    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot, "no secret reaches a log or an error message")
        found = next(n for n, h in enumerate(screen.hits) if h.kind == "file")
        hit = screen.hits[found]
        assert (hit.skill, hit.path) == ("code-review", "references/security.md")
        assert f"[file · know] {hit.ref}" in labels(screen)[found]
        for _ in range(found):
            await pilot.press("down")
        assert str(screen.query_one("#preview").render()).startswith(hit.ref)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.main)
        view = app.main.query_one(KnowledgeView)
        await until(pilot, lambda: view.opened == "references/security.md")
        assert app.main.current == "code-review"
