"""Knowledge skills in the app: the kind badge and filter, the knowledge view (SKILL.md with its
contents, the package's files), the validation panel, the export dialog, and search opening one.

code-review (tests/fixtures/knowledge_tui) is installed from a folder beside textkit (tools and a
SKILL.md: "both") and two WAT skills (tools only). Snapshot update:
`pytest tests/tui/test_knowledge_view.py --snapshot-update`, then convert the SVGs and look at them.
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable, Tree
from textual.widgets.markdown import Markdown, MarkdownTableOfContents

from fixtures.tmux import HAVE_TMUX, skill_tui_argv, terminal_env
from fixtures.tui import SIZE, screen_text, settle, until
from skill_tui.app import SkillTui
from skill_tui.screens.validation import ValidationPanel
from skill_tui.widgets.knowledge_view import KnowledgeView
from skill_tui.widgets.run_form import RunForm
from skill_tui.widgets.skills_pane import SkillsPane
from skill_tui.widgets.tools_pane import ToolsPane

pytestmark = [pytest.mark.anyio]

FILES = ["SKILL.md", "assets/badge.png", "references/checklist.md", "references/security.md", "scripts/count-todos.sh"]


def view(app) -> KnowledgeView:
    return app.main.query_one(KnowledgeView)


def shown_text(app) -> str:
    """What the viewer shows: the text of its Markdown blocks."""
    return "\n".join(str(block._content) for block in view(app).document.document.children)


def listed(app) -> list[str]:
    table = app.main.query_one("#skills-table", DataTable)
    return [str(table.get_row_at(n)[0]) for n in range(table.row_count)]


async def opened(pilot, app, skill: str, path: str = "SKILL.md") -> KnowledgeView:
    """Wait until the knowledge view shows `skill`'s `path`."""
    knowledge = view(app)
    await until(pilot, lambda: app.main.current == skill and knowledge.display and knowledge.opened == path)
    await pilot.pause(0.1)  # the contents follow the document's first layout
    return knowledge


async def select_skill(pilot, app, name: str) -> None:
    app.main.query_one(SkillsPane).select(name)
    app.main._select(name, from_pane=True)
    await until(pilot, lambda: app.main.current == name)


async def test_each_skill_shows_its_kind_and_k_cycles_the_filter(knowledge_engine):
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        rows = screen_text(app)  # the slim sidebar: name and state; ≡ marks a knowledge skill
        for name, mark in (("code-review", "≡"), ("spin", "✔"), ("textkit", "✔"), ("trap", "✔")):
            assert any(name in line and f" {mark} " in line for line in rows.splitlines()), rows
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=(150, 42)) as pilot:  # wider: the kind in words
        await settle(pilot, app)
        rows = screen_text(app)
        for name, kind in (("code-review", "knowledge"), ("spin", "tools"), ("textkit", "both"), ("trap", "tools")):
            assert any(name in line and f" {kind} " in line for line in rows.splitlines()), rows
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        pane = app.main.query_one(SkillsPane)
        assert listed(app) == ["code-review", "spin", "textkit", "trap"]
        await pilot.press("k")
        assert pane.border_title == "Skills · tools" and listed(app) == ["spin", "textkit", "trap"]
        assert "Skills · tools" in screen_text(app)
        await pilot.press("k")
        assert pane.border_title == "Skills · knowledge" and listed(app) == ["code-review", "textkit"]
        await pilot.press("k")
        assert pane.border_title == "Skills" and len(listed(app)) == 4


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 35), (150, 42)])
async def test_the_skills_table_shows_whole_columns_only(knowledge_engine, size):
    """A column that does not fit is left out, never cut ("ki" / "to" at 80 columns, "knowled" at 120):
    the table is never wider than its pane, and name and state always show."""
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        table = app.main.query_one("#skills-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width, screen_text(app)
        headers = [str(c.label) for c in table.ordered_columns]
        assert headers[:2] == ["skill", ""]
        assert not table.show_horizontal_scrollbar or table.max_scroll_x == 0


async def test_a_knowledge_skill_shows_its_document_contents_and_files_in_place_of_the_run_form(knowledge_engine):
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        knowledge = await opened(pilot, app, "code-review")  # listed first, so selected at start
        main = app.main
        assert not main.query_one(RunForm).display and not main.query_one(ToolsPane).display
        toc = knowledge.query_one(MarkdownTableOfContents)
        assert toc.display and toc.region.width > 0  # beside the text at 150 columns
        headings = [str(n.label) for n in toc.query_one(Tree).root.children[0].children]
        assert [h.split(" ", 1)[1] for h in headings][:2] == ["Before you start", "Correctness"]
        assert "Review a change in four passes" in shown_text(app)

        tree = knowledge.query_one("#files", Tree)
        leaves = sorted(n.data for n in tree._tree_nodes.values() if n.data)
        assert leaves == FILES  # the recorded files: no skill.json, no component.wasm
        await pilot.press("enter")  # Enter on the skill: to its files
        assert app.focused is tree
        await pilot.press("down", "down", "down", "down", "enter")  # SKILL.md, assets/, badge.png, references/, …
        await opened(pilot, app, "code-review", "references/checklist.md")
        assert "Correctness checklist" in shown_text(app)
        assert knowledge.document.border_title == "references/checklist.md"

        knowledge.open("assets/badge.png")  # binary: the engine's one line, not a crash
        await opened(pilot, app, "code-review", "assets/badge.png")
        assert "assets/badge.png is a binary file (69 bytes); only text files can be read" in shown_text(app)
        knowledge.open("scripts/count-todos.sh")  # shown, never run
        await opened(pilot, app, "code-review", "scripts/count-todos.sh")
        assert 'git diff --unified=0 "${1:-main}"' in shown_text(app)
        await pilot.press("escape")  # out of the view, back to the skills
        assert app.focused is main.query_one("#skills-table")


async def test_a_knowledge_skill_lists_no_instance_and_c_or_n_say_it_has_no_config(knowledge_engine):
    """Before: the instances pane showed "default ✔ ready" for a guide, and c opened an empty wizard."""
    from skill_tui.screens.wizard import ConfigWizard
    from skill_tui.widgets.instances_pane import InstancesPane

    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await opened(pilot, app, "code-review")
        assert app.main.query_one(InstancesPane).row_count == 0
        app.main.action_configure()
        app.main.action_new_instance()
        await pilot.pause()
        assert not isinstance(app.screen, ConfigWizard)
        said = [n.message for n in app._notifications]
        assert said.count("code-review is a knowledge skill: it has no config and no instances") == 2
        await select_skill(pilot, app, "textkit")
        assert app.main.query_one(InstancesPane).row_count == 1  # a skill with tools keeps its default


async def test_links_open_the_skills_own_files_and_nothing_outside_it(knowledge_engine):
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        knowledge = await opened(pilot, app, "code-review")
        markdown = knowledge.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "references/checklist.md"))
        await opened(pilot, app, "code-review", "references/checklist.md")
        markdown.post_message(Markdown.LinkClicked(markdown, "../../../etc/passwd"))
        await until(pilot, lambda: any("not a file of this skill" in n.message for n in app._notifications))
        assert knowledge.opened == "references/checklist.md" and "root:" not in shown_text(app)


async def test_v_shows_the_validation_panel_with_each_finding_and_its_field(knowledge_engine):
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await opened(pilot, app, "code-review")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ValidationPanel) and app.screen.validation is not None)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "code-review: valid with 0 errors, 1 warning" in text
        assert "warning  argument-hint" in text  # the client-specific key, by its field
        await pilot.press("escape")
        assert app.screen is app.main

        await select_skill(pilot, app, "spin")  # a component with no SKILL.md
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ValidationPanel) and app.screen.validation is not None)
        assert "spin: not valid: 1 error, 0 warnings" in screen_text(app)
        assert "no SKILL.md" in screen_text(app)


async def test_m_swaps_the_run_form_and_the_skill_md_of_a_skill_with_both(knowledge_engine):
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_skill(pilot, app, "textkit")
        form = app.main.query_one(RunForm)
        await until(pilot, lambda: form.display and (form.current_ref or "").startswith("textkit@default:"))
        assert not view(app).display
        await pilot.press("m")
        await opened(pilot, app, "textkit")
        assert not form.display and "textkit" in shown_text(app).lower()
        await pilot.press("m")
        assert form.display and not view(app).display
        await select_skill(pilot, app, "code-review")
        await pilot.press("m")  # a knowledge skill has no run form to go back to
        await until(pilot, lambda: any("no tools to run" in n.message for n in app._notifications))
        assert view(app).display


async def test_e_exports_for_claude_or_agents_for_the_user_or_the_project(knowledge_engine, tmp_path, monkeypatch):
    from textual.widgets import RadioButton

    from skill_tui.screens.export import ExportDialog

    home, project = tmp_path / "person", tmp_path / "project"
    monkeypatch.setenv("HOME", str(home))
    project.mkdir()
    monkeypatch.chdir(project)
    (home / ".claude" / "skills" / "code-review").mkdir(parents=True)
    (home / ".claude" / "skills" / "code-review" / "notes.txt").write_text("mine")  # not an export: kept
    app = SkillTui(knowledge_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await opened(pilot, app, "code-review")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        await pilot.click("#export")  # Claude Code, for me: a folder that is someone else's is refused
        await until(pilot, lambda: dialog.query_one(".dialog-note").has_class("-error"))
        assert "code-review" in str(dialog.query_one(".dialog-note").render()) and app.screen is dialog
        assert (home / ".claude" / "skills" / "code-review" / "notes.txt").read_text() == "mine"

        for choice in ("agents", "project"):
            await pilot.click(next(b for b in dialog.query(RadioButton) if b.name == choice))
        assert (dialog.choice("#export-to"), dialog.choice("#export-where")) == ("agents", "project")
        await pilot.click("#export")
        await until(pilot, lambda: app.screen is app.main or dialog.query_one(".dialog-note").has_class("-error"))
        assert app.screen is app.main, str(dialog.query_one(".dialog-note").render())
        written = project / ".agents" / "skills" / "code-review"
        assert (written / "SKILL.md").read_text().startswith("---\nname: code-review\n")
        assert (written / "references" / "checklist.md").is_file()
        assert any(f"exported to {written}" in n.message for n in app._notifications)


@pytest.mark.parametrize("size", [(80, 24), SIZE], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot(snap_compare, knowledge_engine, steady_log, size):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        await opened(pilot, app, "code-review")
        await pilot.press("enter", "down", "down", "down", "down", "enter")
        await opened(pilot, app, "code-review", "references/checklist.md")
        view(app).open("SKILL.md")
        await opened(pilot, app, "code-review")
        app.clear_notifications()
        await until(pilot, lambda: all(w.is_finished or w.group == "watch" for w in app.workers))
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)

    assert snap_compare(SkillTui(knowledge_engine), terminal_size=size, run_before=run_before)


@pytest.fixture
def terminal(request):
    import os

    from fixtures.tmux import Tmux

    tmux = Tmux(f"skill-tui-kn-{os.getpid()}")
    yield tmux
    tmux.kill()


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh")
def test_in_a_real_terminal_at_80x24_read_scroll_validate_and_edit(knowledge_engine, terminal, tmp_path):
    """A person at 80x24: opens the files, a reference, scrolls it at key-repeat speed, validates, opens
    the file in $EDITOR (the source folder's, since code-review came from one); the app goes idle after
    each burst and comes back after the editor."""
    record = tmp_path / "edited"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {record}\n')
    editor.chmod(0o755)
    env = terminal_env(knowledge_engine.home) | {"EDITOR": str(editor)}
    app = terminal.start(skill_tui_argv(), env, 80, 24)
    terminal.wait_for("Code review")
    assert "─ Files ─" in terminal.screen() and " ≡ " in terminal.screen()
    app.wait_idle(within=10)
    terminal.keys("Enter", *["Down"] * 4, "Enter", delay=0.03)  # to the files; references/checklist.md
    terminal.wait_for("Correctness checklist")
    app.wait_idle(within=1)
    terminal.keys("Tab", *["PageDown"] * 3, *["Up"] * 10, *["Down"] * 10, delay=0.03)  # the text, scrolled
    app.wait_idle(within=1)
    terminal.keys("v")
    screen = terminal.wait_for("code-review: valid with 0 errors, 1 warning")
    assert "argument-hint" in screen
    terminal.keys("Escape")
    app.wait_idle(within=1)
    terminal.keys("S-Tab", "o")  # back to the files: the file under the cursor opens
    end = time.monotonic() + 10
    while not record.exists():
        assert time.monotonic() < end, f"the editor never ran:\n{terminal.screen()}"
        time.sleep(0.05)
    assert record.read_text() == str(tmp_path / "sources" / "code-review" / "references" / "checklist.md")
    terminal.wait_for("source folder")
    app.wait_idle(within=2)
    terminal.keys("C-q")
