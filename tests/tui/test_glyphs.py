"""Every character the app draws exists in an installed font: no box where a glyph should be.

Screenshots are rendered by rsvg-convert with the machine's fonts (fontconfig), and terminals fall
back the same way; a character no font covers shows as a box (Textual's default header icon did).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from fixtures.tui import settle

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not shutil.which("fc-list"), reason="fontconfig comes with librsvg2-bin (setup.sh)"),
]


def covered(ch: str) -> bool:
    out = subprocess.run(["fc-list", f":charset={ord(ch):x}", "family"], capture_output=True, text=True).stdout
    return bool(out.strip())


async def test_every_drawn_character_has_a_font(engine, example, tmp_path):
    import shutil

    from fixtures.tui import KNOWLEDGE_SKILL
    from skill_tui.app import SkillTui

    for name in ("greeter", "notes", "textkit"):
        example(name)
    shutil.copytree(KNOWLEDGE_SKILL, tmp_path / "code-review")
    engine.install(tmp_path / "code-review")  # its view: the file tree's and the contents' marks
    app = SkillTui(engine)
    drawn: set[str] = set()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        app.main.start_run("textkit:slugify", {"text": "Crème Brûlée"})
        await settle(pilot, app, runs=1)
        drawn |= set(app.export_screenshot())
        app.main.open_docs("code-review")
        await pilot.pause(0.5)
        drawn |= set(app.export_screenshot())
        for open_screen in (app.action_help, app.main.action_runs, lambda: app.configure("greeter", "default")):
            open_screen()
            await pilot.pause(0.5)
            drawn |= set(app.export_screenshot())
            await pilot.press("escape")
            await pilot.pause(0.2)
    # the SVG's own markup is ASCII; what is not ASCII was drawn (box lines, marks, the user's text)
    missing = sorted(ch for ch in drawn if ord(ch) > 127 and not covered(ch))
    assert not missing, f"no installed font has: {' '.join(f'{c} U+{ord(c):04X}' for c in missing)}"
