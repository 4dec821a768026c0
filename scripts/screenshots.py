"""Regenerate screenshots/*.png from the real app running the example skills.

The app runs headless (Textual's test driver) on a throwaway engine home with the
examples installed; each shot is the app's own SVG export (`save_screenshot`, not
the simplified snapshot SVG, which converters misplace), turned into a PNG by
rsvg-convert. Run: .venv/bin/python scripts/screenshots.py

It builds in the engine's own cache (the one `skill`, start.sh and test.sh use), so
with the examples already set up nothing is rebuilt; it prints one line per step.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "screenshots"
SIZE = (120, 34)  # ~1000 px wide: the size a README shows, text still readable
NARROW = (80, 24)


async def shoot(app, name: str) -> None:
    svg = OUT / f"{name}.svg"
    app.save_screenshot(filename=svg.name, path=str(OUT))
    # SVG collapses runs of spaces unless told not to: JSON indentation and the footer's
    # "^p palette" would lose theirs in the PNG.
    text = svg.read_text(encoding="utf-8")
    svg.write_text(text.replace("<svg ", '<svg xml:space="preserve" ', 1), encoding="utf-8")
    subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png")), str(svg)], check=True)
    svg.unlink()
    print(f"screenshots/{name}.png")


async def wait_idle(pilot, app, runs: int = 0) -> None:
    """Until no run is active (and at least `runs` runs have finished)."""
    for _ in range(600):
        await pilot.pause(0.05)
        if not app.main.running and app.main.finished >= runs:
            return


def step(message: str) -> None:
    print(message, flush=True)


async def main() -> None:
    from engine.home import Home

    # the user's cache, resolved before the throwaway home would move it under itself
    os.environ.setdefault("SKILL_ENGINE_CACHE", str(Home.from_env().cache))
    os.environ["SKILL_ENGINE_HOME"] = tempfile.mkdtemp(prefix="skill-shots-")
    step(f"engine home {os.environ['SKILL_ENGINE_HOME']}, cache {os.environ['SKILL_ENGINE_CACHE']}")
    from engine.api import Engine
    from skill_tui.app import SkillTui

    engine = Engine()
    for folder in (REPO / "examples" / n for n in ("textkit", "greeter", "notes")):  # what users have
        step(f"building {folder.relative_to(REPO)}")
        built = engine.build(folder, progress=lambda msg: step(f"  {msg}"))
        step(f"  {'cached' if built.cached else f'built in {built.seconds:.1f} s'}; installing")
        engine.install(folder)
    step("installing examples/code-review (a knowledge skill: nothing to build)")
    engine.install(REPO / "examples" / "code-review")
    OUT.mkdir(exist_ok=True)

    step(f"running skill-tui headless at {SIZE[0]}x{SIZE[1]} and taking the shots")
    app = SkillTui(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot, app)
        app.clear_notifications()
        main = app.main
        main.open_tool("textkit", "slugify", {"text": "Crème Brûlée: the ÜBER recipe (2024)!", "separator": "-"})
        for _ in range(100):  # code-review (listed first) showed its knowledge view: wait for the form
            await pilot.pause(0.05)
            if main.query_one("#run-form").current_ref == "textkit@default:slugify":
                break
        await pilot.pause(0.5)
        await shoot(app, "main")
        await pilot.press("ctrl+r")
        await wait_idle(pilot, app, runs=1)
        main.open_tool("notes", "add-note", {"title": "Release checklist", "body": "- bump version\n- tag"})
        await pilot.pause(0.2)
        await pilot.press("ctrl+r")
        await wait_idle(pilot, app, runs=2)
        main.open_tool(
            "textkit",
            "extract",
            {"text": "Mail ada@example.org about #release-2 at https://example.org/notes", "kind": "emails"},
        )
        await pilot.pause(0.2)
        await pilot.press("ctrl+r")
        await wait_idle(pilot, app, runs=3)
        app.clear_notifications()
        main.log_height = main.query_one("#log-panel").outer_size.height + 9  # room for the three runs
        await pilot.pause(0.3)
        await shoot(app, "log-after-runs")
        main.action_toggle_log()
        main.action_toggle_log()  # back to the stylesheet's sizes
        app.clear_notifications()
        engine.add_instance("greeter", "work")
        app.configure("greeter", "work")
        for _ in range(100):
            await pilot.pause(0.05)
            if getattr(app.screen, "rows", None):
                break
        rows = {r.field.name: r for r in app.screen.rows}
        for name, text in (
            ("greeting", "Good morning"),
            ("punctuation", "."),
            ("sign_off", "- The Platform team"),
            ("api_token", "tok_live_4f9a2c7e1b"),
        ):
            rows[name].control.value = text
        await pilot.press("f3")  # test with the skill
        for _ in range(100):
            await pilot.pause(0.05)
            if "accepts" in str(app.screen.query_one("#wz-status").render()):
                break
        await shoot(app, "wizard")
        await pilot.press("f2")
        for _ in range(200):  # back on the main screen, panes reloaded and the run form rebuilt
            await pilot.pause(0.05)
            if app.screen is app.main and app.main.query_one("#run-form").children:
                break
        await pilot.pause(1.0)
        app.clear_notifications()
        for theme in app.theme_names:
            app.theme = theme
            await pilot.pause(1.2)
            await shoot(app, f"theme-{theme}")
        app.theme = "dark"
        main.open_docs("code-review")  # its SKILL.md with the contents, and its files
        main.action_toggle_sidebar()  # ctrl+b: room for the contents beside the text
        for _ in range(100):
            await pilot.pause(0.05)
            if main.query_one("#knowledge").opened == "SKILL.md":
                break
        await pilot.pause(0.5)
        app.clear_notifications()
        await shoot(app, "knowledge")
        main.action_toggle_sidebar()

    step(f"the same at {NARROW[0]}x{NARROW[1]}")
    app = SkillTui(engine)
    async with app.run_test(size=NARROW) as pilot:
        await wait_idle(pilot, app)
        app.main.open_tool("textkit", "slugify", {"text": "Crème Brûlée: the ÜBER recipe (2024)!"})
        await pilot.pause(0.3)
        await pilot.press("ctrl+r")
        await wait_idle(pilot, app, runs=1)
        app.clear_notifications()
        await pilot.pause(0.3)
        await shoot(app, "narrow")


if __name__ == "__main__":
    if not shutil.which("rsvg-convert"):
        sys.exit("rsvg-convert is missing: run scripts/setup.sh (it installs librsvg2-bin)")
    asyncio.run(main())
