"""The capability review of an install in the app: a dialog before anything is installed, Install or
Cancel; an upgrade that asks for more shows what is new; a skill without network is not asked about."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from fixtures.network import github_manifest, skill_folder
from fixtures.tui import SIZE, screen_text, until
from skill_tui.app import SkillTui
from skill_tui.screens.prompts import TextPrompt
from skill_tui.screens.review import InstallReview

pytestmark = [pytest.mark.anyio]

WIDER = github_manifest(
    "2.0.0", allow='api.github.com, uploads.github.com, "{{ config.host }}"', extra="  memory_mb: 512\n"
)


def note(app) -> str:
    return str(app.screen.query_one(".dialog-note").render())


async def install_from(pilot, app, path) -> None:
    """i, the path in the box, enter: until the review is up (or the prompt is gone)."""
    await until(pilot, lambda: len(app.screen_stack) > 1 and app.screen is app.main)
    await pilot.pause(0.2)
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, TextPrompt) or bool(note(app)), timeout=60)


async def test_the_review_says_what_the_skill_asks_and_cancel_installs_nothing(engine, tmp_path):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await install_from(pilot, app, skill_folder(tmp_path, github_manifest()))
        assert isinstance(app.screen, InstallReview)
        assert "Install gh 1.0.0? It asks for:" in screen_text(app)
        text = str(app.screen.query_one("#review-asked").render())  # as written, before wrapping
        for line in (
            "api.github.com",
            "{{ config.host }}",
            "token, sent as Authorization to api.github.com only, never shown to the skill",
            "plain_secret, readable by the skill",
            "its own /data folder per instance, nothing else",
            "30 s and 256 MiB per run",
        ):
            assert line in text, line
        assert app.focused is app.screen.query_one("#no")  # enter alone installs nothing
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt) and "not accepted" in note(app))
        assert "gh 1.0.0 not installed: its capabilities were not accepted" in note(app)
        assert app.screen.query_one(Input).value.endswith("src")  # the path stays, to try again
        assert [s.name for s in engine.skills()] == []


async def test_install_on_y(engine, tmp_path):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await install_from(pilot, app, skill_folder(tmp_path, github_manifest()))
        assert isinstance(app.screen, InstallReview)
        await pilot.press("y")
        await until(pilot, lambda: "gh" in app.main.skills)
        assert app.screen is app.main
        review = engine.skill("gh").review
        assert review is not None and review.consented  # the engine recorded a person's yes


async def test_an_upgrade_that_widens_shows_what_is_new(engine, tmp_path):
    engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: True)
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await install_from(pilot, app, skill_folder(tmp_path, WIDER, folder="v2"))
        assert isinstance(app.screen, InstallReview)
        text = screen_text(app)
        assert "Upgrade gh 1.0.0 → 2.0.0?" in text
        assert "More than you accepted for 1.0.0:" in text
        assert "+ network: uploads.github.com (new)" in text
        assert "+ memory limit: 512 MiB per run (was 256 MiB)" in text
        assert "+ network: api.github.com" not in text  # accepted before: not news
        await pilot.click("#yes")
        await until(pilot, lambda: app.main.skills.get("gh") is not None and app.main.skills["gh"].version == "2.0.0")


async def test_a_skill_without_network_installs_without_a_question(engine, tmp_path):
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await install_from(pilot, app, skill_folder(tmp_path, "name: quiet\nversion: 1.0.0\n", name="quiet"))
        await until(pilot, lambda: "quiet" in app.main.skills)
        assert not any(isinstance(s, InstallReview) for s in app.screen_stack)


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["150x42", "80x24"])
@pytest.mark.parametrize("upgrade", [False, True], ids=["install", "upgrade"])
def test_snapshot(snap_compare, engine, tmp_path, size, upgrade):
    if upgrade:
        engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: True)
    folder = skill_folder(tmp_path, WIDER if upgrade else github_manifest(), folder="next")

    async def run_before(pilot) -> None:
        app = pilot.app
        await until(pilot, lambda: any("started in" in n.message for n in app._notifications))
        app.clear_notifications()  # it says how long start-up took: not the same twice
        await install_from(pilot, app, folder)
        await until(pilot, lambda: isinstance(app.screen, InstallReview))
        # the prompt under the dialog shows the path typed, which is a new temporary folder each run
        app.screen_stack[-2].query_one(Input).value = "~/skills/gh"
        app.clear_notifications()
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(engine), terminal_size=size, run_before=run_before)


async def test_let_its_scripts_run_is_asked_in_the_review_and_recorded(engine, tmp_path):
    """The install dialog's checkbox is `skill install --allow-scripts`: the review shows it, Install
    records it."""
    from textual.widgets import Checkbox

    from engine.store import scripts_allowed

    folder = tmp_path / "csv-report"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: csv-report\ndescription: Reports on CSV files. Use when a CSV needs a report.\n---\n# csv-report\n"
    )
    (folder / "scripts" / "report.py").write_text("print('report')\n")
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen_stack) > 1 and app.screen is app.main)
        await pilot.pause(0.2)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = str(folder)
        await pilot.press("shift+tab")  # from the box to the checkbox, as the hint says
        assert isinstance(app.focused, Checkbox)
        await pilot.press("space", "tab")  # checked; back in the box
        assert app.screen.query_one(Checkbox).value and isinstance(app.focused, Input)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InstallReview), timeout=60)
        text = str(app.screen.query_one("#review-asked").render())
        assert "Scripts\n• its scripts/*.py may run, each in the Python sandbox" in text, text
        await pilot.press("y")
        await until(pilot, lambda: "csv-report" in app.main.skills)
    assert scripts_allowed(engine.skill("csv-report"))
