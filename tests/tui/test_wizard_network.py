"""The wizard's Network section: declared, granted and revoked patterns; grant (checked by the engine,
its one-line refusal under the box) and revoke, written at once as `skill grant` / `skill revoke` do."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from fixtures.network import github_manifest, skill_folder
from fixtures.tui import SIZE, until
from skill_tui.app import SkillTui
from skill_tui.screens.wizard import ConfigWizard
from skill_tui.widgets.network_section import NetworkSection

pytestmark = [pytest.mark.anyio]


@pytest.fixture
def gh(engine, tmp_path):
    engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: True)
    return engine


async def open_network(pilot, app, instance: str = "default") -> NetworkSection:
    await until(pilot, lambda: app.screen is app.main and app.main.skills)
    app.configure("gh", instance)
    await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.query(NetworkSection))
    section = app.screen.query_one(NetworkSection)
    await until(pilot, lambda: section.query(".net-state"))
    return section


def rows(section: NetworkSection) -> list[tuple[str, str]]:
    """(pattern, state) as the section shows them."""
    patterns, states = section.query(".net-pattern"), section.query(".net-state")
    return [(str(p.render()), str(s.render())) for p, s in zip(patterns, states, strict=False)]


async def into_grant_box(pilot, section: NetworkSection) -> Input:
    """Focus the grant box and wait until it has it: keys pressed before go elsewhere. Asked again until
    it holds, as the wizard gives its first field the focus once everything is mounted."""
    box = section.query_one("#net-input", Input)

    def focused() -> bool:
        if section.app.focused is not box:
            box.focus()
            return False
        return True

    await until(pilot, focused)
    await pilot.pause(0.1)
    await until(pilot, focused)
    return box


def error(section: NetworkSection) -> str:
    return str(section.query_one("#net-error").render()) if section.has_class("-invalid") else ""


async def press_button(pilot, section: NetworkSection, pattern: str) -> None:
    """Tab to the row's button and press enter, as a person does."""
    button = next(b for b in section.query(Button) if b.name == pattern)
    button.focus()
    await until(pilot, lambda: section.app.focused is button)
    await pilot.press("enter")


async def test_lists_declared_patterns_and_host_bound_secrets(gh):
    app = SkillTui(gh)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_network(pilot, app)
        assert rows(section) == [("api.github.com", "declared"), ("{{ config.host }}", "declared")]
        (secret,) = [str(s.render()) for s in section.query(".net-secret")]
        assert secret == "secret token → Authorization to api.github.com only (never shown to the skill)"


async def test_grant_is_checked_by_the_engine_then_stored_and_revoke_and_grant_again(gh):
    app = SkillTui(gh)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_network(pilot, app)
        box = await into_grant_box(pilot, section)
        await pilot.press(*"https://uploads.github.com/x", "enter")
        await until(pilot, lambda: bool(error(section)))
        assert "a grant has no path" in error(section)  # the engine's own one line
        assert box.value == "https://uploads.github.com/x" and isinstance(app.screen, ConfigWizard)
        assert gh.network_access("gh", "default").granted == ()
        await pilot.press(*["backspace"] * 2)
        assert error(section) == ""  # it was about the text as it was
        await pilot.press("enter")
        await until(pilot, lambda: ("https://uploads.github.com", "granted") in rows(section))
        assert gh.network_access("gh", "default").granted == ("https://uploads.github.com",)
        assert box.value == "" and app.focused is box  # ready for the next one
        assert isinstance(app.screen, ConfigWizard)  # enter granted; it did not save and leave

        await press_button(pilot, section, "api.github.com")
        await until(pilot, lambda: ("api.github.com", "declared · revoked") in rows(section))
        access = gh.network_access("gh", "default")
        assert access.revoked == ("api.github.com",) and "api.github.com" not in access.effective
        revoked = next(
            r for r in section.query(".net-row") if "api.github.com" in str(r.query_one(".net-pattern").render())
        )
        assert revoked.has_class("-revoked") and str(revoked.query_one(Button).label) == "grant again"

        await press_button(pilot, section, "api.github.com")
        await until(pilot, lambda: ("api.github.com", "declared") in rows(section))
        assert gh.network_access("gh", "default").revoked == ()


async def test_grants_are_per_instance(gh):
    gh.add_instance("gh", "work")
    app = SkillTui(gh)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_network(pilot, app, "work")
        await into_grant_box(pilot, section)
        await pilot.press(*"localhost:8080", "enter")
        await until(pilot, lambda: ("localhost:8080", "granted") in rows(section))
        assert gh.network_access("gh", "work").granted == ("localhost:8080",)
        assert gh.network_access("gh", "default").granted == ()


async def test_a_skill_that_declares_nothing_says_so(engine, tmp_path):
    engine.install(skill_folder(tmp_path, "name: quiet\nversion: 1.0.0\n", name="quiet"))
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen is app.main and app.main.skills)
        app.configure("quiet", "default")
        await until(pilot, lambda: isinstance(app.screen, ConfigWizard) and app.screen.query("#net-none"))
        assert "no requests until you grant" in str(app.screen.query_one("#net-none").render())
        await until(pilot, lambda: app.focused is app.screen.query_one("#net-input"))  # nothing else to fill


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["150x42", "80x24"])
def test_snapshot(snap_compare, gh, size):
    gh.grant("gh", "default", ["*.githubusercontent.com"])
    gh.revoke("gh", "default", ["api.github.com"])

    async def run_before(pilot) -> None:
        app = pilot.app
        await until(pilot, lambda: any("started in" in n.message for n in app._notifications))
        app.clear_notifications()  # it says how long start-up took: not the same twice
        section = await open_network(pilot, app)
        box = await into_grant_box(pilot, section)
        box.cursor_blink = False  # a blinking cursor is on or off depending on the moment
        await pilot.press(*"ftp://files.example.com", "enter")
        await until(pilot, lambda: bool(error(section)))
        # nothing but the store watch still working, the scroll to the box finished
        await until(pilot, lambda: all(w.is_finished or w.group == "watch" for w in app.workers))
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(gh), terminal_size=size, run_before=run_before)
