"""The install dialog takes every source the engine does and shows what the install is doing: a pull
from a registry (a real docker-registry on 127.0.0.1) draws its bytes as a bar, then the skill is in
the skills pane."""

from __future__ import annotations

import os

import pytest
from textual.widgets import ProgressBar

from fixtures import wat
from fixtures.oci_registry import registry  # noqa: F401  (the fixture)
from fixtures.tui import SIZE, note, open_prompt, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.install import InstallPrompt, transfer_line

pytestmark = [pytest.mark.anyio]


def skill_folder(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.wasm").write_bytes(wat.component_bytes(name=name))
    (folder / "skill.yaml").write_text(f"name: {name}\nversion: 1.0.0\ndescription: a skill from a registry\n")
    return folder


async def test_an_oci_install_shows_its_bytes_then_the_skill(tui_engine, registry, tmp_path, monkeypatch):  # noqa: F811
    name = f"pulled-{os.urandom(4).hex()}"  # bytes no earlier run left in the shared blob cache
    ref = registry.oci(f"skills/{name}:1.0.0")
    tui_engine.publish(skill_folder(tmp_path, name), ref)
    shown: list[tuple[str, float | None, float | None]] = []
    original = InstallPrompt._show

    def watched(self, step):
        original(self, step)
        bar = self.query_one(ProgressBar)
        shown.append((str(self.query_one(".dialog-note").render()), bar.progress, bar.total))

    monkeypatch.setattr(InstallPrompt, "_show", watched)
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await open_prompt(pilot, app, "i")
        assert isinstance(app.screen, InstallPrompt)
        assert "oci://HOST/REPO:TAG" in str(app.screen.query_one("Label").render())
        await pilot.press(*ref, "enter")
        await until(pilot, lambda: not isinstance(app.screen, InstallPrompt), timeout=60)
        await until(pilot, lambda: name in app.main.skills)
    downloads = [s for s in shown if s[2] is not None]
    assert downloads and downloads[-1][1] == downloads[-1][2]  # the bar filled up to the layer's size
    assert any(" of " in text for text, _, _ in downloads)
    assert tui_engine.skill(name).source == ref


async def test_a_registry_that_is_not_there_is_one_line_in_the_dialog(tui_engine):
    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        box = await open_prompt(pilot, app, "i")
        await pilot.press(*"oci://127.0.0.1:1/skills/x:1", "enter")
        await until(pilot, lambda: "cannot reach the registry" in note(app))
        assert not app.screen.query_one(ProgressBar).display and box.value.endswith("x:1")
    assert "x" not in {s.name for s in tui_engine.skills()}


def test_transfer_line_says_how_much_and_how_fast():
    from engine import Step

    step = Step("download", "downloading component.wasm", 4 << 20, 12 << 20)
    assert transfer_line(step, 0.5) == "downloading component.wasm: 4.0 MB of 12.0 MB · 8.0 MB/s"
    assert transfer_line(Step("compile", "compiling"), 1.0) == "compiling"


async def test_a_skill_whose_source_moved_on_is_marked_and_u_updates_it(tui_engine, tmp_path, monkeypatch):
    from skill_tui.screens.main import MainScreen

    folder = skill_folder(tmp_path, "movable")
    tui_engine.install(folder)
    manifest = folder / "skill.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    monkeypatch.setattr(MainScreen, "UPDATES_FIRST_S", 0.1)

    def version_shown(app) -> str:
        table = app.main.query_one("#skills-table")
        return str(table.get_row("movable")[2])  # skill, ready, version

    app = SkillTui(tui_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await until(pilot, lambda: version_shown(app) == "1.0.0 ↑", timeout=30)
        assert (
            version_shown(app) == "1.0.0 ↑"
            and str(app.main.query_one("#skills-table").get_row("textkit")[2]) == "1.0.0"
        )
        await pilot.press("slash", *"movable", "enter")
        assert app.main.current == "movable"
        await pilot.press("u")
        await until(pilot, lambda: version_shown(app) == "1.0.1", timeout=60)
    assert tui_engine.skill("movable").version == "1.0.1"
